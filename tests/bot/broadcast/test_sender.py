"""The sender: pace, errors by kind, what a crash leaves behind, and the outbox drained with the
deliveries (one policy, outbox first)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.broadcast import broadcasts, subscriptions
from bot.broadcast import sender as sender_module
from bot.broadcast.deliveries import recover
from bot.broadcast.sender import MAX_ATTEMPTS, Pacer, Sender
from bot.core import outbox
from bot.core.clock import utc_now
from bot.core.messages import ChatKey, DeliveryError
from bot.core.storage import Storage
from tests.bot.broadcast.test_broadcasts import deliveries, seed, send
from tests.conftest import OtherWriter


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch):
    """Idle polls and pause checks in small slices, so a test's clock moves are seen at once."""
    monkeypatch.setattr(sender_module, "IDLE_POLL_SECONDS", 0.01)
    monkeypatch.setattr(sender_module, "PAUSE_CHECK_SECONDS", 0.01)


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


async def test_a_lasting_error_gives_up_after_max_attempts_with_the_error_kept(services, clock, monkeypatch):
    monkeypatch.setattr(sender_module, "OUTAGE_HOLD_SECONDS", (0.01, 0.05))  # not what this test is about
    seed(services, clock, {"down": "coc-leu"})
    broadcast_id = send(services, clock, text="x")
    platform = Platform({"down": DeliveryError("NetworkError: 502")})

    async def done():
        clock.advance(seconds=400)
        return (await statuses(services, broadcast_id))["down"] == "failed"

    await run_until(services, platform, done)
    row = deliveries(services, broadcast_id)["down"]
    assert row["attempts"] == MAX_ATTEMPTS and "502" in row["last_error"]


async def test_a_429_pauses_everyone_for_retry_after_on_the_clock_and_requeues(services, clock):
    seed(services, clock, {str(n): "coc-leu" for n in range(6)})
    broadcast_id = send(services, clock, text="x")
    platform = Platform({"0": [DeliveryError("RetryAfter", retry_after=30)]})
    sender = Sender(services.storage, "telegram", platform.deliver, rate=200, concurrency=1, clock=services.clock)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await wait_for(lambda: sender.pacer.paused_for() > 0)
        clock.advance(seconds=29)
        await asyncio.sleep(0.1)  # ten pause checks
        assert platform.sent == [] and sender.pacer.paused_for() == pytest.approx(1)
        clock.advance(seconds=1)
        await wait_for(lambda: len(platform.sent) == 6)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert sender.pacer.rate < 200 and sorted(chat for chat, _ in platform.sent) == [str(n) for n in range(6)]
    assert deliveries(services, broadcast_id)["0"]["attempts"] == 0  # a flood wait costs no attempt


async def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_flood_wait_met_by_every_send_in_flight_slows_the_pace_once():
    pacer = Pacer(100, utc_now)
    for _ in range(8):  # the eight sends of one round all get the 429
        pacer.pause(1.0)
    assert pacer.rate == 80  # a fifth slower, not 0.8 ** 8 (the pace would crawl for minutes)


class Time:
    """A monotonic clock that only `sleep` moves: a pacer's schedule, run without waiting."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


async def starts(pacer: Pacer, fake: Time, seconds: float, stall_every: int = 0, stall: float = 0.0) -> list[float]:
    """When a worker that asks again at once starts its sends for `seconds`; every `stall_every`
    sends it is busy for `stall` first (a round trip, a claim, the process descheduled)."""
    stop, started, end = asyncio.Event(), [], fake.now + seconds
    while True:
        if stall_every and started and len(started) % stall_every == 0:
            fake.now += stall
        await pacer.wait(stop)
        if fake.now >= end:
            return started
        started.append(fake.now)


def busiest_second(times: list[float]) -> int:
    """The most starts in any one second (a closed window)."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] > 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_short_stalls_are_made_up_and_no_second_holds_more_than_the_stated_burst():
    fake = Time()
    pacer = Pacer(980, utc_now, monotonic=fake.monotonic, sleep=fake.sleep)
    # 30 ms lost every 2,000 sends for 20 s (29 slots each time: 290 slots, 1.5% of the pace,
    # lost for good without making them up), then 10 s without a stall.
    begun = fake.now
    times = await starts(pacer, fake, 20.0, stall_every=2000, stall=0.03)
    times += await starts(pacer, fake, begun + 30.0 - fake.now)
    assert len(times) >= 980 * 30 - 1  # the average is the pace asked (290 fewer, slots not made up)
    assert busiest_second(times) <= 990  # 980 × 1.01 + 1: under the paid limit of 1,000
    steady = await starts(Pacer(980, utc_now, monotonic=fake.monotonic, sleep=fake.sleep), fake, 5.0)
    assert busiest_second(steady) == 981  # nothing owed: the pace itself


