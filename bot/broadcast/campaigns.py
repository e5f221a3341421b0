"""Weekly campaign messages (`content/campaigns/*.yaml`) and the calendar that picks one per ISO week.

The calendar (`content/campaigns/calendar.yaml`) names a start week and a sequence that repeats;
fixed weeks (Tết, the school year) take precedence. Staff may override a week for their area; the
override lives in the database (`week_overrides`), not in the files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.content import read_yaml


class CampaignError(ValueError):
    """A campaign file or the calendar is malformed; the message names the file."""


@dataclass(frozen=True)
class Campaign:
    id: str
    topic: str
    title: str
    text: str  # a jinja2 template of Telegram's HTML subset; sees `area`, `hotlines`, `locality`
    image: str | None = None


def iso_week(moment: dt.date | dt.datetime) -> str:
    """ "2026-W48": the key of a week in the calendar and in the database."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _week_start(week: str) -> dt.date:
    try:
        return dt.datetime.strptime(week + "-1", "%G-W%V-%u").date()
    except ValueError:
        raise CampaignError(f"not an ISO week like 2026-W48: {week!r}") from None


def week_span(week: str | None) -> dict[str, str | int] | None:
    """How staff read a week: its number and its Monday–Sunday ("tuần 49, 30/11–06/12"), never
    the key "2026-W49". None for None (a broadcast that is not a week's campaign)."""
    if not week:
        return None
    monday = _week_start(week)
    return {"number": monday.isocalendar()[1], "first": f"{monday:%d/%m}",
            "last": f"{monday + dt.timedelta(days=6):%d/%m}"}  # fmt: skip


@dataclass(frozen=True)
class Calendar:
    start: str
    sequence: tuple[str, ...]
    weeks: dict[str, str]

    def campaign_id(self, week: str) -> str | None:
        if week in self.weeks:
            return self.weeks[week]
        if not self.sequence:
            return None
        offset = (_week_start(week) - _week_start(self.start)).days // 7
        return self.sequence[offset % len(self.sequence)] if offset >= 0 else None


class Campaigns:
    def __init__(self, campaigns: dict[str, Campaign], calendar: Calendar):
        self.by_id = campaigns
        self.calendar = calendar

    @classmethod
    def load(cls, folder: Path, topics: set[str]) -> Campaigns:
        campaigns = {}
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            if path.name == "calendar.yaml":
                continue
            data = read_yaml(path.read_text(encoding="utf-8")) or {}
            campaign = Campaign(
                id=str(data.get("id", "")),
                topic=str(data.get("topic", "")),
                title=str(data.get("title", "")).strip(),
                text=str(data.get("text", "")).strip(),
                image=data.get("image") or None,
            )
            if campaign.id != path.stem:
                raise CampaignError(f"{path.name}: id {campaign.id!r} must equal the file name")
            if campaign.topic not in topics:
                raise CampaignError(f"{path.name}: unknown topic {campaign.topic!r}")
            if not campaign.title or not campaign.text:
                raise CampaignError(f"{path.name}: title and text are required")
            campaigns[campaign.id] = campaign
        calendar_path = folder / "calendar.yaml"
        data = read_yaml(calendar_path.read_text(encoding="utf-8")) if calendar_path.exists() else {}
        data = data or {}
        calendar = Calendar(
            start=str(data.get("start", "2026-W01")),
            sequence=tuple(str(i) for i in data.get("sequence") or ()),
            weeks={str(k): str(v) for k, v in (data.get("weeks") or {}).items()},
        )
        _week_start(calendar.start)
        for week, campaign_id in [*((None, i) for i in calendar.sequence), *calendar.weeks.items()]:
            if week is not None:
                _week_start(week)
            if campaign_id not in campaigns:
                raise CampaignError(f"calendar.yaml names an unknown campaign {campaign_id!r}")
        return cls(campaigns, calendar)

    def get(self, campaign_id: str) -> Campaign | None:
        return self.by_id.get(campaign_id)

    def for_week(self, week: str, override: str | None = None) -> Campaign | None:
        """The week's campaign; an area's override wins ("skip" means none that week)."""
        if override == "skip":
            return None
        return self.by_id.get(override or self.calendar.campaign_id(week) or "")


# --- staff's choices for a week, per area (the `week_overrides` table) ---


def set_override(
    db: sqlite_utils.Database, area_code: str, week: str, campaign_id: str, set_by: str, now: dt.datetime
) -> None:
    """This week's campaign for an area becomes `campaign_id` ("skip": none that week)."""
    db["week_overrides"].upsert(
        {"area_code": area_code, "iso_week": week, "campaign_id": campaign_id, "set_by": set_by, "set_at": to_iso(now)},
        pk=("area_code", "iso_week"),
    )


def override_for(db: sqlite_utils.Database, area_codes: Iterable[str], week: str) -> str | None:
    """The first override of the week among `area_codes`, in their order (the commune's own,
    then its district's, then its province's); None when none of them has one."""
    for code in area_codes:
        row = db.execute(
            "SELECT campaign_id FROM week_overrides WHERE area_code = ? AND iso_week = ?", [code, week]
        ).fetchone()
        if row:
            return row[0]
    return None


def clear_override(db: sqlite_utils.Database, area_code: str, week: str) -> bool:
    """The area follows the calendar again that week; True if it had an override."""
    return db.execute("DELETE FROM week_overrides WHERE area_code = ? AND iso_week = ?", [area_code, week]).rowcount > 0


def overrides_of(db: sqlite_utils.Database, weeks: Iterable[str], area_codes: set[str] | None) -> list[dict]:
    """The overrides of these weeks for these areas (None: every area), by week then area."""
    weeks = sorted(weeks)
    if not weeks or area_codes == set():
        return []
    where = f"iso_week IN ({', '.join('?' for _ in weeks)})"
    params = list(weeks)
    if area_codes is not None:
        where += f" AND area_code IN ({', '.join('?' for _ in area_codes)})"
        params += sorted(area_codes)
    return list(
        db.query(
            f"SELECT area_code, iso_week, campaign_id, set_by, set_at FROM week_overrides WHERE {where} "
            "ORDER BY iso_week, area_code",
            params,
        )
    )


def next_weeks(today: dt.date, count: int) -> list[str]:
    """This ISO week and the `count - 1` after it."""
    return [iso_week(today + dt.timedelta(weeks=n)) for n in range(count)]
