"""Time in one format: aware UTC datetimes in code, ISO 8601 text in the database.

Services take a `Clock` so tests can move time (idle expiry, retention) without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

Clock = Callable[[], datetime]

# Vietnam has kept UTC+7 without daylight saving since 1975; a fixed offset needs no tz database.
VIETNAM = timezone(timedelta(hours=7), "ICT")


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    # Fixed width and always UTC, so text comparison in SQL orders like time. `isoformat` writes the
    # same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ") at half the cost (several writes per update),
    # except for years before 1000, which strftime does not pad: those keep strftime's text.
    utc = moment.astimezone(UTC)
    if utc.year < 1000:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"


def from_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def local_date(moment: datetime) -> str:
    """The date in Vietnam, as people there would write it (dd/mm/yyyy)."""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y")
