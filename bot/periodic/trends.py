"""An area's last weeks at a glance (the console's home): reports per seven-day window, and the
topics whose reports jumped this week against the weeks before ("spikes").

Weeks are windows of seven days ending now, not calendar weeks: on a Monday a calendar week would
compare one day against seven.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from bot.core.clock import to_iso
from bot.reporting import reports

WEEKS = 12
BASELINE_WEEKS = 4  # "usual" is the mean of the four weeks before this one
SPIKE_RATIO = 3.0  # this week at least three times the usual
SPIKE_MIN = 3  # and at least three reports: one report after none is not a trend


@dataclass(frozen=True)
class Spike:
    topic: str
    this_week: int
    usual: float  # reports per week in the BASELINE_WEEKS before
    ratio: float | None  # this_week / usual; None when there were none before (new this week)


@dataclass(frozen=True)
class Trend:
    reports: list[int]  # per week, oldest first: the last one is this week
    lost: list[int]  # money reported lost, per week, oldest first
    spikes: list[Spike]  # largest jump first, then topics new this week


def spikes_of(by_week: dict[str, Counter]) -> list[Spike]:
    """`by_week`: topic -> {week (0 = this week): reports}."""
    found = []
    for topic, weeks in by_week.items():
        now, usual = weeks[0], sum(weeks[w] for w in range(1, BASELINE_WEEKS + 1)) / BASELINE_WEEKS
        if now >= SPIKE_MIN and (usual == 0 or now >= SPIKE_RATIO * usual):
            found.append(Spike(topic, now, usual, now / usual if usual else None))
    return sorted(found, key=lambda s: (s.ratio is None, -(s.ratio or 0), -s.this_week, s.topic))


def weekly(db: sqlite_utils.Database, area_codes: list[str], now: datetime) -> Trend:
    totals, lost, by_topic = Counter(), Counter(), defaultdict(Counter)
    end = to_iso(now + timedelta(seconds=1))  # periods are [start, end): a report filed this second counts
    for week, topic, count, money in reports.weekly_counts(db, end, WEEKS, area_codes):
        totals[week] += count
        lost[week] += money
        by_topic[topic or "unknown"][week] += count
    order = range(WEEKS - 1, -1, -1)
    return Trend([totals[w] for w in order], [lost[w] for w in order], spikes_of(by_topic))
