"""The console in a real browser: Debian's Chromium (headless), driven by Playwright for Python.

No browser is downloaded: Playwright is pointed at the system's `chromium` (`apt-get install
chromium`, as `.ci/run` does). Where there is none, this test is skipped, saying so; in CI, which
installs it, a missing Chromium is a failure instead (as for Tesseract, tests/images/pictures.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from bot.web.server import serve_web
from tests.bot.web.conftest import CAM_DUONG, OFFICER, free_port, login_for, report_in

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()), None)


@pytest.fixture
def chromium_binary() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing in CI (see .ci/run)")
        pytest.skip("no chromium binary: the browser test needs Debian's (apt-get install -y chromium)")
    return CHROMIUM


async def test_an_officer_logs_in_by_code_on_a_phone_and_sees_the_queue(
    router, services, settings, console_settings, tmp_path, chromium_binary
):
    from playwright.async_api import async_playwright

    await report_in(router, services, settings, "11", CAM_DUONG, "0987654321")
    login = await login_for(router, services, OFFICER)
    port = free_port()
    stop = asyncio.Event()
    server = asyncio.create_task(serve_web(services, stop, port=port))
    try:
        async with async_playwright() as playwright:
            # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
            chromium = await playwright.chromium.launch(
                executable_path=chromium_binary, headless=True, args=["--no-sandbox"]
            )
            try:
                page = await chromium.new_page(viewport={"width": 360, "height": 740})
                for _ in range(50):  # the server task starts listening within a few event-loop turns
                    try:
                        await page.goto(f"http://127.0.0.1:{port}/login")
                        break
                    except Exception:
                        await asyncio.sleep(0.1)
                await page.fill("#code", login["code"])
                await page.click("button[type=submit]")
                await page.wait_for_url(f"http://127.0.0.1:{port}/")
                item = page.locator("ol.queue li a.value")
                assert await item.count() == 1
                assert await item.inner_text() == "0987 654 321"
                # Readable at 360 px: nothing wider than the screen, the stylesheet applied.
                assert await page.evaluate("document.documentElement.scrollWidth") <= 360
                assert await page.evaluate("getComputedStyle(document.querySelector('.top')).display") == "flex"
                await page.screenshot(path=tmp_path / "console-home-360.png", full_page=True)
            finally:
                await chromium.close()
    finally:
        stop.set()
        await server
    assert (tmp_path / "console-home-360.png").stat().st_size > 1000
