"""Where each person is in a multi-step flow, and their draft, kept in SQLite.

State is keyed by (channel, chat id, user id), not kept in python-telegram-bot, so it survives
restarts and works the same on every channel. In a private chat the chat is the person (the user
id is the chat's id); in a group each member has their own flow, at the same time as the others:
one member's report, quiz or erasure question is never read, replaced or ended by another's
message (`Incoming.conversation_key` says whose a message is). A conversation idle for longer
than the configured time counts as over: a citizen who comes back a day later starts fresh
instead of landing in a stale step.

The router loads the flow of the member who wrote once per update, inside the update's first
write (`in_chat`), and hands it to the handler (`Services.conversation`); handlers then only
start, move or end it.

Methods take a `ConversationKey`, or a `ChatKey` for a private chat (the terminal, tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from bot.core.clock import Clock, from_iso, to_iso
from bot.core.messages import ChatKey, ConversationKey
from bot.core.storage import Storage

Key = ConversationKey | ChatKey


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

    def _cutoff(self) -> str:
        return to_iso(self._clock() - self.idle)

    def in_chat(self, db: sqlite_utils.Database, chat: ChatKey) -> dict[str, Conversation]:
        """Every active flow of the chat, by user id (one query, inside the caller's transaction):
        the router needs the writer's own flow, and in a group which flows other members have."""
        rows = db.execute(
            "SELECT user_id, flow, step, data, updated_at FROM conversations "
            "WHERE channel = ? AND chat_id = ? AND updated_at >= ?",
            [chat.channel, chat.chat_id, self._cutoff()],
        ).fetchall()
        return {
            row[0]: Conversation(flow=row[1], step=row[2], data=json.loads(row[3]), updated_at=from_iso(row[4]))
            for row in rows
        }

    async def get(self, key: Key, flow: str | None = None) -> Conversation | None:
        """The person's current flow (only if it is `flow`, when given), or None if none or expired.

        Handlers get theirs from the router (`Services.conversation`); this is for everything else."""
        key = ConversationKey.of(key)
        chat = ChatKey(key.channel, key.chat_id)
        conversation = (await self._storage.read(lambda db: self.in_chat(db, chat))).get(key.user_id)
        return conversation if conversation is not None and flow in (None, conversation.flow) else None

    async def start(self, key: Key, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        """Put the person at `step` of `flow` with `data` as the whole draft (committed on return)."""
        key = ConversationKey.of(key)
        payload = json.dumps(data or {}, ensure_ascii=False)
        stamp = to_iso(self._clock())
        await self._storage.write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO conversations (channel, chat_id, user_id, flow, step, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*key, flow, step, payload, stamp],
            )
        )

    async def end(self, key: Key) -> bool:
        """Leave any flow; True if there was one still active (an expired one is removed too)."""
        key = ConversationKey.of(key)
        cutoff = self._cutoff()

        def end(db: sqlite_utils.Database) -> bool:
            row = db.execute(
                "DELETE FROM conversations WHERE channel = ? AND chat_id = ? AND user_id = ? RETURNING updated_at",
                list(key),
            ).fetchone()
            return row is not None and row[0] >= cutoff

        return await self._storage.write(end)

    def purge_expired(self, db: sqlite_utils.Database) -> int:
        cursor = db.execute("DELETE FROM conversations WHERE updated_at < ?", [self._cutoff()])
        return cursor.rowcount


def end_in(db: sqlite_utils.Database, key: Key) -> None:
    """Leave the flow inside a larger write, so the flow ends in the same transaction as its result."""
    db.execute(
        "DELETE FROM conversations WHERE channel = ? AND chat_id = ? AND user_id = ?", list(ConversationKey.of(key))
    )


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure of a chat: its own flow (a private chat's). In a group, the member who asked for the
    erasure ends their own flow (`end_in`); the other members' drafts are theirs, not the chat's,
    and stay until they end them or they expire."""
    end_in(db, chat)
