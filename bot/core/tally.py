"""Anonymous usage counters, aggregated when they are written (table `usage_counts`).

One row per (day in Vietnam's calendar, kind, outcome, topic, area code) holds a count, incremented
in the write that answers the citizen: nothing per citizen, nothing about what was checked or asked.
Periodic reports (`bot/periodic/`) read the sums back per month and area.

Kinds and their outcomes:
- `check`: a number, link or account checked; the outcome is the worst risk (high, medium, low).
- `message_check`: a whole message judged; the risk, and the trick it looks like as topic.
- `question`: a question in the citizen's words; answered, suggested or unanswered, with the
  answered entry's topic.
- `quiz`: a finished quiz; the outcome is "score/total" ("4/5"), so a mean score can be read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from bot.core.clock import VIETNAM

KINDS = ("check", "message_check", "question", "quiz")


def day_of(moment: datetime) -> str:
    """The day in Vietnam's calendar, ISO (2026-12-05): a report's month is Vietnam's month."""
    return moment.astimezone(VIETNAM).date().isoformat()


def count(
    db: sqlite_utils.Database,
    kind: str,
    outcome: str,
    now: datetime,
    *,
    topic: str | None = "",
    area_code: str | None = "",
    amount: int = 1,
) -> None:
    """Add `amount` to one counter, inside the caller's write."""
    db.execute(
        "INSERT INTO usage_counts (day, kind, outcome, topic, area_code, count) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (day, kind, outcome, topic, area_code) DO UPDATE SET count = count + excluded.count",
        [day_of(now), kind, outcome, topic or "", area_code or "", amount],
    )


@dataclass(frozen=True)
class Total:
    month: str  # 2026-12
    area_code: str
    kind: str
    outcome: str
    topic: str
    count: int


def monthly(db: sqlite_utils.Database, first: date, last: date, area_codes: Iterable[str] | None = None) -> list[Total]:
    """Counts summed per month, area, kind, outcome and topic for the days first..last (both
    included), in `area_codes` only (None: every area, '' included)."""
    where, params = "day >= ? AND day <= ?", [first.isoformat(), last.isoformat()]
    if area_codes is not None:
        where += " AND area_code IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(set(area_codes))))
    # Grouped in the order of the index usage_counts_by_month (migration 21): no sort of every row.
    rows = db.execute(
        f"SELECT substr(day, 1, 7), area_code, kind, outcome, topic, sum(count) FROM usage_counts WHERE {where} "
        "GROUP BY area_code, substr(day, 1, 7), kind, outcome, topic",
        params,
    ).fetchall()
    return [Total(*row) for row in rows]
