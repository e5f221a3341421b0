"""Messages the bot sends on its own: a reporter told of a decision, the police digest, a
broadcast's summary to staff.

They are rows written in the same transaction as the change that causes them. The running bot's
sender (`bot/broadcast/sender.py`) drains them before broadcast deliveries, with one retry policy
for both: a row is marked in flight (committed) before its send and sent after the platform
accepted it; failures wait for their backoff (`next_attempt_at`). A crash loses nothing: rows left
in flight are sent again at the next start and marked `resent`.

This module owns the `outbox` table. `Outgoing` and `Failure` are the shape every queue the sender
drains uses (the broadcast deliveries too).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.messages import ChatKey


@dataclass(frozen=True)
class Outgoing:
    """A row claimed for sending (now in flight)."""

    id: int
    chat_id: str
    text: str
    attempts: int


@dataclass(frozen=True)
class Failure:
    """What a failed send leaves on its row; the sender's retry policy decides it."""

    status: str  # pending (tried again from next_attempt_at), blocked, failed
    attempts: int
    next_attempt_at: str
    error: str


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
    """What waits to be sent on these channels, oldest first."""
    marks = ", ".join("?" for _ in channels)
    rows = db.execute(
        f"SELECT id, channel, chat_id, text, attempts FROM outbox WHERE status = 'pending' AND channel IN ({marks}) "
        "ORDER BY id LIMIT ?",
        [*channels, limit],
    ).fetchall()
    return [Pending(*row) for row in rows]


# --- the queue the sender drains (see `bot.broadcast.sender.Queue`) ---


def recover(db: sqlite_utils.Database, channel: str) -> int:
    """At start: rows left in flight by a crash are sent again, and marked as possibly doubled."""
    return db.execute(
        "UPDATE outbox SET status = 'pending', resent = 1 WHERE channel = ? AND status = 'inflight'", [channel]
    ).rowcount


def claim(db: sqlite_utils.Database, channel: str, now: datetime, busy: Collection[str]) -> Outgoing | None:
    """Take the oldest due row of a chat not in `busy`, and mark it in flight."""
    items = claim_many(db, channel, now, busy, 1)
    return items[0] if items else None


def claim_many(
    db: sqlite_utils.Database, channel: str, now: datetime, busy: Collection[str], limit: int
) -> list[Outgoing]:
    """Up to `limit` oldest due rows, one per chat, none to a chat in `busy`; marked in flight."""
    rows = db.execute(
        "SELECT id, chat_id, text, attempts FROM outbox WHERE status = 'pending' AND channel = ? "
        "AND next_attempt_at <= ? AND chat_id NOT IN (SELECT value FROM json_each(?)) "
        "ORDER BY next_attempt_at, id LIMIT ?",
        [channel, to_iso(now), json.dumps(list(busy)), limit],
    ).fetchall()
    seen: set[str] = set()
    items = [Outgoing(*row) for row in rows if not (row[1] in seen or seen.add(row[1]))]
    db.conn.executemany("UPDATE outbox SET status = 'inflight' WHERE id = ?", [(item.id,) for item in items])
    return items


def record_sent(db: sqlite_utils.Database, item_id: int, now: datetime) -> None:
    record_sent_many(db, [item_id], now)


def record_sent_many(db: sqlite_utils.Database, item_ids: Collection[int], now: datetime) -> None:
    stamp = to_iso(now)
    db.conn.executemany("UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?", [(stamp, i) for i in item_ids])


def release(db: sqlite_utils.Database, item_ids: Collection[int], not_before: str | None = None) -> None:
    """Rows claimed but never sent (the sender stopped, or paused, first): pending again, due no
    sooner than `not_before`, not counted as resent."""
    db.conn.executemany(
        "UPDATE outbox SET status = 'pending', next_attempt_at = max(next_attempt_at, coalesce(?, '')) "
        "WHERE id = ? AND status = 'inflight'",
        [(not_before, i) for i in item_ids],
    )


def record_failure(db: sqlite_utils.Database, item_id: int, failure: Failure) -> None:
    db.execute(
        "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
        [failure.status, failure.attempts, failure.next_attempt_at, failure.error, item_id],
    )


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    db.execute("DELETE FROM outbox WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
