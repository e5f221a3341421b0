"""Paid broadcast messages sent by child processes: the protocol's outcomes raise what one process
would, real children (the real python-telegram-bot client) against the fake Bot API, a child
killed mid-sending, and a parent killed with SIGKILL whose children exit."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.broadcast import broadcasts
from bot.channels.telegram_workers import SendingProcesses, outcome_of, raise_for
from bot.core.messages import DeliveryError
from tests.bot.channels.test_broadcast_e2e import received, seed, wait_until
from tests.fakes.bot_process import children_of, running
from tests.fakes.running_bot import TOKEN, RunningBot

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "error",
    [Forbidden("Forbidden: bot was blocked by the user"), BadRequest("Chat not found"), RetryAfter(7),
     ChatMigrated(-100123)],
)  # fmt: skip
def test_an_outcome_raises_in_the_parent_what_the_send_raised_in_the_child(error):
    with pytest.raises(type(error)) as raised:
        raise_for(*outcome_of(error))
    assert str(raised.value) == str(error)


@pytest.mark.parametrize("error", [TimedOut(), NetworkError("reset"), ValueError("boom")])
def test_other_failures_come_back_as_a_retryable_delivery_error(error):
    with pytest.raises(DeliveryError) as raised:
        raise_for(*outcome_of(error))
    assert str(raised.value) == type(error).__name__
    assert not (raised.value.blocked or raised.value.permanent) and raised.value.retry_after is None
    raise_for(*outcome_of(None))  # sent: nothing raised


async def test_children_send_report_refusals_and_a_killed_child_is_replaced(fake):
    fake.rate_limit(per_second=10, paid_per_second=1000)
    fake.block_chat(999)
    pool = SendingProcesses(TOKEN, f"{fake.url}/bot", 2)
    gate = asyncio.Semaphore(8)  # the sender's workers

    async def send(chat: int) -> str:
        async with gate:
            try:
                await pool.send(chat, "<b>Cảnh báo</b> thử nghiệm")
            except DeliveryError as error:
                return str(error)
            return "ok"

    try:
        assert set(await asyncio.gather(*(send(300_000 + n) for n in range(60)))) == {"ok"}
        assert len(pool.pids) == 2
        with pytest.raises(Forbidden):
            await pool.send(999, "x")
        fake.fail_next("sendMessage", status=429, retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await pool.send(2, "x")
        assert flood.value.retry_after in (7, 7.0) or flood.value.retry_after.total_seconds() == 7

        # A child killed while sends are in flight: those fail as retryable, none hangs, and the
        # next send starts another child.
        victim = pool.pids[0]
        sends = [asyncio.create_task(send(400_000 + n)) for n in range(200)]
        await asyncio.sleep(0.05)
        os.kill(victim, signal.SIGKILL)
        outcomes = await asyncio.wait_for(asyncio.gather(*sends), 30)
        assert set(outcomes) == {"ok", "WorkerExited"}  # it was killed with sends in flight
        assert await send(500_000) == "ok"
        assert pool.restarts >= 1 and victim not in pool.pids and len(pool.pids) == 2
    finally:
        await pool.close()
    failed = {400_000 + n for n, outcome in enumerate(outcomes) if outcome != "ok"}
    arrived = {m["chat"]["id"] for m in fake.sent}
    # Every send reported "ok" arrived; the failed ones are the sender's to retry.
    assert {400_000 + n for n in range(200)} - failed <= arrived
    assert all(m["paid"] for m in fake.sent) and fake.throttled == 0


PARENT = """
import asyncio, sys
from bot.channels.telegram_workers import SendingProcesses

async def main():
    pool = SendingProcesses(sys.argv[1], sys.argv[2], 2)
    await asyncio.gather(pool.send(1, "x"), pool.send(2, "y"))
    print(" ".join(map(str, pool.pids)), flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_children_exit_when_their_parent_is_killed(fake):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, TOKEN, f"{fake.url}/bot"], cwd=REPO, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        line = await asyncio.wait_for(asyncio.to_thread(parent.stdout.readline), 60)
        pids = {int(pid) for pid in line.split()}
        assert len(pids) == 2 and pids == children_of(parent.pid)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not any(running(pid) for pid in pids)  # no orphan left sending


async def test_a_child_killed_mid_broadcast_is_replaced_and_no_recipient_is_missed(fake, tg_settings):
    inside, outside = seed(tg_settings.db_path, 1500, targeted=False)
    everyone = inside | outside
    fake.rate_limit(per_second=10, paid_per_second=1000)
    settings = tg_settings.model_copy(
        update={"telegram_paid_broadcast": True, "telegram_paid_broadcast_per_second": 300, "broadcast_processes": 2}
    )
    async with RunningBot(settings, fake) as bot:
        await wait_until(lambda: len(received(fake)) >= 300, timeout=60)
        [child] = children_of(os.getpid())  # the one sending process (2 = the bot and one child)
        os.kill(child, signal.SIGKILL)
        killed_at = len(received(fake))
        await wait_until(lambda: set(received(fake)) == everyone, timeout=90)
        await asyncio.sleep(0.5)  # the last results recorded
        state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
        replaced = children_of(os.getpid())
    got = received(fake)
    assert killed_at < len(everyone)  # killed mid-broadcast
    assert len(replaced) == 1 and child not in replaced
    # The sends the child held came back as retryable failures: retried, never lost; a send that
    # went out just before the kill may arrive twice (at most the sends in flight).
    assert sum(n - 1 for n in got.values()) <= settings.broadcast_concurrency
    assert state.counts == {"sent": len(everyone)}
    assert all(m["paid"] for m in fake.sent) and fake.throttled == 0
