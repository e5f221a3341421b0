"""When staff want a broadcast sent, typed the way people say it, in Vietnam time.

Understood, in any order and with or without diacritics: a clock time ("8h", "8h30", "8:30",
"8 giờ 30"), a part of the day that moves it to the afternoon ("20h tối nay", "3h chiều"), a day
("hôm nay", "mai", "ngày kia", "thứ 2", "chủ nhật", "thứ 2 tuần sau", "15/12", "15/12/2026").
Examples: "8h sáng mai", "thứ 2 tuần sau 8h", "mai 8:30", "20h tối nay", "8:00 15/12".

A word that is not part of a time makes the whole text unreadable (None): a guess at a broadcast's
time is worse than a re-ask. `parse` does not judge the result; `example` gives prompts a time always
ahead of now.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.core.clock import VIETNAM
from bot.core.textnorm import strip_diacritics

_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?\b")
_WEEKDAY = re.compile(r"\b(?:thu\s*(2|3|4|5|6|7|hai|ba|tu|nam|sau|bay)|chu\s*nhat|cn)\b")
_NEXT_WEEK = re.compile(r"\btuan\s*(?:sau|toi)\b")
_CLOCK = re.compile(r"\b(\d{1,2})\s*(?:(?::|gio|h|g)\s*(\d{2})?\s*(?:p|phut)?|(?=\s*(?:sang|trua|chieu|toi|dem)\b))")
_DAY_WORDS = (
    (re.compile(r"\b(?:ngay\s*kia|ngay\s*mot|mot)\b"), 2),
    (re.compile(r"\b(?:ngay\s*mai|mai)\b"), 1),
    (re.compile(r"\b(?:hom\s*nay|nay)\b"), 0),
)
_PART = re.compile(r"\b(sang|trua|chieu|toi|dem)\b")
_FILLER = re.compile(r"\b(?:luc|vao|ngay|gio|khoang|nhe|a)\b|[,.;!]")
_WEEKDAY_NUMBER = {"2": 0, "hai": 0, "3": 1, "ba": 1, "4": 2, "tu": 2, "5": 3, "nam": 3,
                   "6": 4, "sau": 4, "7": 5, "bay": 5}  # fmt: skip


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, text[: match.start()] + " " + text[match.end() :]


def _hour(hour: int, part: str | None) -> int | None:
    """The 24-hour hour for "3h chiều", "8h tối", "1h trưa", "2h đêm"."""
    afternoon = {"chieu": range(1, 12), "toi": range(1, 12), "trua": range(1, 3), "dem": range(8, 12)}
    if hour in afternoon.get(part or "", ()):
        hour += 12
    return hour if 0 <= hour <= 23 else None


def _day(text: str, today: date) -> tuple[date | None, str] | None:
    """The day the text names (None: none named) and the text left; None if it names two."""
    named: list[date] = []
    match, text = _take(_DATE, text)
    if match:
        day, month, year = match.groups()
        full_year = int(year) + (2000 if year and len(year) == 2 else 0) if year else today.year
        try:
            found = date(full_year, int(month), int(day))
        except ValueError:
            return None
        if not year and found < today:  # "5/1" typed in December: next January
            try:
                found = found.replace(year=today.year + 1)
            except ValueError:
                return None
        named.append(found)
    next_week, text = _take(_NEXT_WEEK, text)
    match, text = _take(_WEEKDAY, text)
    if match:
        weekday = _WEEKDAY_NUMBER[match.group(1)] if match.group(1) else 6
        if next_week:
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            named.append(monday + timedelta(days=weekday))
        else:  # the coming one: on a Monday, "thứ 2" is next Monday
            named.append(today + timedelta(days=(weekday - today.weekday()) % 7 or 7))
    elif next_week:
        return None  # "tuần sau" alone names no day
    for pattern, ahead in _DAY_WORDS:
        match, text = _take(pattern, text)
        if match:
            named.append(today + timedelta(days=ahead))
    if len(named) > 1:
        return None
    return (named[0] if named else None), text


def parse(text: str, now: datetime) -> datetime | None:
    """The moment `text` names, in Vietnam time, or None if it is not clearly a time. A moment
    already past is returned as is: the caller says so, rather than moving it to another day."""
    folded = " " + strip_diacritics(text.casefold()).strip() + " "
    today = now.astimezone(VIETNAM).date()
    found = _day(folded, today)
    if found is None:
        return None
    day, rest = found
    part, rest = _take(_PART, rest)
    clock, rest = _take(_CLOCK, rest)
    if clock is None or _FILLER.sub(" ", rest).strip():
        return None
    hour = _hour(int(clock.group(1)), part.group(1) if part else None)
    minute = int(clock.group(2) or 0)
    if hour is None or minute > 59:
        return None
    return datetime.combine(day or today, time(hour, minute), tzinfo=VIETNAM)


def example(now: datetime) -> datetime:
    """A time for a prompt's example, always ahead of `now`: tomorrow at 8:30, Vietnam time."""
    return datetime.combine(now.astimezone(VIETNAM).date() + timedelta(days=1), time(8, 30), tzinfo=VIETNAM)
