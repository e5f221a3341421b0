"""Telegram updates handled by several processes (`CANHGIAC_UPDATE_PROCESSES` = N ≥ 2).

One Python process spends about 6 ms of CPU on an update (the realistic mix of issue 19), so it
answers at most about 150 a second on one core. With N ≥ 2 the serving process keeps receiving
updates (long polling or the webhook), the sender, the scheduler, housekeeping and the web console,
and the updates are handled by N processes: itself and N − 1 children. Each raw update goes, before
python-telegram-bot parses it, to the process of its chat (`chat id mod N`; an update without a
chat to the serving process), so one chat's updates stay in order in one process
(`PerChatUpdateProcessor` there) and each process keeps the per-chat send limits. Each process
sends its replies itself, with 1/N of `TELEGRAM_MAX_MESSAGES_PER_SECOND` (`build_application`), so
the bot as a whole stays under Telegram's limit.

A child loads the same settings (handed over its stdin, so the token never shows on a command
line), content and database: the same SQLite file, its own writer thread; writes of several
processes wait for each other through the busy timeout and `Storage` begins a transaction again
when that runs out (`bot/core/storage.py`). It builds a python-telegram-bot Application without an
updater, parses each update as the webhook path does and handles it with the same router and
handlers. It runs no sender, scheduler, housekeeping or web console, and never takes the serving
lock (`bot/app/instance.py`): it is part of the serving process, not a second one.

The protocol, JSON lines: parent → child, the settings, then one raw update a line; child →
parent, "ready" once, then lists of the update ids it finished handling (its reply sent or given
up). The parent keeps every update until it is acknowledged; a child that dies is started again
and given the updates it had not acknowledged, in their order. One it had claimed
(`bot/routing/handled_updates.py`) is a duplicate then and gets no second reply; one it had not
is handled. An update that took down its child `MAX_DELIVERIES` times is dropped (logged by id).

Safety: a child ignores SIGINT and SIGTERM (a Ctrl-C or a service manager reaches the whole group:
the serving process decides) and ends when its stdin closes, which happens when the serving
process stops it or dies however it dies: it finishes the updates in hand, then exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.channels import ChannelStartError
from bot.channels.telegram_updates import chat_of
from bot.channels.webhook import BadUpdate
from bot.core.settings import Settings

log = logging.getLogger("canhgiac.updates")

PARENT_ENV = "CANHGIAC_UPDATE_PARENT"
LINE_LIMIT = 2**22  # an update's line: the webhook refuses bodies past 1 MB
START_SECONDS = 300.0  # a child loads the content and the message model (longer on a busy machine)
STOP_SECONDS = 30.0  # the updates in hand of a stopping child, then it is killed
DRAIN_SECONDS = 25.0  # a child's wait for its updates in hand once its stdin closed
RESTART_SECONDS = (0.5, 30.0)  # wait before starting a dead child again: first, longest
MAX_DELIVERIES = 3
READY = "ready"


def settings_payload(settings: Settings) -> dict[str, Any]:
    """Every setting by field name, secrets in clear: for the child's stdin only."""
    data = settings.model_dump(mode="json")
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            data[name] = value.get_secret_value()
    return data


def settings_from(payload: dict[str, Any]) -> Settings:
    return Settings(_env_file=None, **payload)


class _Slot:
    """One child process, and the updates it was given and has not acknowledged (in order)."""

    def __init__(self, index: int):
        self.index = index
        self.process: asyncio.subprocess.Process | None = None
        self.reader: asyncio.Task | None = None
        self.ready = False
        self.pending: dict[int, bytes] = {}  # update id -> its line
        self.deliveries: dict[int, int] = {}  # update id -> children it was given to that died

    def send(self, line: bytes) -> None:
        assert self.process is not None and self.process.stdin is not None
        with contextlib.suppress(ConnectionError, RuntimeError):  # dead: its reader restarts it
            self.process.stdin.write(line)


