"""The audit of recorded activities: every edit or deletion after a session was confirmed, with
who made it, when, and the day and number of people before and after. No citizen data is in an
activity (counts only), and a note's words are not copied here: whether it changed is enough.

Owns `activity_changes`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from bot.core.clock import to_iso

ACTIONS = ("edit", "delete")


@dataclass(frozen=True)
class Change:
    activity_id: int
    area_code: str
    action: str
    held_on_before: str
    held_on_after: str | None  # None: deleted
    people_before: int
    people_after: int | None
    note_changed: bool
    changed_by: str
    changed_at: str


def record(
    db: sqlite_utils.Database, *, activity_id: int, area_code: str, action: str, kind: str, held_on_before: date,
    held_on_after: date | None, people_before: int, people_after: int | None, note_changed: bool, actor: str,
    now: datetime,
) -> None:  # fmt: skip
    """In the transaction of the change itself, so no edit goes unaudited."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    db.execute(
        "INSERT INTO activity_changes (activity_id, area_code, action, kind, held_on_before, held_on_after, "
        "people_before, people_after, note_changed, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [activity_id, area_code, action, kind, held_on_before.isoformat(),
         held_on_after.isoformat() if held_on_after else None, people_before, people_after, int(note_changed),
         actor, to_iso(now)],
    )  # fmt: skip


def of_activity(db: sqlite_utils.Database, activity_id: int) -> list[Change]:
    rows = db.execute(
        "SELECT activity_id, area_code, action, held_on_before, held_on_after, people_before, people_after, "
        "note_changed, changed_by, changed_at FROM activity_changes WHERE activity_id = ? ORDER BY id",
        [activity_id],
    ).fetchall()
    return [Change(*row[:7], bool(row[7]), *row[8:]) for row in rows]


def forget(db: sqlite_utils.Database, actor: str) -> None:
    """The audit stays (it is about the commune's figures); who made a change is no longer said."""
    db.execute("UPDATE activity_changes SET changed_by = '' WHERE changed_by = ?", [actor])
