"""A broadcast through faults: a write lock held by another process past the busy timeout, and
`canhgiac run` killed with SIGKILL mid-broadcast. Real python-telegram-bot client, fake Bot API."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.broadcast import broadcasts
from bot.broadcast.sender import duplicate_bound
from bot.core.clock import utc_now
from bot.core.settings import Settings
from bot.core.storage import Storage
from bot.routing.conversations import Conversations
from bot.services import Services
from tests.bot.channels.test_broadcast_e2e import received, seed, wait_until
from tests.fakes.bot_process import BotProcess, bot_env, children_of, running
from tests.fakes.running_bot import TOKEN, RunningBot
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.faults

BUSY_MS = 300
HOLD_SECONDS = 3.0  # ten busy timeouts: past the retries of `BEGIN IMMEDIATE` too (storage.BEGIN_ATTEMPTS)


def figures(scenario: str, got: Counter, everyone: set[int]) -> tuple[int, int]:
    lost, doubled = len(everyone - set(got)), sum(n - 1 for n in got.values())
    print(f"\n{scenario}: recipients {len(everyone)}, lost {lost}, duplicated {doubled}")
    return lost, doubled


async def hold_write_lock(db_path, seconds: float) -> asyncio.subprocess.Process:
    """Another process takes the database's write lock and keeps it `seconds`; returns once it has it."""
    code = (
        "import sqlite3, sys, time\n"
        "conn = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "conn.execute('ROLLBACK')\n"
    )
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(db_path), str(seconds), stdout=asyncio.subprocess.PIPE
    )
    assert (await asyncio.wait_for(locker.stdout.readline(), 10)).strip() == b"locked"
    return locker


async def test_a_write_lock_past_the_busy_timeout_mid_broadcast(tmp_path, library, caplog):
    async with FakeTelegram(token=TOKEN) as fake:
        settings = Settings(
            _env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=f"{fake.url}/bot",
            db_path=tmp_path / "bot.db", weekly_day="off", telegram_broadcast_per_second=150,
            telegram_max_messages_per_second=1000,
        )  # fmt: skip
        inside, outside = seed(settings.db_path, 400, targeted=False)
        everyone = inside | outside
        storage = Storage(settings.db_path, busy_timeout_ms=BUSY_MS)
        idle = timedelta(minutes=settings.conversation_idle_minutes)
        services = Services(settings, storage, library, Conversations(storage, utc_now, idle), utc_now)
        async with RunningBot(settings, fake, services=services) as bot:
            await wait_until(lambda: len(received(fake)) >= 100, timeout=30)
            locker = await hold_write_lock(settings.db_path, HOLD_SECONDS)
            during = len(received(fake))
            await asyncio.wait_for(locker.wait(), 10)
            await wait_until(lambda: set(received(fake)) == everyone, timeout=60)

            async def done():
                return await bot.services.storage.read(lambda db: broadcasts.recent(db)[0].status == "done")

            deadline = time.monotonic() + 15
            while not await done():
                assert time.monotonic() < deadline, "the broadcast was not closed"
                await asyncio.sleep(0.1)
            state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
    lost, doubled = figures("write lock past the busy timeout", received(fake), everyone)
    assert during < len(everyone)  # the lock came mid-broadcast
    assert (lost, doubled) == (0, 0) and state.counts == {"sent": len(everyone)} and state.resent == 0
    assert "database is locked" in caplog.text  # it did hit the bot, and was logged


# 2: the paid messages go through a child process (`bot/channels/telegram_workers.py`), which
# must exit with the bot; the bound on duplicates is the same.
@pytest.mark.parametrize("processes", [1, 2])
async def test_killed_mid_broadcast_it_resumes_without_gaps_and_few_duplicates(tmp_path, processes):
    async with FakeTelegram(token=TOKEN) as fake:
        db_path = tmp_path / "bot.db"
        inside, outside = seed(db_path, 2000, targeted=False)
        everyone = inside | outside
        fake.rate_limit()  # Telegram's flood limits: a paid send not marked as paid would be refused
        env = bot_env(
            fake.url, db_path, CANHGIAC_TELEGRAM_PAID_BROADCAST="true", CANHGIAC_TELEGRAM_BROADCAST_RATE="300",
            CANHGIAC_BROADCAST_CONCURRENCY="8", CANHGIAC_BROADCAST_PROCESSES=str(processes),
        )  # fmt: skip
        bot = BotProcess(env, tmp_path, "first")
        try:
            await wait_until(lambda: len(received(fake)) >= 600, timeout=60)
            children = children_of(bot.pid)
            bot.kill()
            assert len(children) == processes - 1
            await wait_until(lambda: not any(running(pid) for pid in children), timeout=10)  # no orphan sends
            before = len(received(fake))
            bot = BotProcess(env, tmp_path, "restarted")
            await wait_until(lambda: set(received(fake)) == everyone, timeout=90)
        finally:
            await bot.stop()
    got = received(fake)
    storage = Storage(db_path)
    try:
        state = storage.read_sync(lambda db: broadcasts.progress(db, 1))
    finally:
        storage.close()
    lost, doubled = figures("kill -9 mid-broadcast", got, everyone)
    assert before < len(everyone)  # it really was killed mid-broadcast
    assert lost == 0  # no gaps
    # Duplicates only from messages in flight or not yet recorded, within the sender's bound, and
    # all of them among the rows counted as resent.
    assert doubled <= duplicate_bound(8) and doubled <= state.resent
    assert fake.paid_sent == sum(got.values()) and fake.throttled == 0  # all paid, none refused
    assert state.counts == {"sent": len(everyone)}
