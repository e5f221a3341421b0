"""One chat's updates in order, different chats concurrently, for adapters that receive updates
one by one (Zalo's polling and webhooks, the OA's webhook)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("canhgiac.channels")


class ChatOrder:
    def __init__(self, channel: str, workers: int):
        self.channel = channel
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock and how many updates hold or await it
        self._tasks: set[asyncio.Task] = set()
        self._workers = asyncio.Semaphore(workers)

    def run(self, chat_id: str, work: Callable[[], Awaitable[None]]) -> None:
        """Start `work` in the background, after the chat's earlier work (asyncio locks are fair)."""
        task = asyncio.create_task(self._in_turn(chat_id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_turn(self, chat_id: str, work: Callable[[], Awaitable[None]]) -> None:
        lock, waiting = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, waiting + 1)
        try:
            async with lock, self._workers:
                await work()
        except Exception:
            log.exception("update failed channel=%s", self.channel)
        finally:
            lock, waiting = self._locks[chat_id]
            if waiting == 1:
                del self._locks[chat_id]  # nobody else waits on this chat: forget its lock
            else:
                self._locks[chat_id] = (lock, waiting - 1)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
