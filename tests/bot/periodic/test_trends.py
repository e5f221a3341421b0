"""The home page's weeks: reports per seven-day window ending now, and spikes against the four
weeks before, on a real SQLite file filled through `reports.file`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.core.messages import ChatKey
from bot.identifiers import parse_identifier
from bot.periodic import trends
from bot.reporting import reports

A, B = "x-02647", "x-02839"
NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)


def _file(db, n: int, area: str, topic: str, days_ago: float, lost: int | None = None) -> None:
    draft = reports.Draft(identifier=parse_identifier(f"09123{n:05d}"), what="call", via="phone_call",
                          claimed_topic=topic, happened="today", amount_lost=lost, area_code=area)  # fmt: skip
    reports.file(db, draft, ChatKey("test", str(n)), NOW - timedelta(days=days_ago))


def test_reports_per_week_and_a_spike(services):
    def fill(db):
        n = 0
        for week in range(1, 5):  # one job-scam report a week for four weeks
            n += 1
            _file(db, n, A, "job-scam", 7 * week + 1)
        for _ in range(4):  # then four this week: four times the usual
            n += 1
            _file(db, n, A, "job-scam", 2, lost=1_000_000)
        for _ in range(3):  # three of a topic never seen before
            n += 1
            _file(db, n, A, "loan-shark", 1)
        for week in range(5):  # steady: two a week, no spike
            for _ in range(2):
                n += 1
                _file(db, n, A, "investment-scam", 7 * week + 3)
        n += 1
        _file(db, n, B, "job-scam", 1)  # another commune: not counted
        n += 1
        _file(db, n, A, "job-scam", 7 * trends.WEEKS + 1)  # older than the chart

    services.storage.write_sync(fill)
    trend = services.storage.read_sync(lambda db: trends.weekly(db, [A], NOW))
    assert len(trend.reports) == trends.WEEKS
    assert trend.reports[-1] == 4 + 3 + 2  # this week, last
    assert trend.reports[-2] == 1 + 2 and sum(trend.reports) == 4 + 4 + 3 + 10
    assert trend.lost[-1] == 4_000_000
    assert [(s.topic, s.this_week, s.ratio) for s in trend.spikes] == [("job-scam", 4, 4.0), ("loan-shark", 3, None)]


def test_small_numbers_are_not_spikes():
    assert trends.spikes_of({"job-scam": Counter({0: 2})}) == []  # two after none: under the minimum
    assert trends.spikes_of({"job-scam": Counter({0: 5, 1: 2, 2: 2, 3: 2, 4: 2})}) == []  # 2.5 times
    [spike] = trends.spikes_of({"job-scam": Counter({0: 6, 1: 2, 2: 2, 3: 2, 4: 2})})
    assert (spike.this_week, spike.usual, spike.ratio) == (6, 2.0, 3.0)
