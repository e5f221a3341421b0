"""The web console against the real app, on the real services and a temporary SQLite file.

A role holder gets their login the way they would: `/dangnhap` through the real router; the
browser is httpx through `ASGITransport` (or Chromium, in test_browser.py).
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.web.app import build_app
from tests.conftest import Chat
from tests.flows import file_report

BASE_URL = "https://console.example.vn"
LAO_CAI_WARD, CAM_DUONG, LAO_CAI = "x-02647", "x-02674", "t-15"
PLACES = {LAO_CAI_WARD: "phường Cốc Lếu", CAM_DUONG: "phường Cam Đường"}  # how the locality names them
OFFICER, WARD_OFFICER, STAFF, WARD_STAFF = "7001", "7002", "7003", "7004"
CLIENT = ("203.0.113.7", 50000)


@pytest.fixture
def console_settings(settings):
    """A console with login links, over plain http in tests (a Secure cookie would not come back)."""
    settings.web_port = 8080
    settings.web_base_url = BASE_URL
    settings.web_secure_cookies = False
    settings.police_ids = [f"test:{OFFICER}={CAM_DUONG}", f"test:{WARD_OFFICER}={LAO_CAI_WARD}"]
    settings.staff_ids = [f"test:{STAFF}={CAM_DUONG}", f"test:{WARD_STAFF}={LAO_CAI_WARD}"]
    settings.telegram_bot_username = "canhgiac_test_bot"
    return settings


@pytest.fixture
def web_app(services, console_settings):
    return build_app(services)


def browser(app, client: tuple[str, int] = CLIENT, base_url: str = "http://testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture
async def web(web_app) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(web_app) as client:
        yield client


async def login_for(router, services, user_id: str) -> dict:
    """`/dangnhap` from `user_id`'s private chat: the values the reply was rendered with."""
    chat = Chat(router, services, chat_id=user_id)
    await chat.send("/dangnhap")
    assert chat.templates == ["web_login"]
    return chat.values_of("web_login")


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


async def sign_in_by_code(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"csrf": csrf_of(page), "code": code})


async def sign_in_by_link(client: httpx.AsyncClient, link: str) -> httpx.Response:
    path = urlsplit(link).path
    page = await client.get(path)
    return await client.post(path, data={"csrf": csrf_of(page)})


async def report_in(router, services, settings, chat_id: str, area: str, number: str) -> None:
    """A citizen's report of `number` filed in `area` (the deployment's locality names it)."""
    settings.locality_name = PLACES[area]
    await file_report(Chat(router, services, chat_id=chat_id), number)


async def identifier_ids(services) -> dict[str, int]:
    """normalized value -> identifier id."""
    rows = await services.storage.read(lambda db: db.execute("SELECT normalized, id FROM identifiers").fetchall())
    return dict(rows)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium_binary() -> str:
    """Debian's Chromium, or a skip saying why (a failure in CI): tests/bot/web/browser.py."""
    from tests.bot.web.browser import chromium_or_skip

    return chromium_or_skip()


@pytest.fixture
def shots() -> Path:
    """Where browser tests keep their screenshots (artefacts: tests/bot/web/browser.py)."""
    from tests.bot.web.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
