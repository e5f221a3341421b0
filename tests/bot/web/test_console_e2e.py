"""The console end to end: a real `canhgiac run` (its console on a port, the loopback fake Telegram),
Debian's Chromium driven by Playwright, and officers who get their login from the bot on Telegram.

The database is filled first through the real router (citizens' reports on the Telegram channel);
then only the bot process writes to it, except where a test says why. Screenshots at 360 px and
1,280 px are kept as artefacts (tests/bot/web/live.py).
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import docx
import openpyxl
import pytest
from playwright.async_api import expect

from bot.broadcast import subscriptions
from bot.core.clock import VIETNAM, utc_now
from bot.core.messages import ChatKey
from bot.core.settings import Settings
from bot.routing import logins
from tests.bot.web.browser import DESKTOP, PHONE, chromium_or_skip, shoot
from tests.bot.web.conftest import CAM_DUONG, LAO_CAI_WARD, OFFICER, PLACES, STAFF, WARD_OFFICER, identifier_ids
from tests.bot.web.live import chromium_pages, live_console
from tests.conftest import Chat
from tests.flows import file_report

CITIZEN, OTHER_CITIZEN = "501", "502"


@pytest.fixture(autouse=True)
def _chromium() -> None:
    chromium_or_skip()  # before a bot process is started for nothing


async def report_on_telegram(router, services, settings, chat_id: str, area: str, number: str, consent="updates"):
    """A citizen's report filed through the real router as the Telegram adapter delivers it."""
    settings.locality_name = PLACES[area]
    await file_report(Chat(router, services, chat_id=chat_id, channel="telegram"), number, consent=consent)


async def sign_in(page, live, user_id: str) -> None:
    link, _ = await live.login_message(user_id)
    await page.goto(link)
    async with page.expect_navigation(url=f"{live.url}/"):
        await page.click("button[type=submit]")


async def test_login_by_the_link_the_bot_sends_on_a_phone_and_by_code_on_a_pc(router, services, settings, tmp_path):
    await report_on_telegram(router, services, settings, CITIZEN, CAM_DUONG, "0987654321")
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        phone = await new_page(PHONE)
        await sign_in(phone, live, OFFICER)
        assert await phone.locator("ol.queue li a.value").all_inner_texts() == ["0987 654 321"]
        await shoot(phone, "e2e-home-police")

        _, code = await live.login_message(OFFICER)  # a second device: the code typed by hand
        desktop = await new_page(DESKTOP)
        await desktop.goto(f"{live.url}/login")
        await shoot(desktop, "e2e-login")
        await desktop.fill("#code", code)
        async with desktop.expect_navigation(url=f"{live.url}/"):
            await desktop.click("button[type=submit]")
        assert await desktop.locator("ol.queue li a.value").count() == 1
        await shoot(desktop, "e2e-home-police")


async def test_an_expired_link_is_refused_and_signs_nobody_in(router, services, settings, tmp_path):
    # A link made eleven minutes ago, as `/dangnhap` would have made it then (the process's clock
    # is the real one and cannot be moved).
    made = utc_now() - timedelta(minutes=11)
    old = await services.storage.write(
        lambda db: logins.create(db, channel="telegram", user_id=OFFICER, roles={"police": [CAM_DUONG]}, now=made)
    )
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(PHONE)
        await page.goto(f"{live.url}/login/{old.token}")
        async with page.expect_response(lambda r: r.request.method == "POST") as pressed:
            await page.click("button[type=submit]")
        assert (await pressed.value).status == 400
        await shoot(page, "e2e-login-expired")
        response = await page.goto(f"{live.url}/")
        assert response.url == f"{live.url}/login"  # still signed out


async def test_a_form_whose_csrf_token_was_tampered_with_is_refused(router, services, settings, tmp_path):
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(PHONE)
        await sign_in(page, live, OFFICER)
        # A page that posts to the console from elsewhere cannot know the token: simulated by
        # changing it in the logout form before pressing.
        await page.locator("form[action='/logout'] input[name=csrf]").evaluate("input => input.value = 'forged'")
        async with page.expect_response(lambda r: r.request.method == "POST") as pressed:
            await page.click("form[action='/logout'] button")
        assert (await pressed.value).status == 403
        await shoot(page, "e2e-csrf-refused")
        response = await page.goto(f"{live.url}/")
        assert response.url == f"{live.url}/"  # not logged out by the forged form


