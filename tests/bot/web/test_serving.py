"""The console is served by `canhgiac run` when CANHGIAC_WEB_PORT is set, stopped with the rest,
and alone by `canhgiac web`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx

from bot.app import serve
from bot.app.wiring import App
from tests.bot.cli.test_cli import REPO
from tests.bot.web.conftest import free_port


class QuietChannel:
    """A channel that starts, sends nothing and stops: `serve()` needs one to run."""

    name = "test"

    def __init__(self) -> None:
        self.stopped = False

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped = True

    async def deliver(self, chat_id, text, choices=()):
        raise AssertionError("nothing to deliver in this test")


async def get_login(port: int, timeout: float = 15) -> httpx.Response:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                return await client.get(f"http://127.0.0.1:{port}/login")
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the console never answered"
                await asyncio.sleep(0.1)


async def test_run_serves_the_console_when_the_port_is_set_and_stops_it_with_the_rest(
    services, router, settings, monkeypatch
):
    settings.web_port = port = free_port()
    channel = QuietChannel()
    monkeypatch.setattr(serve, "build_channels", lambda app, **urls: [channel])
    stop = asyncio.Event()
    running = asyncio.create_task(serve.serve(App(settings, services, router), stop=stop))
    response = await get_login(port)
    assert response.status_code == 200 and response.headers["x-frame-options"] == "DENY"
    stop.set()
    await asyncio.wait_for(running, 15)
    assert channel.stopped
    async with httpx.AsyncClient() as client:
        try:
            await client.get(f"http://127.0.0.1:{port}/login")
            raise AssertionError("the console still answers after the stop")
        except httpx.TransportError:
            pass


def test_canhgiac_web_serves_alone_and_stops_on_sigterm(tmp_path):
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    environment.update(PYTHONPATH=str(REPO), CANHGIAC_WEB_PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web"], cwd=tmp_path, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        response = asyncio.run(get_login(port, timeout=60))
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert f"127.0.0.1:{port}" in out


def test_canhgiac_web_without_a_port_says_so_in_one_line(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    environment["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web"], cwd=tmp_path, env=environment, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "CANHGIAC_WEB_PORT" in result.stderr
    assert result.stderr.strip().count("\n") == 0
