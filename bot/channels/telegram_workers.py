"""Paid broadcast messages sent by child processes (`CANHGIAC_BROADCAST_PROCESSES` ≥ 2). One Python
process spends about 1 ms of CPU per paid message in the HTTP client (issue 19), so it cannot send
1,000 a second; children that only make the HTTP calls (the lean path of `telegram_broadcast.py`,
the real python-telegram-bot client) use the second core. The parent keeps everything else: the
sender's claims, records, pace, pauses and error handling see a send that returns or raises, as
in one process (`SendingProcesses.send` has `PaidBroadcasts.send`'s contract).

The protocol, one JSON line per batch over the child's stdin and stdout:

- parent → child: `[[id, chat_id, text], ...]`, each send that started since the last line;
- child → parent: `[[id, outcome, detail], ...]`, each send answered since the last line, where
  outcome is `ok`, `forbidden` or `bad_request` (with Telegram's description), `retry_after` (seconds),
  `migrated` (the supergroup's id) or `error` (the exception's type name).

Safety: a child exits when its stdin closes or its parent changes (a parent killed with SIGKILL
leaves no child sending); the sends a child held then are the sends in progress, which the
sender's duplicate bound already counts (`bot/broadcast/sender.py`). A child that dies fails the
sends it held with a retryable error (the sender's retry path: never lost, perhaps sent twice) and
is started again at the next send. The token goes through the environment, never the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.core.messages import DeliveryError

log = logging.getLogger("canhgiac.telegram.workers")

TOKEN_ENV = "CANHGIAC_WORKER_TOKEN"
BASE_URL_ENV = "CANHGIAC_WORKER_BASE_URL"
PARENT_ENV = "CANHGIAC_WORKER_PARENT"
LINE_LIMIT = 2**24  # a batch's line: at most the sender's sends in flight, each a text under 64 KB


def outcome_of(error: BaseException | None) -> tuple[str, Any]:
    """What a child reports of a send (None: it went out)."""
    if error is None:
        return "ok", None
    if isinstance(error, ChatMigrated):
        return "migrated", error.new_chat_id
    if isinstance(error, Forbidden):
        return "forbidden", error.message
    if isinstance(error, BadRequest):
        return "bad_request", error.message
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return "retry_after", wait if isinstance(wait, int | float) else wait.total_seconds()
    return "error", type(error).__name__


def raise_for(outcome: str, detail: Any) -> None:
    """The parent's side: the error the send would have raised in one process, so the channel maps
    it to `DeliveryError` the same way (blocked, permanent, retry_after, a moved group)."""
    if outcome == "ok":
        return
    if outcome == "migrated":
        raise ChatMigrated(int(detail))
    if outcome == "forbidden":
        raise Forbidden(str(detail))
    if outcome == "bad_request":
        raise BadRequest(str(detail))
    if outcome == "retry_after":
        raise RetryAfter(int(detail))
    raise DeliveryError(str(detail))  # a timeout, a network error, a crash: retried with backoff


class _Child:
    """One child process and the sends it holds."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.waiting: dict[int, asyncio.Future] = {}
        self.outgoing: list[list[Any]] = []
        self.reader = asyncio.create_task(self._read())

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and not self.reader.done()

    async def _read(self) -> None:
        try:
            while line := await self.process.stdout.readline():
                for item_id, outcome, detail in json.loads(line):
                    future = self.waiting.pop(item_id, None)
                    if future is not None and not future.done():
                        future.set_result((outcome, detail))
        finally:
            self._fail_all()

    def _fail_all(self) -> None:
        waiting, self.waiting = self.waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_result(("error", "WorkerExited"))

    def flush(self) -> None:
        batch, self.outgoing = self.outgoing, []
        if batch and self.alive:
            self.process.stdin.write(json.dumps(batch, ensure_ascii=False).encode() + b"\n")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


