"""Typed button data, and numbered options for channels without buttons (`bot/routing/choices.py`)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.messages import CALLBACK_DATA_MAX_BYTES, Choice, Reply
from bot.core.textnorm import phrase_key
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


async def test_a_chat_with_buttons_reads_a_number_as_text_and_words_as_the_button(router, services, chat):
    t = services.content.texts("vi")
    await chat.send("/start")
    await chat.send("7")
    assert chat.templates != ["hotlines"]
    await chat.send("/start")
    await chat.send(phrase_key(t.label("menu.subscribe")))  # the button's words, without accents or emoji
    assert chat.templates == ["subscribe_choose"]  # before: read as a question for the FAQ
    await chat.send("/quiz")
    await chat.send("1")  # a quiz button's own label is "1"
    assert "quiz_feedback" in chat.templates


async def test_a_group_with_buttons_keeps_no_options(router, services):
    group = Chat(router, services, chat_id="-100")
    t = services.content.texts("vi")
    await group.send("/start", is_group=True)
    await group.send(t.label("menu.hotlines"), is_group=True)  # members talking: never a pick
    assert group.templates == []
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


# --- issue 20: free-text steps, destructive options, words, numbers that continue ---


async def number_of(services, chat, value: str) -> str:
    """The number a no-button chat was shown for the option with this value."""
    record = await services.storage.read(lambda db: choices.record(db, chat.key))
    return str(max(o.number for o in record.options if o.value == value))  # the latest shown


async def walk_to_amount(services, chat) -> None:
    """A report by numbers on a no-button chat, up to the amount step."""
    await chat.send("/baocao")
    await chat.send(await number_of(services, chat, "report:what:call"))
    await chat.send("0912345678")
    for value in ("report:via:phone_call", "report:claimed:fake-authority-call", "report:happened:today"):
        await chat.send(await number_of(services, chat, value))
    assert chat.values_of("report_prompt")["step"] == "amount"


async def test_a_bare_number_at_the_amount_step_is_the_amount(router, services):
    chat = NoButtons(router, services)
    await walk_to_amount(services, chat)
    await chat.send("3")  # before: option 3, "Hủy báo cáo", and the report was gone
    conversation = await services.conversations.get(chat.key)
    assert conversation is not None and conversation.flow == "report"
    assert conversation.data["amount"] == 3_000_000  # shown back in the summary for confirmation
    assert chat.values_of("report_prompt")["step"] == "description"


async def test_a_bare_number_at_the_identifier_step_is_the_identifier(router, services):
    chat = NoButtons(router, services)
    await chat.send("/baocao")
    await chat.send(await number_of(services, chat, "report:what:bank_account"))
    await chat.send("1")  # an account number, however short: never option 1
    assert "report_prompt" in chat.templates and await services.conversations.get(chat.key) is not None
    assert chat.values_of("report_prompt")["step"] == "identifier"  # asked again, not skipped or cancelled


async def test_a_destructive_option_asks_before_a_bare_number_picks_it(router, services):
    chat = NoButtons(router, services)
    await chat.send("/baocao")
    await chat.send(await number_of(services, chat, "report:what:call"))
    await chat.send("0912345678")
    cancel = await number_of(services, chat, "report:cancel")
    await chat.send(cancel)
    assert chat.templates == ["choice_confirm"]
    assert (await services.conversations.get(chat.key)).flow == "report"  # not cancelled
    await chat.send(await number_of(services, chat, choices.KEEP_GOING))  # "no, go on"
    assert chat.templates == ["choice_kept"]
    await chat.send(await number_of(services, chat, "report:via:phone_call"))  # the question above still answers
    assert chat.values_of("report_prompt")["step"] == "claimed"

    await chat.send(await number_of(services, chat, "report:cancel"))
    await chat.send(await number_of(services, chat, "report:cancel"))  # "yes, cancel" (not destructive)
    assert await services.conversations.get(chat.key) is None


async def test_a_destructive_option_answers_to_its_words(router, services):
    chat = NoButtons(router, services)
    t = services.content.texts("vi")
    await chat.send("/baocao")
    await chat.send(t.label("report.cancel"))
    assert await services.conversations.get(chat.key) is None and "choice_confirm" not in chat.templates


def options(*labels: str, destructive: str = "") -> choices.Record:
    return choices.Record(
        tuple(choices.Option(n, label, f"v:{n}", 1, 1, label == destructive) for n, label in enumerate(labels, 1))
    )


@pytest.mark.parametrize("typed", ["tỉnh Lào Cai", "lao cai", "Lao Cai", "lao", "LÀO CAI", "Lào Cai ạ", "lao cia"])
def test_an_option_answers_to_its_words_however_typed(typed):
    record = options("Lào Cai", "Hà Nội", "Hà Giang", "Hà Tĩnh")
    assert choices.read_typed(typed, record).value == "v:1", typed


@pytest.mark.parametrize("typed", ["lao", "lào", "lao cai", "tinh lao"])
def test_a_prefix_of_an_option_s_words_names_it(typed):
    record = options("Tỉnh Lào Cai", "Thành phố Hà Nội", "Tỉnh Hà Giang")
    assert choices.read_typed(typed, record).value == "v:1", typed


def test_words_that_name_several_options_show_them_again_never_a_silent_pick():
    read = choices.read_typed("ha", options("Lào Cai", "Hà Nội", "Hà Giang", "Tỉnh Hà Tĩnh"))
    assert read.picked is None and [o.value for o in read.unclear] == ["v:2", "v:3", "v:4"]
    nothing = choices.read_typed("Tôi bị lừa mất tiền", options("Lào Cai", "Hà Nội"))
    assert nothing.picked is None and not nothing.unclear  # words naming none go on as text


def test_a_destructive_option_takes_no_prefix_no_typo_and_no_bare_number():
    record = options("Bỏ qua", "Hủy báo cáo", destructive="Hủy báo cáo")
    assert choices.read_typed("huy", record).value is None
    assert choices.read_typed("huy bao cai", record).value is None
    assert choices.read_typed("2", record).picked is None and choices.read_typed("2", record).confirm.value == "v:2"
    assert choices.read_typed("hủy báo cáo", record).value == "v:2"
    assert choices.read_typed("tôi muốn hủy báo cáo", record).value == "v:2"


def test_at_a_free_text_step_a_number_is_the_answer_and_options_need_their_exact_words():
    record = dataclasses.replace(options("Không mất tiền", "Bỏ qua"), free_text=True)
    assert choices.read_typed("1", record).picked is None and choices.read_typed("2", record).confirm is None
    assert choices.read_typed("bo", record).value is None  # a prefix may be an answer
    assert choices.read_typed("bỏ qua", record).value == "v:2"


async def test_ambiguous_words_in_a_flow_show_the_options_again_and_keep_the_flow(router, services):
    chat = NoButtons(router, services)
    t = services.content.texts("vi")
    await chat.send("/baocao")
    await chat.send(await number_of(services, chat, "report:what:call"))
    await chat.send("0912345678")
    via = t.labels("report.via")
    keys = [choices.phrase_key(label).split() for label in via.values()]
    first_words = [words[0] for words in keys]
    shared = next(word for word in first_words if first_words.count(word) > 1)  # e.g. "goi"
    await chat.send(shared)
    assert chat.templates == ["choice_unclear"] and len(chat.choice_values) > 1
    assert (await services.conversations.get(chat.key)).flow == "report"
    picked = chat.choice_values[0]
    await chat.send(await number_of(services, chat, picked))  # one of the options shown again
    assert (await services.conversations.get(chat.key)).data["via"] == picked.rsplit(":", 1)[1]


async def test_numbers_continue_across_turns_while_earlier_messages_still_answer(router, services):
    chat = NoButtons(router, services)
    many = [Reply("a", (Choice("A1", "x:a1"), Choice("A2", "x:a2"))), Reply("b", (Choice("B1", "x:b1"),))]
    stored = await services.storage.write(lambda db: choices.remember(db, chat.key, many, services.clock()))
    assert [r.first_number for r in stored] == [1, 3]
    record = await services.storage.read(lambda db: choices.record(db, chat.key))
    kept = [o for o in record.options if o.value != "x:a1" and o.value != "x:a2"]  # message "a" answered
    more = [Reply("c", (Choice("C1", "x:c1"),))]
    stored = await services.storage.write(
        lambda db: choices.remember(db, chat.key, more, services.clock(), kept=kept, turn=2)
    )
    assert stored[0].first_number == 4  # after B1 (3), which still answers
    assert [n for n, _ in choices.number(stored)[0][1]] == [4]
    assert await services.storage.read(lambda db: choices.offered(db, chat.key)) == [("B1", "x:b1"), ("C1", "x:c1")]


async def test_options_stored_before_numbers_continued_still_answer(router, services):
    chat = NoButtons(router, services)
    await services.storage.write(
        lambda db: db["offered_choices"].insert(
            {"channel": chat.channel, "chat_id": chat.chat_id, "choices": '[["Menu", "menu"]]', "offered_at": "x"}
        )
    )
    await chat.send("1")
    assert chat.templates == ["menu"]


@pytest.mark.parametrize("buttons", [True, False])
async def test_a_command_is_never_read_as_an_option_that_looks_like_it(router, services, buttons):
    chat = Chat(router, services) if buttons else NoButtons(router, services)
    await chat.send("0912 345 678")  # a check, with "🚨 Báo cáo" (report this number) among its options
    assert any(v.startswith("report:id:") for v in chat.choice_values)
    await chat.send("/baocao")  # the command: a new report, not "report this number"
    conversation = await services.conversations.get(chat.key)
    assert conversation is not None and conversation.flow == "report" and "preset" not in conversation.data
