"""Composing a manual broadcast, one implementation for the chat (`/phatcanhbao`) and the web
console: which areas a staff member may target, the draft, its exact preview with the real number
of recipients, and when it may go out.

The preview renders the draft with the renderer and the audience the real send uses
(`broadcasts.Renderer.body`, `broadcasts.audience`), so what staff see and count is what
`broadcasts.enqueue` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlite_utils

from bot.broadcast import broadcasts, when
from bot.broadcast.areas import Areas
from bot.core.clock import VIETNAM, to_iso

MAX_TEXT = 1500
EVERYWHERE = "*"  # a target: every area (admins only)
MINE = "mine"  # a target: all of the staff member's areas
FURTHEST = timedelta(days=90)  # a broadcast set further ahead is more likely a typo than a plan


def allowed_areas(areas: Areas, codes: list[str] | None) -> list[str] | None:
    """The current area codes a staff member may send to (None: every area), from the codes their
    role names. A code written before 2025 ("coc-leu") stands for the unit(s) its place went into."""
    if codes is None:
        return None
    return list(dict.fromkeys(found for code in codes for found in areas.resolve(code)))


def target(areas: Areas, allowed: list[str] | None, value: str) -> list[str] | None:
    """The areas a chosen target stands for ([]: every area); None if not allowed."""
    if value == EVERYWHERE:
        return [] if allowed is None else None
    if value == MINE:
        return allowed
    if areas.get(value) is None:
        return None
    if allowed is None or any(value in areas.within(code) for code in allowed):
        return [value]
    return None


def in_scope(areas: Areas, broadcast: broadcasts.Broadcast, allowed: list[str] | None) -> bool:
    """Whether every area a broadcast goes to is inside the staff member's areas: theirs to cancel."""
    if allowed is None:
        return True
    if not broadcast.areas:
        return False
    return all(any(code in areas.within(mine) for mine in allowed) for code in broadcast.areas)


def draft(
    *,
    campaign_id: str | None,
    text: str | None,
    areas: list[str],
    at: str | None,
    now: datetime,
    topic: str | None = None,
) -> broadcasts.Broadcast:
    """A broadcast not yet saved, as `broadcasts.create` would save it."""
    return broadcasts.Broadcast(
        id=0, kind="manual", campaign_id=campaign_id, text=text, areas=areas, iso_week=None,
        scheduled_for=at or to_iso(now), status="scheduled", created_by="", recipients=0,
        topic=topic if text is not None else None,
    )  # fmt: skip


@dataclass(frozen=True)
class Preview:
    body: str  # the message exactly as the first target area's citizens get it
    audience: broadcasts.Audience  # who gets it (the count), and why the others do not


def preview(
    db: sqlite_utils.Database, renderer: broadcasts.Renderer, broadcast: broadcasts.Broadcast
) -> Preview | None:
    """The draft as its first target area reads it, and its real audience; None if that area gets
    nothing (a campaign that no longer exists)."""
    areas = renderer.areas
    codes = broadcast.areas or list(areas.roots)
    sample_area = next((code for code in codes if areas.get(code)), None)
    body = renderer.body(db, broadcast, sample_area or "")
    if body is None:
        return None
    return Preview(body[0], broadcasts.audience(db, broadcast, renderer))


def judge(moment: datetime, now: datetime) -> str | None:
    """Why a send time is refused ("past", "far"), or None when it is fine."""
    if moment <= now:
        return "past"
    if moment - now > FURTHEST:
        return "far"
    return None


def read_when(text: str, now: datetime) -> tuple[datetime | None, str | None]:
    """A time typed in the chat: (the moment, None), or (None, why not): "unclear", "past", "far"."""
    moment = when.parse(text, now)
    if moment is None:
        return None, "unclear"
    problem = judge(moment, now)
    return (None, problem) if problem else (moment, None)


def read_date_time(day: str, clock: str, now: datetime) -> tuple[datetime | None, str | None]:
    """A date ("2026-11-25") and a time ("08:30") from a form, in Vietnam time, judged the same way."""
    try:
        moment = datetime.combine(date.fromisoformat(day.strip()), time.fromisoformat(clock.strip()), VIETNAM)
    except ValueError:
        return None, "unclear"
    problem = judge(moment, now)
    return (None, problem) if problem else (moment, None)
