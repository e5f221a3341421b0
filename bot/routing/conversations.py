"""Where each chat is in a multi-step flow, and its draft, kept in SQLite.

State is keyed by (channel, chat id), not kept in python-telegram-bot, so it survives restarts and
works the same on every channel. A conversation idle for longer than the configured time counts
as over: a citizen who comes back a day later starts fresh instead of landing in a stale step.

In a group, one chat holds many people, and a flow belongs to the member who started it: the
router hands handlers a view `acting_as(member)`, which records the member as the flow's owner,
refuses (`NotYourFlow`) to read or replace a flow another member owns, and does not end it. So
nobody finishes someone else's report, confirms someone else's erasure or reads their draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from bot.core.clock import Clock, from_iso, to_iso
from bot.core.messages import ChatKey
from bot.core.storage import Storage


class NotYourFlow(Exception):
    """Another member of the group started the flow this update would read or replace."""


@dataclass(frozen=True)
class Conversation:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    user_id: str | None = None  # who started it, in a group; None in a private chat


class Conversations:
    def __init__(self, storage: Storage, clock: Clock, idle: timedelta, user_id: str | None = None):
        self._storage = storage
        self._clock = clock
        self.idle = idle
        self._user_id = user_id

    def acting_as(self, user_id: str | None) -> Conversations:
        """The same conversations seen by one member of a group (None: a private chat, no owners)."""
        return Conversations(self._storage, self._clock, self.idle, user_id)

    def _foreign(self, conversation: Conversation | None) -> bool:
        """True if the conversation is another member's."""
        return (
            conversation is not None
            and None not in (conversation.user_id, self._user_id)
            and conversation.user_id != self._user_id
        )

    def _load(self, db: sqlite_utils.Database, chat: ChatKey) -> Conversation | None:
        row = db.execute(
            "SELECT flow, step, data, updated_at, user_id FROM conversations WHERE channel = ? AND chat_id = ?",
            [chat.channel, chat.chat_id],
        ).fetchone()
        if row is None:
            return None
        updated_at = from_iso(row[3])
        if self._clock() - updated_at > self.idle:
            return None
        return Conversation(flow=row[0], step=row[1], data=json.loads(row[2]), updated_at=updated_at, user_id=row[4])

    async def get(self, chat: ChatKey, flow: str | None = None) -> Conversation | None:
        """The chat's current flow (only if it is `flow`, when given), or None if none or expired.

        Raises `NotYourFlow` if that flow belongs to another member of the group."""
        conversation = await self._storage.read(lambda db: self._load(db, chat))
        if conversation is None or flow not in (None, conversation.flow):
            return None
        if self._foreign(conversation):
            raise NotYourFlow(conversation.flow)
        return conversation

    async def start(self, chat: ChatKey, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        """Put the chat at `step` of `flow` with `data` as its whole draft (committed on return).

        Raises `NotYourFlow`, changing nothing, if another member's flow is active in the group."""
        payload = json.dumps(data or {}, ensure_ascii=False)
        stamp = to_iso(self._clock())

        def start(db: sqlite_utils.Database) -> None:
            if self._user_id is not None and self._foreign(self._load(db, chat)):
                raise NotYourFlow(flow)
            db.execute(
                "INSERT OR REPLACE INTO conversations (channel, chat_id, flow, step, data, updated_at, user_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [chat.channel, chat.chat_id, flow, step, payload, stamp, self._user_id],
            )

        await self._storage.write(start)

    async def end(self, chat: ChatKey) -> bool:
        """Leave any flow; True if there was one still active. Another member's flow is left alone
        (and False returned): for this member there was nothing to leave."""

        def end(db: sqlite_utils.Database) -> bool:
            conversation = self._load(db, chat)
            if self._foreign(conversation):
                return False
            end_in(db, chat)
            return conversation is not None

        return await self._storage.write(end)

    def purge_expired(self, db: sqlite_utils.Database) -> int:
        cursor = db.execute("DELETE FROM conversations WHERE updated_at < ?", [to_iso(self._clock() - self.idle)])
        return cursor.rowcount


def end_in(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Leave any flow inside a larger write, so the flow ends in the same transaction as its result."""
    db.execute("DELETE FROM conversations WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