async def test_a_long_stall_an_empty_queue_and_a_pause_are_not_made_up(clock):
    fake = Time()
    pacer = Pacer(100, clock, monotonic=fake.monotonic, sleep=fake.sleep)
    await starts(pacer, fake, 1.0)
    fake.now += 5.0  # five seconds with no worker free: one second of slots is owed, no more
    times = await starts(pacer, fake, 100.0)
    assert len(times) == pytest.approx(100 * 100 + 100, abs=1)
    fake.now += 0.5
    pacer.idle()  # nothing to send meanwhile: nothing owed
    times = await starts(pacer, fake, 10.0)
    assert len(times) == pytest.approx(100 * 10, abs=1) and busiest_second(times) == 101


async def test_a_first_429_at_the_paid_pace_costs_two_percent_and_a_repeat_a_fifth(clock):
    fake = Time()
    free = Pacer(1000, clock, monotonic=fake.monotonic, sleep=fake.sleep)
    paid = Pacer(1000, clock, paid=True, monotonic=fake.monotonic, sleep=fake.sleep)
    for pacer in (free, paid):
        pacer.pause(1.0)
    assert (free.rate, paid.rate) == (800, 980)  # at the free pace a 429 is a flood: a fifth
    clock.advance(seconds=2)  # the pause over
    fake.now += 2
    paid.pause(1.0)
    assert paid.rate == pytest.approx(980 * 0.8)  # again within RECOVERY_SECONDS: a fifth
    clock.advance(seconds=31)
    fake.now += 31  # a 429 after half a minute without one is a first one again
    paid.pause(1.0)
    assert paid.rate == pytest.approx(980 * 0.8 * 0.98)


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


class Outage(Platform):
    """Every send fails as a platform in trouble does (5xx) until `seconds` after the first one, on `clock`."""

    def __init__(self, clock, seconds: float):
        super().__init__()
        self.clock, self.seconds, self.until, self.failed = clock, seconds, None, 0

    async def deliver(self, chat_id, replies):
        self.until = self.until or self.clock() + timedelta(seconds=self.seconds)
        if self.clock() < self.until:
            self.failed += 1
            raise DeliveryError("NetworkError: 502 Bad Gateway")
        await super().deliver(chat_id, replies)


async def test_an_outage_of_the_platform_is_probed_by_a_few_sends_not_hammered(services, clock):
    seed(services, clock, {str(n): "coc-leu" for n in range(40)})
    broadcast_id = send(services, clock, text="x")
    platform = Outage(clock, seconds=60)  # a minute: at 200 a second, 12,000 sends would fail without holding back

    async def done():
        clock.advance(seconds=1)
        return set((await statuses(services, broadcast_id)).values()) == {"sent"}

    await run_until(services, platform, done, rate=200, concurrency=4)
    assert sorted(chat for chat, _ in platform.sent) == sorted(str(n) for n in range(40))
    # Holds of 0.25, 0.5, 1, … 32 s: a probe round each, of at most 4 sends.
    assert platform.failed <= 4 * 9


async def test_the_outbox_goes_first_and_shares_the_pace_and_the_spacing_per_chat(services, clock):
    seed(services, clock, {str(n): "coc-leu" for n in range(5)})
    send(services, clock, text="x")
    services.storage.write_sync(
        lambda db: [outbox.enqueue(db, "telegram", chat, "notice", "report_status", clock()) for chat in ("0", "9")]
    )
    platform = Platform()
    texts: list[tuple[str, str]] = []
    deliver = platform.deliver

    async def recording(chat_id, replies):
        await deliver(chat_id, replies)
        texts.append((chat_id, replies[0].text))

    platform.deliver = recording

    async def done():
        rows = await services.storage.read(lambda db: [r["status"] for r in db["outbox"].rows])
        return rows == ["sent", "sent"] and len(texts) == 7

    await run_until(services, platform, done, rate=200, concurrency=1)
    assert texts[:2] == [("0", "notice"), ("9", "notice")]  # replies to people who acted, before the bulk
    sends_to_0 = [at for chat, at in platform.sent if chat == "0"]
    assert len(sends_to_0) == 2 and sends_to_0[1] - sends_to_0[0] >= 0.9  # one chat: a second apart