async def test_an_officer_opening_another_communes_identifier_gets_403(router, services, settings, tmp_path):
    await report_on_telegram(router, services, settings, CITIZEN, CAM_DUONG, "0987654321")
    await report_on_telegram(router, services, settings, OTHER_CITIZEN, LAO_CAI_WARD, "0912345678")
    ids = await identifier_ids(services)
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(DESKTOP)
        await sign_in(page, live, WARD_OFFICER)
        own = await page.goto(f"{live.url}/identifier/{ids['+84912345678']}")
        assert own.status == 200
        other = await page.goto(f"{live.url}/identifier/{ids['+84987654321']}")
        assert other.status == 403
        assert "0987" not in await page.inner_text("main")
        await shoot(page, "e2e-403-other-commune")


async def test_a_decision_on_the_identifier_page_reaches_the_reporters_telegram_chat(
    router, services, settings, tmp_path
):
    await report_on_telegram(router, services, settings, CITIZEN, CAM_DUONG, "0987654321")
    await report_on_telegram(router, services, settings, OTHER_CITIZEN, CAM_DUONG, "0987654321", consent="none")
    ids = await identifier_ids(services)
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(PHONE)
        await sign_in(page, live, OFFICER)
        await page.goto(f"{live.url}/identifier/{ids['+84987654321']}")
        await shoot(page, "e2e-identifier")
        await page.fill("#note", "Đã xác minh với nhà mạng")
        async with page.expect_navigation():
            await page.click("form.decide button[value=confirmed]")
        assert await page.inner_text(".banner .decided") == "1"
        assert await page.inner_text(".banner .told") == "1"  # the one who asked for news
        await shoot(page, "e2e-decided")
        [notice] = await live.fake.wait_for_messages(int(CITIZEN), timeout=30)
        assert "BC-" in notice["text"]  # the citizen's own reference code
        await asyncio.sleep(1)  # time for a wrong second notice to arrive
        assert live.fake.messages_to(int(OTHER_CITIZEN)) == []  # no consent, no message


async def test_a_bulk_decision_from_the_queue_tells_each_consenting_reporter(router, services, settings, tmp_path):
    await report_on_telegram(router, services, settings, CITIZEN, CAM_DUONG, "0987654321")
    await report_on_telegram(router, services, settings, OTHER_CITIZEN, CAM_DUONG, "0912345678")
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(DESKTOP)
        await sign_in(page, live, OFFICER)
        await page.goto(f"{live.url}/queue")
        boxes = page.locator("form.bulk input[type=checkbox][name=id]")
        assert await boxes.count() == 2
        for n in range(2):
            await boxes.nth(n).check()
        async with page.expect_navigation():
            await page.click("form.bulk button[value=rejected]")
        assert (await page.inner_text(".banner .decided"), await page.inner_text(".banner .told")) == ("2", "2")
        await shoot(page, "e2e-bulk-decided")
        for citizen in (CITIZEN, OTHER_CITIZEN):
            [notice] = await live.fake.wait_for_messages(int(citizen), timeout=30)
            assert "BC-" in notice["text"]
        assert await page.locator("form.bulk input[type=checkbox][name=id]").count() == 0  # the queue is empty


async def test_the_queue_downloads_as_an_excel_file_with_the_officers_reports_only(
    router, services, settings, tmp_path
):
    await report_on_telegram(router, services, settings, CITIZEN, CAM_DUONG, "0987654321")
    await report_on_telegram(router, services, settings, OTHER_CITIZEN, LAO_CAI_WARD, "0912345678")
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(PHONE, accept_downloads=True)
        await sign_in(page, live, OFFICER)
        await page.goto(f"{live.url}/queue")
        await shoot(page, "e2e-queue")
        async with page.expect_download() as waiting:
            await page.click("a.download[data-format=xlsx]")
        download = await waiting.value
        target = tmp_path / download.suggested_filename
        await download.save_as(target)
    assert target.suffix == ".xlsx"
    cells = [
        str(c) for sheet in openpyxl.load_workbook(target) for row in sheet.iter_rows(values_only=True) for c in row
    ]
    assert "0987 654 321" in cells
    assert "0912 345 678" not in cells  # another commune's report


