"""Messages the bot sends on its own: a reporter told of a decision, the police digest.

They are rows written in the same transaction as the change that causes them; the running bot
drains them (`bot/app/serve.py`). A crash between the change and the send loses nothing, and a row is
marked sent only after the platform accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Pending:
    id: int
    channel: str
    chat_id: str
    text: str
    attempts: int


def enqueue(db: sqlite_utils.Database, channel: str, chat_id: str, text: str, purpose: str, now: datetime) -> None:
    db["outbox"].insert(
        {
            "created_at": to_iso(now),
            "channel": channel,
            "chat_id": chat_id,
            "purpose": purpose,
            "text": text,
            "status": "pending",
            "attempts": 0,
        }
    )


def pending(db: sqlite_utils.Database, channels: list[str], limit: int = 50) -> list[Pending]:
    marks = ", ".join("?" for _ in channels)
    rows = db.execute(
        f"SELECT id, channel, chat_id, text, attempts FROM outbox WHERE status = 'pending' AND channel IN ({marks}) "
        "ORDER BY id LIMIT ?",
        [*channels, limit],
    ).fetchall()
    return [Pending(*row) for row in rows]


def mark_sent(db: sqlite_utils.Database, item_id: int, now: datetime) -> None:
    db.execute("UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?", [to_iso(now), item_id])


def mark_failed(db: sqlite_utils.Database, item_id: int, error: str, *, permanent: bool) -> None:
    """Count a failed attempt; after MAX_ATTEMPTS (or a permanent error) the row stops being retried."""
    db.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
        "status = CASE WHEN ? OR attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
        [error[:300], int(permanent), MAX_ATTEMPTS, item_id],
    )


def forget_chat(db: sqlite_utils.Database, channel: str, chat_id: str) -> None:
    db.execute("DELETE FROM outbox WHERE channel = ? AND chat_id = ?", [channel, chat_id])
