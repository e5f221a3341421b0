"""Chats the bot has talked to, with the little it must remember about each: its language.

Functions here take the database so the router can compose them into one transaction per update.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.messages import ChatKey


def touch(db: sqlite_utils.Database, chat: ChatKey, now: datetime, default_language: str) -> str:
    """Record that the chat wrote now; return its language (new chats get the default)."""
    stamp = to_iso(now)
    db.execute(
        "INSERT INTO chats (channel, chat_id, language, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (channel, chat_id) DO UPDATE SET last_seen = excluded.last_seen",
        [chat.channel, chat.chat_id, default_language, stamp, stamp],
    )
    row = db.execute(
        "SELECT language FROM chats WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    return row[0]


def language_of(db: sqlite_utils.Database, chat: ChatKey) -> str | None:
    """The chat's stored language, without recording a visit (None for a chat never seen)."""
    row = db.execute(
        "SELECT language FROM chats WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    return row[0] if row else None


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure: the chat's row and its language (other tables' owners forget theirs, `bot.privacy`)."""
    db.execute("DELETE FROM chats WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
