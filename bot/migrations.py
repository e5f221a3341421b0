"""Schema versions, applied in order by code, so an older database upgrades itself on start.

The version lives in SQLite's own `PRAGMA user_version`. Each migration runs in one transaction
with the version bump, so a crash leaves the database at the old or the new version, never
between. Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlite_utils


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Canh Giác; refusing to touch it."""


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    apply: Callable[[sqlite_utils.Database], None]


def _v1_core(db: sqlite_utils.Database) -> None:
    # One row per chat that ever wrote: only what the bot needs (no names, no phone numbers).
    db["chats"].create(
        {"channel": str, "chat_id": str, "language": str, "first_seen": str, "last_seen": str},
        pk=("channel", "chat_id"),
    )
    # Where a chat is in a multi-step flow, with its draft; survives restarts, expires when idle.
    db["conversations"].create(
        {"channel": str, "chat_id": str, "flow": str, "step": str, "data": str, "updated_at": str},
        pk=("channel", "chat_id"),
    )
    # Platforms may deliver an update again after a restart; the key makes handling idempotent.
    db["handled_updates"].create(
        {"channel": str, "update_key": str, "handled_at": str},
        pk=("channel", "update_key"),
    )
    db["handled_updates"].create_index(["handled_at"])


def _v2_knowledge(db: sqlite_utils.Database) -> None:
    # Questions the FAQ could not answer with confidence, for staff to close the gaps.
    # No chat or user: what was asked matters, not who asked (identifiers are redacted too).
    db["faq_gaps"].create(
        {
            "id": int,
            "asked_at": str,
            "text": str,
            "normalized": str,
            "outcome": str,
            "best_faq_id": str,
            "score": float,
        },
        pk="id",
    )
    db["faq_gaps"].create_index(["asked_at"])
    db["quiz_results"].create(
        {"id": int, "channel": str, "chat_id": str, "taken_at": str, "score": int, "total": int, "questions": str},
        pk="id",
    )
    db["quiz_results"].create_index(["channel", "chat_id"])


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "chats, conversation state, handled updates", _v1_core),
    Migration(2, "FAQ gaps, quiz results", _v2_knowledge),
)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    current = schema_version(db)
    latest = max((m.version for m in migrations), default=0)
    if current > latest:
        raise SchemaTooNew(
            f"the database is at schema version {current}, this program knows up to {latest}: "
            "upgrade Canh Giác instead of using an older version on this file"
        )
    applied = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version <= current:
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            migration.apply(db)
            db.conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()
        applied.append(migration.version)
    return applied
