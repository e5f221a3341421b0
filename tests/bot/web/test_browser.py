"""The console in a real browser: Debian's Chromium (headless), driven by Playwright for Python
(tests/bot/web/browser.py), on the test's services."""

from __future__ import annotations

from tests.bot.web.browser import chromium, served, shoot
from tests.bot.web.conftest import CAM_DUONG, OFFICER, login_for, report_in


async def test_an_officer_logs_in_by_code_on_a_phone_and_sees_the_queue(
    router, services, settings, console_settings, chromium_binary
):
    await report_in(router, services, settings, "11", CAM_DUONG, "0987654321")
    login = await login_for(router, services, OFFICER)
    async with served(services) as base, chromium() as browser:
        page = await browser.new_page(viewport={"width": 360, "height": 740})
        await page.goto(f"{base}/login")
        await page.fill("#code", login["code"])
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/")
        item = page.locator("ol.queue li a.value")
        assert await item.count() == 1
        assert await item.inner_text() == "0987 654 321"
        # Readable at 360 px: nothing wider than the screen, the stylesheet applied.
        assert await page.evaluate("getComputedStyle(document.querySelector('.top')).display") == "flex"
        await shoot(page, "console-home")
