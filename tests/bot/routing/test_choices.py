"""Typed button data, and numbered options for channels without buttons (`bot/routing/choices.py`)."""

from __future__ import annotations

import pytest

from bot.core.messages import CALLBACK_DATA_MAX_BYTES, Choice, Reply
from bot.routing import choices
from bot.routing.choices import Button
from handlers.menu import MAIN_MENU
from tests.conftest import Chat

POLICE = Button("police", "action", "item")


# --- button data ---


def test_button_data_is_written_and_read_back():
    assert POLICE.data(action="confirmed", item=12) == "police:confirmed:12"
    assert POLICE.parse("police:confirmed:12") == {"action": "confirmed", "item": "12"}
    assert POLICE.data(action="queue") == "police:queue"  # trailing fields may be left out…
    assert POLICE.parse("police:queue") == {"action": "queue", "item": ""}  # …and read as ""
    assert choices.prefix_of("police:confirmed:12") == "police" == choices.prefix_of("police")


@pytest.mark.parametrize("value", [None, "", "other:confirmed:12", "police:confirmed:12:13", "policex:confirmed:1"])
def test_data_a_spec_did_not_write_reads_as_none(value):
    assert POLICE.parse(value) is None


def test_data_that_could_not_be_read_back_is_refused():
    with pytest.raises(ValueError):
        POLICE.data(action="a:b")  # a field holding the separator
    with pytest.raises(ValueError):
        POLICE.data(actor="x")  # a field the spec does not have
    with pytest.raises(ValueError):
        POLICE.data(action="x" * CALLBACK_DATA_MAX_BYTES)  # over Telegram's 64 bytes
    assert not POLICE.fits(action="x" * CALLBACK_DATA_MAX_BYTES) and POLICE.fits(action="x")
    with pytest.raises(ValueError):
        Button("a:b", "x")


def test_an_open_ended_last_field_keeps_its_separators():
    report = Button("report", "step", "value", open_end=True)
    data = report.data(step="id", value="example.com:8080/login")
    assert report.parse(data) == {"step": "id", "value": "example.com:8080/login"}
    with pytest.raises(ValueError):
        report.data(step="i:d", value="x")  # only the last field may


# --- numbering and presenting ---


def test_options_are_numbered_across_the_turn_and_shown_one_way(services):
    t = services.content.texts("vi")
    turn = [Reply("a", (Choice("Một", "x:1"), Choice("Hai", "x:2"))), Reply("b"), Reply("c", (Choice("Ba", "x:3"),))]
    numbered = choices.number(turn)
    assert [[n for n, _ in items] for _, items in numbered] == [[1, 2], [], [3]]
    presented = choices.present(turn, t)
    assert [block for _, block in presented][1] == ""
    first, last = presented[0][1].split("\n"), presented[2][1].split("\n")
    assert first[:2] == [
        t.label("choices.option").format(number=n, label=label) for n, label in ((1, "Một"), (2, "Hai"))
    ]
    assert last[0] == t.label("choices.option").format(number=3, label="Ba") and len(last) == 2  # + how to pick
    assert [c.value for c in choices.offered_in(turn)] == ["x:1", "x:2", "x:3"]


def test_pick_by_number_or_by_the_option_words():
    options = [("📚 Các thủ đoạn", "methods"), ("☎️ Đường dây nóng", "hotlines")]
    assert choices.pick("2", options) == "hotlines" and choices.pick(" 1. ", options) == "methods"
    assert choices.pick("duong day nong", options) == "hotlines"  # no accents, no symbol
    assert choices.pick("3", options) is None and choices.pick("0", options) is None
    assert choices.pick("7 ngày trước", options) is None


# --- the router reads numbers for channels without buttons ---


class NoButtons(Chat):
    """A chat on a platform that shows choices as numbered options."""

    async def send(self, text=None, **fields):
        return await super().send(text, buttons=False, **fields)


async def test_a_typed_number_is_the_option_shown_with_it(router, services):
    chat = NoButtons(router, services)
    await chat.send("/start")
    offered = await services.storage.read(lambda db: choices.offered(db, chat.key))
    assert [value for _, value in offered] == [value for _, value in MAIN_MENU]
    hotlines = [value for _, value in MAIN_MENU].index("hotlines") + 1
    await chat.send(str(hotlines))
    assert chat.templates == ["hotlines"]
    await chat.send("9")  # the hotlines reply shows one option (the menu button): 9 names nothing
    assert "hotlines" not in chat.templates and "menu" not in chat.templates


async def test_a_chat_with_buttons_keeps_no_numbers_and_a_number_is_text(router, services, chat):
    await chat.send("/start")
    await chat.send("7")
    assert chat.templates != ["hotlines"]
    assert await services.storage.read(lambda db: db["offered_choices"].count) == 0  # never written


# --- crafted button data ---

CRAFTED = [
    "police:confirmed:1:2", "police:confirmed:x", "police:nope:1", "forget:yes:now", "sub:area:a:b", "sub",
    "staff:camp:a:b", "topic:a:b:c", "topic", "faq:a:b", "quiz:q:1:2", "report:x", "check:x", "menu:x:y",
]  # fmt: skip


@pytest.mark.parametrize("value", CRAFTED)
async def test_crafted_button_data_gets_the_stale_choice_answer(router, services, settings, chat, value):
    settings.police_ids = [f"test:{chat.chat_id}"]
    settings.staff_ids = [f"test:{chat.chat_id}"]
    await chat.press(value)
    assert "failure" not in chat.templates
    assert "stale_choice" in chat.templates or chat.templates == ["menu"], chat.templates
    assert await services.conversations.get(chat.key) is None  # nothing started
