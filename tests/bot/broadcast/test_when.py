"""Broadcast times typed the way staff say them, against a fixed clock (Vietnam time)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.broadcast import when
from bot.core.clock import VIETNAM

# Tuesday 24 November 2026, 09:00 in Vietnam.
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8h sáng mai", at(11, 25, 8)),
        ("8h sang mai", at(11, 25, 8)),
        ("thứ 2 tuần sau 8h", at(11, 30, 8)),
        ("thu hai tuan toi 8h", at(11, 30, 8)),
        ("mai 8:30", at(11, 25, 8, 30)),
        ("20h tối nay", at(11, 24, 20)),
        ("8h tối nay", at(11, 24, 20)),
        ("3h chiều mai", at(11, 25, 15)),
        ("8:00 15/12", at(12, 15, 8)),
        ("15/12 8h", at(12, 15, 8)),
        ("25/11 08:30", at(11, 25, 8, 30)),
        ("20/11/2027 8h", at(11, 20, 8, year=2027)),
        ("14:00", at(11, 24, 14)),
        ("lúc 14 giờ 30 hôm nay", at(11, 24, 14, 30)),
        ("8h30 ngày kia", at(11, 26, 8, 30)),
        ("chủ nhật 7h", at(11, 29, 7)),
        ("thứ 3 8h", at(12, 1, 8)),  # said on a Tuesday: the coming one, next week
        ("thứ 4, 8h", at(11, 25, 8)),
        ("5/1 8h", at(1, 5, 8, year=2027)),  # a date already past this year: next year's
        ("Mai 8H30", at(11, 25, 8, 30)),
    ],
)
def test_times_people_type(typed, expected):
    assert when.parse(typed, NOW) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hôm qua",
        "mai",
        "tuần sau 8h",
        "8",
        "25h",
        "8:75",
        "31/2 8h",
        "mai 8h ngày kia",
        "8h rồi gửi cho tôi",
        "thứ 9 8h",
        "'; DROP TABLE broadcasts; --",
        "📢📢",
    ],  # fmt: skip
)
def test_what_is_not_a_time(typed):
    assert when.parse(typed, NOW) is None


def test_a_time_already_past_today_is_returned_for_the_caller_to_refuse():
    assert when.parse("8h", NOW) == at(11, 24, 8) < NOW


@pytest.mark.parametrize("now", [NOW, at(12, 31, 23, 59), at(11, 24, 0, 1)])
def test_the_prompt_example_is_always_ahead(now):
    assert when.example(now) > now
