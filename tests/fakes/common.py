"""What the Telegram and Zalo fakes share: the bot's sent messages, waiting for them, blocked chats."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


class WaitTimeout(AssertionError, TimeoutError):
    """The expected messages did not arrive in time (an AssertionError, so pytest shows it plainly)."""


class SentMessages:
    """A mixin: `sent`, `requests`, `_sent_signal`, `_read_cursor` and `_blocked` are the fake's."""

    sent: list[dict]
    requests: list[tuple[str, dict]]
    _sent_signal: asyncio.Event
    _read_cursor: dict[Any, int]
    _blocked: set

    @staticmethod
    def chat_of(message: dict) -> Any:
        raise NotImplementedError

    def messages_to(self, chat_id: Any) -> list[dict]:
        """All messages the bot sent to `chat_id` (snapshots as sent)."""
        return [m for m in self.sent if self.chat_of(m) == chat_id]

    async def wait_for_messages(self, chat_id: Any, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Wait for >= `count` new messages to `chat_id` since the last wait/clear; return them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fresh = self.messages_to(chat_id)[self._read_cursor.get(chat_id, 0) :]
            if len(fresh) >= count:
                self._read_cursor[chat_id] = self._read_cursor.get(chat_id, 0) + len(fresh)
                return fresh
            if loop.time() >= deadline:
                got = [m.get("text", m.get("caption", m.get("photo"))) for m in fresh]
                others = sorted({self.chat_of(m) for m in self.sent} - {chat_id})
                raise WaitTimeout(
                    f"expected {count} message(s) to chat {chat_id} within {timeout}s, "
                    f"got {len(fresh)}: {got!r}; messages to other chats: {others}; "
                    f"methods called: {[name for name, _ in self.requests[-20:]]}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_signal.wait(), deadline - loop.time())

    def block_chat(self, chat_id: Any) -> None:
        """The user blocked the bot: what the bot sends to `chat_id` is refused (403)."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: Any) -> None:
        """Undo `block_chat`."""
        self._blocked.discard(chat_id)

    def _notify(self, name: str) -> None:
        event = getattr(self, name)
        setattr(self, name, asyncio.Event())
        event.set()