class SendingProcesses:
    """`count` child processes sending paid broadcast messages; `close()` when the channel stops."""

    def __init__(self, token: str, base_url: str, count: int):
        # The children run this very code: the directory `bot` was imported from goes first.
        here = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
        self._env = {**os.environ, "PYTHONPATH": path, TOKEN_ENV: token, BASE_URL_ENV: base_url,
                     PARENT_ENV: str(os.getpid())}  # fmt: skip
        self._children: list[_Child | None] = [None] * count
        self._starting = asyncio.Lock()
        self._next_id = 0
        self._flush_planned = False
        self._closed = False
        self.restarts = 0  # children started again after one died, for tests and the curious

    @property
    def pids(self) -> list[int]:
        return [child.process.pid for child in self._children if child is not None and child.alive]

    async def send(self, chat_id: int | str, text: str) -> None:
        """Send `text` to `chat_id` through a child; raises what `PaidBroadcasts.send` would."""
        child = await self._least_busy()
        self._next_id += 1
        future = asyncio.get_running_loop().create_future()
        child.waiting[self._next_id] = future
        child.outgoing.append([self._next_id, chat_id, text])
        if not self._flush_planned:  # the sends started in this turn of the loop go as one line
            self._flush_planned = True
            asyncio.get_running_loop().call_soon(self._flush)
        raise_for(*await future)

    def _flush(self) -> None:
        self._flush_planned = False
        for child in self._children:
            if child is not None:
                child.flush()

    async def _least_busy(self) -> _Child:
        if self._closed:  # the channel stopped: no child is started again; the row is retried later
            raise DeliveryError("SendingProcessesClosed")
        async with self._starting:
            for index, child in enumerate(self._children):
                if child is None or not child.alive:
                    if child is not None:
                        self.restarts += 1
                        log.warning("broadcast sending process ended code=%s: starting another",
                                    child.process.returncode)  # fmt: skip
                        await child.close()
                    self._children[index] = await self._start()
        return min(self._children, key=lambda child: len(child.waiting))  # type: ignore[arg-type, return-value]

    async def _start(self) -> _Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.channels.telegram_workers",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=self._env, limit=LINE_LIMIT,
        )  # fmt: skip
        return _Child(process)

    async def close(self) -> None:
        self._closed = True
        children, self._children = self._children, [None] * len(self._children)
        for child in children:
            if child is not None:
                await child.close()


async def _serve() -> None:
    """The child: sends what its parent hands it, reports each outcome, exits with its parent."""
    from bot.channels.telegram_broadcast import PaidBroadcasts

    parent = int(os.environ[PARENT_ENV])
    paid = PaidBroadcasts(os.environ[TOKEN_ENV], os.environ[BASE_URL_ENV])
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    answered: list[list[Any]] = []
    flush_planned = False
    sends: set[asyncio.Task] = set()

    def flush() -> None:
        nonlocal flush_planned
        flush_planned = False
        batch = json.dumps(answered, ensure_ascii=False).encode() + b"\n"
        answered.clear()
        view = memoryview(batch)  # small lines (the parent reads them continuously), written whole
        while view:
            view = view[os.write(sys.stdout.fileno(), view) :]

    async def send(item_id: int, chat_id: int | str, text: str) -> None:
        nonlocal flush_planned
        try:
            await paid.send(chat_id, text)
            result = outcome_of(None)
        except TelegramError as error:
            result = outcome_of(error)
        except Exception as error:  # an unexpected failure: the parent retries the row
            result = outcome_of(error)
        answered.append([item_id, *result])
        if not flush_planned:
            flush_planned = True
            loop.call_soon(flush)

    try:
        while line := await reader.readline():
            if os.getppid() != parent:  # the parent is gone: what it handed over is not sent
                break
            for item_id, chat_id, text in json.loads(line):
                task = asyncio.create_task(send(item_id, chat_id, text))
                sends.add(task)
                task.add_done_callback(sends.discard)
    finally:
        for task in sends:
            task.cancel()
        await paid.close()


if __name__ == "__main__":
    # A Ctrl-C at a terminal reaches the whole process group: the bot decides when its children
    # stop (by closing their pipe), so that it can record what they sent first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(BrokenPipeError):
        asyncio.run(_serve())
