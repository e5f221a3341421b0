"""Both webhook ports check the secret before reading a body and refuse bodies over 1 MB.

Real HTTP requests (httpx) to the running bot's real webhook servers on 127.0.0.1, Telegram's and
Zalo's. Memory is measured as the peak resident size of this process (the bot runs in it) during
the requests: a server that buffered a 50 MB body would raise it by 50 MB or more.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.bot.channels.test_telegram_e2e import free_port, on_local_webhook
from tests.fakes.running_bot import CHAT, RunningBot, private_update

MB = 1024 * 1024
MAX_BODY_BYTES = MB  # the cap both ports must keep: updates are a few kB
BIG = 50 * MB
ALLOWED_GROWTH_KB = 20 * 1024
TELEGRAM_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_HEADER = "X-Bot-Api-Secret-Token"


def _status_kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))


class PeakRss:
    """Peak resident memory of this process within the block, in kB above the size at its start.

    Uses the kernel's high-water mark (reset through /proc/self/clear_refs); where that cannot be
    reset, a thread samples the resident size every few milliseconds."""

    def __enter__(self) -> PeakRss:
        self.before = _status_kb("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self._sampler = None
        except OSError:
            self._stop, self._peak = threading.Event(), self.before
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self._peak = max(self._peak, _status_kb("VmRSS"))

    def __exit__(self, *exc: object) -> None:
        if self._sampler is None:
            self.peak = _status_kb("VmHWM")
        else:
            self._stop.set()
            self._sampler.join()
            self.peak = self._peak
        self.growth_kb = self.peak - self.before


async def _stream(total: int, piece: int = 64 * 1024) -> AsyncIterator[bytes]:
    block = b"x" * piece  # the same block again and again: the client itself holds 64 kB
    for _ in range(total // piece):
        yield block


async def _post(client: httpx.AsyncClient, url: str, content, headers: dict) -> int:
    response = await client.post(url, content=content, headers={"Content-Type": "application/json", **headers})
    return response.status_code


async def _status_before_any_body(url: str, headers: dict) -> int:
    """Send only the headers of a 50 MB request and read the answer: it must come without the body."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {BIG}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(status_line.split()[1])


async def _assert_limits(url: str, header: str, secret: str) -> dict[str, int]:
    """The refusals every webhook port must make; returns the peak memory growth of each, in kB."""
    right, wrong = {header: secret}, {header: "not-the-secret"}
    figures = {}
    # The answer leaves as soon as the headers are read, before any of the body is sent.
    assert await _status_before_any_body(url, wrong) == 403
    assert await _status_before_any_body(url, {}) == 403
    assert await _status_before_any_body(url, right) == 413
    async with httpx.AsyncClient(timeout=30) as client:
        # Declared too long (Content-Length): refused before the body is read.
        assert await _post(client, url, b"x" * (2 * MB), right) == 413
        assert await _post(client, url, b"x" * (MAX_BODY_BYTES + 1), right) == 413
        with PeakRss() as rss:
            declared = {**right, "Content-Length": str(BIG)}
            assert await _post(client, url, _stream(BIG), declared) == 413
        figures["50MB_declared_right_secret"] = rss.growth_kb
        # A wrong or missing secret: refused before the body is read, whatever its size.
        with PeakRss() as rss:
            assert await _post(client, url, _stream(BIG), wrong) == 403
        figures["50MB_chunked_wrong_secret"] = rss.growth_kb
        with PeakRss() as rss:
            assert await _post(client, url, _stream(BIG), {}) == 403
        figures["50MB_chunked_no_secret"] = rss.growth_kb
        # Chunked, no Content-Length, right secret: refused once it grows past the cap.
        with PeakRss() as rss:
            assert await _post(client, url, _stream(BIG), right) == 413
        figures["50MB_chunked_right_secret"] = rss.growth_kb
    print(f"\n{url}: peak RSS growth in kB {figures}")
    for case, growth in figures.items():
        assert growth < ALLOWED_GROWTH_KB, f"{case}: the process grew by {growth} kB"
    return figures


async def test_telegram_webhook_checks_the_secret_first_and_caps_bodies(fake, tg_settings):
    settings, local = on_local_webhook(tg_settings, "hook_secret-123")
    async with RunningBot(settings, fake, webhook_url="https://bot.example.vn/telegram"):
        await _assert_limits(local, TELEGRAM_HEADER, "hook_secret-123")
        # Still serving, and an update just under the cap is read in full.
        update = private_update(7, "/hotline")
        update["padding"] = "y" * (MAX_BODY_BYTES - 2000)
        async with httpx.AsyncClient(timeout=10) as client:
            ok = await client.post(local, json=update, headers={TELEGRAM_HEADER: "hook_secret-123"})
            broken = await client.post(local, content=b"{not json", headers={TELEGRAM_HEADER: "hook_secret-123"})
        [reply] = await fake.wait_for_messages(CHAT)
    assert ok.status_code == 200 and "113" in reply["text"]
    assert broken.status_code == 400


@pytest.fixture
async def zalo():
    from tests.bot.channels.conftest import ZALO_TOKEN
    from tests.fakes.zalo_api import FakeZalo

    async with FakeZalo(token=ZALO_TOKEN) as fake:
        yield fake


async def test_zalo_webhook_checks_the_secret_first_and_caps_bodies(zalo, tmp_path):
    from bot.core.settings import Settings
    from tests.bot.channels.conftest import ZALO_TOKEN
    from tests.bot.channels.test_zalo_e2e import CHAT as ZALO_CHAT

    port = free_port()
    settings = Settings(
        _env_file=None,
        zalo_bot_token=ZALO_TOKEN,
        zalo_api_base_url=zalo.url,
        zalo_webhook_secret="s3cret-for-zalo",
        zalo_webhook_port=port,
        webhook_listen="127.0.0.1",
        db_path=tmp_path / "bot.db",
        weekly_day="off",
    )
    local = f"http://127.0.0.1:{port}/zalo-hook"
    async with RunningBot(settings, zalo, zalo_webhook_url="https://bot.example.vn/zalo-hook"):
        await _assert_limits(local, ZALO_HEADER, "s3cret-for-zalo")
        assert (
            await zalo.post_webhook(local, zalo.make_text_update(ZALO_CHAT, "/hotline"), secret="s3cret-for-zalo")
            == 200
        )
        [reply] = await zalo.wait_for_messages(ZALO_CHAT)
    assert "113" in reply["text"]


async def test_a_webhook_port_in_use_is_one_clear_start_error(fake, tg_settings, zalo, tmp_path):
    from bot.channels import ChannelStartError
    from bot.core.settings import Settings
    from tests.bot.channels.conftest import ZALO_TOKEN

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = tg_settings.model_copy(update={"webhook_listen": "127.0.0.1", "webhook_port": port})
        with pytest.raises(ChannelStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with RunningBot(settings, fake, webhook_url="https://bot.example.vn/telegram"):
                pass
        assert not any(method == "setWebhook" for method, _ in fake.requests)  # Telegram was not told
        zalo_settings = Settings(
            _env_file=None,
            zalo_bot_token=ZALO_TOKEN,
            zalo_api_base_url=zalo.url,
            zalo_webhook_port=port,
            webhook_listen="127.0.0.1",
            db_path=tmp_path / "zalo.db",
        )
        with pytest.raises(ChannelStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with RunningBot(zalo_settings, zalo, zalo_webhook_url="https://bot.example.vn/zalo-hook"):
                pass
