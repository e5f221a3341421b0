"""The staff's pages in Debian's Chromium (headless) through Playwright, as test_browser.py runs it:
compose with a preview and send on a phone, watch delivery update live then cancel, download a
poster. Screenshots at 360 and 1280 px are kept as artefacts (tests/bot/web/browser.py)."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime

import pytest

from bot.broadcast import broadcasts, subscriptions
from bot.core.clock import VIETNAM, to_iso
from bot.core.messages import ChatKey
from tests.bot.web.browser import chromium, served
from tests.bot.web.conftest import CAM_DUONG, STAFF, login_for

WIDTHS = (360, 1280)


@pytest.fixture(autouse=True)
def campaign_week(clock, console_settings):
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)  # 2026-W48 has a campaign


def seed(services, count: int) -> None:
    now = services.clock()
    services.storage.write_sync(
        lambda db: [subscriptions.subscribe(db, ChatKey("telegram", str(n)), CAM_DUONG, now) for n in range(count)]
    )


def _console_error(message) -> bool:
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def _missing(response) -> bool:
    return response.status >= 400 and not response.url.endswith("/favicon.ico")


@contextlib.asynccontextmanager
async def staff_browser(router, services, chromium_binary, width: int):
    """A running console and a Chromium page signed in as the commune's staff member."""
    login = await login_for(router, services, STAFF)
    async with served(services) as base, chromium() as browser:
        page = await browser.new_page(viewport={"width": width, "height": 800}, accept_downloads=True)
        errors: list[str] = []
        # A CSP violation or a script error shows as a console error; a missing file as a
        # response (the browser's own favicon.ico request aside: the console has none).
        page.on("console", lambda m: errors.append(m.text) if _console_error(m) else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if _missing(r) else None)
        await page.goto(f"{base}/login")
        await page.fill("#code", login["code"])
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/")
        yield page, base, errors


async def fits(page, width: int) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_compose_with_a_preview_and_send_on_a_phone(router, services, chromium_binary, shots):
    seed(services, 3)
    async with staff_browser(router, services, chromium_binary, 360) as (page, base, errors):
        await page.screenshot(path=shots / "staff-home-360.png", full_page=True)
        await page.click("a[href='/staff/compose']")
        assert await page.is_checked(f"input[name=areas][value='{CAM_DUONG}']")  # their one commune
        await page.click("button[value=preview]")
        await page.wait_for_selector("#message")
        assert await fits(page, 360)
        count = await page.inner_text("#count b")
        assert count == "3"
        assert "/huydangky" in await page.inner_text("#message")
        await page.screenshot(path=shots / "staff-compose-preview-360.png", full_page=True)
        await page.click("button.send")
        await page.wait_for_url(re.compile(r".*/staff/broadcasts/\d+$"))
        assert await page.get_attribute("#status", "data-status") == "scheduled"
        assert await fits(page, 360)
        await page.screenshot(path=shots / "staff-broadcast-360.png", full_page=True)
        assert errors == []  # htmx loaded under the CSP without a violation
    [sent] = await services.storage.read(lambda db: broadcasts.recent(db))
    assert sent.areas == [CAM_DUONG] and sent.created_by == f"test:{STAFF}"


async def test_delivery_updates_live_then_cancel(router, services, clock, chromium_binary, shots):
    seed(services, 5)
    now, renderer = services.clock(), services.broadcast_renderer()

    def create(db):
        broadcast_id = broadcasts.create(db, created_by=f"test:{STAFF}", now=now, text="x", areas=[CAM_DUONG])
        for due in broadcasts.due(db, now):
            broadcasts.enqueue(db, due, renderer, now)
        return broadcast_id

    broadcast_id = services.storage.write_sync(create)
    async with staff_browser(router, services, chromium_binary, 1280) as (page, base, errors):
        await page.goto(f"{base}/staff/broadcasts/{broadcast_id}")
        assert await page.inner_text("#queued") == "5" and await page.inner_text("#sent") == "0"

        def deliver_two(db):  # what the sender records for two messages
            for row in db.execute("SELECT id FROM deliveries WHERE status = 'pending' LIMIT 2").fetchall():
                from bot.broadcast import deliveries

                deliveries.record_sent(db, row[0], now)

        services.storage.write_sync(deliver_two)
        # No reload: htmx polls the fragment every 2 s and swaps it in.
        from playwright.async_api import expect

        await expect(page.locator("#sent")).to_have_text("2", timeout=6000)
        assert await page.inner_text("#queued") == "3"
        await page.screenshot(path=shots / "staff-broadcast-live-1280.png", full_page=True)
        await page.click("form.cancel button")
        await page.wait_for_selector("#cancel-done")
        assert await page.get_attribute("#status", "data-status") == "cancelled"
        assert await page.inner_text("#queued") == "0"
        assert errors == []
    state = await services.storage.read(lambda db: broadcasts.progress(db, broadcast_id))
    assert state.counts == {"sent": 2, "cancelled": 3}


async def test_download_a_poster(router, services, chromium_binary, shots):
    async with staff_browser(router, services, chromium_binary, 1280) as (page, base, _):
        await page.goto(f"{base}/staff/posters")
        await page.screenshot(path=shots / "staff-posters-1280.png", full_page=True)
        async with page.expect_download() as download_info:
            await page.click(f"a[href='/staff/posters/{CAM_DUONG}.pdf']")
        download = await download_info.value
        assert download.suggested_filename == f"poster-{CAM_DUONG}.pdf"
        saved = shots / download.suggested_filename
        await download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("width", WIDTHS)
async def test_every_staff_page_fits_the_screen(router, services, chromium_binary, shots, width):
    seed(services, 4)
    now = services.clock()

    def fill(db):  # a page with something on it: a broadcast sent, a long question asked twice
        broadcasts.create(db, created_by=f"test:{STAFF}", now=now, text="Họp tổ dân phố " * 8, areas=[CAM_DUONG])
        for _ in range(2):
            db["faq_gaps"].insert({"asked_at": to_iso(now), "text": "câu hỏi dài " * 12, "normalized": "cau hoi dai",
                                   "outcome": "none", "best_faq_id": None, "score": 0.0})  # fmt: skip

    services.storage.write_sync(fill)
    async with staff_browser(router, services, chromium_binary, width) as (page, base, errors):
        for name in ("subscribers", "compose", "broadcasts", "calendar", "posters", "gaps"):
            await page.goto(f"{base}/staff/{name}")
            assert await fits(page, width), name
            await page.screenshot(path=shots / f"staff-{name}-{width}.png", full_page=True)
        assert errors == []
