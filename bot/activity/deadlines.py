"""The calendar of reporting deadlines, and the reminders due before them.

A deadline is a day of the year ("before 21/3"), every year, or of one year only. The common ones
are data in `content/deadlines.yaml` (`read_presets`), copied into `report_deadlines` by their key
(`load_presets`, which adds new ones and never overwrites an edit or brings back one turned off);
admins add, move and turn off deadlines (`canhgiac report deadlines`).

`due_reminders(db, now, days_before)` lists the deadlines whose reminder is due: from `days_before`
days before the day until the day itself, from `REMIND_HOUR` in Vietnam, and not yet sent for that
year's occurrence. The scheduled job (`bot/app/serve.py`) queues the messages and calls
`mark_reminded` in the same transaction: a reminder is sent once, even across restarts.

Owns `report_deadlines` and `deadline_reminders`."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlite_utils
import yaml

from bot.core.clock import VIETNAM, to_iso

KINDS = ("quarter", "campaign", "half", "year", "month", "other")
REMIND_HOUR = 8  # Vietnam time: a reminder arrives at the start of a working day, not at midnight
MAX_NOTE = 200
_COLUMNS = "id, key, kind, month, day, year, note, active"


@dataclass(frozen=True)
class Deadline:
    id: int
    key: str
    kind: str
    month: int
    day: int
    year: int | None  # None: every year
    note: str
    active: bool

    def on(self, year: int) -> date | None:
        """This deadline's day in `year` (the 29th of February is the 28th in other years), or None
        for a one-year deadline of another year."""
        if self.year is not None and self.year != year:
            return None
        return date(year, self.month, min(self.day, calendar.monthrange(year, self.month)[1]))

    def next_on_or_after(self, day: date) -> date | None:
        for year in (day.year, day.year + 1):
            found = self.on(year)
            if found is not None and found >= day:
                return found
        return None


@dataclass(frozen=True)
class Due:
    deadline: Deadline
    on: date

    def left(self, today: date) -> int:
        return (self.on - today).days


@dataclass(frozen=True)
class Preset:
    key: str
    kind: str
    month: int
    day: int
    note: str = ""


def check(kind: str, month: int, day: int, year: int | None) -> str | None:
    """Why these cannot be a deadline ("kind", "day", "year"), or None."""
    if kind not in KINDS:
        return "kind"
    if year is not None and not 2000 <= year <= 2100:
        return "year"
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2024, month)[1]:
        return "day"  # 2024: a leap year, so 29/2 is a day every-year deadlines may name
    return None


def read_presets(path: Path) -> list[Preset]:
    """The common deadlines of `content/deadlines.yaml`; ValueError naming what is wrong."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict) or not isinstance(loaded.get("deadlines", []), list):
        raise ValueError(f"{path.name}: expected `deadlines:` and a list of entries")
    presets = []
    for entry in loaded.get("deadlines", []):
        try:
            day, month = (int(part) for part in str(entry["date"]).split("/"))
            preset = Preset(str(entry["key"]), str(entry["kind"]), month, day, str(entry.get("note") or ""))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path.name}: bad deadline {entry!r}: {error}") from None
        problem = check(preset.kind, preset.month, preset.day, None)
        if problem is not None:
            raise ValueError(f"{path.name}: deadline {preset.key!r}: bad {problem}")
        presets.append(preset)
    keys = [p.key for p in presets]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{path.name}: a deadline key is used twice")
    return presets


def presets_in(content_root: Path) -> list[Preset]:
    """The presets of a content folder (`deadlines.yaml`); none if it has no such file."""
    path = content_root / "deadlines.yaml"
    return read_presets(path) if path.is_file() else []


def load_presets(db: sqlite_utils.Database, presets: list[Preset], now: datetime) -> int:
    """Add the presets not yet in the calendar; returns how many were added."""
    added = 0
    for p in presets:
        added += db.execute(
            "INSERT OR IGNORE INTO report_deadlines (key, kind, month, day, year, note, active, updated_by, "
            "updated_at) VALUES (?, ?, ?, ?, NULL, ?, 1, 'content', ?)",
            [p.key, p.kind, p.month, p.day, p.note, to_iso(now)],
        ).rowcount
    return added


def _deadline(row) -> Deadline:
    id_, key, kind, month, day, year, note, active = row
    return Deadline(id_, key, kind, month, day, year, note or "", bool(active))


