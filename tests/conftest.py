"""Shared fixtures: a clean environment, a temporary database, the real router and services."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import ChatKey, Incoming, Reply
from bot.services import Library, Services, build_services, load_library
from bot.settings import Settings
from handlers import build_router


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's variables or .env leak into a test; relative paths land in tmp_path."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ZALO_", "CANHGIAC_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


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


@pytest.fixture
def router():
    return build_router()


class Chat:
    """One citizen talking to the router, as an adapter would deliver their messages."""

    def __init__(self, router, services: Services, chat_id: str = "1001", channel: str = "test"):
        self.router, self.services = router, services
        self.chat_id, self.channel = chat_id, channel
        self.last: list[Reply] = []

    async def send(self, text: str | None = None, **fields) -> list[Reply]:
        msg = Incoming(
            channel=self.channel, chat_id=self.chat_id, user_id=self.chat_id, display_name="Lan", text=text, **fields
        )
        self.last = await self.router.handle(msg, self.services)
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


@pytest.fixture
def chat(router, services: Services) -> Chat:
    return Chat(router, services)
