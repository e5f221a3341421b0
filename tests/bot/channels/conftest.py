"""Fixtures of the end-to-end tests: fake Bot APIs (Telegram, Zalo) and settings that point the bot at them."""

from __future__ import annotations

import pytest

from bot.core.settings import Settings
from tests.fakes.running_bot import SHARED, TOKEN
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

ZALO_TOKEN = "3141592653:zaLoBoTtOkEnForTestsOnly_abcdefXYZ"


@pytest.fixture(autouse=True)
def shared_library(library):
    SHARED["library"] = library  # content is read-only: every bot of this module reads the same


@pytest.fixture
async def fake():
    async with FakeTelegram(token=TOKEN) as tg:
        # Telegram's flood control by default (about 30 messages/s in all; a chat's short burst of
        # a split reply passes): the bot must live with it, not with a fake that never says 429.
        tg.rate_limit(per_second=30, per_chat_per_second=3)
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


@pytest.fixture
async def zalo():
    async with FakeZalo(token=ZALO_TOKEN) as fake:
        yield fake


@pytest.fixture
def zalo_settings(tmp_path, zalo) -> Settings:
    return Settings(
        _env_file=None,
        zalo_bot_token=ZALO_TOKEN,
        zalo_api_base_url=zalo.url,
        db_path=tmp_path / "bot.db",
        weekly_day="off",
    )
