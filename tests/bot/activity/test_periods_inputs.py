"""Period keys and what staff type (days, numbers of people)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.activity import inputs, periods

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-h2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_a_key_names_its_days(key, start, end):
    period = periods.parse(key)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("key", ["2026-13", "2026-Q5", "2026-H3", "26", "", "2026-Q4; DROP", "{{7*7}}", "9999"])
def test_other_keys_name_nothing(key):
    assert periods.parse(key) is None


def test_containing_and_before():
    assert [periods.containing(kind, TODAY).key for kind in periods.KINDS] == ["2026-11", "2026-Q4", "2026-H2", "2026"]
    assert periods.before(periods.parse("2026-Q1")).key == "2025-Q4"
    assert periods.before(periods.parse("2026-Q3")).key == "2026-Q2"
    assert periods.before(periods.parse("2026-01")).key == "2025-12"
    assert periods.before(periods.parse("2026-H1")).key == "2025-H2"
    assert periods.before(periods.parse("2026")).key == "2025"


@pytest.mark.parametrize(
    ("text", "day", "problem"),
    [
        ("20/11", date(2026, 11, 20), None),
        (" 20 - 11 - 2026 ", date(2026, 11, 20), None),
        ("24.11.26", date(2026, 11, 24), None),
        ("30/12", None, "future"),  # a month ahead
        ("30/5", date(2026, 5, 30), None),
        ("25/11", None, "future"),  # tomorrow
        ("25/11/2026", None, "future"),
        ("1/1/2025", None, "old"),
        ("31/2", None, "unclear"),
        ("hôm kia", None, "unclear"),
        ("２０/１１", date(2026, 11, 20), None),  # full-width digits from a phone keyboard
        ("x" * 4000, None, "unclear"),
    ],
)
def test_read_day(text, day, problem):
    assert inputs.read_day(text, TODAY) == (day, problem)


def test_a_day_without_its_year_months_ahead_is_last_years():
    assert inputs.read_day("30/12", date(2027, 1, 3)) == (date(2026, 12, 30), None)


@pytest.mark.parametrize(
    ("text", "people", "problem"),
    [
        ("50", 50, None),
        ("khoảng 50", 50, None),
        ("50 người", 50, None),
        ("1.200", 1200, None),
        ("-5", None, "negative"),
        ("0", None, "zero"),
        ("1000000", None, "too_many"),
        ("50-60", None, "unclear"),
        ("nhiều lắm", None, "unclear"),
        ("٣٠", None, "unclear"),  # Arabic-Indic digits: not typed here
        ("9" * 4000, None, "too_many"),  # read from its start only, never a 4,000-digit int
    ],
)
def test_read_people(text, people, problem):
    assert inputs.read_people(text) == (people, problem)
