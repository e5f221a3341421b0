"""Fixtures of the end-to-end tests: a fake Bot API and settings that point the bot at it."""

from __future__ import annotations

import pytest

from bot.core.settings import Settings
from tests.fakes.running_bot import SHARED, TOKEN
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture(autouse=True)
def shared_library(library):
    SHARED["library"] = library  # content is read-only: every bot of this module reads the same


@pytest.fixture
async def fake():
    async with FakeTelegram(token=TOKEN) as tg:
        yield tg


@pytest.fixture
def tg_settings(tmp_path, fake) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=f"{fake.url}/bot",
        db_path=tmp_path / "bot.db",
        police_hotlines="Công an phường Cốc Lếu=0214 3820 113",
        weekly_day="off",  # tests that want the weekly campaign switch it on
    )
