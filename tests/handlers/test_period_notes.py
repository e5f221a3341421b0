"""/baocaoky and /hanbaocao through the real router: a period, a commune, each section saved when
sent (committed first), bad input re-asked; the deadlines listed from the calendar."""

from __future__ import annotations

import html
import io
from datetime import datetime

import docx
import openpyxl
import pytest

from bot.activity import deadlines, notes
from bot.core.clock import VIETNAM
from bot.periodic import build
from tests.conftest import Chat

STAFF = "7002"
HOSTILE = "<script>alert(1)</script> {{ 7*7 }} 😀\nthiếu loa ở bản xa"


@pytest.fixture
def staff(router, services, settings, clock) -> Chat:
    settings.staff_ids = [f"{STAFF}=x-02647|x-02674", "7003=x-02647"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    return Chat(router, services, chat_id=STAFF)


def sections(services, period="2026-Q4", area="x-02647"):
    return services.storage.read_sync(lambda db: notes.sections(db, period, area))


async def test_citizens_see_neither(chat):
    for command in ("/baocaoky", "/hanbaocao"):
        await chat.send(command)
        assert chat.templates == ["unknown_command"]
    await chat.press("notes:write:difficulties")
    assert "period_notes" not in chat.templates


async def test_sections_written_for_a_quarter_and_kept(staff, services):
    await staff.send("/baocaoky")
    assert staff.choice_values[:5] == [
        "notes:period:2026-11", "notes:period:2026-Q4", "notes:period:2026-H2", "notes:period:2026",
        "notes:period:2026-Q3",
    ]  # fmt: skip
    await staff.press("notes:period:2026-Q4")
    assert staff.values_of("period_notes")["step"] == "area"
    await staff.press("notes:area:x-02647")
    menu = staff.values_of("period_notes")
    assert menu["step"] == "menu" and menu["sections"] == {"difficulties": "", "recommendations": ""}
    await staff.press("notes:write:difficulties")
    await staff.send("x" * 4000)
    assert staff.values_of("period_notes")["problem"] == "long"
    await staff.send("😀")  # an emoji alone is text: kept as written
    await staff.press("notes:write:difficulties")  # written again: replaced
    await staff.send(HOSTILE)
    saved = staff.values_of("period_notes")
    assert saved["saved"] == "difficulties" and saved["sections"]["difficulties"] == HOSTILE
    assert html.escape("<script>") in staff.text and "49" not in staff.text
    assert sections(services)["difficulties"] == HOSTILE  # committed before "saved" was said
    await staff.press("notes:write:recommendations")
    await staff.send("Đề nghị cấp thêm tờ rơi")
    await staff.press("notes:done")
    assert staff.values_of("period_notes")["step"] == "done"
    assert sections(services) == {"difficulties": HOSTILE, "recommendations": "Đề nghị cấp thêm tờ rơi"}
    assert sections(services, "2026-11") == {"difficulties": "", "recommendations": ""}  # another period
    await staff.press("notes:write:difficulties")  # the flow is over
    assert "stale_choice" in staff.templates


async def test_crafted_buttons_and_cancel(staff, services):
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q9")
    assert "stale_choice" in staff.templates
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    await staff.press("notes:area:x-02746")  # not theirs
    assert "stale_choice" in staff.templates
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    await staff.press("notes:area:x-02674")
    await staff.press("notes:write:recommendations")
    await staff.send("hủy")
    assert staff.templates[0] == "cancelled"
    assert sections(services, area="x-02674") == {"difficulties": "", "recommendations": ""}


async def test_one_commune_and_numbers_without_buttons(router, services, staff):
    one = Chat(router, services, chat_id="7003")
    await one.send("/baocaoky", buttons=False)
    await one.send("2", buttons=False)  # this quarter
    assert one.values_of("period_notes")["step"] == "menu"  # one commune: not asked
    await one.send("2", buttons=False)  # write: recommendations
    await one.send("3", buttons=False)  # a typed answer, never option 3
    assert sections(services)["recommendations"] == "3"


async def test_deadlines_coming_up(staff, services, settings):
    settings.deadline_reminder_days = 5
    await staff.send("/hanbaocao")
    given = staff.values_of("deadlines_upcoming")
    assert [(i["on"], i["days"], i["kind"]) for i in given["items"]] == [
        ("27/11/2026", 3, "campaign"), ("21/12/2026", 27, "quarter"), ("28/12/2026", 34, "campaign"),
        ("21/03/2027", 117, "quarter"),
    ]  # fmt: skip
    assert given["remind"] == 5
    [moved] = [d for d in services.storage.read_sync(deadlines.all_deadlines) if d.key == "campaign-11"]
    services.storage.write_sync(
        lambda db: deadlines.edit(db, moved.id, actor="cli", now=services.clock(), active=False)
    )
    await staff.send("/hanbaocao")
    assert "27/11/2026" not in [i["on"] for i in staff.values_of("deadlines_upcoming")["items"]]


def _documents(replies) -> list:
    return [r.document for r in replies if r.document is not None]


def _instead(chat: Chat) -> list[dict]:
    return [values for name, values in chat.renders if name == "period_report" and values["part"] == "instead"]


async def test_done_sends_the_word_report_and_its_annex(staff, services):
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    await staff.press("notes:area:x-02647")
    await staff.press("notes:write:difficulties")
    await staff.send(HOSTILE)
    replies = await staff.press("notes:done")
    word, annex = _documents(replies)
    assert (word.name, word.mime) == ("bao-cao-2026-Q4-x-02647.docx", build.DOCX)
    assert (annex.name, annex.mime) == ("bao-cao-2026-Q4-x-02647-phu-luc.xlsx", build.XLSX)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert any(HOSTILE.splitlines()[-1] in p for p in paragraphs)  # the section written in the chat
    assert openpyxl.load_workbook(io.BytesIO(annex.content)).sheetnames
    assert word.caption and annex.caption and len(word.caption) < 200  # short, under Telegram's 1,024
    done = staff.values_of("period_notes")
    assert done["step"] == "done" and done["written"] is True and done["empty"] is True
    assert [v["link"] for v in _instead(staff)] == [None, None]  # no console: who can make it instead
    assert replies[-1].choices and not replies[0].choices  # the menu button under the last message


async def test_without_a_file_the_words_link_to_the_consoles_download(router, services, settings):
    settings.staff_ids = ["test:7003=x-02647"]
    settings.web_base_url = "https://console.example.vn"
    staff = Chat(router, services, chat_id="7003")
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    if staff.values_of("period_notes")["step"] == "area":
        await staff.press("notes:area:x-02647")
    await staff.press("notes:done")
    assert staff.values_of("period_notes")["written"] is False
    assert [v["link"] for v in _instead(staff)] == [
        "https://console.example.vn/reports/periodic?period=2026-Q4&area=x-02647&part=docx",
        "https://console.example.vn/reports/periodic?period=2026-Q4&area=x-02647&part=xlsx",
    ]


async def test_an_area_no_longer_held_or_a_period_not_begun_gets_one_line(staff, services, settings):
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    await staff.press("notes:area:x-02674")
    settings.staff_ids = [f"{STAFF}=x-02647"]  # x-02674 was taken from them meanwhile
    replies = await staff.press("notes:done")
    assert not _documents(replies) and len(replies) == 1
    assert (staff.values_of("period_report")["part"], staff.values_of("period_report")["problem"]) == (
        "refused", "scope")  # fmt: skip
    await staff.send("/baocaoky")
    await staff.press("notes:period:2027-Q1")  # a crafted button: next year's first quarter
    replies = await staff.press("notes:done")  # one commune left: no area asked
    assert not _documents(replies) and staff.values_of("period_report")["problem"] == "not_begun"


async def test_a_provinces_staff_get_the_provinces_own_report_or_a_communes(router, services, settings, clock):
    settings.staff_ids = ["test:7004=t-15"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    staff = Chat(router, services, chat_id="7004")
    await staff.send("/baocaoky")
    replies = await staff.press("notes:period:2026-Q4")
    asked = staff.values_of("period_notes")
    assert asked["step"] == "area" and asked["whole"] is True and asked["typed"] is True
    assert "notes:area:t-15" in [c.value for c in replies[-1].choices]
    await staff.press("notes:area:t-15")
    word, _ = _documents(await staff.press("notes:done"))
    assert word.name == "bao-cao-2026-Q4-t-15.docx"
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    await staff.press("notes:area:x-02647")  # a commune inside the province
    word, _ = _documents(await staff.press("notes:done"))
    assert word.name == "bao-cao-2026-Q4-x-02647.docx"
    await staff.send("/baocaoky")
    await staff.press("notes:period:2026-Q4")
    await staff.press("notes:area:t-01")  # a crafted button: another province
    assert staff.templates == ["stale_choice"]
