"""/ghinhan through the real router on a real SQLite file: six steps at most, a summary, a commit
before "recorded"; bad input re-asked, never echoed unescaped; cancel at every step; the numbered
path of channels without buttons; citizens never see it."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from bot.activity import log
from bot.core.clock import VIETNAM
from tests.conftest import Chat

STAFF = "7002"
TWO = "x-02647|x-02674"  # phường Lào Cai, phường Cam Đường
HOSTILE = "<b>Nà Phạ</b> {{ 7*7 }} 😀"


@pytest.fixture
def staff(router, services, settings, clock) -> Chat:
    settings.staff_ids = [f"{STAFF}={TWO}", "7003=x-02647"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    return Chat(router, services, chat_id=STAFF)


def rows(services) -> list[dict]:
    return services.storage.read_sync(lambda db: list(db["activity_log"].rows))


def problem(chat: Chat) -> str | None:
    return chat.values_of("activity_step")["problem"]


async def test_citizens_cannot_record(chat, services):
    await chat.send("/ghinhan")
    assert chat.templates == ["unknown_command"]
    await chat.press("act:confirm")
    assert rows(services) == []


async def test_a_session_in_six_steps_with_bad_input_re_asked(staff, services):
    await staff.send("/ghinhan")
    assert staff.values_of("activity_step")["step"] == "kind"
    assert staff.choice_values[:7] == [f"act:kind:{kind}" for kind in log.KINDS]
    await staff.press("act:kind:meeting")
    assert staff.values_of("activity_step")["step"] == "date"
    for typed, why in (("25/11", "future"), ("hôm kia", "unclear"), ("1/1/2025", "old")):
        await staff.send(typed)
        assert problem(staff) == why, typed
    await staff.send("20/11")
    assert staff.values_of("activity_step")["step"] == "area"  # two communes: asked
    assert staff.choice_values[:2] == ["act:area:x-02647", "act:area:x-02674"]
    await staff.press("act:area:x-02746")  # not theirs (a crafted button)
    assert "stale_choice" in staff.templates
    await staff.send("/ghinhan")
    await staff.press("act:kind:meeting")
    await staff.press("act:day:yesterday")
    await staff.press("act:area:x-02674")
    assert staff.values_of("activity_step")["step"] == "village"
    await staff.send("x" * 4000)
    assert problem(staff) == "long"
    await staff.send("😀!!")
    assert problem(staff) == "empty"
    await staff.send(HOSTILE)
    assert staff.values_of("activity_step")["step"] == "people"
    for typed, why in (("-5", "negative"), ("0", "zero"), ("200000", "too_many"), ("đông lắm", "unclear")):
        await staff.send(typed)
        assert problem(staff) == why, typed
    await staff.send("khoảng 50 người")
    assert staff.values_of("activity_step")["step"] == "note"
    await staff.send("y" * 4000)
    assert problem(staff) == "long"
    await staff.send("<i>nói về</i> {% if 1 %}giả danh{% endif %} 📢")
    summary = staff.values_of("activity_summary")
    assert summary["people"] == 50 and summary["on"] == "23/11/2026" and summary["village"] == HOSTILE
    assert html.escape(HOSTILE) in staff.text and "49" not in staff.text  # escaped, never rendered
    assert "&lt;i&gt;" in staff.text and "{% if 1 %}" in staff.text
    assert rows(services) == []  # nothing before the confirm
    await staff.press("act:confirm")
    [row] = rows(services)
    assert staff.templates == ["activity_done"] and staff.values_of("activity_done")["id"] == row["id"]
    assert staff.values_of("activity_done")["sessions"] == 1
    assert (row["area_code"], row["kind"], row["held_on"], row["people"]) == ("x-02674", "meeting", "2026-11-23", 50)
    assert row["village"] == HOSTILE and row["village_key"] == log.village_key(HOSTILE)
    assert row["recorded_by"] == f"test:{STAFF}"
    await staff.press("act:confirm")  # pressed again: the flow is over, nothing doubled
    assert len(rows(services)) == 1 and "stale_choice" in staff.templates


async def test_one_commune_skips_the_commune_step_and_a_note_can_be_skipped(router, services, staff):
    one = Chat(router, services, chat_id="7003")
    await one.send("/ghinhan")
    await one.press("act:kind:loudspeaker")
    await one.press("act:day:today")
    assert one.values_of("activity_step")["step"] == "village"
    await one.send("tổ dân phố 3")
    await one.send("300")
    await one.press("act:nonote")
    assert one.values_of("activity_summary")["note"] is None
    await one.press("act:confirm")
    [row] = rows(services)
    assert (row["area_code"], row["held_on"], row["note"]) == ("x-02647", "2026-11-24", None)


async def test_numbered_choices_without_buttons(staff, services):
    async def send(text):
        return await staff.send(text, buttons=False)

    await send("/ghinhan")
    await send("2")  # the second kind: loudspeaker
    await send("2")  # yesterday
    await send("1")  # the first commune
    await send("thôn Nà Phạ")
    await send("40")  # a typed answer: 40 people, never option 40 or 1
    await send("bỏ qua")  # the skip option, by its words
    assert "activity_summary" in staff.templates
    await send("1")  # Lưu
    [row] = rows(services)
    assert (row["kind"], row["held_on"], row["area_code"], row["people"], row["note"]) == (
        "loudspeaker", "2026-11-23", "x-02647", 40, None,
    )  # fmt: skip


STEPS = [[], ["act:kind:meeting"], ["act:kind:meeting", "act:day:today"],
         ["act:kind:meeting", "act:day:today", "act:area:x-02647"],
         ["act:kind:meeting", "act:day:today", "act:area:x-02647", "thôn 1"],
         ["act:kind:meeting", "act:day:today", "act:area:x-02647", "thôn 1", "5"],
         ["act:kind:meeting", "act:day:today", "act:area:x-02647", "thôn 1", "5", "act:nonote"]]  # fmt: skip


@pytest.mark.parametrize("steps", STEPS)
@pytest.mark.parametrize("how", ["/huy", "hủy", "button"])
async def test_cancel_at_every_step(staff, services, steps, how):
    await staff.send("/ghinhan")
    for step in steps:
        await (staff.press(step) if step.startswith("act:") else staff.send(step))
    assert "activity_step" in staff.templates or "activity_summary" in staff.templates
    await (staff.press("act:cancel") if how == "button" else staff.send(how))
    assert staff.templates[0] == "cancelled" and staff.values_of("cancelled")["was_active"] is True
    await staff.press("act:confirm")
    assert rows(services) == []


async def test_an_admin_types_the_commune(router, services, settings, clock):
    settings.admin_ids = ["7009"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    admin = Chat(router, services, chat_id="7009")
    await admin.send("/ghinhan")
    await admin.press("act:kind:school")
    await admin.send("20/11")
    assert admin.values_of("activity_step")["typed"] is True
    await admin.send("zzzz qqqq")
    assert problem(admin) == "not_found"
    await admin.send("phường Lào Cai")
    assert problem(admin) == "pick" and "act:area:x-02647" in admin.choice_values
    await admin.press("act:area:x-02647")
    assert admin.values_of("activity_step")["step"] == "village"
    for answer in ("Trường THCS Lào Cai", "120"):
        await admin.send(answer)
    await admin.press("act:nonote")
    await admin.press("act:confirm")
    [row] = rows(services)
    assert (row["area_code"], row["kind"], row["held_on"], row["people"]) == ("x-02647", "school", "2026-11-20", 120)


async def test_muctieu_sets_the_commune_target(staff, services, chat):
    from bot.activity import targets

    await chat.send("/muctieu")
    assert chat.templates == ["unknown_command"]
    await staff.send("/muctieu")
    assert staff.values_of("activity_target")["step"] == "area"
    await staff.press("target:area:x-02746")  # not theirs
    assert "stale_choice" in staff.templates
    await staff.send("/muctieu")
    await staff.press("target:area:x-02674")
    for typed, why in (("0", "zero"), ("501", "too_many"), ("nhiều", "unclear")):
        await staff.send(typed)
        assert staff.values_of("activity_target")["problem"] == why, typed
    await staff.send("12 thôn")
    for typed, why in (("120%", "too_many"), ("-3", "negative")):
        await staff.send(typed)
        assert staff.values_of("activity_target")["problem"] == why, typed
    await staff.send("80%")
    assert staff.values_of("activity_target")["step"] == "done"
    got = services.storage.read_sync(lambda db: targets.get(db, "x-02674"))
    assert got == targets.Target("x-02674", 12, 0.8)
    await staff.send("/muctieu")
    await staff.press("target:area:x-02674")
    assert staff.values_of("activity_target")["villages"] == 12  # what is set, shown before changing it
    await staff.send("hủy")
    assert staff.templates[0] == "cancelled"


async def test_words_that_name_no_kind_show_the_kinds_again(staff, services):
    await staff.send("/ghinhan")
    await staff.send("<b>tiệc</b> {{ 7*7 }}")
    assert staff.values_of("activity_step")["step"] == "kind" and "49" not in staff.text
    await staff.send("phát loa")  # an option's words: picked
    assert staff.values_of("activity_step")["step"] == "date"
    assert (await services.conversations.get(staff.key)).data["kind"] == "loudspeaker"
