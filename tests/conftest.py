"""Shared fixtures: a clean environment, a temporary database, the real router and services."""

from __future__ import annotations

import asyncio
import contextvars
import difflib
import ipaddress
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.content import Texts
from bot.core.messages import ChatKey, Incoming, Reply
from bot.core.settings import Settings
from bot.services import Library, Services, build_services, load_library
from handlers import build_router


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's variables or .env leak into a test; relative paths land in tmp_path."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ZALO_", "CANHGIAC_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _loopback(host: object) -> bool:
    if host in (None, "localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback fakes only: a connection or name lookup elsewhere fails at once,
    instead of reaching a real platform (or hanging without a network)."""
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):  # type: ignore[index]
            raise OSError(f"tests may only connect to 127.0.0.1, not {address!r}")

    def guarded_connect(sock: socket.socket, address: object) -> None:
        check(sock, address)
        return connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return connect_ex(sock, address)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if not _loopback(host):
            raise socket.gaierror(f"tests may only look up loopback names, not {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


class Rendered(list):
    """Template names in render order; `values[i]` holds the variables the i-th one was given, so a
    test can assert which branch of a template was chosen (a risk level, "was active") by data."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[dict[str, object]] = []


# The renders of the turn being handled: a context variable, so concurrent turns of different
# chats (each its own task) keep their own, and a turn's record holds only what it rendered.
_turn: ContextVar[list[tuple[str, dict[str, object]]] | None] = ContextVar("turn", default=None)


@pytest.fixture(autouse=True)
def rendered(monkeypatch: pytest.MonkeyPatch) -> Rendered:
    """The names of the templates rendered during the test, in order: behaviour tests assert which
    answer was given (its template key), not its wording, which content editors may change."""
    names = Rendered()
    render = Texts.render

    def spy(self: Texts, template: str, /, **values: object) -> str:
        names.values.append(values)
        names.append(template)
        turn = _turn.get()
        if turn is not None:
            turn.append((template, values))
        return render(self, template, **values)

    monkeypatch.setattr(Texts, "render", spy)
    # A turn also renders inside storage writes and compute jobs, on worker threads: carry the
    # turn's context there (as asyncio.to_thread does), so those renders count for their turn.
    run_in_executor = asyncio.BaseEventLoop.run_in_executor

    def in_context(self: asyncio.BaseEventLoop, executor: object, func: object, *args: object) -> asyncio.Future:
        return run_in_executor(self, executor, contextvars.copy_context().run, func, *args)

    monkeypatch.setattr(asyncio.BaseEventLoop, "run_in_executor", in_context)
    return names


class FakeClock:
    """A clock tests move by hand, to cross expiry times without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db_path=tmp_path / "canhgiac.db",
        locality_name="phường Cốc Lếu",
        police_hotlines="Công an phường Cốc Lếu=0214 3820 113",
    )


@pytest.fixture(scope="session")
def library() -> Library:
    """Content, knowledge and matchers are read-only: build them once for the whole run."""
    return load_library(Settings(_env_file=None, locality_name="phường Cốc Lếu",
                                 police_hotlines="Công an phường Cốc Lếu=0214 3820 113"))  # fmt: skip


@pytest.fixture
def services(settings: Settings, clock: FakeClock, library: Library) -> Iterator[Services]:
    svc = build_services(settings, clock=clock, library=library)
    yield svc
    svc.close()


ROOT = Path(__file__).resolve().parent.parent


def lines_within(script: str, timeout: float) -> list[str]:
    """Run `script` in a child Python (from the repository's root) and return the lines it printed.
    A bounded wait for work a tracer cannot count (inside the regex engine): past `timeout` the test
    fails and names the lines printed until then."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as late:
        printed = (late.stdout or b"").decode().split("\n")  # bytes here, whatever `text` says
        pytest.fail(f"still running after {timeout} s; printed only: {printed}")
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")[:-1]


class OtherWriter:
    """Another process holding the database's write lock (its own connection: SQLite locks the file)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=10, isolation_level=None)

    def hold_for(self, seconds: float) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        asyncio.get_running_loop().call_later(seconds, self.conn.execute, "ROLLBACK")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def other_writer(settings: Settings) -> Iterator[OtherWriter]:
    writer = OtherWriter(settings.db_path)
    yield writer
    writer.close()


class LoopTicker:
    """Within the block, wakes every 5 ms and keeps the longest time the event loop took to let it
    run again: how long the loop was held by other work."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    def __enter__(self) -> LoopTicker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


@pytest.fixture
def router():
    return build_router()


class Chat:
    """One citizen talking to the router, as an adapter would deliver their messages."""

    def __init__(
        self,
        router,
        services: Services,
        chat_id: str = "1001",
        channel: str = "test",
    ):
        self.router, self.services = router, services
        self.chat_id, self.channel = chat_id, channel
        self.last: list[Reply] = []
        self.templates: list[str] = []  # the templates the last turn rendered
        self.renders: list[tuple[str, dict[str, object]]] = []  # (template, its variables) of the last turn

    async def send(self, text: str | None = None, *, lost: bool = False, **fields) -> list[Reply]:
        """One message and its replies; `lost`: the replies never reached the chat (a send failed)."""
        msg = Incoming(
            channel=self.channel, chat_id=self.chat_id, user_id=self.chat_id, display_name="Lan", text=text, **fields
        )
        token = _turn.set([])
        try:
            self.last = await self.router.handle(msg, self.services)
            self.renders = list(_turn.get() or [])
        finally:
            _turn.reset(token)
        self.templates = [name for name, _ in self.renders]
        if not lost:
            await self.router.delivered(msg, self.last, self.services)  # as an adapter does once sent
        return self.last

    async def press(self, value: str) -> list[Reply]:
        return await self.send(choice=value)

    @property
    def key(self) -> ChatKey:
        return ChatKey(self.channel, self.chat_id)

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    @property
    def choice_values(self) -> list[str]:
        return [c.value for r in self.last for c in r.choices]

    def values_of(self, template: str) -> dict[str, object]:
        """The variables the last turn's one rendering of `template` was given (which branch it took)."""
        found = [values for name, values in self.renders if name == template]
        assert len(found) == 1, f"{template!r} rendered {len(found)} times in the last turn: {self.templates}"
        return found[0]


@pytest.fixture
def chat(router, services: Services) -> Chat:
    return Chat(router, services)


# --- Snapshots: whole rendered replies, reviewed as files under tests/snapshots/ ---

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--snapshot-update", action="store_true", default=False,
        help="rewrite the files under tests/snapshots/ from this run instead of comparing with them",
    )  # fmt: skip


class Snapshot:
    """Compares a text with its stored file; `pytest --snapshot-update` rewrites the file instead.
    Wording lives in these files only: a content edit changes a snapshot, reviewed as a diff, and
    no behaviour test."""

    def __init__(self, update: bool, nodeid: str) -> None:
        self.update, self.nodeid = update, nodeid

    def path(self, name: str) -> Path:
        return SNAPSHOTS / f"{name}.txt"

    def assert_match(self, name: str, text: str) -> None:
        path = self.path(name)
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(
                f"no snapshot {where}: create it with `pytest '{self.nodeid}' --snapshot-update`, "
                "then read it before committing it",
                pytrace=False,
            )
        expected = path.read_text(encoding="utf-8")
        if expected != text:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), f"{where} (stored)", "this run"
            )
            pytest.fail(
                f"snapshot {where} differs (if the change is intended, run "
                f"`pytest '{self.nodeid}' --snapshot-update` and review the diff):\n" + "".join(diff),
                pytrace=False,
            )


@pytest.fixture
def snapshot(request: pytest.FixtureRequest) -> Snapshot:
    return Snapshot(request.config.getoption("--snapshot-update"), request.node.nodeid)
