"""/hanbaocao through the real router on a real SQLite file: the deadlines that apply to a staff
member's areas (a province's reach its communes, a commune's stay in it), added in a few steps,
renamed, moved, hidden and shown again, deleted after a confirmation; bad input re-asked in one
line; buttons of a deleted deadline or of another area refused in one line, never a traceback."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from bot.activity import deadlines
from bot.activity.scope import EVERYWHERE
from bot.core.clock import VIETNAM
from tests.conftest import Chat

PROVINCE, COMMUNE, OTHER = "7101", "7102", "7103"  # staff of tỉnh Lào Cai, phường Lào Cai, tỉnh Điện Biên
HOSTILE = "<b>Báo cáo</b> {{ 7*7 }} 😀"


@pytest.fixture
def staff(router, services, settings, clock) -> dict[str, Chat]:
    settings.staff_ids = [f"{PROVINCE}=t-15", f"{COMMUNE}=x-02647", f"{OTHER}=t-11", "7104=x-02647|x-02674"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    return {who: Chat(router, services, chat_id=who) for who in (PROVINCE, COMMUNE, OTHER, "7104")}


def all_rows(services) -> list[deadlines.Deadline]:
    return services.storage.read_sync(deadlines.all_deadlines)


def step(chat: Chat) -> str:
    return chat.values_of("deadline_edit")["step"]


def problem(chat: Chat) -> str | None:
    return chat.values_of("deadline_edit")["problem"]


async def add(chat: Chat, title: str, day: str, kind: str) -> int:
    await chat.send("/hanbaocao")
    assert "dl:add" in chat.choice_values
    await chat.press("dl:add")
    await chat.send(title)
    await chat.send(day)
    await chat.press(f"dl:kind_new::{kind}")
    assert step(chat) == "saved", chat.templates
    return chat.values_of("deadline_edit")["item"]["id"]


async def test_citizens_cannot_touch_the_calendar(chat, services):
    await chat.send("/hanbaocao")
    assert chat.templates == ["unknown_command"]
    await chat.press("dl:add")
    await chat.press("dl:hide:1")
    assert "deadline_edit" not in chat.templates


async def test_a_province_deadline_in_three_steps_applies_to_its_communes_only(staff, services):
    province, commune, other = staff[PROVINCE], staff[COMMUNE], staff[OTHER]
    await province.send("/hanbaocao")
    await province.press("dl:add")
    assert step(province) == "title"
    await province.send("😀!!")
    assert problem(province) == "title"
    await province.send("x" * 300)
    assert problem(province) == "long"
    await province.send(HOSTILE)
    assert step(province) == "date"
    for typed, why in (("31/2", "day"), ("hôm nào đó", "unclear"), ("1/1/2026", "past"), ("1/1/2999", "year")):
        await province.send(typed)
        assert problem(province) == why, typed
    await province.send("15/12")
    assert step(province) == "kind"
    assert province.choice_values[:6] == [f"dl:kind_new::{kind}" for kind in deadlines.KINDS]
    await province.press("dl:kind_new::half")
    saved = province.values_of("deadline_edit")
    assert (saved["step"], saved["done"]) == ("saved", "added")
    assert html.escape("<b>Báo cáo</b>") in province.text and "49" not in province.text
    [added] = [d for d in all_rows(services) if not d.preset]
    assert (added.area_code, added.kind, added.month, added.day, added.year, added.note) == (
        "t-15", "half", 12, 15, None, HOSTILE,
    )  # fmt: skip
    # Its commune sees it; another province does not.
    await commune.send("/hanbaocao")
    assert "15/12/2026" in [i["on"] for i in commune.values_of("deadlines_upcoming")["items"]]
    await other.send("/hanbaocao")
    assert "15/12/2026" not in [i["on"] for i in other.values_of("deadlines_upcoming")["items"]]
    # The commune may not change the province's: no buttons, and a crafted one is refused.
    await commune.press(f"dl:item:{added.id}")
    assert not {f"dl:delete:{added.id}", f"dl:title:{added.id}"} & set(commune.choice_values)
    await commune.press(f"dl:delete_yes:{added.id}")
    assert (step(commune), problem(commune)) == ("refused", "scope")
    await other.press(f"dl:setkind:{added.id}:year")
    assert problem(other) == "scope"
    assert services.storage.read_sync(lambda db: deadlines.get(db, added.id)).kind == "half"


async def test_rename_move_change_kind_then_delete_with_a_confirmation(staff, services):
    commune = staff[COMMUNE]
    added = await add(commune, "Báo cáo tháng cho xã", "5/12/2026", "month")
    await commune.press(f"dl:title:{added}")
    await commune.send("Báo cáo tháng gửi công an tỉnh")
    assert step(commune) == "saved"
    await commune.press(f"dl:date:{added}")
    await commune.send("31/4")
    assert problem(commune) == "day"
    await commune.send("20/12")
    await commune.press(f"dl:kind:{added}")
    await commune.press(f"dl:setkind:{added}:other")
    row = services.storage.read_sync(lambda db: deadlines.get(db, added))
    assert (row.note, row.month, row.day, row.year, row.kind) == (
        "Báo cáo tháng gửi công an tỉnh",
        12,
        20,
        None,
        "other",
    )
    await commune.press(f"dl:delete:{added}")
    assert step(commune) == "delete" and f"dl:delete_yes:{added}" in commune.choice_values
    assert services.storage.read_sync(lambda db: deadlines.get(db, added)) is not None  # not before the confirm
    await commune.press(f"dl:delete_yes:{added}")
    assert step(commune) == "deleted"
    assert services.storage.read_sync(lambda db: deadlines.get(db, added)) is None
    for button in (f"dl:delete_yes:{added}", f"dl:item:{added}", f"dl:title:{added}", f"dl:setkind:{added}:year"):
        await commune.press(button)  # an old button of the deleted deadline: one line
        assert (step(commune), problem(commune)) == ("refused", "gone"), button


async def test_a_preset_is_hidden_for_the_area_not_deleted_and_shown_again(staff, services):
    province, commune = staff[PROVINCE], staff[COMMUNE]
    await province.send("/hanbaocao")
    [q4] = [d for d in all_rows(services) if d.key == "quarter-4"]
    await province.press(f"dl:item:{q4.id}")
    assert f"dl:delete:{q4.id}" not in province.choice_values and f"dl:hide:{q4.id}" in province.choice_values
    await province.press(f"dl:delete_yes:{q4.id}")  # crafted: a preset is never deleted
    assert problem(province) == "scope"
    await province.press(f"dl:hide:{q4.id}")
    assert province.values_of("deadline_edit")["done"] == "hidden"
    for chat in (province, commune):  # hidden for the province: for its communes too
        await chat.send("/hanbaocao")
        assert "21/12/2026" not in [i["on"] for i in chat.values_of("deadlines_upcoming")["items"]]
    await staff[OTHER].send("/hanbaocao")
    assert "21/12/2026" in [i["on"] for i in staff[OTHER].values_of("deadlines_upcoming")["items"]]
    await province.press("dl:manage")
    listed = province.values_of("deadline_edit")["items"]
    assert [i["hidden"] for i in listed if i["id"] == q4.id] == [True]
    await province.press(f"dl:show:{q4.id}")
    await commune.send("/hanbaocao")
    assert "21/12/2026" in [i["on"] for i in commune.values_of("deadlines_upcoming")["items"]]
    assert services.storage.read_sync(lambda db: deadlines.get(db, q4.id)) is not None


async def test_two_communes_pick_the_area_and_an_admin_adds_for_everyone(router, services, staff, settings):
    two = staff["7104"]
    await two.send("/hanbaocao")
    await two.press("dl:add")
    await two.send("Báo cáo riêng")
    await two.send("10/12")
    await two.press("dl:kind_new::other")
    assert step(two) == "area"
    assert two.choice_values[:2] == ["dl:area_new::x-02647", "dl:area_new::x-02674"]
    await two.press("dl:area_new::x-02674")
    [added] = [d for d in all_rows(services) if not d.preset]
    assert added.area_code == "x-02674"
    settings.admin_ids = ["7109"]
    admin = Chat(router, services, chat_id="7109")
    national = await add(admin, "Báo cáo năm", "16/12", "year")
    assert services.storage.read_sync(lambda db: deadlines.get(db, national)).area_code is None
    await staff[OTHER].send("/hanbaocao")
    assert "16/12/2026" in [i["on"] for i in staff[OTHER].values_of("deadlines_upcoming")["items"]]
    # An admin's "hide" turns a national one off for every area, and "show" back on.
    [q4] = [d for d in all_rows(services) if d.key == "quarter-4"]
    await admin.press(f"dl:item:{q4.id}")
    assert f"dl:hide:{q4.id}" in admin.choice_values and f"dl:delete:{q4.id}" not in admin.choice_values
    await admin.press(f"dl:hide:{q4.id}")
    assert admin.values_of("deadline_edit")["everywhere"] is True
    assert services.storage.read_sync(lambda db: deadlines.get(db, q4.id)).active is False
    await staff[OTHER].send("/hanbaocao")
    assert "21/12/2026" not in [i["on"] for i in staff[OTHER].values_of("deadlines_upcoming")["items"]]
    await admin.press(f"dl:show:{q4.id}")
    assert services.storage.read_sync(lambda db: deadlines.get(db, q4.id)).active is True


async def test_numbered_choices_without_buttons(staff, services):
    commune = staff[COMMUNE]
    await commune.send("/hanbaocao", buttons=False)
    await commune.send("1", buttons=False)  # Thêm hạn
    await commune.send("Báo cáo 6 tháng", buttons=False)
    await commune.send("1/12", buttons=False)  # typed: a day, never an option
    await commune.send("3", buttons=False)  # the third kind: half
    [added] = [d for d in all_rows(services) if not d.preset]
    assert (added.kind, added.day, added.month, added.area_code) == ("half", 1, 12, "x-02647")


async def test_listing_is_the_librarys_for_every_reach(staff, services):
    await staff[COMMUNE].send("/hanbaocao")  # loads the presets
    listed = services.storage.read_sync(lambda db: deadlines.listing(db, EVERYWHERE, datetime(2026, 11, 24).date()))
    assert len(listed) == 7 and all(item.owned for item in listed)
