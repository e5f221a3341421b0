"""Where each chat is in a multi-step flow, and its draft, kept in SQLite.

State is keyed by (channel, chat id), not kept in python-telegram-bot, so it survives restarts and
works the same on every channel. A conversation idle for longer than the configured time counts
as over: a citizen who comes back a day later starts fresh instead of landing in a stale step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from bot.clock import Clock, from_iso, to_iso
from bot.models import ChatKey
from bot.storage import Storage


@dataclass(frozen=True)
class Conversation:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


class Conversations:
    def __init__(self, storage: Storage, clock: Clock, idle: timedelta):
        self._storage = storage
        self._clock = clock
        self.idle = idle

    def _load(self, db: sqlite_utils.Database, chat: ChatKey) -> Conversation | None:
        row = db.execute(
            "SELECT flow, step, data, updated_at FROM conversations WHERE channel = ? AND chat_id = ?",
            [chat.channel, chat.chat_id],
        ).fetchone()
        if row is None:
            return None
        updated_at = from_iso(row[3])
        if self._clock() - updated_at > self.idle:
            return None
        return Conversation(flow=row[0], step=row[1], data=json.loads(row[2]), updated_at=updated_at)

    async def get(self, chat: ChatKey, flow: str | None = None) -> Conversation | None:
        """The chat's current flow (only if it is `flow`, when given), or None if none or expired."""
        conversation = await self._storage.read(lambda db: self._load(db, chat))
        return conversation if conversation is None or flow in (None, conversation.flow) else None

    async def start(self, chat: ChatKey, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        """Put the chat at `step` of `flow` with `data` as its whole draft (committed on return)."""
        payload = json.dumps(data or {}, ensure_ascii=False)
        stamp = to_iso(self._clock())
        await self._storage.write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO conversations (channel, chat_id, flow, step, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [chat.channel, chat.chat_id, flow, step, payload, stamp],
            )
        )

    async def end(self, chat: ChatKey) -> bool:
        """Leave any flow; True if there was one still active."""

        def end(db: sqlite_utils.Database) -> bool:
            active = self._load(db, chat) is not None
            end_in(db, chat)
            return active

        return await self._storage.write(end)

    def purge_expired(self, db: sqlite_utils.Database) -> int:
        cursor = db.execute("DELETE FROM conversations WHERE updated_at < ?", [to_iso(self._clock() - self.idle)])
        return cursor.rowcount


def end_in(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Leave any flow inside a larger write, so the flow ends in the same transaction as its result."""
    db.execute("DELETE FROM conversations WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
