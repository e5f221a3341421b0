"""The sender: drains what the bot sends on its own for one platform, at a steady pace, safely
across crashes. Two queues, one policy: the outbox (`bot/core/outbox.py`: decision notices, the
police digest, broadcast summaries; replies to people who acted, so first) and broadcast
deliveries (`bot/broadcast/deliveries.py`). The queues hold the SQL; this module holds none.

- **Pace.** Sends start at most `rate` per second (default 25 on Telegram, under its ~30/s, so
  interactive replies keep headroom), and at most one per second to the same chat.
- **In flight.** `concurrency` workers each claim one row, mark it `inflight` (committed), send,
  then mark the result. After a `kill -9`, rows still `inflight` may or may not have arrived: they
  are sent again and counted as `resent`, so duplicates are bounded by `concurrency` and visible in
  `canhgiac broadcast status`; nothing is skipped.
- **Errors.** 429: the whole sender pauses for `retry_after`, the row waits as long without losing
  an attempt, and the pace drops by a fifth (it recovers slowly). Blocked bot / chat not found: the
  row is `blocked` and the chat's subscription stopped, never retried. Other permanent errors: the
  row is `failed` at once. The rest (timeouts, 5xx): retried with exponential backoff (2 s, 4 s, …
  up to 5 min), `failed` with the error kept after `MAX_ATTEMPTS`, about an hour of trying; while
  they go on, the whole sender holds back (0.25 s, 0.5 s, … up to 30 s between rounds), so an
  outage of the platform is probed by a few sends instead of burning every row's attempts.
- **Time.** Pauses and backoffs run on the injected clock (tests move it); only the spacing of the
  pace, a matter of milliseconds, runs on the monotonic clock.
- **Database faults.** A write that fails (a lock held past the busy timeout by another process,
  a full disk) never ends a worker: it is logged (the error, never a text or a chat) and retried
  with capped backoff. The record of a send that went out is retried until it commits, so a
  fault between a send and its record doubles nothing; only a stop while the database is still
  failing leaves the row in flight, to be counted as `resent` at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

import sqlite_utils

from bot.broadcast import deliveries, subscriptions
from bot.core import outbox
from bot.core.clock import Clock, to_iso
from bot.core.messages import ChatKey, DeliveryError, Reply
from bot.core.outbox import Failure, Outgoing
from bot.core.storage import Storage

log = logging.getLogger("canhgiac.sender")

MAX_ATTEMPTS = 20  # 2 s, 4 s, … then every 5 min: a platform's outage of about an hour loses nothing
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
PER_CHAT_SECONDS = 1.0
IDLE_POLL_SECONDS = 0.5
PAUSE_CHECK_SECONDS = 0.5  # a pause is waited in slices: a stop, or a test's clock, is seen this soon
RECOVERY_SECONDS = 30.0  # after this long without a 429 the pace climbs back by a tenth
OUTAGE_HOLD_SECONDS = (0.25, 30.0)  # the sender's hold after a failed round of sends: first, most
DB_RETRY_SECONDS = (1.0, 60.0)  # the wait after a failed database write: first, most

T = TypeVar("T")


Deliver = Callable[[str, list[Reply]], Awaitable[None]]


class Stopped(Exception):
    """The stop event was set while waiting to retry."""


class Backoff:
    """Waits after consecutive failures: `first`, twice that, … up to `most`; a success starts over."""

    def __init__(self, first: float, most: float):
        self.first, self.most, self.failures = first, most, 0

    def failed(self) -> float:
        delay = min(self.most, self.first * 2**self.failures)
        self.failures += 1
        return delay

    def succeeded(self) -> None:
        self.failures = 0


def describe(error: BaseException) -> str:
    """An error for the log: SQLite's own messages are fixed texts ("database is locked"), safe to
    write; anything else by its type only, as its message might quote what a citizen wrote."""
    if isinstance(error, sqlite3.Error):
        return f"{type(error).__name__}({error})"
    return type(error).__name__


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop` is set; True if it was."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def write_until_done(
    storage: Storage,
    fn: Callable[[sqlite_utils.Database], T],
    *,
    stop: asyncio.Event,
    what: str,
    on_error: Callable[[], None] | None = None,
) -> T:
    """Run a write until it commits, with capped backoff; raise `Stopped` if `stop` comes first.

    For records of what already happened (a message went out): one given up would send it again."""
    backoff = Backoff(*DB_RETRY_SECONDS)
    while True:
        try:
            return await storage.write(fn)
        except Exception as error:
            if on_error is not None:
                on_error()
            delay = backoff.failed()
            log.warning("database write failed what=%s error=%s retry_in=%.1fs", what, describe(error), delay)
            if await stopped_within(stop, delay):
                raise Stopped from None


class Queue(Protocol):
    """Rows the sender drains; `bot.core.outbox` and `bot.broadcast.deliveries` are the two."""

    def recover(self, db: sqlite_utils.Database, channel: str) -> int: ...

    def claim(
        self, db: sqlite_utils.Database, channel: str, now: datetime, busy: Collection[str]
    ) -> Outgoing | None: ...

    def record_sent(self, db: sqlite_utils.Database, item_id: int, now: datetime) -> None: ...

    def record_failure(self, db: sqlite_utils.Database, item_id: int, failure: Failure) -> None: ...


# Replies to people who acted (a decision on their report) go before a broadcast's bulk.
QUEUES: tuple[Queue, ...] = (outbox, deliveries)

_NEVER = datetime.min.replace(tzinfo=UTC)


def failure_for(item: Outgoing, error: DeliveryError, now: datetime) -> Failure:
    """The retry policy: what a failed send leaves on its row."""
    reason = str(error)[:300]
    if error.retry_after is not None:  # the platform asked to wait: no attempt lost
        return Failure("pending", item.attempts, to_iso(now + timedelta(seconds=error.retry_after)), reason)
    if error.blocked:
        return Failure("blocked", item.attempts, to_iso(now), reason)
    if error.permanent:
        return Failure("failed", item.attempts, to_iso(now), reason)
    attempts = item.attempts + 1
    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS**attempts)
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    return Failure(status, attempts, to_iso(now + timedelta(seconds=delay)), reason)


class Pacer:
    """Start times at most `rate` per second across workers; a pause holds everyone.

    Pauses (a 429's retry_after, the hold after a failed round) are measured on `clock`, the
    spacing between starts on the monotonic clock."""

    def __init__(self, rate: float, clock: Clock):
        self.max_rate = self.rate = rate
        self.clock = clock
        self._next = 0.0
        self._paused_until = _NEVER
        self._last_slowdown = 0.0
        self._outage = Backoff(*OUTAGE_HOLD_SECONDS)
        self._lock = asyncio.Lock()

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when none)."""
        return max(0.0, (self._paused_until - self.clock()).total_seconds())

    async def wait(self, stop: asyncio.Event) -> None:
        """Until a send may start (or `stop`)."""
        while not stop.is_set():
            while (left := self.paused_for()) > 0:
                if await stopped_within(stop, min(left, PAUSE_CHECK_SECONDS)):
                    return
            async with self._lock:
                now = time.monotonic()
                if now - self._last_slowdown > RECOVERY_SECONDS and self.rate < self.max_rate:
                    self.rate = min(self.max_rate, self.rate * 1.1)
                    self._last_slowdown = now
                start = max(now, self._next)
                self._next = start + 1 / self.rate
            await asyncio.sleep(max(0.0, start - time.monotonic()))
            if not self.paused_for():  # a pause that began meanwhile holds this start too
                return

    def pause(self, seconds: float) -> None:
        now = self.clock()
        if now >= self._paused_until:
            # The sends in flight all meet the same flood wait: one slowdown for the round, not
            # one per send (eight 429s at once would leave a sixth of the pace, for minutes).
            self.rate = max(1.0, self.rate * 0.8)
            self._last_slowdown = time.monotonic()
        self._paused_until = max(self._paused_until, now + timedelta(seconds=seconds))

    def hold_back(self) -> None:
        """A send failed in a way that may be the platform's (5xx, timeout): hold everyone for a
        while, longer each round that fails. Failures of sends started before the hold began are
        the same round and do not lengthen it."""
        now = self.clock()
        if now < self._paused_until:
            return
        self._paused_until = now + timedelta(seconds=self._outage.failed())

    def went_through(self) -> None:
        self._outage.succeeded()


class Sender:
    """Drains `queues`, in that order of priority, for one channel."""

    def __init__(
        self,
        storage: Storage,
        channel: str,
        deliver: Deliver,
        *,
        rate: float,
        concurrency: int,
        clock: Clock,
        queues: tuple[Queue, ...] = QUEUES,
    ):
        self.storage, self.channel, self.deliver, self.clock = storage, channel, deliver, clock
        self.concurrency, self.queues = concurrency, queues
        self.pacer = Pacer(rate, clock)
        self.database_errors = 0  # failed writes survived, for tests and the curious
        # Chat → when its last send started (monotonic; infinity while in flight), for the spacing
        # per chat across both queues. Read and written inside the claim, on the writer thread.
        self._last_start: dict[str, float] = {}
        self._chats_lock = threading.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        def recover(db: sqlite_utils.Database) -> int:
            return sum(queue.recover(db, self.channel) for queue in self.queues)

        try:
            recovered = await self._write(recover, stop, "recovery")
        except Stopped:
            return
        if recovered:
            log.warning("sending resumed channel=%s resent=%d", self.channel, recovered)
        workers = [asyncio.create_task(self._worker(stop)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()

    async def _worker(self, stop: asyncio.Event) -> None:
        # Any error ends this round, never the worker: a worker that died would stop sending for
        # good, silently. Only cancellation (not an Exception) gets through.
        backoff = Backoff(*DB_RETRY_SECONDS)
        while not stop.is_set():
            try:
                await self._round(stop)
            except Stopped:
                return
            except Exception as error:
                self.database_errors += isinstance(error, sqlite3.Error)
                delay = backoff.failed()
                log.warning("sender worker failed channel=%s error=%s retry_in=%.1fs",
                            self.channel, describe(error), delay)  # fmt: skip
                if await stopped_within(stop, delay):
                    return
            else:
                backoff.succeeded()

    async def _round(self, stop: asyncio.Event) -> None:
        await self.pacer.wait(stop)
        if stop.is_set():
            return
        started = time.monotonic()
        claimed = await self.storage.write(self._claim)
        if claimed is None:
            await stopped_within(stop, IDLE_POLL_SECONDS)
            return
        queue, item = claimed
        sent = False
        try:
            sent = await self._send(queue, item, stop)
        finally:
            with self._chats_lock:  # only a message that arrived counts towards the chat's spacing
                if sent:
                    self._last_start[item.chat_id] = started
                else:
                    self._last_start.pop(item.chat_id, None)

    def _claim(self, db: sqlite_utils.Database) -> tuple[Queue, Outgoing] | None:
        """The first due row of the first queue that has one, to a chat not sent to within a
        second; runs on the writer thread, so claims are one at a time."""
        now = time.monotonic()
        with self._chats_lock:
            for chat, started in list(self._last_start.items()):
                if now - started >= PER_CHAT_SECONDS:
                    del self._last_start[chat]
            busy = list(self._last_start)
            for queue in self.queues:
                item = queue.claim(db, self.channel, self.clock(), busy)
                if item is not None:
                    self._last_start[item.chat_id] = float("inf")  # in flight
                    return queue, item
        return None

    async def _write(self, fn: Callable[[sqlite_utils.Database], T], stop: asyncio.Event, what: str) -> T:
        return await write_until_done(
            self.storage, fn, stop=stop, what=f"sender {what} channel={self.channel}", on_error=self._count_error
        )

    def _count_error(self) -> None:
        self.database_errors += 1

    async def _send(self, queue: Queue, item: Outgoing, stop: asyncio.Event) -> bool:
        """Send one row and record the outcome; True if it went out."""
        failure: DeliveryError | None = None
        try:
            await self.deliver(item.chat_id, [Reply(item.text)])
        except DeliveryError as error:
            failure = error
        except Exception as error:  # an unexpected failure must not leave the row in flight
            log.warning("send crashed channel=%s row=%d error=%s", self.channel, item.id, describe(error))
            failure = DeliveryError(type(error).__name__)
        # From here on the send happened (or not): its record is retried until it commits, since
        # a record given up would leave the row in flight, to be sent again.
        if failure is not None:
            self._note_failure(failure)
            await self._write(lambda db: self._failed(db, queue, item, failure), stop, "record a failure")
            return False
        self.pacer.went_through()
        await self._write(lambda db: queue.record_sent(db, item.id, self.clock()), stop, "record a send")
        return True

    def _note_failure(self, error: DeliveryError) -> None:
        """What a failure tells the pacer (kept out of the write, which may be retried)."""
        if error.retry_after is not None:
            self.pacer.pause(error.retry_after)
            log.warning("sending throttled channel=%s retry_after=%.1f", self.channel, error.retry_after)
        elif not error.blocked and not error.permanent:
            self.pacer.hold_back()

    def _failed(self, db: sqlite_utils.Database, queue: Queue, item: Outgoing, error: DeliveryError) -> None:
        now = self.clock()
        queue.record_failure(db, item.id, failure_for(item, error, now))
        if error.blocked:  # whichever message found it out: the chat blocked the bot
            subscriptions.stop(db, ChatKey(self.channel, item.chat_id), "blocked", now)