def all_deadlines(db: sqlite_utils.Database) -> list[Deadline]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM report_deadlines ORDER BY month, day, id").fetchall()
    return [_deadline(row) for row in rows]


def get(db: sqlite_utils.Database, deadline_id: int) -> Deadline | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM report_deadlines WHERE id = ?", [deadline_id]).fetchone()
    return _deadline(row) if row else None


def add(
    db: sqlite_utils.Database, *, kind: str, month: int, day: int, year: int | None, note: str, actor: str,
    now: datetime,
) -> int:  # fmt: skip
    problem = check(kind, month, day, year)
    if problem is not None:
        raise ValueError(f"bad deadline: {problem}")
    cursor = db.execute(
        "INSERT INTO report_deadlines (key, kind, month, day, year, note, active, updated_by, updated_at) "
        "VALUES (NULL, ?, ?, ?, ?, ?, 1, ?, ?)",
        [kind, month, day, year, note.strip()[:MAX_NOTE], actor, to_iso(now)],
    )
    deadline_id = cursor.lastrowid
    db.execute("UPDATE report_deadlines SET key = ? WHERE id = ?", [f"custom-{deadline_id}", deadline_id])
    return deadline_id


def edit(
    db: sqlite_utils.Database, deadline_id: int, *, actor: str, now: datetime, kind: str | None = None,
    month: int | None = None, day: int | None = None, year: int | None = None, every_year: bool = False,
    note: str | None = None, active: bool | None = None,
) -> Deadline:  # fmt: skip
    """Change what is given; ValueError for an unknown id or a bad value."""
    current = get(db, deadline_id)
    if current is None:
        raise ValueError(f"no deadline {deadline_id}")
    new_year = None if every_year else (year if year is not None else current.year)
    changed = Deadline(
        current.id, current.key, kind or current.kind, month or current.month, day or current.day, new_year,
        current.note if note is None else note.strip()[:MAX_NOTE], current.active if active is None else active,
    )  # fmt: skip
    problem = check(changed.kind, changed.month, changed.day, changed.year)
    if problem is not None:
        raise ValueError(f"bad deadline: {problem}")
    db.execute(
        "UPDATE report_deadlines SET kind = ?, month = ?, day = ?, year = ?, note = ?, active = ?, updated_by = ?, "
        "updated_at = ? WHERE id = ?",
        [changed.kind, changed.month, changed.day, changed.year, changed.note, int(changed.active), actor,
         to_iso(now), deadline_id],
    )  # fmt: skip
    return changed


def upcoming(db: sqlite_utils.Database, today: date, within_days: int = 120) -> list[Due]:
    """Active deadlines from `today` to `within_days` later, soonest first."""
    found = []
    for deadline in all_deadlines(db):
        if not deadline.active:
            continue
        on = deadline.next_on_or_after(today)
        if on is not None and (on - today).days <= within_days:
            found.append(Due(deadline, on))
    return sorted(found, key=lambda d: (d.on, d.deadline.id))


def due_reminders(db: sqlite_utils.Database, now: datetime, days_before: int) -> list[Due]:
    """Deadlines whose reminder is due now and not yet sent (see the module docstring)."""
    local = now.astimezone(VIETNAM)
    if local.hour < REMIND_HOUR:
        return []
    today = local.date()
    sent = {
        (deadline_id, on)
        for deadline_id, on in db.execute(
            "SELECT deadline_id, due_on FROM deadline_reminders WHERE due_on >= ?", [today.isoformat()]
        ).fetchall()
    }
    return [due for due in upcoming(db, today, days_before) if (due.deadline.id, due.on.isoformat()) not in sent]


def mark_reminded(db: sqlite_utils.Database, due: Due, recipients: int, now: datetime) -> None:
    """In the transaction that queued the reminders: this occurrence is never reminded again."""
    db.execute(
        "INSERT INTO deadline_reminders (deadline_id, due_on, recipients, sent_at) VALUES (?, ?, ?, ?)",
        [due.deadline.id, due.on.isoformat(), recipients, to_iso(now)],
    )


def forget(db: sqlite_utils.Database, actor: str) -> None:
    """A deadline stays; who changed it is no longer said."""
    db.execute("UPDATE report_deadlines SET updated_by = '' WHERE updated_by = ?", [actor])