class UpdateProcesses:
    """The N − 1 children and the routing of updates to them; the serving process handles its own
    share with `here` (the channel's `_enqueue`). `start` once, `route` each update, `close`."""

    def __init__(self, settings: Settings):
        self.count = settings.update_processes
        self._payload = json.dumps(settings_payload(settings), ensure_ascii=False).encode() + b"\n"
        self._slots = [_Slot(index) for index in range(1, self.count)]
        self._here: Callable[[dict], Awaitable[None]] | None = None
        self._closing = False
        here = str(Path(__file__).resolve().parents[2])  # the children run this very code
        path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
        self._env = {**os.environ, "PYTHONPATH": path, PARENT_ENV: str(os.getpid())}
        self.restarts = 0  # children started again after one died (tests, logs)

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process is not None and s.process.returncode is None]

    async def start(self, here: Callable[[dict], Awaitable[None]]) -> None:
        self._here = here
        try:
            await asyncio.gather(*(self._spawn(slot) for slot in self._slots))
        except (OSError, TimeoutError, ConnectionError) as error:
            await self.close()
            raise ChannelStartError(f"an update process did not start ({type(error).__name__})") from None
        log.info("update processes started count=%d pids=%s", self.count, self.pids)

    async def _spawn(self, slot: _Slot) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.update_processes",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=self._env, limit=LINE_LIMIT,
        )  # fmt: skip
        slot.process = process
        process.stdin.write(self._payload)
        line = await asyncio.wait_for(process.stdout.readline(), START_SECONDS)
        if not line or json.loads(line) != READY:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise ConnectionError("the update process ended before it was ready")
        # What it did not acknowledge before the last one died, in order, before anything new.
        for line in slot.pending.values():
            slot.send(line)
        slot.ready = True
        slot.reader = asyncio.create_task(self._read(slot, process))

    async def route(self, data: Any) -> None:
        """Hand one raw update to the process of its chat."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise BadUpdate("not an update")
        chat = chat_of(data)
        index = 0 if chat is None else chat % self.count
        if index == 0:
            assert self._here is not None, "route before start"
            await self._here(data)
            return
        slot = self._slots[index - 1]
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        slot.pending[data["update_id"]] = line
        if slot.ready:
            slot.send(line)
            with contextlib.suppress(ConnectionError):  # a full pipe: wait for the child to read
                await slot.process.stdin.drain()

    async def _read(self, slot: _Slot, process: asyncio.subprocess.Process) -> None:
        """Acknowledgements until the child ends; then, unless the bot stops, a new child."""
        try:
            while line := await process.stdout.readline():
                for update_id in json.loads(line):
                    slot.pending.pop(update_id, None)
                    slot.deliveries.pop(update_id, None)
        except (ValueError, ConnectionError) as error:
            log.error("update process said something unreadable slot=%d error=%s", slot.index, type(error).__name__)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        slot.ready = False
        code = await process.wait()
        if self._closing:
            return
        log.warning("update process ended slot=%d code=%s held=%d: starting another", slot.index, code,
                    len(slot.pending))  # fmt: skip
        self.restarts += 1
        for update_id in list(slot.pending):
            slot.deliveries[update_id] = slot.deliveries.get(update_id, 0) + 1
            if slot.deliveries[update_id] >= MAX_DELIVERIES:
                log.error("update dropped after taking down its process %d times update=%d", MAX_DELIVERIES,
                          update_id)  # fmt: skip
                del slot.pending[update_id], slot.deliveries[update_id]
        wait = RESTART_SECONDS[0]
        while not self._closing:
            await asyncio.sleep(wait)
            try:
                await self._spawn(slot)
                return
            except (OSError, TimeoutError, ConnectionError, ValueError) as error:
                wait = min(wait * 2, RESTART_SECONDS[1])
                log.error("update process did not start slot=%d error=%s retry_in=%.1fs", slot.index,
                          type(error).__name__, wait)  # fmt: skip

    async def close(self) -> None:
        """Stop taking updates; each child finishes those in hand and exits (killed past STOP_SECONDS)."""
        self._closing = True
        for slot in self._slots:
            slot.ready = False
            if slot.process is not None and slot.process.stdin is not None:
                with contextlib.suppress(Exception):
                    slot.process.stdin.close()
        for slot in self._slots:
            process = slot.process
            if process is None:
                continue
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
            if slot.reader is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await slot.reader
            if slot.pending:
                log.warning("update process stopped with updates unanswered slot=%d count=%d", slot.index,
                            len(slot.pending))  # fmt: skip


# --- the child ---


class _Acks:
    """The ids of updates handled, written to the parent as one line per turn of the loop."""

    def __init__(self, fd: int):
        self.fd, self.ids, self.planned = fd, [], False

    def add(self, update_id: int) -> None:
        self.ids.append(update_id)
        if not self.planned:
            self.planned = True
            asyncio.get_running_loop().call_soon(self.flush)

    def write(self, payload: Any) -> None:
        view = memoryview(json.dumps(payload).encode() + b"\n")
        with contextlib.suppress(BrokenPipeError):  # the parent is gone: nobody to tell
            while view:
                view = view[os.write(self.fd, view) :]

    def flush(self) -> None:
        self.planned = False
        if self.ids:
            ids, self.ids = self.ids, []
            self.write(ids)


async def _handle_updates(app: Any, acks: _Acks) -> None:
    from telegram import Update

    from bot.channels.telegram import build_application

    application = build_application(app)
    await application.initialize()
    await application.start()  # no updater: the updates come from the parent
    acks.write(READY)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    in_hand: set[asyncio.Task] = set()

    def finished(task: asyncio.Task, update_id: int) -> None:
        in_hand.discard(task)
        acks.add(update_id)

    try:
        while line := await reader.readline():
            data = json.loads(line)
            update_id = data["update_id"]
            try:
                update = Update.de_json(data, application.bot)
            except Exception as error:  # as the webhook path: a malformed update is dropped
                log.warning("update not parsed update=%s error=%s", update_id, type(error).__name__)
                acks.add(update_id)
                continue
            application.bot.insert_callback_data(update)
            # What python-telegram-bot's own fetcher does with an update from its queue.
            processing = application.update_processor.process_update(update, application.process_update(update))
            task = asyncio.create_task(processing)
            in_hand.add(task)
            task.add_done_callback(lambda task, update_id=update_id: finished(task, update_id))
        if in_hand:  # the parent stopped or died: answer what is in hand, then go
            await asyncio.wait(set(in_hand), timeout=DRAIN_SECONDS)
        acks.flush()
    finally:
        await application.stop()
        await application.shutdown()


def _child() -> None:
    from bot.app.wiring import wire
    from bot.core.logs import setup_logging

    # A Ctrl-C at a terminal, or a service manager's SIGTERM, reaches the whole group: the serving
    # process decides when its children stop (by closing their stdin).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Acknowledgements go on the real stdout; anything else printed goes to stderr, with the logs.
    acks = _Acks(os.dup(1))
    os.dup2(2, 1)
    # The parent writes nothing more before "ready": this buffered read takes the settings line only.
    settings = settings_from(json.loads(sys.stdin.buffer.readline()))
    setup_logging(settings.log_level, settings.secrets())
    app = wire(settings)
    try:
        asyncio.run(_handle_updates(app, acks))
    finally:
        app.close()


if __name__ == "__main__":
    _child()
