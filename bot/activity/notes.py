"""The free-text sections staff write for a periodic report ("Khó khăn, vướng mắc", "Kiến nghị, đề
xuất"), per period key ("2026-Q4", `periods`) and area; the document prints them as written.

Owns `activity_notes`."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso

SECTIONS = ("difficulties", "recommendations")
MAX_TEXT = 3000  # about a page of the document


def set_section(
    db: sqlite_utils.Database, period: str, area: str, key: str, text: str, actor: str, now: datetime
) -> None:
    """Write (or, with an empty text, clear) one section."""
    if key not in SECTIONS:
        raise ValueError(f"unknown section {key!r}")
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        db.execute("DELETE FROM activity_notes WHERE period = ? AND area_code = ? AND section = ?", [period, area, key])
        return
    db.execute(
        "INSERT INTO activity_notes (period, area_code, section, text, updated_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(period, area_code, section) DO UPDATE SET text = excluded.text, "
        "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        [period, area, key, text, actor, to_iso(now)],
    )


def sections(db: sqlite_utils.Database, period: str, area: str) -> dict[str, str]:
    """Every section of `SECTIONS`, "" where nothing was written."""
    rows = db.execute(
        "SELECT section, text FROM activity_notes WHERE period = ? AND area_code = ?", [period, area]
    ).fetchall()
    written = dict(rows)
    return {key: written.get(key, "") for key in SECTIONS}


def forget(db: sqlite_utils.Database, actor: str) -> None:
    """The sections stay (they are the commune's report); who wrote them is no longer said."""
    db.execute("UPDATE activity_notes SET updated_by = '' WHERE updated_by = ?", [actor])
