"""A commune's (or province's) own locality settings, set by an admin in the chat (/diaphuong).

Two values per area, each optional: its police numbers and the name greetings show. What is not set
here falls back to `content/areas.yaml` (police numbers per unit, `Areas.police_hotlines`), then to
the environment (`CANHGIAC_LOCALITY`, `CANHGIAC_POLICE_HOTLINES`): `resolve` applies that order.

Owns the table `area_settings`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso

FIELDS = ("police_hotlines", "greeting_name")


@dataclass(frozen=True)
class Local:
    """What one area set for itself; None: not set here."""

    police_hotlines: tuple[dict, ...] | None = None  # [{label, number}]
    greeting_name: str | None = None


def get(db: sqlite_utils.Database, codes: list[str]) -> dict[str, Local]:
    """The settings of each of `codes` that has any."""
    rows = db.execute(
        "SELECT area_code, police_hotlines, greeting_name FROM area_settings "
        "WHERE area_code IN (SELECT value FROM json_each(?))",
        [json.dumps(codes)],
    ).fetchall()
    return {
        code: Local(tuple(json.loads(hotlines)) if hotlines is not None else None, name)
        for code, hotlines, name in rows
    }


def set_value(db: sqlite_utils.Database, code: str, field: str, value, *, by: str, now: datetime) -> None:
    """Set (or with None, clear) one field of an area's settings."""
    if field not in FIELDS:
        raise ValueError(f"unknown area setting {field!r}")
    stored = json.dumps(list(value), ensure_ascii=False) if field == "police_hotlines" and value is not None else value
    db.execute(
        "INSERT INTO area_settings (area_code, updated_by, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (area_code) DO UPDATE SET updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        [code, by, to_iso(now)],
    )
    db.execute(f"UPDATE area_settings SET {field} = ? WHERE area_code = ?", [stored, code])


def resolve(lineage: list[str], stored: dict[str, Local], from_content: list[dict], default: dict) -> dict:
    """`locality` for templates: {name, police_hotlines}. `lineage`: the area and its province, nearest
    first; `stored`: their settings (`get`); `from_content`: areas.yaml's numbers for the area;
    `default`: the environment's locality."""
    own = [stored[code] for code in lineage if code in stored]
    name = next((local.greeting_name for local in own if local.greeting_name), None)
    hotlines = next((list(local.police_hotlines) for local in own if local.police_hotlines), None)
    return {
        "name": name or default["name"],
        "police_hotlines": hotlines or from_content or default["police_hotlines"],
    }
