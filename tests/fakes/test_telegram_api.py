"""Tests of the fake Bot API server, driven through the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from .common import WaitTimeout
from .telegram_api import FakeTelegram

CHAT = 4242


@pytest_asyncio.fixture
async def fake():
    async with FakeTelegram() as tg:
        yield tg


@pytest_asyncio.fixture
async def bot(fake):
    async with Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot") as b:
        yield b


@pytest.mark.asyncio
async def test_get_me(bot, fake):
    me = await bot.get_me()
    assert me.id == 123456 and me.is_bot and me.username == "canhgiac_test_bot"
    assert me.first_name == "Canh Giác"
    assert fake.requests[-1] == ("getMe", {})


@pytest.mark.asyncio
async def test_method_names_are_case_insensitive_and_unknown_is_404(fake):
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{fake.token}") as http:
        ok = await http.get("/GETME")
        missing = await http.post("/noSuchMethod", json={})
        other = await http.get(f"{fake.url}/file/bot{fake.token}/photos/x.jpg")
    assert ok.status_code == 200 and ok.json()["result"]["id"] == 123456
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert other.status_code == 404


@pytest.mark.asyncio
async def test_wrong_token_is_invalid_token(fake):
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=f"{fake.url}/bot"):
            pass
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{fake.url}/bot999:wrong/getMe")
    assert resp.status_code == 401
    assert resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.asyncio
async def test_get_updates_offset_confirmation(bot, fake):
    first = fake.push_text(CHAT, "xin chào")
    second = fake.push_text(CHAT, "/start ref", first_name="Minh")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    assert updates[0].message.text == "xin chào" and updates[0].effective_user.id == CHAT
    assert updates[1].message.chat.type == "private" and updates[1].message.chat.first_name == "Minh"
    assert updates[1].message.entities[0].type == "bot_command"
    assert updates[1].message.message_id > updates[0].message.message_id
    # Not confirmed yet: delivered again.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, second]
    # Confirming the first only.
    assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    third = fake.push_text(CHAT, "nữa")
    assert [u.update_id for u in await bot.get_updates(offset=second + 1, timeout=0)] == [third]


@pytest.mark.asyncio
async def test_long_poll_wakes_up_on_push(bot, fake):
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    uid = fake.push_text(CHAT, "đây")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [uid]
    assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_long_poll_times_out_empty_and_stop_wakes_it(fake):
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{fake.token}") as http:
        started = time.monotonic()
        resp = await http.get("/getUpdates", params={"timeout": "0.3"})
        assert resp.json() == {"ok": True, "result": []}
        assert 0.25 < time.monotonic() - started < 2
        poll = asyncio.create_task(http.post("/getUpdates", data={"timeout": "30"}))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await fake.stop()
        resp = await asyncio.wait_for(poll, 3)
    assert resp.json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 1


@pytest.mark.asyncio
async def test_push_raw_repeats_a_confirmed_update(bot, fake):
    uid = fake.push_text(CHAT, "một lần")
    (update,) = await bot.get_updates(timeout=0)
    assert await bot.get_updates(offset=uid + 1, timeout=0) == ()
    fake.push_raw(update.to_dict())
    again = await bot.get_updates(offset=uid + 1, timeout=0)
    assert [u.update_id for u in again] == [uid]
    assert await bot.get_updates(offset=uid + 1, timeout=0) == ()
    assert fake.push_raw({"message": update.message.to_dict()}) == uid + 1


@pytest.mark.asyncio
async def test_send_message_returns_message_and_is_recorded(bot, fake):
    fake.push_text(CHAT, "hi", first_name="Hoa")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="yes")]])
    msg = await bot.send_message(CHAT, "<b>Cảnh báo</b> lừa đảo", parse_mode="HTML", reply_markup=markup)
    assert msg.message_id == 2 and msg.chat.id == CHAT and msg.chat.first_name == "Hoa"
    assert msg.from_user.id == 123456 and msg.text == "<b>Cảnh báo</b> lừa đảo"
    assert msg.reply_markup == markup and isinstance(msg.date, dtm.datetime)
    (sent,) = fake.messages_to(CHAT)
    assert sent["parse_mode"] == "HTML"
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    method, params = fake.requests[-1]
    assert method == "sendMessage" and params["chat_id"] == CHAT
    assert params["reply_markup"] == sent["reply_markup"]
    assert await fake.wait_for_messages(CHAT) == [sent]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text",
    [
        "<b>" + "x" * 4090 + "</b>" + "&lt;" * 6,
        "a &lt; b &amp;&amp; c &gt; d &#65; &#x41; &quot;",
        '<a href="https://t.me/x">link</a> <span class="tg-spoiler">s</span> <pre><code>p</code></pre>',
        "<i>nested <u>ok</u></i> <tg-spoiler>x</tg-spoiler> <blockquote>q</blockquote> & bare",
    ],
    ids=["4096-visible", "entities", "links-spoilers-pre", "nesting"],
)
async def test_valid_html_accepted(bot, text):
    assert (await bot.send_message(CHAT, text, parse_mode="HTML")).text == text


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>" + "x" * 4097 + "</b>", "message is too long"),
        ("&amp;" * 4097, "message is too long"),
        ("<b>unclosed", "can't parse entities"),
        ("a < b", "can't parse entities"),
        ("<br>", "can't parse entities"),
        ("<b><i>x</b></i>", "can't parse entities"),
        ('<span class="x">y</span>', "can't parse entities"),
        ("<b></b>", "message text is empty"),
    ],
    ids=["4097-visible", "4097-entities", "unclosed", "bare-lt", "unknown-tag", "misnested", "bad-span", "empty"],
)
async def test_invalid_html_rejected(bot, fake, text, error):
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.send_message(CHAT, text, parse_mode="HTML")
    assert fake.sent == []


@pytest.mark.asyncio
async def test_plain_text_limits(bot):
    assert (await bot.send_message(CHAT, "a < b")).text == "a < b"
    await bot.send_message(CHAT, "x" * 4096)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(CHAT, "   ")


@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_rejected(bot):
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x" * 64)]])
    await bot.send_message(CHAT, "ok", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="ệ" * 22)]])  # 66 bytes
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "no", reply_markup=too_long)


@pytest.mark.asyncio
async def test_edit_message_text(bot, fake):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    msg = await bot.send_message(CHAT, "câu hỏi", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("câu hỏi", chat_id=CHAT, message_id=msg.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    edited = await bot.edit_message_text("đã trả lời", chat_id=CHAT, message_id=msg.message_id)
    assert edited.text == "đã trả lời" and edited.reply_markup is None and edited.edit_date
    assert fake.message(CHAT, msg.message_id)["text"] == "đã trả lời"
    assert fake.messages_to(CHAT)[0]["text"] == "câu hỏi"  # sent keeps the snapshot
    assert [e["text"] for e in fake.edits] == ["đã trả lời"]
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=msg.message_id)
    await bot.edit_message_reply_markup(chat_id=CHAT, message_id=msg.message_id, reply_markup=markup)
    assert fake.message(CHAT, msg.message_id)["reply_markup"] == markup.to_dict()


@pytest.mark.asyncio
async def test_callback_query_roundtrip(bot, fake):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="q1:yes")]])
    msg = await bot.send_message(CHAT, "Bạn đã chuyển tiền chưa?", reply_markup=markup)
    fake.push_callback(CHAT, "q1:yes", message_id=msg.message_id)
    fake.push_callback(CHAT, "old", message_id=777)
    (update, stale) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query.data == "q1:yes" and query.from_user.id == CHAT
    assert query.message.text == "Bạn đã chuyển tiền chưa?" and query.message.reply_markup == markup
    assert stale.callback_query.message.is_accessible is False
    assert await bot.answer_callback_query(query.id, text="OK")
    assert fake.callback_answers == [{"callback_query_id": query.id, "text": "OK"}]
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query("nope")


@pytest.mark.asyncio
async def test_photos_and_contacts(bot, fake):
    fake.push_photo(CHAT, caption="ảnh chụp màn hình")
    fake.push_contact(CHAT, "+84901234567")
    photo_update, contact_update = await bot.get_updates(timeout=0)
    assert photo_update.message.photo[-1].file_id == "AgACAgQAAxk-photo"
    assert photo_update.message.caption == "ảnh chụp màn hình"
    assert contact_update.message.contact.phone_number == "+84901234567"
    assert contact_update.message.contact.user_id == CHAT
    by_id = await bot.send_photo(CHAT, "AgACAgQAAxk-photo", caption="<i>mẫu</i>", parse_mode="HTML")
    assert by_id.photo[-1].file_id == "AgACAgQAAxk-photo" and by_id.caption == "<i>mẫu</i>"
    uploaded = await bot.send_photo(CHAT, b"\x89PNG fake bytes", caption="upload")  # multipart
    assert uploaded.photo and fake.requests[-1][1]["photo"]["size"] == 15
    assert fake.requests[-1][1]["chat_id"] == CHAT
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_photo(CHAT, "AgACAgQAAxk-photo", caption="c" * 1025)
    assert len(await fake.wait_for_messages(CHAT, 2)) == 2


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # int retry_after
async def test_fail_next_429_is_retry_after(bot, fake):
    fake.fail_next("sendMessage", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as err:
            await bot.send_message(CHAT, "spam")
        retry_after = err.value.retry_after
        if isinstance(retry_after, dtm.timedelta):
            retry_after = retry_after.total_seconds()
        assert retry_after == 7
    assert (await bot.send_message(CHAT, "now ok")).text == "now ok"
    fake.fail_next("getMe", status=500)
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{fake.url}/bot{fake.token}/getMe")
    assert resp.status_code == 500 and resp.json()["description"] == "Internal Server Error"


@pytest.mark.asyncio
async def test_block_chat_is_forbidden(bot, fake):
    msg = await bot.send_message(CHAT, "trước")
    fake.block_chat(CHAT)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "sau")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=msg.message_id)
    assert (await bot.send_message(CHAT + 1, "người khác")).chat.id == CHAT + 1


@pytest.mark.asyncio
async def test_commands_and_descriptions(bot, fake):
    assert fake.commands is None
    await bot.set_my_commands([("start", "Bắt đầu"), ("help", "Trợ giúp")])
    assert fake.commands == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "x")])
    await bot.delete_my_commands()
    assert fake.commands == [] and await bot.get_my_commands() == ()
    assert await bot.set_my_description("Canh Giác giúp bạn")
    assert await bot.set_my_short_description("Chống lừa đảo")
    assert (await bot.get_my_description()).description == "Canh Giác giúp bạn"


@pytest.mark.asyncio
async def test_webhook_conflict(bot, fake):
    fake.push_text(CHAT, "pending")
    await bot.set_webhook("https://example.invalid/hook", secret_token="s3cret")
    assert fake.webhook["secret_token"] == "s3cret"
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


@pytest.mark.asyncio
async def test_wait_for_messages_timeout_and_clear(bot, fake):
    await bot.send_message(CHAT + 1, "không phải bạn")
    with pytest.raises(AssertionError, match="got 0") as err:
        await fake.wait_for_messages(CHAT, timeout=0.1)
    assert isinstance(err.value, WaitTimeout) and isinstance(err.value, asyncio.TimeoutError)
    await bot.send_message(CHAT, "một")
    assert [m["text"] for m in await fake.wait_for_messages(CHAT)] == ["một"]
    fake.clear()
    assert fake.sent == [] and fake.requests == []
    await bot.send_message(CHAT, "hai")
    assert [m["text"] for m in await fake.wait_for_messages(CHAT)] == ["hai"]


@pytest.mark.asyncio
async def test_application_long_polling_echo(fake):
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"Bạn nói: {update.message.text}")

    app = (
        ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot").build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.push_text(CHAT, "alo")
        (reply,) = await fake.wait_for_messages(CHAT, timeout=5)
        assert reply["text"] == "Bạn nói: alo"
        fake.push_text(CHAT, "lần hai")
        assert (await fake.wait_for_messages(CHAT))[0]["text"] == "Bạn nói: lần hai"
        started = time.monotonic()
        await app.updater.stop()
        await app.stop()
    assert time.monotonic() - started < 2.5
    # The updater's cleanup call confirmed everything: nothing is delivered again.
    assert fake._pending == []
    assert ("deleteWebhook", {"drop_pending_updates": False}) in fake.requests or any(
        name == "deleteWebhook" for name, _ in fake.requests
    )
