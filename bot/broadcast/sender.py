"""The sender: drains what the bot sends on its own for one platform, at a steady pace, safely
across crashes. Two queues, one policy: the outbox (`bot/core/outbox.py`: decision notices, the
police digest, broadcast summaries; replies to people who acted, so first) and broadcast
deliveries (`bot/broadcast/deliveries.py`). The queues hold the SQL; this module holds none.

- **Pace.** Sends start at `rate` per second (default 20 on Telegram, under its ~30/s, so
  interactive replies keep headroom), and at most one per second to the same chat. A slot missed
  because no worker was free is made up a little faster (`Pacer`: at most 1% over the pace, any
  second holding at most `rate` × 1.01 + 1 starts), so short stalls do not lower the average.
- **In flight, in batches.** Rows are claimed many at a time, about a quarter second of sends
  (at most `MAX_BATCH`), marked `inflight` in one committed transaction; `concurrency` workers send
  them; results are recorded in batches too (one transaction per `RECORD_BATCH` results, and whatever
  waits every `RECORD_SECONDS`). After a `kill -9`, rows still
  `inflight` may or may not have arrived: they are sent again and counted as `resent`. What was
  really sent twice is at most the sends in progress plus the results not yet recorded:
  `RECORD_BATCH + 2 × concurrency` (`duplicate_bound`); nothing is skipped. A stop that is not a crash
  records every result and puts the claimed rows it did not send back, uncounted; so does a
  pause (a 429, a platform's quota, an outage's hold): the rows claimed but not sent go back to
  pending, due when the pause ends, instead of waiting in flight.
- **Priority.** Each claim takes the outbox's due rows first; a notice waits at most for the rows
  already claimed (a quarter second of sends and a third; the next batch is claimed while a third
  of the last is left, so the workers never wait for the writer).
- **Paid broadcasts.** A platform may send broadcast deliveries another way (`bulk_deliver`:
  Telegram's paid broadcasts, `bot/channels/telegram.py`); the outbox's rows always go by
  `deliver`, on the free budget.
- **Errors.** 429: the whole sender pauses for `retry_after`, the row waits as long without losing
  an attempt, and the pace drops by a fifth (it recovers slowly); at Telegram's paid pace (`paid`),
  near its hard limit, a first 429 costs 2% of the pace and only a repeat within 30 s a fifth.
  Blocked bot / chat not found: the row is `blocked` and the chat's subscription stopped, never
  retried. Other permanent errors: the row is `failed` at once. The rest (timeouts, 5xx): retried
  with exponential backoff (2 s, 4 s, … up to 5 min), `failed` with the error kept after
  `MAX_ATTEMPTS`, about an hour of trying; while they go on, the whole sender holds back (0.25 s,
  0.5 s, … up to 30 s between rounds), so an outage of the platform is probed by a few sends
  instead of burning every row's attempts.
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
import collections
import contextlib
import logging
import math
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
PAID_FIRST_CUT = 0.98  # a first 429 at a paid pace (near the hard limit): the pace 2% slower
CATCH_UP = 0.01  # slots missed are made up starting at most this much faster than the pace
CATCH_UP_SECONDS = 1.0  # at most this long of missed slots is owed
OUTAGE_HOLD_SECONDS = (0.25, 30.0)  # the sender's hold after a failed round of sends: first, most
DB_RETRY_SECONDS = (1.0, 60.0)  # the wait after a failed database write: first, most
BATCH_SECONDS = 0.25  # a claim takes about this long of sends at the pace
MAX_BATCH = 256
RECORD_BATCH = 64  # results recorded per transaction (also part of the duplicate bound)
RECORD_SECONDS = 0.1  # results wait at most about this long to be recorded

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

    def claim_many(
        self, db: sqlite_utils.Database, channel: str, now: datetime, busy: Collection[str], limit: int
    ) -> list[Outgoing]: ...

    def record_sent_many(self, db: sqlite_utils.Database, item_ids: Collection[int], now: datetime) -> None: ...

    def record_failure(self, db: sqlite_utils.Database, item_id: int, failure: Failure) -> None: ...

    def release(self, db: sqlite_utils.Database, item_ids: Collection[int], not_before: str | None = None) -> None: ...


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
    """Start times at `rate` per second on average across workers; a pause holds everyone.

    **Slots missed are made up.** A slot that no worker was free to take (all waiting on round
    trips, on a claim, a garbage collection, the process descheduled) is owed, up to
    `CATCH_UP_SECONDS` of slots: sends then start up to `CATCH_UP` faster than the pace until the
    schedule is met again, so a short stall costs nothing and over a broadcast the average is the
    pace asked. Nothing is owed for a pause (a 429, an outage's hold) or while there was nothing to
    send (`idle`). **The bound:** starts are scheduled at least 1 / (rate × (1 + `CATCH_UP`))
    apart, so any one second holds at most rate × (1 + `CATCH_UP`) + 1 of them: 980 at the
    default paid pace of 970 a second, which leaves Telegram's 1,000 (and the counting fake's
    strict window) room for the sends in flight below; 1,011 asking 1,000, for as long as slots
    are owed. What arrives at the platform within a second may add the sends that were in flight
    when it began (at most the sender's `concurrency`), held up on the way (`bench/scale.py`
    prints the busiest second the fake saw).

    **A 429** pauses everyone for its `retry_after` and slows the pace: by a fifth; at a `paid`
    pace, set near the platform's hard limit, a first 429 means a send arrived a little over the
    window, not a flood, so by `PAID_FIRST_CUT` (2%), and by a fifth only when another 429 comes
    within `RECOVERY_SECONDS`. After `RECOVERY_SECONDS` without one the pace climbs back by a tenth.

    Pauses (a 429's retry_after, the hold after a failed round) are measured on `clock`, the
    spacing between starts on `monotonic` (tests give both, and `sleep`)."""

    def __init__(
        self,
        rate: float,
        clock: Clock,
        *,
        paid: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.max_rate = self.rate = rate
        self.clock, self.paid = clock, paid
        self._monotonic, self._sleep = monotonic, sleep
        self._next = monotonic()  # the schedule's next slot (in the past: slots owed); none owed at first
        self._last = -math.inf  # the last start given
        self._paused_until = _NEVER
        self._last_slowdown = 0.0
        self._last_throttled = -math.inf
        self._outage = Backoff(*OUTAGE_HOLD_SECONDS)
        self._lock = asyncio.Lock()

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when none)."""
        return max(0.0, (self._paused_until - self.clock()).total_seconds())

    async def wait(self, stop: asyncio.Event) -> None:
        """Until a send may start (or `stop`)."""
        while not stop.is_set():
            paused = False
            while (left := self.paused_for()) > 0:
                paused = True
                if await stopped_within(stop, min(left, PAUSE_CHECK_SECONDS)):
                    return
            async with self._lock:
                if paused:
                    self.idle()  # the platform asked for the pause: its slots are not owed
                start = self._slot()
            await self._sleep(max(0.0, start - self._monotonic()))
            if not self.paused_for():  # a pause that began meanwhile holds this start too
                return

    def _slot(self) -> float:
        now = self._monotonic()
        if now - self._last_slowdown > RECOVERY_SECONDS and self.rate < self.max_rate:
            self.rate = min(self.max_rate, self.rate * 1.1)
            self._last_slowdown = now
        interval = 1 / self.rate
        self._next = max(self._next, now - CATCH_UP_SECONDS)  # older slots missed are let go
        start = max(now, self._next, self._last + interval / (1 + CATCH_UP))
        self._next += interval
        self._last = start
        return start

    def idle(self) -> None:
        """There was nothing to send (or a pause held everyone): the slots missed are not owed."""
        self._next = max(self._next, self._monotonic())

    def pause(self, seconds: float) -> None:
        now = self.clock()
        if now >= self._paused_until:
            # The sends in flight all meet the same flood wait: one slowdown for the round, not
            # one per send (eight 429s at once would leave a sixth of the pace, for minutes).
            moment = self._monotonic()
            repeated = moment - self._last_throttled <= RECOVERY_SECONDS
            self.rate = max(1.0, self.rate * (PAID_FIRST_CUT if self.paid and not repeated else 0.8))
            self._last_slowdown = self._last_throttled = moment
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


def duplicate_bound(concurrency: int) -> int:
    """The most messages a `kill -9` can make arrive twice: the sends in progress (`concurrency`)
    and the results not yet recorded (a batch, plus one per worker that finished while it was
    being written). Sending processes (`CANHGIAC_BROADCAST_PROCESSES`, `telegram_workers.py`) add
    none: a send handed to a child is one of the `concurrency` in progress (its worker awaits the
    outcome), and a child exits when the bot dies without sending what was still in its pipe."""
    return RECORD_BATCH + 2 * concurrency


Unclaimed = tuple[Queue, Outgoing, "str | None"]  # a row put back, due no sooner than this
Done = tuple[Queue, Outgoing, "DeliveryError | None", datetime]  # a result, and when it came


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
        bulk_deliver: Deliver | None = None,
        paid: bool = False,
    ):
        self.storage, self.channel, self.deliver, self.clock = storage, channel, deliver, clock
        self.bulk_deliver = bulk_deliver or deliver
        self.concurrency, self.queues = concurrency, queues
        self.pacer = Pacer(rate, clock, paid=paid)
        self.batch = max(1, min(MAX_BATCH, int(rate * BATCH_SECONDS)))
        self.database_errors = 0  # failed writes survived, for tests and the curious
        # Chat → when its last send started (monotonic; infinity while claimed or in flight), for
        # the spacing per chat across both queues. Read and written inside the claim, on the writer
        # thread, and by the workers.
        self._last_start: dict[str, float] = {}
        self._chats_lock = threading.Lock()
        self._ready: collections.deque[tuple[Queue, Outgoing]] = collections.deque()  # claimed, not yet sent
        self._claiming = asyncio.Lock()
        self._prefetch: asyncio.Task | None = None  # the next batch's claim, under way
        self._done: list[Done] = []  # sent or failed, not yet recorded
        # Claimed, then put back by a pause (with its end, when it has one): to release.
        self._unclaimed: list[Unclaimed] = []
        self._recording = asyncio.Lock()

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
        workers.append(asyncio.create_task(self._recorder(stop)))
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await self._wind_down(stop)

    async def _wind_down(self, stop: asyncio.Event) -> None:
        """At a stop: record every result in hand, and put back what was claimed but not sent."""
        if self._prefetch is not None:  # a claim under way commits: its rows are put back too
            with contextlib.suppress(Exception):
                await asyncio.shield(self._prefetch)
        unsent = [*self._unclaimed, *((queue, item, None) for queue, item in self._ready)]
        self._ready.clear()
        self._unclaimed.clear()

        def release(db: sqlite_utils.Database) -> None:
            self._results(db, [], unsent)

        with contextlib.suppress(Stopped):
            await self._record(stop, force=True)
            if unsent:
                await self._write(release, stop, "release")

    async def _recorder(self, stop: asyncio.Event) -> None:
        """Results are recorded at the latest every `RECORD_SECONDS`, even while every worker
        waits (a pause after a 429, an outage's hold): a failed row is pending again only then."""
        while not await stopped_within(stop, RECORD_SECONDS):
            if self._ready and (left := self.pacer.paused_for()) > RECORD_SECONDS:
                # A batch claimed while the pause began: not left in flight.
                self._put_back(to_iso(self.clock() + timedelta(seconds=left)))
            try:
                await self._record(stop, force=True)
            except Stopped:
                return

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
        claimed = await self._next()
        if claimed is None:
            self.pacer.idle()  # the slots of an empty queue are not owed
            await self._record(stop, force=True)  # idle: nothing waits to be recorded
            await stopped_within(stop, IDLE_POLL_SECONDS)
            return
        queue, item = claimed
        started = time.monotonic()
        try:
            failure = await self._send(queue, item)
        except BaseException:  # cancelled mid-send: it may have arrived, the row stays in flight
            with self._chats_lock:
                self._last_start.pop(item.chat_id, None)
            raise
        # From here on the send happened (or not): its result is recorded, retried until it
        # commits, since a result given up would leave the row in flight, to be sent again.
        self._done.append((queue, item, failure, self.clock()))
        with self._chats_lock:  # only a message that arrived counts towards the chat's spacing
            if failure is None:
                self._last_start[item.chat_id] = started
            else:
                self._last_start.pop(item.chat_id, None)
        await self._record(stop)

    async def _next(self) -> tuple[Queue, Outgoing] | None:
        """The next claimed row. The next batch is claimed while a third of this one is left, so
        that the workers do not wait for the writer at each batch (at 1,000 a second they lost a
        slot of the pace for each millisecond of a claim); when none is left, one worker claims and
        the others wait."""
        if len(self._ready) <= self.batch // 3 and not self._claiming.locked() and self._prefetch is None:
            self._prefetch = asyncio.create_task(self._claim_more())
        if not self._ready and self._prefetch is not None:
            await asyncio.shield(self._prefetch)  # a worker cancelled meanwhile leaves the claim whole
        return self._ready.popleft() if self._ready else None

    async def _claim_more(self) -> None:
        try:
            async with self._claiming:
                self._ready.extend(await self.storage.write(self._claim))
        finally:
            self._prefetch = None

    def _claim(self, db: sqlite_utils.Database) -> list[tuple[Queue, Outgoing]]:
        """Up to a batch of due rows, the first queue's first, to chats not sent to within a second
        and one per chat; runs on the writer thread, so claims are one at a time."""
        now = time.monotonic()
        claimed: list[tuple[Queue, Outgoing]] = []
        with self._chats_lock:
            for chat, started in list(self._last_start.items()):
                if now - started >= PER_CHAT_SECONDS:
                    del self._last_start[chat]
            for queue in self.queues:
                if len(claimed) >= self.batch:
                    break
                for item in queue.claim_many(db, self.channel, self.clock(), list(self._last_start),
                                             self.batch - len(claimed)):  # fmt: skip
                    self._last_start[item.chat_id] = float("inf")  # claimed: in flight
                    claimed.append((queue, item))
        return claimed

    async def _record(self, stop: asyncio.Event, *, force: bool = False) -> None:
        """Record the results in hand in one transaction, when a batch of them waits (or `force`),
        with the rows put back by a pause. While one batch is being written each worker adds at
        most one result before it waits here."""
        if not (self._done or self._unclaimed) or not (force or len(self._done) >= RECORD_BATCH):
            return
        async with self._recording:
            batch, self._done = self._done, []
            unclaimed, self._unclaimed = self._unclaimed, []
            if batch or unclaimed:
                await self._write(lambda db: self._results(db, batch, unclaimed), stop, "record results")

    def _results(self, db: sqlite_utils.Database, batch: list[Done], unclaimed: list[Unclaimed]) -> None:
        for queue in self.queues:
            for not_before in {n for q, _, n in unclaimed if q is queue}:
                released = [item.id for q, item, n in unclaimed if q is queue and n == not_before]
                queue.release(db, released, not_before)
        # A failure at its own time (a result recorded late must not delay its retry); sends of a
        # batch dated by its last, within RECORD_SECONDS of each.
        for queue in self.queues:
            sent = [(item.id, at) for q, item, failure, at in batch if q is queue and failure is None]
            if sent:
                queue.record_sent_many(db, [item_id for item_id, _ in sent], sent[-1][1])
        for queue, item, failure, at in batch:
            if failure is not None:
                self._failed(db, queue, item, failure, at)

    async def _write(self, fn: Callable[[sqlite_utils.Database], T], stop: asyncio.Event, what: str) -> T:
        return await write_until_done(
            self.storage, fn, stop=stop, what=f"sender {what} channel={self.channel}", on_error=self._count_error
        )

    def _count_error(self) -> None:
        self.database_errors += 1

    async def _send(self, queue: Queue, item: Outgoing) -> DeliveryError | None:
        """Send one row; None if it went out, else why not."""
        deliver = self.deliver if queue is not deliveries else self.bulk_deliver
        try:
            await deliver(item.chat_id, [Reply(item.text)])
        except DeliveryError as error:
            self._note_failure(error)
            return error
        except Exception as error:  # an unexpected failure must not leave the row in flight
            log.warning("send crashed channel=%s row=%d error=%s", self.channel, item.id, describe(error))
            failure = DeliveryError(type(error).__name__)
            self._note_failure(failure)
            return failure
        self.pacer.went_through()
        return None

    def _note_failure(self, error: DeliveryError) -> None:
        """What a failure tells the pacer (kept out of the write, which may be retried). A pause
        may last long (a Zalo OA's quota: until next month): the rows claimed but not sent go back
        to pending now, instead of waiting in flight, to be counted as resent after a restart."""
        if error.retry_after is not None:
            self.pacer.pause(error.retry_after)
            log.warning("sending throttled channel=%s retry_after=%.1f", self.channel, error.retry_after)
            self._put_back(to_iso(self.clock() + timedelta(seconds=error.retry_after)))
        elif not error.blocked and not error.permanent:
            self.pacer.hold_back()
            self._put_back(None)

    def _put_back(self, not_before: str | None) -> None:
        """Claimed rows not yet sent are released at the next record (every `RECORD_SECONDS`), due
        when the pause ends (`not_before`), as the row that met it: a platform's long hold (a
        quota until next month) shows in the broadcast's summary as held, not as sending."""
        with self._chats_lock:
            for _, item in self._ready:
                self._last_start.pop(item.chat_id, None)
        self._unclaimed.extend((queue, item, not_before) for queue, item in self._ready)
        self._ready.clear()

    def _failed(
        self, db: sqlite_utils.Database, queue: Queue, item: Outgoing, error: DeliveryError, now: datetime
    ) -> None:
        queue.record_failure(db, item.id, failure_for(item, error, now))
        if error.blocked:  # whichever message found it out: the chat blocked the bot
            subscriptions.stop(db, ChatKey(self.channel, item.chat_id), "blocked", now)
