"""Changing and deleting sessions recorded with /ghinhan, through the real router on a real SQLite
file: the list of one's areas, a change shown before → after and saved only when confirmed, a
deletion confirmed once more, every change audited; bad input re-asked in one line; a deleted
session's old buttons and another area's sessions refused in one line."""

from __future__ import annotations

import html
from datetime import date, datetime

import pytest

from bot.activity import changes
from bot.activity import log as activity_log
from bot.core.clock import VIETNAM
from tests.conftest import Chat

STAFF, OTHER = "7202", "7203"
HOSTILE = "<b>nói</b> {{ 7*7 }} 😀"


@pytest.fixture
def staff(router, services, settings, clock) -> Chat:
    settings.staff_ids = [f"{STAFF}=x-02647|x-02674", f"{OTHER}=x-02746"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    return Chat(router, services, chat_id=STAFF)


def record(services, area: str, people: int, held_on=date(2026, 11, 20), village="thôn 1") -> int:
    return services.storage.write_sync(
        lambda db: activity_log.record(
            db,
            area_code=area,
            kind="meeting",
            held_on=held_on,
            village=village,
            people=people,
            note="cũ",
            recorded_by="test:1",
            now=services.clock(),
        )  # fmt: skip
    )


def row(services, activity_id: int):
    return services.storage.read_sync(lambda db: activity_log.get(db, activity_id))


def audit(services, activity_id: int) -> list[changes.Change]:
    return services.storage.read_sync(lambda db: changes.of_activity(db, activity_id))


def step(chat: Chat) -> str:
    return chat.values_of("activity_edit")["step"]


def problem(chat: Chat) -> str | None:
    return chat.values_of("activity_edit")["problem"]


async def test_citizens_cannot_edit(chat, services):
    activity_id = record(services, "x-02647", 50)
    await chat.press("acted:list:0")
    await chat.press(f"acted:delete_yes:{activity_id}")
    assert "activity_edit" not in chat.templates and row(services, activity_id) is not None


async def test_from_ghinhan_the_list_of_my_areas_then_a_count_changed_after_a_confirmation(staff, services):
    mine = record(services, "x-02647", 50)
    theirs = record(services, "x-02746", 70)
    await staff.send("/ghinhan")
    assert "acted:list:0" in staff.choice_values
    await staff.press("acted:list:0")
    assert [i["id"] for i in staff.values_of("activity_edit")["items"]] == [mine]
    await staff.send("hello")  # the /ghinhan flow was left for the list: free text is no kind step
    assert "activity_step" not in staff.templates
    await staff.press(f"acted:item:{mine}")
    assert step(staff) == "item"
    await staff.press(f"acted:people:{mine}")
    for typed, why in (
        ("-3", "negative"),
        ("1000000000000", "too_many"),
        ("😀", "unclear"),
        ("<b>9</b> 10", "unclear"),
    ):
        await staff.send(typed)
        assert (step(staff), problem(staff)) == ("people", why), typed
    await staff.send("65")
    confirm = staff.values_of("activity_edit")
    assert (confirm["step"], confirm["before"], confirm["after"]) == ("confirm", 50, 65)
    assert row(services, mine).people == 50  # nothing before the confirmation
    await staff.press(f"acted:save:{mine}")
    assert step(staff) == "saved" and row(services, mine).people == 65
    [change] = audit(services, mine)
    assert (change.action, change.people_before, change.people_after, change.changed_by) == (
        "edit", 50, 65, f"test:{STAFF}",
    )  # fmt: skip
    await staff.press(f"acted:save:{mine}")  # pressed again: the flow is over, nothing changed twice
    assert len(audit(services, mine)) == 1
    # Another area's session: refused, by its button or a crafted one.
    for button in (f"acted:item:{theirs}", f"acted:people:{theirs}", f"acted:delete:{theirs}"):
        await staff.press(button)
        assert step(staff) == "scope", button
    assert row(services, theirs).people == 70


async def test_day_and_note_changed_with_bad_input_re_asked(staff, services):
    activity_id = record(services, "x-02674", 40)
    await staff.press(f"acted:date:{activity_id}")
    for typed, why in (("31/2", "unclear"), ("25/11", "future"), ("1/1/2025", "old"), ("<script>", "unclear")):
        await staff.send(typed)
        assert (step(staff), problem(staff)) == ("date", why), typed
    await staff.send("18/11")
    assert staff.values_of("activity_edit")["after"] == "18/11/2026"
    await staff.press(f"acted:save:{activity_id}")
    assert row(services, activity_id).held_on == date(2026, 11, 18)
    await staff.press(f"acted:note:{activity_id}")
    await staff.send("y" * 4000)
    assert problem(staff) == "long"
    await staff.send(HOSTILE)
    assert html.escape("<b>nói</b>") in staff.text and "49" not in staff.text
    await staff.press(f"acted:save:{activity_id}")
    assert row(services, activity_id).note == HOSTILE
    await staff.press(f"acted:note:{activity_id}")
    await staff.press(f"acted:nonote:{activity_id}")
    await staff.press(f"acted:save:{activity_id}")
    assert row(services, activity_id).note is None
    kinds = [(c.held_on_before, c.held_on_after, c.note_changed) for c in audit(services, activity_id)]
    assert kinds == [("2026-11-20", "2026-11-18", False), ("2026-11-18", "2026-11-18", True),
                     ("2026-11-18", "2026-11-18", True)]  # fmt: skip


async def test_delete_after_a_second_press_and_old_buttons_say_it_is_gone(staff, services):
    activity_id = record(services, "x-02647", 30)
    await staff.press(f"acted:delete:{activity_id}")
    assert step(staff) == "delete" and row(services, activity_id) is not None
    await staff.press(f"acted:delete_yes:{activity_id}")
    assert step(staff) == "deleted" and row(services, activity_id) is None
    [change] = audit(services, activity_id)
    assert (change.action, change.people_before, change.people_after) == ("delete", 30, None)
    for button in (f"acted:delete_yes:{activity_id}", f"acted:item:{activity_id}", f"acted:people:{activity_id}",
                   f"acted:save:{activity_id}"):  # fmt: skip
        await staff.press(button)
        assert step(staff) == "gone", button
    await staff.press("acted:item:99999999999999999999")  # not a number the bot wrote
    assert "stale_choice" in staff.templates


@pytest.mark.parametrize("how", ["/huy", "hủy", "button"])
async def test_cancel_leaves_the_row_as_it_was(staff, services, how):
    activity_id = record(services, "x-02647", 30)
    await staff.press(f"acted:people:{activity_id}")
    await staff.send("31")
    await (staff.press("acted:cancel") if how == "button" else staff.send(how))
    assert staff.templates[0] == "cancelled"
    await staff.press(f"acted:save:{activity_id}")
    assert row(services, activity_id).people == 30 and audit(services, activity_id) == []


async def test_the_list_pages_ten_at_a_time(staff, services):
    ids = [record(services, "x-02647", n, held_on=date(2026, 11, n)) for n in range(1, 13)]
    await staff.press("acted:list:0")
    assert len(staff.values_of("activity_edit")["items"]) == 10 and "acted:list:10" in staff.choice_values
    await staff.press("acted:list:10")
    assert [i["id"] for i in staff.values_of("activity_edit")["items"]] == ids[1::-1]


async def test_numbered_choices_without_buttons(staff, services):
    activity_id = record(services, "x-02647", 30)
    await staff.send("/ghinhan", buttons=False)
    await staff.send("8", buttons=False)  # after the seven kinds: "Xem, sửa"
    await staff.send("1", buttons=False)  # the first session
    await staff.send("1", buttons=False)  # change the number of people
    await staff.send("2", buttons=False)  # typed: two people, never an option
    await staff.send("1", buttons=False)  # Lưu thay đổi
    assert row(services, activity_id).people == 2
