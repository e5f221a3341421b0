"""End to end: the real python-telegram-bot Application, started by `serve()` (the code path of
`canhgiac run`), talking HTTP to the loopback fake Bot API in tests/fakes."""

from __future__ import annotations

import asyncio
import html
import io
import logging
import socket
import time

import httpx
import pytest
from pydantic import SecretStr

from bot.app.serve import serve
from bot.app.wiring import wire
from bot.core.logs import setup_logging
from bot.core.messages import Reply
from bot.core.settings import Settings
from handlers import build_router
from tests.fakes.running_bot import CHAT, TOKEN, RunningBot, keyboard_of, private_update, texts_of


async def test_start_shows_the_menu_as_an_inline_keyboard_and_sets_commands(fake, tg_settings, library):
    texts = library.content.texts("vi")
    async with RunningBot(tg_settings, fake):
        fake.push_text(CHAT, "/start", first_name="Hoa")
        [welcome] = await fake.wait_for_messages(CHAT)
    assert (
        welcome["text"] == texts.render("welcome", name="Hoa", locality={"name": tg_settings.locality_name})
        and welcome["parse_mode"] == "HTML"
    )
    buttons = [row[0] for row in keyboard_of(welcome)]
    assert len(buttons) == 8 and buttons[6]["callback_data"] == "hotlines"
    assert buttons[6]["text"] == texts.label("menu.hotlines")
    # The menu is the router's, set in the background at start: commands anyone may use, in order.
    menu = build_router().menu_commands
    assert [c["command"] for c in fake.commands] == menu and {"start", "kiemtra", "baocao"} <= set(menu)
    assert not {"hangdoi", "phatcanhbao"} & set(menu)
    assert "113" in fake.short_description and fake.short_description == texts.label("about.short_description")
    assert fake.description == texts.label("about.description")
    assert not any(method == "sendChatAction" for method, _ in fake.requests)  # a quick answer needs none


async def test_a_slow_answer_shows_typing_first(fake, tg_settings):
    router = build_router()

    async def slow(msg, svc):
        await asyncio.sleep(1.5)
        return [Reply("xong")]

    router.command(slow, "slow")
    async with RunningBot(tg_settings, fake, router=router):
        fake.push_text(CHAT, "/slow")
        await fake.wait_for_messages(CHAT)
    actions = [params for method, params in fake.requests if method == "sendChatAction"]
    assert [a["action"] for a in actions] == ["typing"]


async def test_a_button_press_is_answered_and_marked(fake, tg_settings, library):
    async with RunningBot(tg_settings, fake):
        fake.push_text(CHAT, "/start")
        [menu] = await fake.wait_for_messages(CHAT)
        fake.push_callback(CHAT, "hotlines", message_id=menu["message_id"])
        [hotlines] = await fake.wait_for_messages(CHAT)
        deadline = time.monotonic() + 5
        while not fake.edits and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    assert "113" in hotlines["text"] and "0214 3820 113" in hotlines["text"]
    assert len(fake.callback_answers) == 1
    marked = fake.message(CHAT, menu["message_id"])
    texts = library.content.texts("vi")
    pressed = html.escape(texts.label("menu.hotlines"))
    assert marked["text"].endswith(f"\n\n{texts.label('chosen')} <i>{pressed}</i>")  # the pressed button's label
    assert not keyboard_of(marked)


async def test_a_repeated_update_is_ignored(fake, tg_settings):
    update = private_update(4242, "/help")
    async with RunningBot(tg_settings, fake):
        fake.push_raw(update)
        await fake.wait_for_messages(CHAT)
        fake.push_raw(update)  # Telegram delivers it again
        fake.push_text(CHAT, "/hotline")
        [after] = await fake.wait_for_messages(CHAT)
        await asyncio.sleep(0.3)
    assert "113" in after["text"]
    assert len(fake.messages_to(CHAT)) == 2  # help once, hotline once


async def test_a_429_is_retried_and_the_message_still_arrives(fake, tg_settings):
    async with RunningBot(tg_settings, fake):
        fake.fail_next("sendMessage", status=429, retry_after=1)
        started = time.monotonic()
        fake.push_text(CHAT, "/hotline")
        [reply] = await fake.wait_for_messages(CHAT, timeout=10)
    assert "113" in reply["text"]
    assert time.monotonic() - started >= 1  # it waited as told
    assert sum(1 for method, _ in fake.requests if method == "sendMessage") == 2


