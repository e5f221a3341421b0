"""The calendar of reporting deadlines, and the reminders due before them.

A deadline is a day of the year ("before 21/3"), every year, or of one year only. The common ones
are data in `content/deadlines.yaml` (`read_presets`), copied into `report_deadlines` by their key
(`load_presets`, which adds new ones and never overwrites an edit or brings back one turned off);
admins add, move and turn off deadlines (`canhgiac report deadlines`).

A deadline belongs to an area or to every area (`area_code` None: the preloaded ones, the CLI's).
A province's applies to the communes inside it. Staff add, change and delete the deadlines of
their areas (`add_for`, `change`, `remove`), and hide a national one for their areas (`hide`,
`show`: a row of `deadline_hidden`, which hides it for the areas inside too); every one of these
checks the staff member's `scope.Reach` in the write itself and raises `scope.Refused`.
`listing` is what /hanbaocao and the console show someone; `applies` says whom a reminder is for.

`due_reminders(db, now, days_before)` lists the deadlines whose reminder is due: from `days_before`
days before the day until the day itself, from `REMIND_HOUR` in Vietnam, and not yet sent for that
year's occurrence. The scheduled job (`bot/app/serve.py`) queues the messages and calls
`mark_reminded` in the same transaction: a reminder is sent once, even across restarts.

Owns `report_deadlines`, `deadline_hidden` and `deadline_reminders`."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlite_utils
import yaml

from bot.activity.scope import Reach, Refused, theirs
from bot.core.clock import VIETNAM, to_iso
from bot.core.textnorm import clean_input, phrase_key

KINDS = ("quarter", "campaign", "half", "year", "month", "other")
REMIND_HOUR = 8  # Vietnam time: a reminder arrives at the start of a working day, not at midnight
MAX_NOTE = 200
_COLUMNS = "id, key, kind, month, day, year, note, active, area_code"
CUSTOM = "custom-"  # the key of a deadline added by staff or the CLI: "custom-<id>"


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
    area_code: str | None = None  # None: every area

    @property
    def day_text(self) -> str:
        """ "21/03" every year, "15/06/2027" for one year only: how staff type and read it."""
        return f"{self.day:02d}/{self.month:02d}" + (f"/{self.year}" if self.year else "")

    @property
    def preset(self) -> bool:
        """Preloaded from content: hidden per area, never deleted (the next start would add it back)."""
        return not self.key.startswith(CUSTOM)

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
    id_, key, kind, month, day, year, note, active, area_code = row
    return Deadline(id_, key, kind, month, day, year, note or "", bool(active), area_code)


def all_deadlines(db: sqlite_utils.Database) -> list[Deadline]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM report_deadlines ORDER BY month, day, id").fetchall()
    return [_deadline(row) for row in rows]


def get(db: sqlite_utils.Database, deadline_id: int) -> Deadline | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM report_deadlines WHERE id = ?", [deadline_id]).fetchone()
    return _deadline(row) if row else None


def add(
    db: sqlite_utils.Database, *, kind: str, month: int, day: int, year: int | None, note: str, actor: str,
    now: datetime, area_code: str | None = None,
) -> int:  # fmt: skip
    problem = check(kind, month, day, year)
    if problem is not None:
        raise ValueError(f"bad deadline: {problem}")
    cursor = db.execute(
        "INSERT INTO report_deadlines (key, kind, month, day, year, note, active, updated_by, updated_at, area_code) "
        "VALUES (NULL, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        [kind, month, day, year, note.strip()[:MAX_NOTE], actor, to_iso(now), area_code],
    )
    deadline_id = cursor.lastrowid
    db.execute("UPDATE report_deadlines SET key = ? WHERE id = ?", [f"{CUSTOM}{deadline_id}", deadline_id])
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


# --- per area: what applies where, and what staff change -------------------------------------


@dataclass(frozen=True)
class Listed:
    """A deadline as one staff member sees it (`listing`)."""

    deadline: Deadline
    next_on: date | None  # its next day from today (None: a one-year deadline gone by)
    applies: bool  # to at least one of their areas: they are reminded of it
    owned: bool  # theirs to change (and, unless preloaded, to delete)
    hidden_here: bool  # a national one they hid for their areas (or turned off, for an admin)


def hidden_for(db: sqlite_utils.Database) -> dict[int, set[str]]:
    """deadline id -> the areas it is hidden for."""
    found: dict[int, set[str]] = {}
    for deadline_id, area_code in db.execute("SELECT deadline_id, area_code FROM deadline_hidden").fetchall():
        found.setdefault(deadline_id, set()).add(area_code)
    return found


def applies(deadline: Deadline, lineage: Sequence[str], hidden: set[str]) -> bool:
    """Whether it applies to the area whose codes, from its province down, are `lineage`: an active
    deadline of every area or of one of these, not hidden for any of them."""
    return (
        deadline.active
        and (deadline.area_code is None or deadline.area_code in lineage)
        and not (hidden & set(lineage))
    )


def applies_within(deadline: Deadline, reach: Reach, hidden: set[str]) -> bool:
    """Whether it applies to one of the areas of `reach` (everywhere: when active)."""
    if reach.held is None:
        return deadline.active
    if deadline.area_code is not None and deadline.area_code not in reach.places:
        return False  # another area's: the reminder job asks this for every staff member
    return any(applies(deadline, lineage, hidden) for lineage in reach.lineages)


def listing(db: sqlite_utils.Database, reach: Reach, today: date) -> list[Listed]:
    """What applies to their areas, what they own (a commune's inside their province too) and the
    national ones they hid; soonest first, those with no day to come last."""
    hidden = hidden_for(db)
    found = []
    for deadline in all_deadlines(db):
        here = hidden.get(deadline.id, set())
        applies_here = applies_within(deadline, reach, here)
        owned = reach.owns(deadline.area_code)
        # hidden for their areas (an admin: turned off); an area's own is never hidden, only deleted
        hid = (
            (not deadline.active)
            if reach.held is None
            else (deadline.area_code is None and bool(here & set(reach.held)))
        )
        if applies_here or owned or hid:
            found.append(Listed(deadline, deadline.next_on_or_after(today), applies_here, owned, hid))
    return sorted(found, key=lambda item: (item.next_on is None, item.next_on or today, item.deadline.id))


def upcoming_for(db: sqlite_utils.Database, reach: Reach, today: date, within_days: int) -> list[Due]:
    """What applies to their areas from `today` to `within_days` later, soonest first."""
    return [
        Due(item.deadline, item.next_on)
        for item in listing(db, reach, today)
        if item.applies and item.next_on is not None and (item.next_on - today).days <= within_days
    ]


def _title(note: str) -> str:
    title = clean_input(note)
    if not phrase_key(title):
        raise Refused("title")
    return title[:MAX_NOTE]


def add_for(
    db: sqlite_utils.Database, reach: Reach, *, area_code: str | None, kind: str, month: int, day: int,
    year: int | None, note: str, actor: str, now: datetime,
) -> int:  # fmt: skip
    """A deadline of `area_code` (None: every area, admins only), checked against `reach` here."""
    if (area_code is None and reach.held is not None) or (area_code is not None and not reach.owns(area_code)):
        raise Refused("scope")
    problem = check(kind, month, day, year)
    if problem is not None:
        raise Refused(problem)
    title = _title(note)
    return add(db, kind=kind, month=month, day=day, year=year, note=title, actor=actor, now=now, area_code=area_code)


def change(
    db: sqlite_utils.Database, reach: Reach, deadline_id: int, *, actor: str, now: datetime,
    note: str | None = None, when: tuple[int, int, int | None] | None = None, kind: str | None = None,
) -> Deadline:  # fmt: skip
    """Change the title, the day ((month, day, year or None: every year)) or the kind of one of theirs."""
    theirs(reach, get(db, deadline_id))
    month, day, year = when if when is not None else (None, None, None)
    problem = check(kind or "other", month or 1, day or 1, year)
    if problem is not None:
        raise Refused(problem)
    try:
        return edit(db, deadline_id, actor=actor, now=now, kind=kind, month=month, day=day, year=year,
                    every_year=when is not None and year is None,
                    note=None if note is None else _title(note))  # fmt: skip
    except ValueError as error:
        raise Refused(str(error).rpartition(": ")[2] or "day") from None


def remove(db: sqlite_utils.Database, reach: Reach, deadline_id: int) -> Deadline:
    """Delete one of theirs, with its reminders and hidings; a preloaded one is hidden instead."""
    deadline = theirs(reach, get(db, deadline_id))
    if deadline.preset:
        raise Refused("preset")
    db.execute("DELETE FROM deadline_reminders WHERE deadline_id = ?", [deadline_id])
    db.execute("DELETE FROM deadline_hidden WHERE deadline_id = ?", [deadline_id])
    db.execute("DELETE FROM report_deadlines WHERE id = ?", [deadline_id])
    return deadline


def _national(db: sqlite_utils.Database, deadline_id: int) -> Deadline:
    deadline = get(db, deadline_id)
    if deadline is None:
        raise Refused("gone")
    if deadline.area_code is not None:
        raise Refused("scope")  # an area's own deadline is changed or deleted by its staff, not hidden
    return deadline


def hide(db: sqlite_utils.Database, reach: Reach, deadline_id: int, *, actor: str, now: datetime) -> Deadline:
    """A national deadline no longer applies to their areas (for an admin: to any area)."""
    deadline = _national(db, deadline_id)
    if reach.held is None:
        return edit(db, deadline_id, actor=actor, now=now, active=False)
    for code in reach.held:
        db.execute(
            "INSERT OR IGNORE INTO deadline_hidden (deadline_id, area_code, hidden_by, hidden_at) VALUES (?, ?, ?, ?)",
            [deadline_id, code, actor, to_iso(now)],
        )
    return deadline


def show(db: sqlite_utils.Database, reach: Reach, deadline_id: int, *, actor: str, now: datetime) -> Deadline:
    """Undo `hide` for their areas."""
    deadline = _national(db, deadline_id)
    if reach.held is None:
        return edit(db, deadline_id, actor=actor, now=now, active=True)
    marks = ", ".join("?" for _ in reach.held)
    db.execute(
        f"DELETE FROM deadline_hidden WHERE deadline_id = ? AND area_code IN ({marks})", [deadline_id, *reach.held]
    )
    return deadline


def forget(db: sqlite_utils.Database, actor: str) -> None:
    """A deadline stays; who changed or hid it is no longer said."""
    db.execute("UPDATE report_deadlines SET updated_by = '' WHERE updated_by = ?", [actor])
    db.execute("UPDATE deadline_hidden SET hidden_by = '' WHERE hidden_by = ?", [actor])
