"""`serve()`'s background loops under database faults: a write lock held past the busy timeout by
another process must delay their work, never stop it, lose it or do it twice. (The senders, which
drain the outbox, are tested in tests/bot/broadcast/test_sender.py.)"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.app import serve
from bot.core import outbox
from bot.core.storage import Storage
from bot.routing import handled_updates
from bot.routing.conversations import Conversations
from bot.services import Services

BUSY_MS = 300
HELD_SECONDS = 1.0  # three busy timeouts


@pytest.fixture
def quick(settings, clock, library):
    """Services on a database whose busy timeout is short, so a lock outlasts it within a quick test."""
    storage = Storage(settings.db_path, busy_timeout_ms=BUSY_MS)
    conversations = Conversations(storage, clock, timedelta(minutes=settings.conversation_idle_minutes))
    svc = Services(settings=settings, storage=storage, library=library, conversations=conversations, clock=clock)
    yield svc
    svc.close()


async def wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_the_schedule_loop_survives_a_lock_and_queues_the_digest(quick, other_writer, clock):
    quick.settings.police_chat_id = "-100123"
    clock.now = clock.now.replace(hour=1)  # 08:00 in Vietnam: the digest is due
    other_writer.hold_for(HELD_SECONDS)
    stop = asyncio.Event()
    loop = asyncio.create_task(serve._schedule_loop(quick, stop))

    async def queued():
        assert not loop.done(), f"the schedule loop stopped: {loop.exception()!r}"
        return bool(await quick.storage.read(lambda db: outbox.pending(db, ["telegram"])))

    try:
        await wait_for(queued)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)
    [digest] = await quick.storage.read(lambda db: list(db["outbox"].rows))
    assert (digest["purpose"], digest["chat_id"]) == ("police_digest", "-100123")


async def test_housekeeping_after_a_database_error_is_retried_soon_not_hours_later(quick, other_writer, clock, caplog):
    old = clock() - handled_updates.RETENTION - timedelta(days=1)
    await quick.storage.write(lambda db: handled_updates.claim(db, "telegram", "1", old))
    other_writer.hold_for(HELD_SECONDS)
    stop = asyncio.Event()
    loop = asyncio.create_task(serve._housekeeping_loop(quick, stop))

    async def pruned():
        assert not loop.done(), f"the housekeeping loop stopped: {loop.exception()!r}"
        return await quick.storage.read(lambda db: db["handled_updates"].count) == 0

    try:
        await wait_for(pruned)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)
    assert "housekeeping failed" in caplog.text and "database is locked" in caplog.text
