"""The activity log: sessions held off-line (village meetings, loudspeaker broadcasts, posters and
leaflets handed out, school and company sessions, contests) with the number of people reached.
Counts only: no row names an attendee. The village is typed by staff; a normalized key of it
(`village_key`) lets "Thôn Nà Phạ" and "na pha" count as one village for coverage.

After it is confirmed, staff of its area may change a session's day, number of people or note
(`change`) or delete it (`remove`); both check the area inside the write and audit the change in
the same transaction (`changes`). The periodic report reads these rows, so it shows the edit.

Owns `activity_log`."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from bot.activity import changes, targets
from bot.activity.scope import Reach, Refused, theirs
from bot.core.clock import to_iso
from bot.core.textnorm import phrase_key

KINDS = ("meeting", "loudspeaker", "poster", "school", "company", "contest", "other")
MAX_PEOPLE = 100_000  # more than one session can reach, even a loudspeaker over a whole commune
MAX_VILLAGE = 80
MAX_NOTE = 500
# The words a village's name is written with or without ("thôn Nà Phạ", "bản Nà Phạ", "Nà Phạ"),
# longest first so "to dan pho" goes before "to".
_LEVEL_WORDS = sorted(
    ("thon", "ban", "xom", "ap", "lang", "buon", "phum", "soc", "khom", "khu", "khu pho", "khu dan cu",
     "to", "to dan pho", "tdp", "kdc", "to dan cu"),
    key=len, reverse=True,
)  # fmt: skip
_LEADING_LEVEL = re.compile(r"^(?:" + "|".join(re.escape(w) for w in _LEVEL_WORDS) + r")\s+(?=\S)")


@dataclass(frozen=True)
class ActivityCount:
    area_code: str
    kind: str
    sessions: int
    people: int


@dataclass(frozen=True)
class Coverage:
    """Villages of a commune with at least one session in a period, against its target."""

    area_code: str
    villages_reached: int
    villages: int | None  # the commune's number of villages; None: no target set
    target_share: float | None
    share: float | None  # villages_reached / villages (at most 1)

    @property
    def met(self) -> bool | None:
        if self.share is None or self.target_share is None:
            return None
        return self.share >= self.target_share


@dataclass(frozen=True)
class Activity:
    id: int
    area_code: str
    kind: str
    held_on: date
    village: str
    people: int
    note: str | None


_ACTIVITY = "id, area_code, kind, held_on, village, people, note"


def _activity(row) -> Activity:
    id_, area_code, kind, held_on, village, people, note = row
    return Activity(id_, area_code, kind, date.fromisoformat(held_on), village, people, note)


def village_key(name: str) -> str:
    """'Thôn Nà Phạ' -> 'na pha': case, accents, punctuation and the level word left out."""
    key = phrase_key(name)
    return _LEADING_LEVEL.sub("", key, count=1)


def record(
    db: sqlite_utils.Database,
    *,
    area_code: str,
    kind: str,
    held_on: date,
    village: str,
    people: int,
    note: str | None,
    recorded_by: str,
    now: datetime,
) -> int:
    """One session; the caller checked the values (a bad one here is a bug: ValueError)."""
    if kind not in KINDS or not 0 < people <= MAX_PEOPLE or not village_key(village):
        raise ValueError("bad activity")
    cursor = db.execute(
        "INSERT INTO activity_log (area_code, kind, held_on, village, village_key, people, note, recorded_by, "
        "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [area_code, kind, held_on.isoformat(), village[:MAX_VILLAGE], village_key(village), people,
         (note or "")[:MAX_NOTE] or None, recorded_by, to_iso(now)],
    )  # fmt: skip
    return cursor.lastrowid


def _area_filter(area_codes: Sequence[str] | None) -> tuple[str, list[str]]:
    if area_codes is None:
        return "", []
    marks = ", ".join("?" for _ in area_codes) or "NULL"
    return f" AND area_code IN ({marks})", list(area_codes)


def summary(db: sqlite_utils.Database, start: date, end: date, area_codes: Sequence[str] | None) -> list[ActivityCount]:
    """Sessions and people reached per area and kind, held from `start` to `end` (both included);
    `area_codes` None: every area. Ordered by area, then kind in the order of `KINDS`."""
    where, codes = _area_filter(area_codes)
    rows = db.execute(
        "SELECT area_code, kind, COUNT(*), SUM(people) FROM activity_log WHERE held_on BETWEEN ? AND ?"
        f"{where} GROUP BY area_code, kind",
        [start.isoformat(), end.isoformat(), *codes],
    ).fetchall()
    order = {kind: i for i, kind in enumerate(KINDS)}
    counts = [ActivityCount(area, kind, sessions, people) for area, kind, sessions, people in rows]
    return sorted(counts, key=lambda c: (c.area_code, order.get(c.kind, len(KINDS))))


def coverage(db: sqlite_utils.Database, start: date, end: date, area_code: str) -> Coverage:
    reached = db.execute(
        "SELECT COUNT(DISTINCT village_key) FROM activity_log WHERE area_code = ? AND held_on BETWEEN ? AND ?",
        [area_code, start.isoformat(), end.isoformat()],
    ).fetchone()[0]
    target = targets.get(db, area_code)
    if target is None:
        return Coverage(area_code, reached, None, None, None)
    return Coverage(area_code, reached, target.villages, target.share, min(1.0, reached / target.villages))


def villages(db: sqlite_utils.Database, area_code: str, limit: int = 8) -> list[str]:
    """The villages last recorded in this commune, as typed, most recent first (offered as buttons)."""
    rows = db.execute(
        "SELECT village, MAX(id) AS last FROM activity_log WHERE area_code = ? GROUP BY village_key "
        "ORDER BY last DESC LIMIT ?",
        [area_code, limit],
    ).fetchall()
    return [row[0] for row in rows]


def get(db: sqlite_utils.Database, activity_id: int) -> Activity | None:
    row = db.execute(f"SELECT {_ACTIVITY} FROM activity_log WHERE id = ?", [activity_id]).fetchone()
    return _activity(row) if row else None


def recent(
    db: sqlite_utils.Database, area_codes: Collection[str] | None, *, start: date | None = None,
    end: date | None = None, limit: int = 10, offset: int = 0,
) -> list[Activity]:  # fmt: skip
    """Sessions of these areas (None: every area), held from `start` to `end` if given, the latest
    held first (then the latest recorded)."""
    where, codes = _area_filter(sorted(area_codes) if area_codes is not None else None)
    if start is not None:
        where += " AND held_on >= ?"
        codes.append(start.isoformat())
    if end is not None:
        where += " AND held_on <= ?"
        codes.append(end.isoformat())
    rows = db.execute(
        f"SELECT {_ACTIVITY} FROM activity_log WHERE 1 = 1{where} ORDER BY held_on DESC, id DESC LIMIT ? OFFSET ?",
        [*codes, limit, offset],
    ).fetchall()
    return [_activity(row) for row in rows]


KEEP = object()  # `change(note=KEEP)`: the note stays; None clears it


def change(
    db: sqlite_utils.Database, reach: Reach, activity_id: int, *, actor: str, now: datetime,
    people: int | None = None, held_on: date | None = None, note: str | None | object = KEEP,
) -> tuple[Activity, Activity]:  # fmt: skip
    """Change what is given of a session of their areas; (before, after), audited. The caller read
    the values (`inputs`); one out of range here is refused all the same."""
    before = theirs(reach, get(db, activity_id))
    if people is not None and not 0 < people <= MAX_PEOPLE:
        raise Refused("people")
    new_note = before.note if note is KEEP else ((note or "")[:MAX_NOTE] or None)
    after = Activity(before.id, before.area_code, before.kind, held_on or before.held_on, before.village,
                     people or before.people, new_note)  # fmt: skip
    if after == before:
        return before, after
    db.execute(
        "UPDATE activity_log SET held_on = ?, people = ?, note = ? WHERE id = ?",
        [after.held_on.isoformat(), after.people, after.note, activity_id],
    )
    changes.record(db, activity_id=activity_id, area_code=before.area_code, action="edit", kind=before.kind,
                   held_on_before=before.held_on, held_on_after=after.held_on, people_before=before.people,
                   people_after=after.people, note_changed=after.note != before.note, actor=actor, now=now)  # fmt: skip
    return before, after


def remove(db: sqlite_utils.Database, reach: Reach, activity_id: int, *, actor: str, now: datetime) -> Activity:
    """Delete a session of their areas, audited."""
    before = theirs(reach, get(db, activity_id))
    db.execute("DELETE FROM activity_log WHERE id = ?", [activity_id])
    changes.record(db, activity_id=activity_id, area_code=before.area_code, action="delete", kind=before.kind,
                   held_on_before=before.held_on, held_on_after=None, people_before=before.people,
                   people_after=None, note_changed=before.note is not None, actor=actor, now=now)  # fmt: skip
    return before


def forget(db: sqlite_utils.Database, actor: str) -> None:
    """The sessions stay (they are the commune's work); who recorded them is no longer said."""
    db.execute("UPDATE activity_log SET recorded_by = '' WHERE recorded_by = ?", [actor])
