"""The home page's week: for each area an officer answers for, the last seven days' figures (new
reports by kind and topic, money reported lost, checks and questions, warnings delivered, blocked
or failed), reports over twelve weeks as a chart, and the topics whose reports jumped.

The figures are the periodic report's (`bot.periodic.figures`, the same owners' aggregates over a
seven-day period), so the home page and the quarterly Word document never disagree. An officer
whose role covers every area (None) sees no figures here: a whole country's week is not a commune
officer's home page, and one province's is chosen from the periodic report instead.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlite_utils

from bot.broadcast.areas import Areas
from bot.core.clock import VIETNAM
from bot.core.content import Texts
from bot.core.money import format_vnd
from bot.periodic import figures, trends
from bot.periodic.periods import Period
from bot.web import charts
from bot.web.identity import Officer

MAX_ITEMS = 6  # kinds or topics listed; the rest are in the periodic report


def area_codes(officer: Officer) -> list[str]:
    """The areas of every role the officer holds, each once, in the order the roles list them."""
    codes: list[str] = []
    for held in officer.roles.values():
        codes += [code for code in held or () if code not in codes]
    return codes


def _plain(label: str) -> str:
    """A chat label without its leading emoji ("📞 Cuộc gọi"): the office PCs' browsers may lack
    the emoji font and show a box instead."""
    return re.sub(r"^\W+", "", label)


def _top(counts: dict[str, int], names: dict[str, str]) -> list[dict]:
    return [{"name": _plain(names.get(key, key)), "count": n} for key, n in list(counts.items())[:MAX_ITEMS] if n]


def week(db: sqlite_utils.Database, areas: Areas, t: Texts, officer: Officer, now: datetime) -> list[dict]:
    """One block per area the officer answers for (none for an every-area role)."""
    today = now.astimezone(VIETNAM).date()
    period = Period(today - timedelta(days=6), today, "days")
    blocks = []
    for code in area_codes(officer):
        if areas.get(code) is None:
            continue
        found = figures.compute(db, areas, code, period)
        covered, _ = figures.area_rows(areas, code)
        trend = trends.weekly(db, covered, now)
        topics = t.labels("report.claimed")
        weeks = [(today - timedelta(days=7 * back)).strftime("%d/%m") for back in range(trends.WEEKS - 1, -1, -1)]
        chart = charts.grouped_bars(
            t.label("web.week.chart_title"), weeks, [(t.label("web.week.chart_series"), trend.reports)],
            f"weeks-{code}", label_every=3,
        )  # fmt: skip
        blocks.append(
            {
                "area": areas.full_name(code),
                "reports": found.total("reports"),
                "kinds": _top(found.breakdown("reports.what"), t.labels("report.what")),
                "topics": _top(found.breakdown("reports.topic"), topics),
                "lost": format_vnd(found.total("reports.lost")),
                "checks": found.total("check") + found.total("message_check"),
                "high_risk": found.total("check.high") + found.total("message_check.high"),
                "questions": found.total("question.answered"),
                "delivered": found.total("deliveries.delivered"),
                "blocked": found.total("deliveries.blocked"),
                "failed": found.total("deliveries.failed"),
                "chart": chart,
                "spikes": [
                    {
                        "topic": topics.get(s.topic, s.topic),
                        "count": s.this_week,
                        "usual": round(s.usual, 1),
                        "times": round(s.ratio) if s.ratio else None,
                    }  # fmt: skip
                    for s in trend.spikes
                ],
            }
        )
    return blocks
