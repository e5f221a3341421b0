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
  with exponential backoff, `failed` with the error kept after `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from bot import subscriptions
from bot.clock import Clock, to_iso
from bot.models import ChatKey, DeliveryError, Reply
from bot.storage import Storage

log = logging.getLogger("canhgiac.sender")

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
PER_CHAT_INTERVAL = timedelta(seconds=1)
IDLE_POLL_SECONDS = 0.5
RECOVERY_SECONDS = 30.0  # after this long without a 429 the pace climbs back by a tenth


Deliver = Callable[[str, list[Reply]], Awaitable[None]]


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
        self._paused_until = max(self._paused_until, now + seconds)
        self.rate = max(1.0, self.rate * 0.8)
        self._last_slowdown = now


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

    async def run(self, stop: asyncio.Event) -> None:
        recovered = await self.storage.write(lambda db: recover(db, self.channel))
        if recovered:
            log.warning("broadcast resumed channel=%s resent=%d", self.channel, recovered)
        workers = [asyncio.create_task(self._worker(stop)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()

    async def _worker(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.pacer.wait()
            if stop.is_set():
                return
            item = await self.storage.write(lambda db: claim(db, self.channel, self.clock()))
            if item is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_POLL_SECONDS)
                continue
            await self._send(item)

    async def _send(self, item: Claimed) -> None:
        failure: DeliveryError | None = None
        try:
            await self.deliver(item.chat_id, [Reply(item.text)])
        except DeliveryError as error:
            failure = error
        except Exception as error:  # an unexpected failure must not leave the row in flight
            log.exception("broadcast send crashed channel=%s delivery=%d", self.channel, item.id)
            failure = DeliveryError(type(error).__name__)
        if failure is not None:
            await self.storage.write(lambda db: self._failed(db, item, failure))
            return
        stamp = to_iso(self.clock())
        await self.storage.write(
            lambda db: db.execute("UPDATE deliveries SET status = 'sent', sent_at = ? WHERE id = ?", [stamp, item.id])
        )

    def _failed(self, db: sqlite_utils.Database, item: Claimed, error: DeliveryError) -> None:
        now = self.clock()
        if error.retry_after is not None:
            self.pacer.pause(error.retry_after)
            log.warning("broadcast throttled channel=%s retry_after=%.1f", self.channel, error.retry_after)
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
