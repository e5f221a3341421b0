"""/baocao: the guided report, step by step, with kind re-asks and nothing stored before confirm."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.broadcast import subscriptions
from bot.core.messages import Contact, Incoming, Photo
from bot.core.settings import Settings
from bot.core.storage import Storage
from bot.identifiers import parse_profile
from bot.services import build_services
from tests.conftest import Chat
from tests.fakes.running_bot import CHAT, SHARED, TOKEN, RunningBot
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import walk_to_evidence


async def _reports(services):
    return await services.storage.read(lambda db: list(db["reports"].rows))


async def walk_to_consent(chat: Chat) -> None:
    await chat.send("/baocao")
    assert chat.templates == ["report_intro", "report_prompt"] and "report:what:call" in chat.choice_values
    await chat.press("report:what:call")
    await chat.send("gọi từ số 0912.345.678 đó")
    assert "report:via:phone_call" in chat.choice_values
    await chat.press("report:via:ott_call")
    await chat.press("report:claimed:fake-authority-call")
    await chat.press("report:happened:today")
    await chat.send("5 triệu")
    await chat.send("Họ xưng công an, bảo tôi chuyển tiền vào tài khoản tạm giữ <b>gấp</b>")
    await chat.send(photo=Photo(ref="AgACAgQ-evidence"))
    assert chat.templates == ["report_area"]  # no subscription: where the reporter is, optional
    await chat.press("report:skip")
    assert "report:consent:contact" in chat.choice_values


async def test_a_full_report_is_stored_only_after_confirm_with_a_reference(chat, services):
    await walk_to_consent(chat)
    await chat.press("report:consent:contact")
    assert chat.last[0].request_contact  # Telegram shows its share-my-number button
    await chat.send(contact=Contact(phone_number="84987654321", user_id=chat.chat_id))
    assert chat.templates[-1] == "report_summary" and "0912 345 678" in chat.text
    summary = chat.values_of("report_summary")
    assert (summary["identifier"], summary["amount"]) == ("0912 345 678", "5.000.000 đ") and "5.000.000" in chat.text
    assert "&lt;b&gt;gấp&lt;/b&gt;" in chat.text  # escaped, not rendered
    assert await _reports(services) == []
    await chat.press("report:confirm")
    [ref] = re.findall(r"BC-\d{8}-\d{4}", chat.text)
    [row] = await _reports(services)
    assert row["ref"] == ref and row["what"] == "call" and row["via"] == "ott_call"
    assert row["amount_lost"] == 5_000_000 and row["evidence"] == "AgACAgQ-evidence"
    assert row["contact_consent"] == 1 and row["contact_phone"] == "+84987654321"
    assert row["area_code"] == "x-02647"  # the locality (old name phường Cốc Lếu) is now phường Lào Cai
    identifier = await services.storage.read(lambda db: db["identifiers"].get(row["identifier_id"]))
    assert identifier["key"] == "phone:+84912345678"
    assert await services.conversations.get(chat.key) is None


async def test_a_bank_account_asks_for_the_bank_and_the_holder(chat, services):
    await chat.send("/baocao")
    await chat.press("report:what:bank_account")
    await chat.send("1027845566")
    assert chat.values_of("report_prompt")["step"] == "bank" and "report:bank:MB" in chat.choice_values
    await chat.send("quan doi")  # typed, without accents
    assert chat.values_of("report_prompt")["step"] == "holder"
    await chat.send("NGUYEN VAN A")
    for value in ("report:via:zalo", "report:claimed:investment-scam", "report:happened:this_week"):
        await chat.press(value)
    for _ in range(4):
        await chat.press("report:skip")  # amount, description, photo, commune
    await chat.press("report:consent:none")
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert (row["bank_code"], row["account_holder"], row["amount_lost"]) == ("MB", "NGUYEN VAN A", None)
    assert row["contact_consent"] == 0 and row["updates_consent"] == 0 and row["contact_phone"] is None


@pytest.mark.parametrize(
    ("sent", "problem"),
    [
        ({"text": "0912"}, "invalid"),
        ({"text": "09l2345678"}, "invalid"),
        ({"text": "xem vcb-xacthuc.com"}, "wrong_kind"),
        ({"text": "0912345678 và 0987654321"}, "many"),
        ({"text": " ".join(f"http://site{i}.xyz" for i in range(10))}, "wrong_kind"),
        ({"photo": Photo(ref="x")}, "not_text"),
        ({"text": "\u200b\u200b"}, "invalid"),  # nothing typed: not told "photos are not read"
        ({"text": "'; DROP TABLE reports; --"}, "invalid"),
        ({"text": "{{ 7*7 }} <script>"}, "invalid"),
    ],
)
async def test_a_bad_identifier_is_asked_again_kindly(chat, services, sent, problem):
    await chat.send("/baocao")
    await chat.press("report:what:call")
    await chat.send(**sent)
    assert chat.templates == ["report_prompt"]
    assert chat.values_of("report_prompt") == {"step": "identifier", "what": "call", "problem": problem,
                                               "buttons": True}  # fmt: skip
    assert "49" not in chat.text and "<script>" not in chat.text
    conversation = await services.conversations.get(chat.key)
    assert conversation.step == "identifier"
    assert await _reports(services) == []


async def test_every_step_can_be_cancelled_and_nothing_is_kept(chat, services):
    await walk_to_consent(chat)
    await chat.send("/huy")
    assert await services.conversations.get(chat.key) is None
    await chat.send("/baocao")
    await chat.press("report:cancel")
    assert await services.conversations.get(chat.key) is None
    assert await _reports(services) == []


async def test_the_flow_resumes_after_a_restart(router, settings, clock, library):
    first = build_services(settings, clock=clock, library=library)
    chat = Chat(router, first)
    await chat.send("/baocao")
    await chat.press("report:what:link")
    first.close()
    second = build_services(settings, clock=clock, library=library)
    try:
        chat = Chat(router, second)
        await chat.send("vcb-xacthuc.com/dang-nhap")
        assert "report:via:website" in chat.choice_values
        await chat.send("/baocao")  # mid-flow: carry on, do not start over
        assert chat.templates == ["report_resume", "report_prompt"] and "report:via:website" in chat.choice_values
    finally:
        second.close()


async def test_a_shared_contact_of_someone_else_is_not_consent(chat):
    await walk_to_consent(chat)
    await chat.press("report:consent:contact")
    await chat.send(contact=Contact(phone_number="+84987654321", user_id="999"))
    assert (await chat.services.conversations.get(chat.key)).step == "contact"
    await chat.press("report:skip")  # no number: updates only
    assert chat.templates[-1] == "report_summary"
    summary = chat.values_of("report_summary")
    assert summary["consent"] == "updates" and not summary["contact_phone"]


async def test_the_daily_limit_is_told_before_the_form(chat, services, settings):
    settings.reports_per_day = 2
    for number in ("0912345678", "0987654321"):
        await chat.send("/baocao")
        await chat.press("report:what:call")
        await chat.send(number)
        for value in ("report:via:phone_call", "report:claimed:unknown", "report:happened:today"):
            await chat.press(value)
        for _ in range(4):
            await chat.press("report:skip")  # amount, description, photo, commune
        await chat.press("report:consent:none")
        await chat.press("report:confirm")
        assert "BC-" in chat.text
    await chat.send("/baocao")
    assert chat.templates == ["report_limit"] and chat.values_of("report_limit")["limit"] == 2
    rows = await _reports(services)
    assert len(rows) == 2 and rows[0]["claimed_topic"] is None


async def test_report_this_under_a_check_skips_the_identifier_step(chat):
    await chat.press("report:id:+84912345678")
    await chat.press("report:what:call")
    assert "report:via:phone_call" in chat.choice_values


async def test_a_reporters_number_never_reaches_the_log(chat, caplog):
    caplog.set_level(logging.DEBUG)
    await walk_to_consent(chat)
    await chat.press("report:consent:contact")
    await chat.send(contact=Contact(phone_number="+84 987 654 321", user_id=chat.chat_id))
    await chat.press("report:confirm")
    assert "BC-" in chat.text
    logged = caplog.text
    assert caplog.records and "987" not in logged and "0912" not in logged and "345 678" not in logged


async def test_a_contact_card_without_the_senders_id_is_refused(chat, services):
    # Telegram leaves `user_id` out of a card shared from the phone book (someone not on Telegram):
    # nothing says it is the sender's own number, so it is not taken as their consent.
    await walk_to_consent(chat)
    await chat.press("report:consent:contact")
    await chat.send(contact=Contact(phone_number="+84987654321"))
    assert (await services.conversations.get(chat.key)).step == "contact"
    assert chat.values_of("report_prompt")["problem"] == "not_own" and chat.last[0].request_contact
    await chat.send("0987 654 321")  # typing one's own number still works
    assert chat.templates[-1] == "report_summary"


# --- a report committed but its reference never reached the citizen (kill -9, failed send) ---


async def _file_and_lose_the_reply(chat: Chat) -> str:
    """Walk to the summary, then confirm the way an adapter does but crash before sending."""
    await walk_to_consent(chat)
    await chat.press("report:consent:none")
    confirm = Incoming(channel=chat.channel, chat_id=chat.chat_id, user_id=chat.chat_id, choice="report:confirm",
                       update_id="7001")  # fmt: skip
    lost = await chat.router.handle(confirm, chat.services)  # committed; never sent, never delivered
    [ref] = re.findall(r"BC-\d{8}-\d{4}", lost[0].text)
    return ref


@asynccontextmanager
async def _restarted_after_a_lost_reply(router, settings, clock, library) -> AsyncIterator[tuple[str, Chat]]:
    """A report filed whose reply was lost, then the bot restarted: (its code, the same chat)."""
    first = build_services(settings, clock=clock, library=library)
    ref = await _file_and_lose_the_reply(Chat(router, first))
    first.close()
    restarted = build_services(settings, clock=clock, library=library)
    try:
        yield ref, Chat(router, restarted)
    finally:
        restarted.close()


async def test_pressing_confirm_again_after_a_crash_tells_the_code(router, settings, clock, library):
    async with _restarted_after_a_lost_reply(router, settings, clock, library) as (ref, chat):
        await chat.press("report:confirm")
        assert ref in chat.text and "stale_choice" not in chat.templates
        assert await chat.services.storage.read(lambda db: db["reports"].count) == 1  # filed once


async def test_the_next_message_after_a_crash_tells_the_code_once(router, settings, clock, library):
    async with _restarted_after_a_lost_reply(router, settings, clock, library) as (ref, chat):
        await chat.send("/hotline")
        assert ref in chat.text and "113" in chat.text  # the code, and the answer asked for
        await chat.send("/hotline")
        assert ref not in chat.text


async def test_a_redelivered_confirm_after_a_crash_is_not_filed_twice_but_tells_the_code(chat, services):
    ref = await _file_and_lose_the_reply(chat)
    again = Incoming(channel=chat.channel, chat_id=chat.chat_id, user_id=chat.chat_id, choice="report:confirm",
                     update_id="7001")  # fmt: skip
    replies = await chat.router.handle(again, services)
    assert len(replies) == 1 and ref in replies[0].text
    assert await services.storage.read(lambda db: db["reports"].count) == 1


async def test_a_delivered_code_is_not_told_again(chat, services):
    await walk_to_consent(chat)
    await chat.press("report:consent:none")
    await chat.press("report:confirm")
    [ref] = re.findall(r"BC-\d{8}-\d{4}", chat.text)
    await chat.send("/hotline")
    assert ref not in chat.text


# --- through the real Telegram client and the fake Bot API ---


@pytest.fixture
async def fake(library):
    SHARED["library"] = library
    async with FakeTelegram(token=TOKEN) as tg:
        yield tg


@pytest.fixture
def tg_settings(tmp_path, fake) -> Settings:
    return Settings(telegram_bot_token=TOKEN, telegram_api_base_url=f"{fake.url}/bot", db_path=tmp_path / "bot.db",
                    weekly_day="off")  # fmt: skip


async def _tg_walk_to_contact(fake) -> dict:
    async def press(message, data):
        fake.push_callback(CHAT, data, message_id=message["message_id"])
        return (await fake.wait_for_messages(CHAT))[-1]

    fake.push_text(CHAT, "/baocao")
    step = (await fake.wait_for_messages(CHAT, count=2))[-1]
    step = await press(step, "report:what:call")
    fake.push_text(CHAT, "0912345678")
    [step] = await fake.wait_for_messages(CHAT)
    for value in ("report:via:phone_call", "report:claimed:unknown", "report:happened:today", "report:amount:0",
                  "report:skip", "report:skip", "report:skip", "report:consent:contact"):  # fmt: skip
        step = await press(step, value)
    return step


def _contact_update(card: dict) -> dict:
    person = {"id": CHAT, "first_name": "Lan"}
    return {"message": {"message_id": 900, "date": int(time.time()), "chat": {**person, "type": "private"},
                        "from": {**person, "is_bot": False}, "contact": card}}  # fmt: skip


@pytest.mark.parametrize(
    "card",
    [
        {"phone_number": "+84987654321", "first_name": "Mẹ"},  # from the phone book: no user_id
        {"phone_number": "+84987654321", "first_name": "Hùng", "user_id": 777},  # another Telegram user
    ],
)
async def test_through_telegram_someone_elses_contact_card_is_refused(fake, tg_settings, card):
    async with RunningBot(tg_settings, fake) as bot:
        await _tg_walk_to_contact(fake)
        fake.push_raw(_contact_update(card))
        [reask] = await fake.wait_for_messages(CHAT)
        texts = bot.services.content.texts("vi")
        own_only = texts.render("report_prompt", step="contact", what="call", problem="not_own", buttons=True)
        assert reask["text"] == own_only and reask["reply_markup"]["keyboard"][0][0]["request_contact"]
        fake.push_contact(CHAT, "+84 912 000 111")  # the own-number button: the sender's own card
        received, summary = await fake.wait_for_messages(CHAT, count=2)
        assert received["text"] == texts.render("report_contact_done", given=True)
        assert received["reply_markup"] == {"remove_keyboard": True}
        labels = {group: texts.labels(f"report.{group}") for group in ("what", "via", "claimed", "happened")}
        assert summary["text"] == texts.render(
            "report_summary", what=labels["what"]["call"], identifier="0912 345 678", identifier_kind="phone",
            holder=None,
            via=labels["via"]["phone_call"], claimed=labels["claimed"].get("unknown", ""),
            happened=labels["happened"]["today"], amount="0 đ", description=None, evidence=False,
            consent="contact", contact_phone="+84912000111",
        )  # fmt: skip
    storage = Storage(tg_settings.db_path)
    try:
        [conversation] = storage.read_sync(lambda db: list(db["conversations"].rows))
    finally:
        storage.close()
    assert "987654321" not in conversation["data"] and "+84912000111" in conversation["data"]


# --- what was actually seen: a profile, or nothing to identify (issue 20) ---


async def _finish_from_via(chat: Chat) -> None:
    """From wherever the flow is after the identifier: answer every remaining step up to the summary."""
    for _ in range(12):
        conversation = await chat.services.conversations.get(chat.key)
        step = conversation.step
        if step == "confirm":
            return
        if step == "via":
            await chat.press("report:via:other")
        elif step == "claimed":
            await chat.press("report:claimed:fake-official-staff")
        elif step == "happened":
            await chat.press("report:happened:today")
        elif step == "consent":
            await chat.press("report:consent:none")
        elif step == "description":
            await chat.send("Họ nói là thu tiền điện còn nợ")
        else:
            await chat.press("report:skip")
    raise AssertionError("the flow did not reach the summary")


async def _identifier_row(services, row):
    return await services.storage.read(lambda db: db["identifiers"].get(row["identifier_id"]))


async def test_a_social_profile_named_in_words_is_reported_under_its_platform(chat, services):
    await chat.send("/baocao")
    await chat.press("report:what:social")
    told = "fb Nguyễn Thu Hà (tài khoản giả chị họ tôi)"
    await chat.send(told)
    assert chat.values_of("report_prompt")["problem"] == ""
    await _finish_from_via(chat)
    assert chat.templates[-1] == "report_summary"
    await chat.press("report:confirm")
    [row] = await _reports(services)
    identifier = await _identifier_row(services, row)
    assert (identifier["kind"], identifier["key"]) == ("profile", "profile:facebook:nguyen thu ha")
    assert row["via"] == "facebook"
    assert row["description"].startswith(parse_profile(told)[1])  # the remark in brackets leads the story


async def test_a_profile_without_a_platform_asks_for_it(chat, services):
    await chat.send("/baocao")
    await chat.press("report:what:social")
    await chat.send("Thu Hà Shop")
    assert chat.values_of("report_prompt")["step"] == "platform" and "report:platform:tiktok" in chat.choice_values
    await chat.press("report:platform:tiktok")
    await _finish_from_via(chat)
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert (await _identifier_row(services, row))["key"] == "profile:tiktok:thu ha shop"


@pytest.mark.parametrize("what", ["call", "sms", "link", "bank_account", "social", "other"])
async def test_every_identifier_step_has_a_way_on_without_one(chat, services, what):
    await chat.send("/baocao")
    await chat.press(f"report:what:{what}")
    assert "report:noid" in chat.choice_values
    await chat.press("report:noid")
    await _finish_from_via(chat)
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert (await _identifier_row(services, row))["kind"] == "none"
    assert row["description"]  # with nothing to identify, the story is asked for, not skippable


async def test_a_visit_at_the_door_told_at_the_identifier_step_is_a_report_without_identifier(chat, services):
    await chat.send("/baocao")
    await chat.press("report:what:other")
    await chat.send("có người đến nhà xưng cán bộ điện lực thu tiền")
    assert chat.values_of("report_prompt")["step"] == "via" and "report:via:in_person" in chat.choice_values
    await chat.press("report:via:in_person")
    await _finish_from_via(chat)
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["description"] == "có người đến nhà xưng cán bộ điện lực thu tiền"
    assert (await _identifier_row(services, row))["kind"] == "none"


async def test_without_an_identifier_the_story_cannot_be_skipped(chat):
    await chat.send("/baocao")
    await chat.press("report:what:call")
    await chat.press("report:noid")
    for value in ("report:via:ott_call", "report:claimed:fake-emergency", "report:happened:today", "report:skip"):
        await chat.press(value)
    assert chat.values_of("report_prompt")["step"] == "description" and "report:skip" not in chat.choice_values
    await chat.press("report:skip")
    assert chat.values_of("report_prompt") == {"step": "description", "what": "call", "problem": "reask",
                                               "buttons": True, "required": True}  # fmt: skip


# --- a citizen-ID number is personal data, never an account ---


async def test_a_citizen_id_at_the_identifier_step_is_told_and_not_stored(chat, services):
    await chat.send("/baocao")
    await chat.press("report:what:bank_account")
    await chat.send("001099012345")
    assert chat.values_of("report_prompt")["problem"] == "citizen_id"
    assert (await services.conversations.get(chat.key)).step == "identifier"
    assert await services.storage.read(lambda db: db["identifiers"].count) == 0


# --- edit at the summary ---


async def _to_summary(chat: Chat) -> None:
    await walk_to_consent(chat)
    await chat.press("report:consent:updates")
    assert chat.templates[-1] == "report_summary" and "report:edit" in chat.choice_values


async def test_one_answer_is_changed_from_the_summary_and_the_others_kept(chat, services):
    await _to_summary(chat)
    before = chat.values_of("report_summary")
    await chat.press("report:edit")
    assert chat.templates == ["report_edit"] and "report:edit:amount" in chat.choice_values
    await chat.press("report:edit:amount")
    assert chat.values_of("report_prompt")["step"] == "amount"
    await chat.send("không rõ")  # same validation as the first time
    assert chat.values_of("report_prompt")["problem"] == "reask"
    await chat.send("7 triệu")
    after = chat.values_of("report_summary")
    assert after["amount"] == "7.000.000 đ"
    assert {k: v for k, v in after.items() if k != "amount"} == {k: v for k, v in before.items() if k != "amount"}
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["amount_lost"] == 7_000_000 and row["via"] == "ott_call"


async def test_changing_the_identifier_to_an_account_asks_its_bank_then_returns(chat):
    await _to_summary(chat)
    await chat.press("report:edit")
    await chat.press("report:edit:what")
    await chat.press("report:what:bank_account")
    assert chat.values_of("report_prompt")["step"] == "identifier"  # a phone no longer fits
    await chat.send("1027845566")
    assert chat.values_of("report_prompt")["step"] == "bank"
    await chat.press("report:bank:MB")
    assert chat.values_of("report_prompt")["step"] == "holder"
    await chat.send("NGUYEN VAN A")
    summary = chat.values_of("report_summary")
    assert summary["holder"] == "NGUYEN VAN A" and summary["via"] and summary["amount"] == "5.000.000 đ"


def _without_buttons(chat: Chat, channel: str) -> Chat:
    """The chat as the terminal or Zalo delivers it: no buttons, options numbered and typed."""
    chat.channel = channel
    send = chat.send

    async def typed(text=None, **fields):
        return await send(text, buttons=False, **fields)

    chat.send = typed
    return chat


async def test_edit_works_by_typing_on_a_channel_without_buttons(chat):
    _without_buttons(chat, "terminal")
    await _to_summary(chat)
    await chat.send("sửa")
    assert chat.templates == ["report_edit"]
    await chat.send("số tiền")
    assert chat.values_of("report_prompt")["step"] == "amount"
    await chat.send("2 triệu")
    assert chat.values_of("report_summary")["amount"] == "2.000.000 đ"


async def test_the_contact_step_speaks_of_a_button_only_where_there_is_one(chat):
    _without_buttons(chat, "zalo")
    await walk_to_consent(chat)
    await chat.send("1")  # the first option: consent with a call back
    assert chat.values_of("report_prompt") == {"step": "contact", "what": "call", "problem": "", "buttons": False}
    assert not chat.last[0].request_contact


async def test_dropping_the_identifier_at_the_summary_asks_for_the_story_if_there_is_none(chat, services):
    await chat.send("/baocao")
    await chat.press("report:what:call")
    await chat.send("0912345678")
    for value in ("report:via:phone_call", "report:claimed:fake-emergency", "report:happened:today"):
        await chat.press(value)
    for _ in range(4):
        await chat.press("report:skip")  # amount, description, photo, commune
    await chat.press("report:consent:none")
    await chat.press("report:edit")
    await chat.press("report:edit:identifier")
    await chat.press("report:noid")
    assert chat.values_of("report_prompt")["step"] == "description"
    await chat.send("Gọi số ẩn, giả giọng con trai xin tiền")
    assert chat.values_of("report_summary")["identifier_kind"] == "none"
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["description"] and row["via"] == "phone_call"


# --- the reporter's commune: from the subscription, or one optional question ---

HOAN_KIEM = "x-00070"  # phường Hoàn Kiếm, thành phố Hà Nội: not the deployment's locality
HA_NOI = "t-01"


async def _walk_to_area(chat: Chat) -> None:
    await walk_to_evidence(chat)
    await chat.press("report:skip")  # no photo
    assert chat.templates == ["report_area"]


async def test_without_a_subscription_the_commune_typed_is_asked_and_stored(chat, services):
    await _walk_to_area(chat)
    assert "report:skip" in chat.choice_values  # a typed name is the answer; "1" on Zalo is "1. Bỏ qua"
    await chat.send("phuong hoan kiem")
    assert chat.values_of("report_area")["matches"][0]["code"] == HOAN_KIEM
    await chat.press(f"report:area:{HOAN_KIEM}")
    assert chat.values_of("report_prompt")["area"] == services.library.areas.full_name(HOAN_KIEM)  # consent names it
    await chat.press("report:consent:none")
    assert chat.values_of("report_summary")["area"] == services.library.areas.full_name(HOAN_KIEM)
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["area_code"] == HOAN_KIEM


async def test_an_old_commune_name_shows_the_unit_it_went_into(chat):
    await _walk_to_area(chat)
    await chat.send("coc leu")
    first = chat.values_of("report_area")["matches"][0]
    assert (first["code"], first["old_name"]) == ("x-02647", "Cốc Lếu")


async def test_with_a_subscription_there_is_no_question_and_its_commune_is_used(chat, services, clock):
    await services.storage.write(lambda db: subscriptions.subscribe(db, chat.key, HOAN_KIEM, clock()))
    await walk_to_evidence(chat)
    await chat.press("report:skip")
    assert "report_area" not in chat.templates and "report:consent:none" in chat.choice_values
    await chat.press("report:consent:none")
    assert chat.values_of("report_summary")["area"] == services.library.areas.full_name(HOAN_KIEM)
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["area_code"] == HOAN_KIEM


async def test_a_province_offers_the_whole_province_or_its_communes_page_by_page(chat, services):
    await _walk_to_area(chat)
    await chat.send("Hà Nội")
    assert chat.values_of("report_area")["problem"] == "province"
    assert f"report:area:{HA_NOI}" in chat.choice_values and f"report:areas:{HA_NOI}.0" in chat.choice_values
    await chat.press(f"report:areas:{HA_NOI}.0")
    units = [v for v in chat.choice_values if v.startswith("report:area:")]
    assert len(units) == 30 and f"report:areas:{HA_NOI}.1" in chat.choice_values  # 126 units: more pages
    await chat.press(f"report:areas:{HA_NOI}.4")
    last_page = [v for v in chat.choice_values if v.startswith("report:area:")]
    assert len(last_page) == 126 - 4 * 30 and not any(v.startswith("report:areas:") for v in chat.choice_values)
    await chat.press(f"report:area:{HA_NOI}")  # the whole city
    await chat.press("report:consent:none")
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["area_code"] == HA_NOI


@pytest.mark.parametrize("typed", ["xyzzy qwerty", "🙂🙂🙂", "'; DROP TABLE reports; --", "a" * 500])
async def test_unknown_text_is_asked_again_kindly_and_skipping_keeps_the_locality(chat, services, typed):
    await _walk_to_area(chat)
    await chat.send(typed)
    assert chat.values_of("report_area")["problem"] == "not_found"
    assert "report:skip" in chat.choice_values  # never a dead end
    await chat.send("bỏ qua")
    await chat.press("report:consent:none")
    assert chat.values_of("report_summary")["area"] is None
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["area_code"] == "x-02647"  # skipped: the deployment's locality, as before


async def test_a_crafted_area_button_is_asked_again(chat, services):
    await _walk_to_area(chat)
    await chat.press("report:area:x-99999")
    assert chat.values_of("report_area")["reask"] == "reask"
    await chat.press("report:areas:x-00070.0")  # a commune has no communes to page through
    assert chat.values_of("report_area")["reask"] == "reask"


async def test_the_commune_can_be_changed_from_the_summary(chat, services):
    await _to_summary(chat)
    assert chat.values_of("report_summary")["area"] is None and "report:edit" in chat.choice_values
    await chat.press("report:edit")
    await chat.press("report:edit:area")
    assert chat.templates == ["report_area"] and chat.values_of("report_area")["matches"] == []
    await chat.send("ta van lao cai")
    code = chat.values_of("report_area")["matches"][0]["code"]
    await chat.press(f"report:area:{code}")
    assert chat.values_of("report_summary")["area"] == services.library.areas.full_name(code)
    await chat.press("report:confirm")
    [row] = await _reports(services)
    assert row["area_code"] == code


@pytest.mark.parametrize("channel", ["terminal", "zalo"])
async def test_without_buttons_a_unit_is_picked_by_its_number(chat, services, channel):
    _without_buttons(chat, channel)
    await walk_to_evidence(chat)
    await chat.send("bỏ qua")
    assert chat.templates == ["report_area"]
    await chat.send("hoan kiem")
    await chat.send("1")
    await chat.send("không, tôi chỉ muốn báo")
    assert chat.values_of("report_summary")["area"] == services.library.areas.full_name(HOAN_KIEM)
