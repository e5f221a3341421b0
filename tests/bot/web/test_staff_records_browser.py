"""The deadlines, sessions and report sections pages in Debian's Chromium (headless) on a 360 px phone: a deadline
added, a session's count edited and a session deleted after its confirmation, with no page wider
than the screen and no script or CSP error. Screenshots kept as artefacts (tests/bot/web/browser.py)."""

from __future__ import annotations

from datetime import date

from bot.activity import deadlines, notes
from bot.activity import log as activity_log
from tests.bot.web.conftest import CAM_DUONG
from tests.bot.web.test_staff_browser import campaign_week, fits, staff_browser

__all__ = ["campaign_week"]  # the autouse fixture: a Tuesday in office hours


async def test_deadlines_and_sessions_edited_on_a_phone(router, services, chromium_binary, shots):
    now = services.clock()
    recorded = services.storage.write_sync(
        lambda db: [
            activity_log.record(
                db,
                area_code=CAM_DUONG,
                kind=kind,
                held_on=date(2026, 11, day),
                village="thôn Nà Phạ",
                people=people,
                note="Giả danh công an",
                recorded_by="test:1",
                now=now,
            )  # fmt: skip
            for kind, day, people in (("meeting", 20, 50), ("loudspeaker", 21, 300))
        ]
    )
    async with staff_browser(router, services, chromium_binary, 360) as (page, base, errors):
        await page.click("a[href='/staff/deadlines']")
        assert await fits(page, 360)
        await page.fill("#title-new", "Báo cáo 6 tháng gửi công an tỉnh")
        await page.fill("#date-new", "15/12")
        await page.select_option("#kind-new", "half")
        await page.click("#add button[type=submit]")
        await page.wait_for_selector("#done")
        assert await page.get_attribute("#done", "data-done") == "added"
        assert await fits(page, 360)
        await page.screenshot(path=shots / "staff-deadlines-360.png", full_page=True)
        [mine] = [d for d in services.storage.read_sync(deadlines.all_deadlines) if not d.preset]
        assert mine.area_code == CAM_DUONG

        await page.goto(f"{base}/staff/activities")
        first, second = recorded
        await page.click(f"#activity-{first} summary")
        await page.fill(f"#people-{first}", "65")
        await page.click(f"#activity-{first} form:first-of-type button[type=submit]")
        await page.wait_for_selector("#done")
        assert services.storage.read_sync(lambda db: activity_log.get(db, first)).people == 65
        await page.click(f"#activity-{second} summary")
        await page.click(f"#activity-{second} button.decision-rejected")
        await page.wait_for_selector("#confirm-delete")
        assert await fits(page, 360)
        await page.screenshot(path=shots / "staff-activities-confirm-360.png", full_page=True)
        await page.click("#confirm-delete button[type=submit]")
        await page.wait_for_selector("#done")
        assert await page.get_attribute("#done", "data-done") == "deleted"
        assert services.storage.read_sync(lambda db: activity_log.get(db, second)) is None
        assert await fits(page, 360)
        await page.screenshot(path=shots / "staff-activities-360.png", full_page=True)
        assert errors == []


async def test_the_reports_sections_written_on_a_phone(router, services, chromium_binary, shots):
    async with staff_browser(router, services, chromium_binary, 360) as (page, base, errors):
        await page.click("a[href='/staff/sections']")
        assert await fits(page, 360)
        await page.fill("#difficulties", "Thôn xa, sóng yếu.")
        await page.click("#sections button[type=submit]")
        await page.wait_for_selector("#done")
        assert await fits(page, 360)
        await page.screenshot(path=shots / "staff-sections-360.png", full_page=True)
        area = await page.input_value("#sections input[name=area]")
        period = await page.input_value("#sections input[name=period]")
        written = services.storage.read_sync(lambda db: notes.sections(db, period, area))
        assert written["difficulties"] == await page.input_value("#difficulties") != ""
        assert errors == []
