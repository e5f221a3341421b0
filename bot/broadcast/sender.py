"""The broadcast sender: drains `deliveries` for one platform at a steady pace, safely across crashes.

- **Pace.** Sends start at most `rate` per second (default 25 on Telegram, under its ~30/s, so
  interactive replies keep headroom), and at most one per second to the same chat.
- **In flight.** `concurrency` workers each claim one row, mark it `inflight` (committed), send,
  then mark the result. After a `kill -9`, rows still `inflight` may or may not have arrived: they
  are sent again and counted as `resent`, so duplicates are bounded by `concurrency` and visible in
  `canhgiac broadcast status`; nothing is skipped.
- **Errors.** 429: the whole sender pauses for `retry_after`, the row is requeued as it was, and
  the pace drops by a fifth (it recovers slowly). Blocked bot / chat not found: the delivery is
  `blocked` and the subscription stopped, never retried. Other errors (timeouts, 5xx): retried
  with exponential backoff, `failed` with the error kept after `MAX_ATTEMPTS`; while they go on,
  the whole sender holds back (0.25 s, 0.5 s, … up to 30 s between rounds), so an outage of the
  platform is probed by a few sends instead of burning every row's attempts.
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
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlite_utils

from bot.broadcast import subscriptions
from bot.core.clock import Clock, to_iso
from bot.core.messages import ChatKey, DeliveryError, Reply
from bot.core.storage import Storage

log = logging.getLogger("canhgiac.sender")

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
PER_CHAT_INTERVAL = timedelta(seconds=1)
IDLE_POLL_SECONDS = 0.5
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


@dataclass(frozen=True)
class Claimed:
    id: int
    chat_id: str
    text: str
    attempts: int


def recover(db: sqlite_utils.Database, channel: str) -> int:
    """At start: rows left in flight by a crash are sent again, and marked as possibly doubled."""
    return db.execute(
        "UPDATE deliveries SET status = 'pending', resent = 1 WHERE channel = ? AND status = 'inflight'", [channel]
    ).rowcount


def claim(db: sqlite_utils.Database, channel: str, now: datetime) -> Claimed | None:
    """Take the oldest due row whose chat got nothing in the last second, and mark it in flight."""
    stamp = to_iso(now)
    row = db.execute(
        "SELECT d.id, d.chat_id, d.text, d.attempts FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
        "WHERE d.status = 'pending' AND d.channel = ? AND d.next_attempt_at <= ? AND b.status = 'sending' "
        "AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.channel = d.channel AND r.chat_id = d.chat_id "
        "AND r.sent_at > ?) ORDER BY d.next_attempt_at, d.id LIMIT 1",
        [channel, stamp, to_iso(now - PER_CHAT_INTERVAL)],
    ).fetchone()
    if row is None:
        return None
    db.execute("UPDATE deliveries SET status = 'inflight' WHERE id = ?", [row[0]])
    return Claimed(*row)


class Pacer:
    """Start times at most `rate` per second across workers; a pause holds everyone."""

    def __init__(self, rate: float):
        self.max_rate = self.rate = rate
        self._next = 0.0
        self._paused_until = 0.0
        self._last_slowdown = 0.0
        self._outage = Backoff(*OUTAGE_HOLD_SECONDS)
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if now - self._last_slowdown > RECOVERY_SECONDS and self.rate < self.max_rate:
                self.rate = min(self.max_rate, self.rate * 1.1)
                self._last_slowdown = now
            start = max(now, self._next, self._paused_until)
            self._next = start + 1 / self.rate
        await asyncio.sleep(max(0.0, start - time.monotonic()))

    def pause(self, seconds: float) -> None:
        now = time.monotonic()
        if now >= self._paused_until:
            # The sends in flight all meet the same flood wait: one slowdown for the round, not
            # one per send (eight 429s at once would leave a sixth of the pace, for minutes).
            self.rate = max(1.0, self.rate * 0.8)
            self._last_slowdown = now
        self._paused_until = max(self._paused_until, now + seconds)

    def hold_back(self) -> None:
        """A send failed in a way that may be the platform's (5xx, timeout): hold everyone for a
        while, longer each round that fails. Failures of sends started before the hold began are
        the same round and do not lengthen it."""
        now = time.monotonic()
        if now < self._paused_until:
            return
        self._paused_until = now + self._outage.failed()

    def went_through(self) -> None:
        self._outage.succeeded()


class Sender:
    def __init__(
        self,
        storage: Storage,
        channel: str,
        deliver: Deliver,
        *,
        rate: float,
        concurrency: int,
        clock: Clock,
    ):
        self.storage, self.channel, self.deliver, self.clock = storage, channel, deliver, clock
        self.concurrency = concurrency
        self.pacer = Pacer(rate)
        self.database_errors = 0  # failed writes survived, for tests and the curious

    async def run(self, stop: asyncio.Event) -> None:
        try:
            recovered = await self._write(lambda db: recover(db, self.channel), stop, "recovery")
        except Stopped:
            return
        if recovered:
            log.warning("broadcast resumed channel=%s resent=%d", self.channel, recovered)
        workers = [asyncio.create_task(self._worker(stop)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()

    async def _worker(self, stop: asyncio.Event) -> None:
        # Any error ends this round, never the worker: a worker that died would stop broadcasts
        # for good, silently. Only cancellation (not an Exception) gets through.
        backoff = Backoff(*DB_RETRY_SECONDS)
        while not stop.is_set():
            try:
                await self._round(stop)
            except Stopped:
                return
            except Exception as error:
                self.database_errors += isinstance(error, sqlite3.Error)
                delay = backoff.failed()
                log.warning("broadcast worker failed channel=%s error=%s retry_in=%.1fs",
                            self.channel, describe(error), delay)  # fmt: skip
                if await stopped_within(stop, delay):
                    return
            else:
                backoff.succeeded()

    async def _round(self, stop: asyncio.Event) -> None:
        await self.pacer.wait()
        if stop.is_set():
            return
        item = await self.storage.write(lambda db: claim(db, self.channel, self.clock()))
        if item is None:
            await stopped_within(stop, IDLE_POLL_SECONDS)
            return
        await self._send(item, stop)

    async def _write(self, fn: Callable[[sqlite_utils.Database], T], stop: asyncio.Event, what: str) -> T:
        return await write_until_done(
            self.storage, fn, stop=stop, what=f"broadcast {what} channel={self.channel}", on_error=self._count_error
        )

    def _count_error(self) -> None:
        self.database_errors += 1

    async def _send(self, item: Claimed, stop: asyncio.Event) -> None:
        failure: DeliveryError | None = None
        try:
            await self.deliver(item.chat_id, [Reply(item.text)])
        except DeliveryError as error:
            failure = error
        except Exception as error:  # an unexpected failure must not leave the row in flight
            log.warning("broadcast send crashed channel=%s delivery=%d error=%s", self.channel, item.id,
                        describe(error))  # fmt: skip
            failure = DeliveryError(type(error).__name__)
        # From here on the send happened (or not): its record is retried until it commits, since
        # a record given up would leave the row in flight, to be sent again.
        if failure is not None:
            self._note_failure(failure)
            await self._write(lambda db: self._failed(db, item, failure), stop, "record a failure")
            return
        self.pacer.went_through()
        stamp = to_iso(self.clock())
        await self._write(
            lambda db: db.execute("UPDATE deliveries SET status = 'sent', sent_at = ? WHERE id = ?", [stamp, item.id]),
            stop,
            "record a send",
        )

    def _note_failure(self, error: DeliveryError) -> None:
        """What a failure tells the pacer (kept out of the write, which may be retried)."""
        if error.retry_after is not None:
            self.pacer.pause(error.retry_after)
            log.warning("broadcast throttled channel=%s retry_after=%.1f", self.channel, error.retry_after)
        elif not error.blocked and not error.permanent:
            self.pacer.hold_back()

    def _failed(self, db: sqlite_utils.Database, item: Claimed, error: DeliveryError) -> None:
        now = self.clock()
        if error.retry_after is not None:
            db.execute("UPDATE deliveries SET status = 'pending' WHERE id = ?", [item.id])
            return
        if error.blocked:
            db.execute(
                "UPDATE deliveries SET status = 'blocked', last_error = ? WHERE id = ?", [str(error)[:300], item.id]
            )
            subscriptions.stop(db, ChatKey(self.channel, item.chat_id), "blocked", now)
            return
        if error.permanent:
            db.execute(
                "UPDATE deliveries SET status = 'failed', last_error = ? WHERE id = ?", [str(error)[:300], item.id]
            )
            return
        attempts = item.attempts + 1
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS**attempts)
        db.execute(
            "UPDATE deliveries SET status = CASE WHEN ? >= ? THEN 'failed' ELSE 'pending' END, attempts = ?, "
            "last_error = ?, next_attempt_at = ? WHERE id = ?",
            [attempts, MAX_ATTEMPTS, attempts, str(error)[:300], to_iso(now + timedelta(seconds=delay)), item.id],
        )
