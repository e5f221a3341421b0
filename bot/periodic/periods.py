"""Reporting periods: a month (2026-12), a quarter (2026-Q4), a half year (2026-H2), a year (2026)
or two dates, as days of Vietnam's calendar; stored times are UTC, so bounds convert here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.activity import periods as period_keys
from bot.core.clock import VIETNAM, to_iso


class PeriodError(ValueError):
    """A period that cannot be reported: malformed, reversed, or not begun yet."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included
    kind: str  # month, quarter, half, year, days
    number: int = 0  # the month, quarter or half's number
    cut: bool = False  # still running: `last` is today, not the end the name says

    @property
    def start(self) -> str:
        """The first moment, as stored (UTC ISO)."""
        return to_iso(datetime.combine(self.first, time(), VIETNAM))

    @property
    def end(self) -> str:
        """The moment after the last day, as stored (UTC ISO): periods are [start, end)."""
        return to_iso(datetime.combine(self.last + timedelta(days=1), time(), VIETNAM))

    @property
    def key(self) -> str | None:
        """The name staff's sections are kept under (bot/activity/periods.py): "2026-12", "2026-Q4",
        "2026-H2", "2026"; None for two dates."""
        year = self.first.year
        return {"month": f"{year}-{self.number:02d}", "quarter": f"{year}-Q{self.number}",
                "half": f"{year}-H{self.number}", "year": str(year)}.get(self.kind)  # fmt: skip

    def months(self) -> list[str]:
        """Every month the period touches, "2026-10", in order."""
        found, current = [], self.first.replace(day=1)
        while current <= self.last:
            found.append(current.strftime("%Y-%m"))
            current = (current + timedelta(days=32)).replace(day=1)
        return found


def parse(text: str, today: date) -> Period:
    """The period `text` names ("2026-12", "2026-Q4", "2026-H2", "2026": the keys staff's sections
    are kept under, read by `bot.activity.periods`); PeriodError if unreadable or begins after
    `today`. A period still running is cut at `today` (nothing after it has happened)."""
    named = period_keys.parse(text)
    if named is None:
        raise PeriodError(f"cannot read the period {text[:30]!r}: write 2026-12, 2026-Q4, 2026-H2 or 2026")
    return _checked(Period(named.start, named.end, named.kind, named.number), today)


def between(first_text: str, last_text: str, today: date) -> Period:
    """--from / --to: two days, both included."""
    try:
        first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
    except ValueError:
        raise PeriodError(f"dates must look like 2026-10-01, got {first_text[:20]!r} and {last_text[:20]!r}") from None
    if first > last:
        raise PeriodError(f"--from {first} is after --to {last}")
    return _checked(Period(first, last, "days"), today)


def _checked(period: Period, today: date) -> Period:
    if period.first > today:
        raise PeriodError(f"the period starting {period.first} has not begun yet (today is {today})")
    if period.last > today:
        return Period(period.first, today, period.kind, period.number, cut=True)
    return period