async def test_the_bot_survives_a_handler_exception_and_a_failed_send(fake, tg_settings, library):
    router = build_router()

    async def explode(msg, svc):
        raise RuntimeError("bug in a handler")

    router.command(explode, "explode")
    async with RunningBot(tg_settings, fake, router=router):
        fake.push_text(CHAT, "/explode")
        [apology] = await fake.wait_for_messages(CHAT)
        fake.fail_next("sendMessage", status=500)
        fake.push_text(CHAT, "/help")  # its reply meets a 500 and is sent again (bot/channels/retry.py)
        await asyncio.sleep(0.3)
        fake.push_text(CHAT, "/hotline")
        replies = await fake.wait_for_messages(CHAT, count=2)
    assert apology["text"] == library.content.texts("vi").render("failure")
    assert "113" in texts_of(replies)


async def test_a_chat_that_blocked_the_bot_does_not_stop_it(fake, tg_settings):
    async with RunningBot(tg_settings, fake):
        fake.block_chat(666)
        fake.push_text(666, "/start")
        await asyncio.sleep(0.3)
        fake.push_text(CHAT, "/start")
        await fake.wait_for_messages(CHAT)


async def test_state_survives_a_restart_in_the_middle_of_a_flow(fake, tg_settings, library):
    async with RunningBot(tg_settings, fake):
        fake.push_text(CHAT, "/xoadulieu")
        [question] = await fake.wait_for_messages(CHAT)
    assert [b["callback_data"] for b in keyboard_of(question)[0]] == ["forget:yes", "forget:no"]
    async with RunningBot(tg_settings, fake):  # a new process on the same database
        fake.push_callback(CHAT, "forget:yes", message_id=question["message_id"])
        [done] = await fake.wait_for_messages(CHAT)
    assert done["text"] == library.content.texts("vi").render("forget_done")


