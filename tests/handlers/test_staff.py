"""/phatcanhbao: compose, preview exactly, confirm; only staff, only their areas."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from bot.broadcast import broadcasts
from bot.core.clock import VIETNAM
from tests.conftest import Chat

STAFF = "7002"
OWN_WORDS = "Tối nay có <b>họp</b> tổ dân phố về lừa đảo qua mạng"  # a staff member's own message


@pytest.fixture
def staff(router, services, settings, clock) -> Chat:
    settings.staff_ids = [f"{STAFF}=coc-leu|bac-cuong"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)  # Tuesday of 2026-W48
    return Chat(router, services, chat_id=STAFF)


async def subscribe(router, services, chat_id: str, area: str) -> None:
    await Chat(router, services, chat_id=chat_id).press(f"sub:pick:{area}")


async def recent(services):
    return await services.storage.read(lambda db: broadcasts.recent(db))


async def test_citizens_cannot_broadcast(chat):
    await chat.send("/phatcanhbao")
    assert chat.templates == ["unknown_command"]
    await chat.press("staff:area:*")
    assert await recent(chat.services) == []


async def test_this_weeks_campaign_to_my_areas_with_an_exact_preview(staff, router, services):
    for chat_id, area in (("1", "coc-leu"), ("2", "bac-cuong"), ("3", "kim-tan")):
        await subscribe(router, services, chat_id, area)
    await staff.send("/phatcanhbao")
    this_week = staff.choice_values[0]
    assert this_week.startswith("staff:camp:")
    await staff.press(this_week)
    assert staff.choice_values[:3] == ["staff:area:mine", "staff:area:coc-leu", "staff:area:bac-cuong"]
    assert "staff:area:*" not in staff.choice_values  # not an admin
    await staff.press("staff:area:mine")
    preview, body, confirm = staff.last
    assert "staff_preview" in staff.templates and staff.values_of("staff_preview")["count"] == 2
    assert "<b>2</b>" in preview.text and "broadcast_footer" in staff.templates
    assert "/huydangky" in body.text and "📢" in body.text
    assert await recent(services) == []  # nothing before the confirm
    await staff.press("staff:confirm")
    [sent] = await recent(services)
    assert sent.areas == ["bac-cuong", "coc-leu"] and sent.created_by == f"test:{STAFF}"
    assert staff.templates == ["staff_sent"] and staff.values_of("staff_sent") == {"id": sent.id, "when": None}


async def test_own_words_later_in_vietnam_time(staff, services):
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send(OWN_WORDS)
    await staff.press("staff:area:coc-leu")
    await staff.press("staff:later")
    await staff.send("hôm qua")
    assert staff.templates == ["staff_when"] and staff.values_of("staff_when")["problem"] is True
    await staff.send("25/11 08:30")
    preview, body, _ = staff.last
    assert staff.values_of("staff_preview")["when"] == "08:30 25/11/2026" and "08:30 25/11/2026" in preview.text
    assert staff.values_of("broadcast_message")["body"] == html.escape(OWN_WORDS)  # escaped, not rendered
    assert html.escape(OWN_WORDS) in body.text
    await staff.press("staff:confirm")
    [sent] = await recent(services)
    assert broadcasts.local_time(sent.scheduled_for) == "08:30 25/11/2026" and sent.status == "scheduled"


async def test_a_target_outside_my_areas_is_refused(staff, services):
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send("Tin thử")
    await staff.press("staff:area:kim-tan")
    assert staff.templates == ["stale_choice"]
    assert await recent(services) == []


async def test_changing_this_weeks_campaign_for_my_area(staff, services):
    await staff.send("/phatcanhbao")
    await staff.press("staff:override")
    await staff.press("staff:ocamp:skip")
    await staff.press("staff:oarea:coc-leu")
    overridden = staff.values_of("staff_overridden")
    assert staff.templates == ["staff_overridden"] and (overridden["week"], overridden["title"]) == ("2026-W48", None)
    assert "2026-W48" in staff.text
    [row] = await services.storage.read(lambda db: list(db["week_overrides"].rows))
    assert (row["area_code"], row["campaign_id"], row["set_by"]) == ("coc-leu", "skip", f"test:{STAFF}")
