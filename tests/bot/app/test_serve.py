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
HELD_SECONDS = 2.5  # eight busy timeouts: past the retries of `BEGIN IMMEDIATE` too (storage.BEGIN_ATTEMPTS)


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


async def test_each_police_officer_gets_the_digest_of_their_own_commune(quick, clock):
    """Two commune officers (one from the environment, one from a grant given in the chat), a bare
    police id and the police chat: each digest holds only the reports its reader answers for."""
    from bot.core.messages import ChatKey
    from bot.identifiers import parse_phone
    from bot.reporting import reports
    from bot.routing import grants

    hoan_kiem, lao_cai = "x-00070", "x-02647"
    quick.settings.police_chat_id = "-100123"
    quick.settings.police_ids = [f"501={hoan_kiem}", "503"]
    clock.now = clock.now.replace(hour=1)  # 08:00 in Vietnam: the digest is due
    now = clock()

    def setup(db):
        _, code = grants.create_invite(db, role="police", scope=[lao_cai], created_by="test:9", now=now,
                                       valid_for=timedelta(days=1))  # fmt: skip
        assert grants.redeem(db, code, ChatKey("zalo", "502"), "502", now).outcome == "granted"
        for n, (number, area) in enumerate((("0912345678", hoan_kiem), ("0987654321", lao_cai))):
            draft = reports.Draft(identifier=parse_phone(number), what="call", via="zalo", claimed_topic=None,
                                  happened="today", area_code=area)  # fmt: skip
            reports.file(db, draft, ChatKey("telegram", str(700 + n)), now - timedelta(hours=1))

    await quick.storage.write(setup)
    assert await serve.queue_digest(quick)
    rows = await quick.storage.read(lambda db: list(db["outbox"].rows))
    by_chat = {(row["channel"], row["chat_id"]): row["text"] for row in rows}
    assert set(by_chat) == {("telegram", "-100123"), ("telegram", "501"), ("zalo", "502"), ("telegram", "503")}
    assert {row["purpose"] for row in rows} == {"police_digest"}
    for chat, shown, hidden in (
        (("telegram", "501"), "0912 345 678", "0987 654 321"),
        (("zalo", "502"), "0987 654 321", "0912 345 678"),
    ):
        assert shown in by_chat[chat] and hidden not in by_chat[chat]
    for everything in (("telegram", "-100123"), ("telegram", "503")):
        assert "0912 345 678" in by_chat[everything] and "0987 654 321" in by_chat[everything]
    assert not await serve.queue_digest(quick)  # once a day, for everyone