async def test_long_replies_are_split_with_the_keyboard_on_the_last_part(fake, tg_settings):
    router = build_router()
    paragraph = "Đoạn văn rất dài để thử chia tin nhắn. " * 40

    async def long_answer(msg, svc):
        from handlers.menu import menu_button

        return [Reply("\n\n".join(f"<b>{i}</b> {paragraph}" for i in range(8)), choices=menu_button(svc.texts(msg)))]

    router.command(long_answer, "long")
    async with RunningBot(tg_settings, fake, router=router):
        fake.push_text(CHAT, "/long")
        parts = await fake.wait_for_messages(CHAT, count=3)
        await asyncio.sleep(0.2)
    parts = fake.messages_to(CHAT)
    assert len(parts) >= 3 and all(len(p["text"]) <= 4096 for p in parts)
    assert [bool(keyboard_of(p)) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_user_text_is_escaped_so_telegram_accepts_every_reply(fake, tg_settings):
    hostile = [
        "/start",
        "<b>{{ 7*7 }}</b>",
        "'; DROP TABLE chats; --",
        "\u200b",
        "😡" * 50,
        "a < b & c > d",
        "x" * 5000,
    ]
    async with RunningBot(tg_settings, fake):
        for text in hostile:
            # The welcome echoes the display name: it must arrive escaped, or Telegram refuses it.
            fake.push_text(CHAT, text, first_name="<i>Lan {{ 7*7 }}")
            [reply] = await fake.wait_for_messages(CHAT)
            assert "49" not in reply["text"]
    assert "&lt;i&gt;Lan {{ 7*7 }}" in fake.messages_to(CHAT)[0]["text"]
    # Each arrived, once: a reply the HTML parser refused would be lost (a refusal is not retried;
    # only a flood wait is).
    assert len(fake.messages_to(CHAT)) == len(hostile)


async def test_group_chatter_is_ignored_but_commands_answered(fake, tg_settings):
    group = {"id": -1001234, "type": "supergroup", "title": "Tổ dân phố 5"}
    base = {"date": int(time.time()), "chat": group, "from": {"id": 77, "is_bot": False, "first_name": "Lan"}}
    async with RunningBot(tg_settings, fake):
        fake.push_raw({"message": {**base, "message_id": 1, "text": "alo cả nhà"}})
        fake.push_raw({"message": {**base, "message_id": 2, "text": "/hotline@canhgiac_test_bot"}})
        [reply] = await fake.wait_for_messages(-1001234)
        await asyncio.sleep(0.2)
    assert "113" in reply["text"] and len(fake.messages_to(-1001234)) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def on_local_webhook(settings: Settings, secret: str) -> tuple[Settings, str]:
    """`settings` with Telegram's webhook served on a free local port, checking `secret`; and the
    local address Telegram would post to."""
    port = free_port()
    webhook = {"webhook_listen": "127.0.0.1", "webhook_port": port, "telegram_webhook_secret": SecretStr(secret)}
    return settings.model_copy(update=webhook), f"http://127.0.0.1:{port}/telegram"


async def test_webhook_mode_checks_the_secret_on_every_request(fake, tg_settings):
    settings, local = on_local_webhook(tg_settings, "hook_secret-123")
    update = private_update(1, "/hotline")
    async with RunningBot(settings, fake, webhook_url="https://bot.example.vn/telegram"):
        assert fake.webhook["url"] == "https://bot.example.vn/telegram"
        assert fake.webhook["secret_token"] == "hook_secret-123"
        async with httpx.AsyncClient() as client:
            wrong = await client.post(local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            missing = await client.post(local, json=update)
            right = await client.post(
                local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook_secret-123"}
            )
        [reply] = await fake.wait_for_messages(CHAT)
    assert wrong.status_code == 403 and missing.status_code == 403 and right.status_code == 200
    assert "113" in reply["text"]


async def test_the_token_never_reaches_the_log(fake, tg_settings):
    stream = io.StringIO()
    setup_logging("DEBUG", tg_settings.secrets(), stream=stream)
    try:
        async with RunningBot(tg_settings, fake):
            fake.fail_next("sendMessage", status=400)  # not retried, unlike a 500: the update fails
            fake.push_text(CHAT, "/start")
            await asyncio.sleep(0.5)
            fake.push_text(CHAT, "/help")
            await fake.wait_for_messages(CHAT)
    finally:
        logging.getLogger().handlers.clear()
    log = stream.getvalue()
    assert "update channel=telegram handler=handlers.help.show_help" in log
    assert "update failed" in log  # the 400 was logged, with its traceback
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


async def test_a_token_telegram_refuses_stops_the_start_with_a_clear_error(fake, tg_settings):
    from bot.channels import ChannelStartError

    settings = tg_settings.model_copy(update={"telegram_bot_token": SecretStr("999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")})
    bot = wire(settings)
    try:
        with pytest.raises(ChannelStartError, match="refused TELEGRAM_BOT_TOKEN"):
            await serve(bot, stop=asyncio.Event())
    finally:
        bot.close()


async def test_canhgiac_run_serves_and_stops_gracefully_on_sigterm(fake, tmp_path):
    """The real command in its own process: it serves, then SIGTERM ends it cleanly."""
    import os
    import signal
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_"))}
    env.update(
        PYTHONPATH=str(Path(__file__).resolve().parents[3]),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"{fake.url}/bot",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not any(method == "getUpdates" for method, _ in fake.requests):
            assert time.monotonic() < deadline and process.returncode is None, "canhgiac run did not start"
            await asyncio.sleep(0.05)
        fake.push_text(CHAT, "/start")
        [welcome] = await fake.wait_for_messages(CHAT, timeout=10)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
    stderr = (await process.stderr.read()).decode()
    from bot.services import load_library

    as_run = load_library(Settings(_env_file=None)).content.texts("vi")  # the content `canhgiac run` loads
    assert welcome["text"] == as_run.render("welcome", name="Lan")
    assert code == 0, stderr
    assert "channel stopped channel=telegram" in stderr
    assert (tmp_path / "data" / "canhgiac.db").exists()
    assert TOKEN.split(":")[1] not in stderr


async def test_a_forwarded_message_is_judged_from_telegrams_forward_metadata(fake, tg_settings, library):
    # A few everyday words: typed, they go to the FAQ; forwarded (Telegram's forward_origin), they
    # are a message the citizen received, and get the verdict with its "check another" button.
    text = "Tối nay họp lớp lúc 7 giờ ở quán cũ nhé"
    another = library.content.texts("vi").label("check.another_message")
    async with RunningBot(tg_settings, fake):
        fake.push_text(CHAT, text, forwarded_from="Hoa")
        [forwarded] = await fake.wait_for_messages(CHAT)
        fake.push_text(CHAT, text)
        [typed] = await fake.wait_for_messages(CHAT)
    assert forwarded["parse_mode"] == "HTML" and another in [row[0]["text"] for row in keyboard_of(forwarded)]
    assert another not in [row[0]["text"] for row in keyboard_of(typed)]


async def test_role_holders_see_their_commands_and_an_unchanged_profile_is_not_set_again(fake, tg_settings):
    settings = tg_settings.model_copy(update={"police_ids": ["777"], "admin_ids": ["888"]})
    async with RunningBot(settings, fake):
        for _ in range(100):
            if len(fake.scoped_commands) >= 4:
                break
            await asyncio.sleep(0.02)
    menu = build_router().menu_commands
    police = fake.scoped_commands[('{"chat_id": 777, "type": "chat"}', "")]
    admin = fake.scoped_commands[('{"chat_id": 888, "type": "chat"}', "")]
    assert [c["command"] for c in police] == [*menu, "hangdoi", "dangnhap"]
    assert [c["command"] for c in admin] == [*menu, "moi", "vaitro", "diaphuong", "dangnhap"]
    assert "hangdoi" not in [c["command"] for c in fake.commands]  # citizens never see it
    groups = [c["command"] for c in fake.scoped_commands[('{"type": "all_group_chats"}', "")]]
    assert groups == build_router().group_menu_commands and set(groups) < set(menu)
    assert "baocao" not in groups and "hotline" in groups  # a report asks for typed answers: not in groups
    sets = fake.profile_sets
    async with RunningBot(settings, fake):  # the next start: nothing changed, nothing set
        await asyncio.sleep(0.3)
    assert fake.profile_sets == sets


def _membership(status: str, old: str) -> dict:
    person = {"id": CHAT, "first_name": "Lan", "is_bot": False}
    me = {"id": 7012345678, "is_bot": True, "first_name": "Canh Giác"}
    return {"my_chat_member": {
        "chat": {"id": CHAT, "type": "private", "first_name": "Lan"}, "from": person, "date": int(time.time()),
        "old_chat_member": {"status": old, "user": me, "until_date": 0},
        "new_chat_member": {"status": status, "user": me, "until_date": 0},
    }}  # fmt: skip


async def test_blocking_the_bot_stops_the_subscription_at_once_and_unblocking_resumes_it(fake, tg_settings):
    from bot.broadcast import subscriptions
    from bot.core.messages import ChatKey

    async with RunningBot(tg_settings, fake) as bot:
        chat = ChatKey("telegram", str(CHAT))
        bot.services.storage.write_sync(lambda db: subscriptions.subscribe(db, chat, "t-08", bot.services.clock()))

        async def active() -> bool:
            return (await bot.services.storage.read(lambda db: subscriptions.get(db, chat))).active

        async def until(wanted: bool) -> bool:
            for _ in range(200):
                if await active() == wanted:
                    return True
                await asyncio.sleep(0.02)
            return False

        fake.push_raw(_membership("kicked", "member"))
        assert await until(False)
        fake.push_raw(_membership("member", "kicked"))
        assert await until(True)
        # A kind the bot did not ask for is never delivered, as Telegram drops it.
        reaction = {"chat": {"id": CHAT, "type": "private"}, "message_id": 1, "date": int(time.time()),
                    "old_reaction": [], "new_reaction": []}  # fmt: skip
        fake.push_raw({"message_reaction": reaction})
        fake.push_text(CHAT, "/hotline")
        await fake.wait_for_messages(CHAT)
    assert fake.allowed_updates == {"message", "callback_query", "my_chat_member"}
    assert not any("message_reaction" in e["update"] for e in fake._pending)


async def test_replies_keep_to_the_rate_limiters_pace(fake, tg_settings):
    # Replies skip python-telegram-bot's `Message` objects (`RepliesBot.post_text`), not its rate
    # limiter: forty chats starting at once, a pace of 10 a second, a fake refusing past 25. The
    # bot alone sends far faster than that: without the limiter the fake would answer 429s.
    fake.rate_limit(per_second=25, per_chat_per_second=1)
    settings = tg_settings.model_copy(update={"telegram_max_messages_per_second": 10})
    chats = range(5001, 5041)
    async with RunningBot(settings, fake):
        started = time.monotonic()
        for chat in chats:
            fake.push_text(chat, "/start")
        for chat in chats:
            await fake.wait_for_messages(chat, timeout=30)
        took = time.monotonic() - started
    assert fake.throttled == 0
    assert took >= 2.5  # a first burst of 10, then 30 more at 10 a second
