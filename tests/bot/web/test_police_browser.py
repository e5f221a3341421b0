"""The police pages in a real browser (Debian's Chromium, headless, through Playwright), against
the console served by uvicorn on the test's services: filtering on a phone, a bulk decision and
its banner, an export download, the identifier page with its photo.

Screenshots at 360 px and 1280 px are kept as artefacts (tests/bot/web/browser.py).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator

import openpyxl
import pytest
from PIL import Image

from bot.core.messages import ChatKey
from bot.identifiers import parse_link, parse_phone
from bot.reporting import evidence, reports
from tests.bot.web.browser import chromium, served
from tests.bot.web.conftest import CAM_DUONG, LAO_CAI, login_for

PROVINCE_OFFICER = "7010"
PHONE, WIDE = {"width": 360, "height": 740}, {"width": 1280, "height": 900}
WARD = "x-02647"


@pytest.fixture
def police_settings(console_settings):
    console_settings.police_ids = [*console_settings.police_ids, f"test:{PROVINCE_OFFICER}={LAO_CAI}"]
    return console_settings


async def filed(services, value: str, area: str, chat_id: str, **extra) -> str:
    identifier = parse_phone(value) or parse_link(value)
    draft = reports.Draft(
        identifier=identifier, what="call" if identifier.kind == "phone" else "link", via="phone_call",
        claimed_topic=extra.pop("topic", "fake-authority-call"), happened="today", area_code=area, **extra,
    )  # fmt: skip
    done = await services.storage.write(lambda db: reports.file(db, draft, ChatKey("test", chat_id), services.clock()))
    return done.ref


async def some_reports(services) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (320, 200), (230, 230, 235)).save(picture, format="PNG")
    kept = evidence.keep(evidence.folder_for(services.settings.db_path), picture.getvalue())
    await filed(
        services, "0987654321", CAM_DUONG, "11", updates_consent=True, amount_lost=15_500_000, evidence=kept,
        evidence_text="Cong an TP: tai khoan cua ban lien quan vu an, chuyen tien vao so 0987654321",
        description="Người gọi xưng công an, bảo tôi chuyển tiền để chứng minh trong sạch.",
    )  # fmt: skip
    await filed(services, "0987654321", CAM_DUONG, "12", updates_consent=True)
    await filed(services, "https://vay-nhanh-24h.example.com/dang-ky", CAM_DUONG, "13", topic="loan-shark")
    await filed(services, "0912345678", WARD, "14", topic="job-scam", updates_consent=True)
    await filed(services, "0933444555", WARD, "15", topic="job-scam")


@contextlib.asynccontextmanager
async def console_in_chromium(services) -> AsyncIterator[tuple[object, str]]:
    """(the browser, the console's address) while the console is served."""
    async with served(services) as base, chromium() as browser:
        yield browser, base


async def signed_in_page(router, services, chromium, base: str, viewport: dict, user_id: str = PROVINCE_OFFICER):
    """A new page of a new context (its own cookies), signed in by code as `user_id`."""
    login = await login_for(router, services, user_id)
    context = await chromium.new_context(viewport=viewport, accept_downloads=True, locale="vi-VN")
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("#code", login["code"])
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/")
    return page


async def fits(page, width: int) -> None:
    """Nothing wider than the screen (no sideways scrolling)."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_an_officer_filters_the_queue_on_a_phone(
    router,
    services,
    police_settings,
    chromium_binary,
    shots,
):
    await some_reports(services)
    async with console_in_chromium(services) as (chromium, base):
        page = await signed_in_page(router, services, chromium, base, PHONE)
        await page.click("a.to-queue")
        await page.wait_for_url(f"{base}/queue")
        assert await page.locator("tr.item").count() == 4
        await fits(page, 360)
        await page.screenshot(path=shots / "queue-360.png", full_page=True)
        await page.select_option("#commune", CAM_DUONG)
        await page.select_option("#kind", "phone")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_url(f"{base}/queue?commune={CAM_DUONG}&status=awaiting&kind=phone&topic=&from=&to=")
        rows = page.locator("tr.item a.value")
        assert await rows.all_inner_texts() == ["0987 654 321"]
        # The phone layout: each row a card, its labels shown beside the values.
        assert await page.evaluate("getComputedStyle(document.querySelector('table.stack thead')).display") == "none"
        assert await page.evaluate("getComputedStyle(document.querySelector('tr.item')).display") == "block"
        await fits(page, 360)
        await page.screenshot(path=shots / "queue-filtered-360.png", full_page=True)
        await page.fill("#from", "2026-11-30")
        await page.fill("#to", "2026-11-01")
        await page.click("form.filters button[type=submit]")
        assert await page.locator("[data-problem=dates_order]").count() == 1
        assert await page.locator("tr.item").count() == 0


async def test_a_bulk_decision_shows_its_banner(router, services, police_settings, chromium_binary, shots):
    await some_reports(services)
    async with console_in_chromium(services) as (chromium, base):
        page = await signed_in_page(router, services, chromium, base, WIDE)
        await page.goto(f"{base}/queue?commune={WARD}")
        await fits(page, 1280)
        await page.screenshot(path=shots / "queue-1280.png", full_page=True)
        boxes = page.locator("input[name=id]")
        assert await boxes.count() == 2
        await boxes.nth(0).check()
        await boxes.nth(1).check()
        await page.fill("#bulk-note", "Chuyển đội cảnh sát hình sự")
        await page.click("button.decision-forwarded")
        await page.wait_for_selector(".banner")
        assert await page.inner_text(".banner .decided") == "2"
        assert await page.inner_text(".banner .told") == "1"  # one of the two reporters asked to hear back
        assert f"commune={WARD}" in page.url
        assert await page.locator("tr.item").count() == 0  # nothing awaits in the ward now
        await page.screenshot(path=shots / "queue-banner-1280.png", full_page=True)
    rows = await services.storage.read(lambda db: list(db.query("SELECT actor, new_status, note FROM audit_log")))
    assert rows == [{"actor": f"console:test:{PROVINCE_OFFICER}", "new_status": "forwarded",
                     "note": "Chuyển đội cảnh sát hình sự"}] * 2  # fmt: skip
    told = await services.storage.read(lambda db: [r[0] for r in db.execute("SELECT chat_id FROM outbox")])
    assert told == ["14"]


async def test_an_export_downloads_and_opens(router, services, police_settings, chromium_binary, tmp_path):
    await some_reports(services)
    async with console_in_chromium(services) as (chromium, base):
        page = await signed_in_page(router, services, chromium, base, WIDE)
        await page.goto(f"{base}/queue?kind=phone&status=all")
        async with page.expect_download() as waiting:
            await page.click("a.download[data-format=xlsx]")
        download = await waiting.value
        assert download.suggested_filename.startswith("canhgiac-") and download.suggested_filename.endswith(".xlsx")
        target = tmp_path / download.suggested_filename
        await download.save_as(target)
    book = openpyxl.load_workbook(target)
    values = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert values == ["0987 654 321", "0912 345 678", "0933 444 555"]  # phones only, most reporters first


async def test_the_identifier_page_with_its_photo(router, services, police_settings, chromium_binary, shots):
    await some_reports(services)
    identifier = await services.storage.read(
        lambda db: db.execute("SELECT id FROM identifiers WHERE normalized = '+84987654321'").fetchone()[0]
    )
    async with console_in_chromium(services) as (chromium, base):
        for name, viewport in (("360", PHONE), ("1280", WIDE)):
            page = await signed_in_page(router, services, chromium, base, viewport)
            await page.goto(f"{base}/identifier/{identifier}")
            photo = page.locator("figure.evidence img")
            assert await photo.count() == 1
            assert await photo.evaluate("img => img.complete && img.naturalWidth") == 320  # served and decoded
            await fits(page, viewport["width"])
            if name == "360":
                await page.fill("#note", "Đã gọi lại người báo")
                await page.click("button.decision-confirmed")
                await page.wait_for_selector(".banner")
                assert await page.locator("table.history tbody tr").count() == 1
            await page.screenshot(path=shots / f"identifier-{name}.png", full_page=True)
