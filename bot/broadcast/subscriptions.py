"""Who receives the weekly warnings: one area per chat, optional topics, active or stopped.

Stopping keeps the row (inactive, with why), so a citizen who comes back is simply re-activated,
and a chat that blocked the bot is never written to again until it subscribes anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.broadcast import deliveries
from bot.core.clock import to_iso
from bot.core.messages import ChatKey


@dataclass(frozen=True)
class Subscription:
    channel: str
    chat_id: str
    area_code: str
    topics: tuple[str, ...]
    active: bool
    stopped_reason: str | None


def get(db: sqlite_utils.Database, chat: ChatKey) -> Subscription | None:
    row = db.execute(
        "SELECT area_code, topics, active, stopped_reason FROM subscriptions WHERE channel = ? AND chat_id = ?",
        [chat.channel, chat.chat_id],
    ).fetchone()
    if row is None:
        return None
    topics = tuple(filter(None, (row[1] or "").split(",")))
    return Subscription(chat.channel, chat.chat_id, row[0], topics, bool(row[2]), row[3])


def subscribe(
    db: sqlite_utils.Database, chat: ChatKey, area_code: str, now: datetime, topics: tuple[str, ...] = ()
) -> Subscription | None:
    """Subscribe or move the chat; returns what it had before (None if never subscribed)."""
    before = get(db, chat)
    stamp = to_iso(now)
    db.execute(
        "INSERT INTO subscriptions (channel, chat_id, area_code, topics, active, subscribed_at, updated_at) "
        "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (channel, chat_id) DO UPDATE SET area_code = excluded.area_code, "
        "topics = excluded.topics, active = 1, stopped_reason = NULL, updated_at = excluded.updated_at",
        [chat.channel, chat.chat_id, area_code, ",".join(topics), stamp, stamp],
    )
    return before


def set_topics(db: sqlite_utils.Database, chat: ChatKey, topics: tuple[str, ...], now: datetime) -> None:
    db.execute(
        "UPDATE subscriptions SET topics = ?, updated_at = ? WHERE channel = ? AND chat_id = ?",
        [",".join(topics), to_iso(now), chat.channel, chat.chat_id],
    )


def stop(db: sqlite_utils.Database, chat: ChatKey, reason: str, now: datetime) -> bool:
    """Stop everything for the chat, pending broadcast messages included; True if it was active."""
    cursor = db.execute(
        "UPDATE subscriptions SET active = 0, stopped_reason = ?, updated_at = ? "
        "WHERE channel = ? AND chat_id = ? AND active = 1",
        [reason, to_iso(now), chat.channel, chat.chat_id],
    )
    deliveries.cancel_chat(db, chat)
    return cursor.rowcount > 0


def resume_unblocked(db: sqlite_utils.Database, chat: ChatKey, now: datetime) -> bool:
    """The chat unblocked the bot: a subscription stopped only because it was blocked goes on."""
    cursor = db.execute(
        "UPDATE subscriptions SET active = 1, stopped_reason = NULL, updated_at = ? "
        "WHERE channel = ? AND chat_id = ? AND active = 0 AND stopped_reason = 'blocked'",
        [to_iso(now), chat.channel, chat.chat_id],
    )
    return cursor.rowcount > 0


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure: the subscription goes (its messages go with `deliveries.forget`, see `bot.privacy`)."""
    db.execute("DELETE FROM subscriptions WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])


def active_in(db: sqlite_utils.Database, area_codes: set[str] | None) -> Iterator[Subscription]:
    """Active subscriptions in these areas (None: in every area), read as they are used (a
    province's subscribers are never a list in memory)."""
    where, params = "active = 1", []
    if area_codes is not None:
        where += f" AND area_code IN ({', '.join('?' for _ in area_codes)})" if area_codes else " AND 0"
        params = sorted(area_codes)
    rows = db.execute(
        f"SELECT channel, chat_id, area_code, topics FROM subscriptions WHERE {where} ORDER BY channel, chat_id", params
    )
    for channel, chat_id, area, topics in rows:
        yield Subscription(channel, chat_id, area, tuple(filter(None, (topics or "").split(","))), True, None)


def listing(db: sqlite_utils.Database, area_codes: set[str] | None) -> list[dict]:
    rows = db.execute(
        "SELECT channel, chat_id, area_code, active, topics, subscribed_at, updated_at, stopped_reason "
        "FROM subscriptions ORDER BY area_code, channel, chat_id"
    ).fetchall()
    keys = ("channel", "chat", "area", "active", "topics", "subscribed_at", "updated_at", "stopped_reason")
    return [
        {
            **dict(zip(keys, row, strict=True)),
            "active": bool(row[3]),
            "topics": [t for t in (row[4] or "").split(",") if t],
        }
        for row in rows
        if area_codes is None or row[2] in area_codes
    ]
