"""Reporting periods: a month ("2026-12"), a quarter ("2026-Q4"), a half year ("2026-H2") or a year
("2026"), with their first and last days (Vietnam's calendar). The periodic document and the
free-text sections are keyed by these."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.core.content import Texts

_KEY = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")
KINDS = ("month", "quarter", "half", "year")


@dataclass(frozen=True)
class Period:
    key: str
    kind: str  # month, quarter, half, year
    year: int
    number: int  # the month, quarter or half; 0 for a year
    start: date
    end: date  # included


def _months(year: int, first: int, last: int, key: str, kind: str, number: int) -> Period:
    end = date(year, last, calendar.monthrange(year, last)[1])
    return Period(key, kind, year, number, date(year, first, 1), end)


def parse(key: str) -> Period | None:
    """The period a key names, or None ("2026-13", "2026-Q5", anything else)."""
    found = _KEY.match((key or "").strip().upper())
    if not found:
        return None
    year = int(found[1])
    if not 2000 <= year <= 2100:
        return None
    if found[2]:
        month = int(found[2])
        if not 1 <= month <= 12:
            return None
        return _months(year, month, month, f"{year}-{month:02d}", "month", month)
    if found[3]:
        quarter = int(found[3])
        return _months(year, 3 * quarter - 2, 3 * quarter, f"{year}-Q{quarter}", "quarter", quarter)
    if found[4]:
        half = int(found[4])
        return _months(year, 6 * half - 5, 6 * half, f"{year}-H{half}", "half", half)
    return _months(year, 1, 12, str(year), "year", 0)


def containing(kind: str, day: date) -> Period:
    """The period of this kind that `day` falls in."""
    if kind == "month":
        key = f"{day.year}-{day.month:02d}"
    elif kind == "quarter":
        key = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    elif kind == "half":
        key = f"{day.year}-H{1 if day.month <= 6 else 2}"
    elif kind == "year":
        key = str(day.year)
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    found = parse(key)
    assert found is not None
    return found


def before(period: Period) -> Period:
    """The period of the same kind just before this one."""
    day = period.start.replace(day=1)
    previous = date(day.year - 1, 12, 31) if day.month == 1 else date(day.year, day.month - 1, 1)
    if period.kind == "year":
        previous = date(period.year - 1, 1, 1)
    elif period.kind == "quarter":
        previous = period.start.replace(day=1)
        previous = date(previous.year - 1, 10, 1) if previous.month == 1 else date(previous.year, previous.month - 3, 1)
    elif period.kind == "half":
        previous = date(period.year - 1, 7, 1) if period.number == 1 else date(period.year, 1, 1)
    return containing(period.kind, previous)


def label(t: Texts, period: Period) -> str:
    """The period as staff read it ("quý 4 năm 2026"), from `notes.periods` in the strings."""
    key = f"half_{period.number}" if period.kind == "half" else period.kind
    return t.label(f"notes.periods.{key}").format(number=period.number, year=period.year)


def offered(today: date) -> list[Period]:
    """This month, quarter, half and year, and the quarter before (reported in its first weeks)."""
    current = [containing(kind, today) for kind in KINDS]
    return [*current, before(current[1])]