def subscribe_on_telegram(services, first: int, count: int) -> list[int]:
    now = services.clock()
    chats = list(range(first, first + count))
    services.storage.write_sync(
        lambda db: [subscriptions.subscribe(db, ChatKey("telegram", str(n)), CAM_DUONG, now) for n in chats]
    )
    return chats


async def compose_own_words(page, live, text: str) -> None:
    await page.goto(f"{live.url}/staff/compose")
    await page.check("input[name=source][value=text]")
    await page.fill("textarea[name=text]", text)


async def test_a_scheduled_broadcast_is_delivered_when_its_time_comes(router, services, settings, tmp_path):
    chats = subscribe_on_telegram(services, 600_000, 3)
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(PHONE)
        await sign_in(page, live, STAFF)
        await compose_own_words(page, live, "Cảnh báo thử: không chuyển tiền cho người lạ.")
        # The next minute (the form's precision), in Vietnam's time: due within about a minute.
        due = (datetime.now(VIETNAM) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        await page.check("input[name=when][value=later]")
        await page.fill("input[name=date]", due.date().isoformat())
        await page.fill("input[name=time]", due.strftime("%H:%M"))
        await page.click("button[value=preview]")
        assert await page.inner_text("#count b") == "3"
        await shoot(page, "e2e-compose-scheduled")
        await page.click("button.send")
        await page.wait_for_url(re.compile(r".*/staff/broadcasts/\d+$"))
        assert await page.get_attribute("#status", "data-status") == "scheduled"
        assert all(live.fake.messages_to(chat) == [] for chat in chats)  # not before its time
        for chat in chats:
            [warning] = await live.fake.wait_for_messages(chat, timeout=150)
            assert datetime.now(VIETNAM) >= due
        await expect(page.locator("#sent")).to_have_text("3", timeout=10_000)  # the page follows it
        await shoot(page, "e2e-broadcast-delivered")


async def test_cancel_mid_broadcast_stops_the_rest(router, services, settings, tmp_path):
    chats = subscribe_on_telegram(services, 700_000, 400)
    # 10 a second: the whole broadcast would take 40 s, so there is time to press cancel.
    async with (
        live_console(settings.db_path, tmp_path, TELEGRAM_BROADCAST_PER_SECOND="10") as live,
        chromium_pages() as new_page,
    ):
        page = await new_page(DESKTOP)
        await sign_in(page, live, STAFF)
        await compose_own_words(page, live, "Cảnh báo thử: tin này sẽ bị dừng giữa chừng.")
        await page.check("input[name=when][value=now]")
        await page.click("button[value=preview]")
        await page.click("button.send")
        await page.wait_for_url(re.compile(r".*/staff/broadcasts/\d+$"))
        await expect(page.locator("#sent")).not_to_have_text("0", timeout=30_000)  # under way
        await page.click("form.cancel button")
        await page.wait_for_selector("#cancel-done")
        assert await page.get_attribute("#status", "data-status") == "cancelled"
        await shoot(page, "e2e-broadcast-cancelled")
        arrived = sum(1 for chat in chats if live.fake.messages_to(chat))
        await asyncio.sleep(3)  # what was in flight lands; nothing else goes
        after = sum(1 for chat in chats if live.fake.messages_to(chat))
    assert 0 < arrived <= after < len(chats) // 2
    assert after - arrived <= Settings().broadcast_concurrency


async def test_staff_download_this_months_report_as_a_word_document(router, services, settings, tmp_path):
    await report_on_telegram(router, services, settings, CITIZEN, CAM_DUONG, "0987654321")
    async with live_console(settings.db_path, tmp_path) as live, chromium_pages() as new_page:
        page = await new_page(PHONE, accept_downloads=True)
        await sign_in(page, live, STAFF)
        await page.click("a[href='/reports/periodic']")
        this_month = datetime.now(VIETNAM).strftime("%Y-%m")
        await page.select_option("#period", this_month)
        await page.select_option("#area", CAM_DUONG)
        await shoot(page, "e2e-periodic")
        async with page.expect_download() as waiting:
            await page.click("button[value=docx]")
        download = await waiting.value
        target = tmp_path / download.suggested_filename
        await download.save_as(target)
    document = docx.Document(target)
    lines = [p.text for p in document.paragraphs] + [c.text for t in document.tables for c in t._cells]
    heading = services.content.texts("vi").label("periodic.nation")
    assert target.suffix == ".docx" and any(heading in line for line in lines)
