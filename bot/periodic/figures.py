"""Every figure of a periodic report, for a period and an area (a commune, or a province: all its
communes, each also on its own), read through the owners' aggregate functions.

Additive figures are kept per (area, month) cell under a key ("reports", "checks.high",
"reports.topic.job-scam"), so a province's figure is the sum of its communes' and the annex can list
every cell; figures that do not add up (distinct identifiers, subscribers at the end, the median time
to a decision, distinct broadcasts) are computed on their own.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlite_utils

from bot.broadcast import broadcasts, deliveries, subscriptions
from bot.broadcast.areas import Areas
from bot.core import tally
from bot.core.clock import VIETNAM, from_iso
from bot.core.textnorm import strip_diacritics
from bot.knowledge import gaps
from bot.periodic.inputs import ActivityCount, Coverage
from bot.periodic.periods import Period
from bot.reporting import reports

RISKS = ("high", "medium", "low")
DELIVERY = {"sent": "delivered", "blocked": "blocked", "failed": "failed"}  # others: not yet sent or cancelled
MAX_THEMES = 5


class AreaUnknown(ValueError):
    """The area named is no current province or commune."""


@dataclass
class Figures:
    period: Period
    area_code: str
    communes: list[str]  # the area's communes, each listed on its own (the commune itself for one)
    cells: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    subscribers: dict[str, int] = field(default_factory=dict)  # per area, active at the period's end
    broadcasts: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # per area
    identifiers: int = 0
    identifiers_by_area: dict[str, int] = field(default_factory=dict)
    identifiers_by_cell: dict[tuple[str, str], int] = field(default_factory=dict)
    decisions: Counter = field(default_factory=Counter)  # distinct decisions by status
    decision_days: list[float] = field(default_factory=list)  # first decisions: days from first report
    themes: list[tuple[str, int]] = field(default_factory=list)  # unanswered questions: example, times
    activities: list[ActivityCount] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)  # communes with a target: villages reached

    def total(self, key: str, area: str | None = None, month: str | None = None) -> int:
        if area is not None and month is not None:  # one cell: the annex asks this for every cell
            cell = self.cells.get((area, month))
            return cell[key] if cell is not None else 0
        return sum(
            counts[key]
            for (cell_area, cell_month), counts in self.cells.items()
            if (area is None or cell_area == area) and (month is None or cell_month == month)
        )

    def breakdown(self, prefix: str, area: str | None = None) -> dict[str, int]:
        """{item: value} of the keys "<prefix>.<item>", largest first."""
        found: Counter = Counter()
        for (cell_area, _), counts in self.cells.items():
            if area is None or cell_area == area:
                for key, value in counts.items():
                    if key.startswith(prefix + "."):
                        found[key[len(prefix) + 1 :]] += value
        return dict(found.most_common())

    @property
    def subscribers_total(self) -> int:
        return sum(self.subscribers.values())

    @property
    def broadcasts_sent(self) -> int:
        return len(set().union(*self.broadcasts.values())) if self.broadcasts else 0

    @property
    def median_days_to_decision(self) -> float | None:
        return statistics.median(self.decision_days) if self.decision_days else None

    @property
    def quiz_mean(self) -> float | None:
        """Mean score as a share of the questions (0..1), over every quiz finished."""
        asked = self.total("quiz.questions")
        return self.total("quiz.points") / asked if asked else None

    def activity(self, kind: str | None = None) -> tuple[int, int]:
        rows = [a for a in self.activities if kind is None or a.kind == kind]
        return sum(a.sessions for a in rows), sum(a.people for a in rows)

    @property
    def empty(self) -> bool:
        """Nothing happened in the period: no count, no subscriber, no activity."""
        return (
            not any(any(c.values()) for c in self.cells.values())
            and not self.subscribers_total
            and not (self.activities)
        )


def area_rows(areas: Areas, code: str) -> tuple[list[str], list[str]]:
    """(every code the area covers, the communes listed on their own), AreaUnknown if none."""
    area = areas.get(code)
    if area is None:
        raise AreaUnknown(code)
    covered = areas.within(code)
    # Wards first, then communes, each in alphabetical order ("Đ" after "D", not after "Y").
    communes = sorted((c for c in covered if c != code), key=lambda c: strip_diacritics(areas.name_of(c)).casefold())
    communes = communes or [code]
    return sorted(covered), communes


def compute(
    db: sqlite_utils.Database,
    areas: Areas,
    area_code: str,
    period: Period,
    activities: Sequence[ActivityCount] = (),
) -> Figures:
    covered, communes = area_rows(areas, area_code)
    start, end = period.start, period.end
    figures = Figures(period, area_code, communes)
    cells = figures.cells

    for month, area, new, stopped in subscriptions.monthly_changes(db, start, end, covered):
        cells[area, month]["subscribers.new"] += new
        cells[area, month]["subscribers.stopped"] += stopped
    figures.subscribers = subscriptions.active_at(db, end, covered)

    due = broadcasts.sent_between(db, start, end)
    for broadcast_id, area, status, rows in deliveries.per_area(db, sorted(due), covered):
        month = _month(due[broadcast_id])
        cells[area, month]["deliveries"] += rows
        cells[area, month][f"deliveries.{DELIVERY.get(status, 'pending')}"] += rows
        figures.broadcasts[area].add(broadcast_id)

    for total in tally.monthly(db, period.first, period.last, covered):
        counts = cells[total.area_code, total.month]
        if total.kind in ("check", "message_check"):
            counts[total.kind] += total.count
            counts[f"{total.kind}.{total.outcome}"] += total.count
            if total.topic:
                counts[f"{total.kind}.topic.{total.topic}"] += total.count
        elif total.kind == "question":
            counts[f"question.{total.outcome}"] += total.count
            if total.outcome == "answered" and total.topic:
                counts[f"question.topic.{total.topic}"] += total.count
        elif total.kind == "quiz":
            points, _, asked = total.outcome.partition("/")
            counts["quiz"] += total.count
            counts["quiz.points"] += int(points or 0) * total.count
            counts["quiz.questions"] += int(asked or 0) * total.count

    for month, area, what, topic, via, count, lost in reports.monthly_counts(db, start, end, covered):
        counts = cells[area, month]
        counts["reports"] += count
        counts["reports.lost"] += lost
        counts[f"reports.what.{what}"] += count
        counts[f"reports.topic.{topic or 'unknown'}"] += count  # NULL and '' alike: not said
        counts[f"reports.via.{via or 'unknown'}"] += count
    figures.identifiers, figures.identifiers_by_cell, figures.identifiers_by_area = reports.distinct_identifiers(
        db, start, end, covered
    )

    # A decision on an identifier reported in two communes counts in each commune's row, once in the total.
    decided: dict[int, str] = {}
    first_decisions: dict[int, tuple[str, str]] = {}  # identifier -> (its first report here, decided at)
    for decision_id, area, identifier_id, at, decision, first, is_first in reports.decisions_between(
        db, start, end, covered
    ):
        counts = cells[area, _month(at)]
        counts["decisions"] += 1
        counts[f"decisions.{decision}"] += 1
        decided[decision_id] = decision
        if is_first:
            earlier = first_decisions.get(identifier_id, (first, at))[0]
            first_decisions[identifier_id] = (min(first, earlier), at)
    figures.decisions = Counter(decided.values())
    figures.decision_days = [
        (from_iso(at) - from_iso(first)).total_seconds() / 86400 for first, at in first_decisions.values()
    ]

    themes = gaps.group(gaps.asked_between(db, start, end))[:MAX_THEMES]
    figures.themes = [(gap.example, gap.count) for gap in themes]
    figures.activities = [a for a in activities if a.area_code in covered]
    if area_code not in communes and (
        any(area == area_code for area, _ in cells) or area_code in figures.subscribers
    ):  # rows placed in the province itself (a subscription to the whole province): a row of their own
        communes.append(area_code)
    return figures


def _month(stamp: str) -> str:
    return from_iso(stamp).astimezone(VIETNAM).strftime("%Y-%m")