async def test_a_blocked_chat_found_by_a_notice_is_not_retried_and_stops_its_subscription(services, clock):
    seed(services, clock, {"gone": "coc-leu"})
    services.storage.write_sync(lambda db: outbox.enqueue(db, "telegram", "gone", "notice", "report_status", clock()))
    platform = Platform({"gone": DeliveryError("Forbidden", blocked=True)})

    async def done():
        return await services.storage.read(lambda db: next(db["outbox"].rows)["status"]) == "blocked"

    await run_until(services, platform, done)
    row = services.storage.read_sync(lambda db: next(db["outbox"].rows))
    assert (row["status"], row["attempts"]) == ("blocked", 0)
    gone = services.storage.read_sync(lambda db: subscriptions.get(db, ChatKey("telegram", "gone")))
    assert (gone.active, gone.stopped_reason) == (False, "blocked")


# --- database faults: a write lock held by another process past the busy timeout ---

BUSY_MS = 300  # the sender's connection gives up after this; the lock outlasts its retries of BEGIN too
HELD_SECONDS = 2.5


class LockingPlatform(Platform):
    """Takes the write lock right after a send went out: the sender cannot record it as sent."""

    def __init__(self, writer: OtherWriter, after: int):
        super().__init__()
        self.writer, self.after = writer, after

    async def deliver(self, chat_id, replies):
        await super().deliver(chat_id, replies)
        if len(self.sent) == self.after:
            self.writer.hold_for(HELD_SECONDS)


@pytest.fixture
def quick_storage(services):
    """The bot's database with a short busy timeout, so a lock outlasts it within a quick test."""
    storage = Storage(services.settings.db_path, busy_timeout_ms=BUSY_MS)
    yield storage
    storage.close()


async def run_until_all_sent(services, sender: Sender, broadcast_id) -> None:
    """Run `sender` until every delivery of the broadcast is sent; it must not stop meanwhile."""
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        deadline = time.monotonic() + 15
        while set((await statuses(services, broadcast_id)).values()) != {"sent"}:
            assert not task.done(), f"the sender stopped: {task.exception()!r}"
            assert time.monotonic() < deadline, "the broadcast did not complete"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_a_lock_past_the_busy_timeout_delays_the_broadcast_but_loses_and_doubles_nothing(
    services, clock, quick_storage, other_writer, caplog
):
    people = {str(n): "coc-leu" for n in range(30)}
    seed(services, clock, people)
    broadcast_id = send(services, clock, text="Cảnh báo 0912345678")
    platform = LockingPlatform(other_writer, after=10)  # mid-broadcast, between a send and its record
    sender = Sender(quick_storage, "telegram", platform.deliver, rate=200, concurrency=4, clock=clock)
    await run_until_all_sent(services, sender, broadcast_id)
    chats = Counter(chat for chat, _ in platform.sent)
    assert set(chats) == set(people) and set(chats.values()) == {1}  # every recipient, exactly once
    assert sender.database_errors > 0  # the lock did hit the sender
    logged = caplog.text
    assert "database is locked" in logged and "Cảnh báo" not in logged and "0912345678" not in logged


async def test_a_lock_when_the_sender_starts_delays_it_but_does_not_stop_it(
    services, clock, quick_storage, other_writer
):
    seed(services, clock, {str(n): "coc-leu" for n in range(5)})
    broadcast_id = send(services, clock, text="x")
    platform = Platform()
    sender = Sender(quick_storage, "telegram", platform.deliver, rate=200, concurrency=2, clock=clock)
    other_writer.hold_for(HELD_SECONDS)
    await run_until_all_sent(services, sender, broadcast_id)
    assert sorted(chat for chat, _ in platform.sent) == [str(n) for n in range(5)]


async def test_a_lock_between_an_outbox_send_and_its_record_does_not_send_it_twice(
    services, clock, quick_storage, other_writer, caplog
):
    await services.storage.write(lambda db: outbox.enqueue(db, "telegram", "42", "Kết quả 0912345678", "x", clock()))
    platform = LockingPlatform(other_writer, after=1)
    sender = Sender(quick_storage, "telegram", platform.deliver, rate=200, concurrency=2, clock=clock)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))

    async def recorded():
        assert not task.done(), f"the sender stopped: {task.exception()!r}"
        return await services.storage.read(lambda db: next(db["outbox"].rows)["status"]) == "sent"

    try:
        deadline = time.monotonic() + 15
        while not await recorded():
            assert time.monotonic() < deadline, "the notice was not recorded"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # more rounds: nothing more goes out
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert [chat for chat, _ in platform.sent] == ["42"] and sender.database_errors > 0
    assert "database is locked" in caplog.text and "0912345678" not in caplog.text
