"""The sender: pace, errors by kind, and what a crash leaves behind."""

from __future__ import annotations

import asyncio
import time

from bot import broadcasts, subscriptions
from bot.models import ChatKey, DeliveryError
from bot.sender import MAX_ATTEMPTS, Sender, recover
from tests.bot.test_broadcasts import deliveries, seed, send


class Platform:
    """A deliver function with scripted failures per chat."""

    def __init__(self, failures=None):
        self.failures = failures or {}
        self.sent: list[tuple[str, float]] = []

    async def deliver(self, chat_id, replies):
        failure = self.failures.get(chat_id)
        if isinstance(failure, list):
            failure = failure.pop(0) if failure else None
        if failure is not None:
            raise failure
        self.sent.append((chat_id, time.monotonic()))


async def run_until(services, platform, done, *, rate=200.0, concurrency=4, timeout=10.0):
    sender = Sender(
        services.storage, "telegram", platform.deliver, rate=rate, concurrency=concurrency, clock=services.clock
    )
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    deadline = time.monotonic() + timeout
    while not await done() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5)
    return sender


async def statuses(services, broadcast_id):
    rows = await services.storage.read(
        lambda db: list(db.query("SELECT chat_id, status FROM deliveries WHERE broadcast_id = ?", [broadcast_id]))
    )
    return {r["chat_id"]: r["status"] for r in rows}


async def test_everyone_once_at_the_pace(services, clock):
    seed(services, clock, {str(n): "coc-leu" for n in range(40)})
    broadcast_id = send(services, clock, text="x")
    platform = Platform()

    async def done():
        return set((await statuses(services, broadcast_id)).values()) == {"sent"}

    await run_until(services, platform, done, rate=100)
    chats = [chat for chat, _ in platform.sent]
    assert sorted(chats) == sorted(str(n) for n in range(40))
    span = platform.sent[-1][1] - platform.sent[0][1]
    assert span >= 39 / 100 * 0.9  # no faster than the pace


async def test_blocked_stops_the_subscription_and_errors_retry_then_fail(services, clock):
    seed(services, clock, {"ok": "coc-leu", "gone": "coc-leu", "flaky": "coc-leu", "broken": "coc-leu"})
    broadcast_id = send(services, clock, text="x")
    platform = Platform({
        "gone": DeliveryError("Forbidden", blocked=True),
        "flaky": [DeliveryError("TimedOut")],
        "broken": DeliveryError("BadRequest", permanent=True),
    })  # fmt: skip

    async def done():
        state = await statuses(services, broadcast_id)
        if state.get("flaky") == "pending":
            clock.advance(seconds=10)  # past the backoff
        return state == {"ok": "sent", "gone": "blocked", "flaky": "sent", "broken": "failed"}

    await run_until(services, platform, done)
    assert await statuses(services, broadcast_id) == {
        "ok": "sent",
        "gone": "blocked",
        "flaky": "sent",
        "broken": "failed",
    }
    gone = await services.storage.read(lambda db: subscriptions.get(db, ChatKey("telegram", "gone")))
    broken = await services.storage.read(lambda db: subscriptions.get(db, ChatKey("telegram", "broken")))
    assert (gone.active, gone.stopped_reason) == (False, "blocked") and broken.active  # a bad message is not a block


async def test_a_lasting_error_gives_up_after_max_attempts_with_the_error_kept(services, clock):
    seed(services, clock, {"down": "coc-leu"})
    broadcast_id = send(services, clock, text="x")
    platform = Platform({"down": DeliveryError("NetworkError: 502")})

    async def done():
        clock.advance(seconds=400)
        return (await statuses(services, broadcast_id))["down"] == "failed"

    await run_until(services, platform, done)
    row = deliveries(services, broadcast_id)["down"]
    assert row["attempts"] == MAX_ATTEMPTS and "502" in row["last_error"]


async def test_a_429_pauses_everyone_and_requeues(services, clock):
    seed(services, clock, {str(n): "coc-leu" for n in range(6)})
    broadcast_id = send(services, clock, text="x")
    platform = Platform({"0": [DeliveryError("RetryAfter", retry_after=0.5)]})

    async def done():
        return set((await statuses(services, broadcast_id)).values()) == {"sent"}

    started = time.monotonic()
    sender = await run_until(services, platform, done, concurrency=1)
    assert time.monotonic() - started >= 0.5 and sender.pacer.rate < 200
    assert sorted(chat for chat, _ in platform.sent) == [str(n) for n in range(6)]


async def test_after_a_crash_in_flight_rows_are_sent_again_and_counted(services, clock):
    seed(services, clock, {str(n): "coc-leu" for n in range(4)})
    broadcast_id = send(services, clock, text="x")

    def crash(db):  # as a kill -9 leaves it: one sent, two claimed but not confirmed
        db.execute("UPDATE deliveries SET status = 'sent', sent_at = '2026-01-01T00:00:00.000000Z' WHERE chat_id = '0'")
        db.execute("UPDATE deliveries SET status = 'inflight' WHERE chat_id IN ('1', '2')")

    services.storage.write_sync(crash)
    assert services.storage.write_sync(lambda db: recover(db, "other-channel")) == 0
    platform = Platform()

    async def done():
        return set((await statuses(services, broadcast_id)).values()) == {"sent"}

    await run_until(services, platform, done)
    assert sorted(chat for chat, _ in platform.sent) == ["1", "2", "3"]
    progress = services.storage.read_sync(lambda db: broadcasts.progress(db, broadcast_id))
    assert progress.resent == 2
