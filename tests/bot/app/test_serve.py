"""`serve()`'s background loops under database faults: a write lock held past the busy timeout by
another process must delay their work, never stop it, lose it or do it twice."""

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
from tests.conftest import OtherWriter

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


class LockingChannel:
    """A channel whose send is followed at once by another process's lock: recording it fails."""

    name = "telegram"

    def __init__(self, writer: OtherWriter):
        self.writer, self.sent = writer, []

    async def deliver(self, chat_id, replies):
        self.sent.append(chat_id)
        if len(self.sent) == 1:
            self.writer.hold_for(HELD_SECONDS)


async def wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_lock_between_an_outbox_send_and_its_record_does_not_send_it_twice(quick, other_writer, clock, caplog):
    await quick.storage.write(lambda db: outbox.enqueue(db, "telegram", "42", "Kết quả 0912345678", "report", clock()))
    channel = LockingChannel(other_writer)
    stop = asyncio.Event()
    loop = asyncio.create_task(serve._outbox_loop(quick, [channel], stop))

    async def recorded():
        assert not loop.done(), f"the outbox loop stopped: {loop.exception()!r}"
        return await quick.storage.read(lambda db: db.execute("SELECT status FROM outbox").fetchone()[0]) == "sent"

    try:
        await wait_for(recorded)
        await asyncio.sleep(serve.OUTBOX_INTERVAL_SECONDS + 0.5)  # another round: nothing more goes out
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)
    assert channel.sent == ["42"]
    assert "database is locked" in caplog.text and "0912345678" not in caplog.text


async def test_the_outbox_loop_survives_a_lock_and_sends_what_is_queued(quick, other_writer, clock):
    await quick.storage.write(lambda db: outbox.enqueue(db, "telegram", "42", "x", "report", clock()))
    channel = LockingChannel(other_writer)
    channel.sent.append("warm-up")  # no lock from the channel: the lock is there from the start
    other_writer.hold_for(HELD_SECONDS)
    stop = asyncio.Event()
    loop = asyncio.create_task(serve._outbox_loop(quick, [channel], stop))

    async def sent():
        assert not loop.done(), f"the outbox loop stopped: {loop.exception()!r}"
        return "42" in channel.sent

    try:
        await wait_for(sent)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)


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
