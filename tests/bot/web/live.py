"""A real `canhgiac run` serving the console and the loopback fake Telegram, for browser tests.

The bot is a separate process (tests/fakes/bot_process.py) on a SQLite file the test has filled
first through the real router; officers and citizens talk to it through the fake Bot API, and the
browser (Debian's Chromium, driven by Playwright: tests/bot/web/browser.py) talks to its console
over HTTP.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.bot.web.browser import PHONE, chromium
from tests.bot.web.conftest import CAM_DUONG, LAO_CAI_WARD, OFFICER, STAFF, WARD_OFFICER, free_port
from tests.fakes.bot_process import BotProcess, bot_env
from tests.fakes.running_bot import TOKEN
from tests.fakes.telegram_api import FakeTelegram

LINK = re.compile(r"https?://\S+/login/[A-Za-z0-9_-]+")
CODE = re.compile(r"<b>(\d{6})</b>")


@dataclass
class Live:
    fake: FakeTelegram
    bot: BotProcess
    url: str  # the console's address

    async def login_message(self, user_id: str) -> tuple[str, str]:
        """`/dangnhap` from `user_id`'s private chat on Telegram: (the link, the code) the bot sent."""
        self.fake.push_text(int(user_id), "/dangnhap")
        [reply] = await self.fake.wait_for_messages(int(user_id), timeout=20)
        return LINK.search(reply["text"]).group(0), CODE.search(reply["text"]).group(1)


async def _until_serving(fake: FakeTelegram, bot: BotProcess, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            assert bot.running(), f"the bot exited: {bot.stderr[-2000:]}"
            assert time.monotonic() < deadline, f"the bot did not start: {bot.stderr[-2000:]}"
            if any(name == "getUpdates" for name, _ in fake.requests):
                try:
                    if (await client.get(f"{url}/login")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            await asyncio.sleep(0.1)


@asynccontextmanager
async def live_console(db_path: Path, cwd: Path, **settings: str) -> AsyncIterator[Live]:
    """The bot on `db_path` with its console on a free port: two police officers (a commune and a
    ward of Lào Cai) and a commune's staff member, as conftest's in-process console has them."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeTelegram(token=TOKEN) as fake:
        env = bot_env(
            fake.url, db_path,
            CANHGIAC_WEB_PORT=str(port), CANHGIAC_WEB_BASE_URL=url, CANHGIAC_WEB_SECURE_COOKIES="false",
            CANHGIAC_POLICE_IDS=f"telegram:{OFFICER}={CAM_DUONG},telegram:{WARD_OFFICER}={LAO_CAI_WARD}",
            CANHGIAC_STAFF_IDS=f"telegram:{STAFF}={CAM_DUONG}",
            **settings,
        )  # fmt: skip
        bot = BotProcess(env, cwd, "console")
        try:
            await _until_serving(fake, bot, url)
            yield Live(fake, bot, url)
        finally:
            await bot.stop()


@asynccontextmanager
async def chromium_pages() -> AsyncIterator:
    """A headless Chromium; yields a function that opens a page (its own cookies) at a viewport."""
    async with chromium() as browser:

        async def new_page(viewport: dict = PHONE, **options):
            context = await browser.new_context(viewport=viewport, **options)
            return await context.new_page()

        yield new_page
