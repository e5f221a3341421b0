"""What staff type into the activity log, read the same way wherever they type it (the chat, the
console): a day ("25/11", "25/11/2026", "25-11-26", or "2026-11-25" from a date field) and a number
of people ("50", "khoảng 50", "50 người", "1.200"); a deadline's day ("21/3" every year, "15/1/2027"
that year only). Each returns (the value, None) or (None, why not), the reason a re-ask names."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.activity.deadlines import MAX_NOTE as MAX_TITLE
from bot.activity.log import MAX_PEOPLE
from bot.core.textnorm import clean_input, phrase_key

HALF_YEAR = 183
OLDEST_DAYS = 366  # a session older than a year belongs to a report already sent
_DAY = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?\s*$")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")  # what a browser's date field posts
# ASCII digits only: `\d` would take "٣" or "𝟗", which nobody types here. "1.200" and "1,200" are
# thousands (Vietnamese writes them with a dot).
_NUMBER = re.compile(r"(-\s*)?([0-9]{1,3}(?:[.,][0-9]{3})+|[0-9]+)")


def read_day(text: str, today: date) -> tuple[date | None, str | None]:
    """The day typed: "unclear", "future" (after today) or "old" (more than a year ago) otherwise.
    Without a year, this year's, unless that is months ahead: on 3 January, "30/12" is last year's,
    while on 24 November "25/11" is tomorrow, re-asked."""
    typed = clean_input(text)[:40]
    iso = _ISO_DAY.match(typed)
    found = _DAY.match(typed)
    if iso:
        day, month, year_text = int(iso[3]), int(iso[2]), iso[1]
    elif found:
        day, month, year_text = int(found[1]), int(found[2]), found[3]
    else:
        return None, "unclear"
    try:
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            moment = date(year, month, day)
        else:
            moment = date(today.year, month, day)
            if (moment - today).days > HALF_YEAR:  # "30/12" typed on 3 January: the one just gone
                moment = date(today.year - 1, month, day)
    except ValueError:
        return None, "unclear"  # 31/2, 0/5
    if moment > today:
        return None, "future"
    if today - moment > timedelta(days=OLDEST_DAYS):
        return None, "old"
    return moment, None


def read_due_day(text: str, today: date) -> tuple[tuple[int, int, int | None] | None, str | None]:
    """A deadline's day as (month, day, year or None: every year): "unclear", "day" (no such day,
    31/2), "year" (outside 2000-2100) or "past" (a one-year day before today) otherwise."""
    typed = clean_input(text)[:40]
    iso = _ISO_DAY.match(typed)
    found = _DAY.match(typed)
    if iso:
        day, month, year = int(iso[3]), int(iso[2]), int(iso[1])
    elif found:
        day, month = int(found[1]), int(found[2])
        year = None if not found[3] else int(found[3]) + (2000 if len(found[3]) == 2 else 0)
    else:
        return None, "unclear"
    if year is not None and not 2000 <= year <= 2100:
        return None, "year"
    try:
        moment = date(year or 2024, month, day)  # 2024: a leap year, so 29/2 is a day every year may name
    except ValueError:
        return None, "day"
    if year is not None and moment < today:
        return None, "past"
    return (month, day, year), None


def read_title(text: str | None) -> tuple[str | None, str | None]:
    """A deadline's title: "long" (over `MAX_TITLE` characters) or "title" (no letter or digit:
    empty, emoji, punctuation) otherwise. HTML and the like are kept as typed: pages escape them."""
    raw = (text or "").strip()
    if len(raw) > MAX_TITLE:
        return None, "long"
    title = clean_input(raw)
    return (title, None) if phrase_key(title) else (None, "title")


def read_people(text: str) -> tuple[int | None, str | None]:
    """The number of people typed: "unclear" (none, or several numbers), "negative", "zero" or
    "too_many" (over `MAX_PEOPLE`) otherwise."""
    return read_count(text, MAX_PEOPLE)


def read_percent(text: str) -> tuple[int | None, str | None]:
    """A share typed in percent ("80", "80%", "80 phần trăm"), 1 to 100; problems as `read_count`."""
    return read_count(text, 100)


def read_count(text: str, maximum: int) -> tuple[int | None, str | None]:
    """One whole number from 1 to `maximum` among words: "unclear" (none, or several numbers),
    "negative", "zero" or "too_many"."""
    numbers = _NUMBER.findall(clean_input(text)[:200])
    if len(numbers) != 1:
        return None, "unclear"
    minus, digits = numbers[0]
    value = int(re.sub(r"[.,]", "", digits)[:9])
    if minus:
        return None, "negative"
    if value == 0:
        return None, "zero"
    if value > maximum:
        return None, "too_many"
    return value, None
