"""Chromium for the console's browser tests: Debian's binary (no browser download), driven by
Playwright for Python, and the console served on a free port of this process.

Where there is no Chromium the tests are skipped, saying so; in CI, which installs it (.ci/run), a
missing Chromium fails them instead (as for Tesseract, tests/images/pictures.py). Screenshots are
artefacts: `build/artifacts/console/` in the repository, or `$CANHGIAC_ARTIFACTS` (read at import:
the tests' clean environment drops CANHGIAC_* variables).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.web.server import serve_web
from tests.bot.web.conftest import free_port
from tests.fakes.bot_process import REPO

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()), None)
ARTIFACTS = Path(os.environ.get("CANHGIAC_ARTIFACTS") or REPO / "build" / "artifacts" / "console")
PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}


def chromium_or_skip() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing in CI (see .ci/run)")
        pytest.skip("no chromium binary: the browser tests need Debian's (apt-get install -y chromium)")
    return CHROMIUM


@asynccontextmanager
async def chromium() -> AsyncIterator:
    """A headless Chromium (Playwright's Browser)."""
    from playwright.async_api import async_playwright

    binary = chromium_or_skip()
    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = await playwright.chromium.launch(executable_path=binary, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def served(services) -> AsyncIterator[str]:
    """The console of `services` served by uvicorn on a free port; yields its address once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    server = asyncio.create_task(serve_web(services, stop, port=port))
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):  # the server task starts listening within a few event-loop turns
                try:
                    await client.get(f"{base}/login")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield base
    finally:
        stop.set()
        await server


async def shoot(page, name: str) -> Path:
    """A full-page screenshot kept as an artefact; the page must fit its viewport's width."""
    width = page.viewport_size["width"]
    assert await page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} is wider than {width}px"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{width}.png"
    await page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 1000
    return path
