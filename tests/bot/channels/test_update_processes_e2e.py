"""`CANHGIAC_UPDATE_PROCESSES` ≥ 2: Telegram updates handled by the serving process and children
(`bot/app/update_processes.py`), through the real python-telegram-bot client against the loopback
fake: each chat's replies in order, whichever process handles it; a child killed with updates in
hand loses none and doubles no reply; children exit with a parent killed with SIGKILL; a write
meeting another process's write lock past the busy timeout is begun again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import httpx
from pydantic import SecretStr

from bot.app.update_processes import settings_from, settings_payload
from bot.channels.telegram_updates import chat_of
from bot.core.storage import Storage
from tests.bot.channels.test_broadcast_e2e import wait_until
from tests.bot.channels.test_telegram_e2e import on_local_webhook
from tests.fakes.bot_process import BotProcess, bot_env, children_of, running
from tests.fakes.running_bot import CHAT, RunningBot, private_update

HANDLED = "update channel=telegram handler="  # the router's line for each update it handled


def kinds(fake, chat: int) -> list[str]:
    """What each message the bot sent to `chat` answered: /start ends with the main menu (its
    "hotlines" button), /help with the menu button alone."""
    found = []
    for message in fake.messages_to(chat):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        values = [button.get("callback_data") for row in rows for button in row]
        found.append("start" if "hotlines" in values else "help" if values == ["menu"] else "other")
    return found


def test_the_chat_of_a_raw_update():
    chat = {"id": -100123, "type": "supergroup"}
    assert chat_of({"update_id": 1, "message": {"chat": chat}}) == -100123
    assert chat_of({"update_id": 1, "callback_query": {"id": "q", "message": {"chat": chat}}}) == -100123
    assert chat_of({"update_id": 1, "my_chat_member": {"chat": chat}}) == -100123
    # A button under an inline message, an update of a kind not handled: no chat, a fixed process.
    assert chat_of({"update_id": 1, "callback_query": {"id": "q", "inline_message_id": "x"}}) is None
    assert chat_of({"update_id": 1, "inline_query": {"id": "q"}}) is None


def test_a_child_gets_every_setting_the_parent_has(tg_settings):
    settings = tg_settings.model_copy(
        update={"update_processes": 3, "telegram_webhook_secret": SecretStr("s3cret"), "police_ids": ["1=x-02647"]}
    )
    again = settings_from(settings_payload(settings))
    assert again == settings
    assert again.telegram_webhook_secret.get_secret_value() == "s3cret"


async def test_with_two_processes_each_chat_gets_its_replies_in_order(fake, tg_settings, capfd):
    fake.rate_limit(per_second=1000, per_chat_per_second=100)
    settings = tg_settings.model_copy(update={"update_processes": 2, "log_level": "INFO"})
    chats = [CHAT + i for i in range(6)]  # odd ids: the child's (id mod 2 = 1); even: the serving process's
    sequence = ["/start", "/help", "/start", "/help", "/help", "/start"]
    async with RunningBot(settings, fake):
        for text in sequence:  # all at once: no update waits for the one before it to be answered
            for chat in chats:
                fake.push_text(chat, text, user_id=chat)
        await wait_until(lambda: all(len(fake.messages_to(chat)) >= len(sequence) for chat in chats), timeout=60)
        await asyncio.sleep(0.5)  # a reply sent twice would arrive now
    for chat in chats:
        assert kinds(fake, chat) == [text.lstrip("/") for text in sequence], chat
    # The child handled the odd chats' updates (its log is this process's stderr), the parent the others.
    child_lines = capfd.readouterr().err.count(HANDLED)
    assert child_lines == len(sequence) * 3


async def test_a_webhook_hands_each_update_to_the_process_of_its_chat(fake, tg_settings, capfd):
    settings, local = on_local_webhook(tg_settings, "hook_secret-123")
    settings = settings.model_copy(update={"update_processes": 2, "log_level": "INFO"})
    headers = {"X-Telegram-Bot-Api-Secret-Token": "hook_secret-123"}
    async with RunningBot(settings, fake, webhook_url="https://bot.example.vn/telegram"):
        async with httpx.AsyncClient() as client:
            for update_id, text in enumerate(["/start", "/help"], start=1):
                assert (
                    await client.post(local, json=private_update(update_id, text), headers=headers)
                ).status_code == 200
            bad = await client.post(local, json=["not", "an", "update"], headers=headers)
        await wait_until(lambda: len(fake.messages_to(CHAT)) >= 2, timeout=30)
    assert bad.status_code == 400
    assert kinds(fake, CHAT) == ["start", "help"]
    assert capfd.readouterr().err.count(HANDLED) == 2  # CHAT is odd: the child's


async def test_a_killed_child_loses_no_update_and_doubles_no_reply(fake, tmp_path):
    fake.rate_limit(per_second=1000, per_chat_per_second=100)
    env = bot_env(fake.url, tmp_path / "bot.db", CANHGIAC_UPDATE_PROCESSES="2", CANHGIAC_LOG_LEVEL="INFO")
    bot = BotProcess(env, tmp_path)
    try:
        await wait_until(lambda: any(method == "getUpdates" for method, _ in fake.requests), timeout=120)
        [child] = children_of(bot.pid)  # polling starts once the child said it is ready
        answered = private_update(7001, "/start")  # CHAT is odd: the child's
        fake.push_raw(answered)
        await wait_until(lambda: len(fake.messages_to(CHAT)) == 1, timeout=30)

        # The child stops (as if busy), updates pile up in its pipe, then it is killed: the
        # parent must give them, in order, to the next child.
        os.kill(child, signal.SIGSTOP)
        odd = [CHAT + 2, CHAT + 4, CHAT + 6]
        for text in ("/start", "/help", "/start"):
            for chat in odd:
                fake.push_text(chat, text, user_id=chat)
        fake.push_text(CHAT + 1, "/help", user_id=CHAT + 1)  # the serving process's chat goes on meanwhile
        await wait_until(lambda: len(fake.messages_to(CHAT + 1)) == 1, timeout=30)
        await asyncio.sleep(0.3)  # the last updates reach the stopped child's pipe
        assert all(not fake.messages_to(chat) for chat in odd)
        os.kill(child, signal.SIGKILL)

        await wait_until(lambda: all(len(fake.messages_to(chat)) >= 3 for chat in odd), timeout=120)
        [replacement] = children_of(bot.pid)
        assert replacement != child
        fake.push_raw(answered)  # Telegram repeating an update the dead child had answered
        fake.push_text(CHAT, "/help", user_id=CHAT)
        await wait_until(lambda: len(fake.messages_to(CHAT)) >= 2, timeout=30)
        await asyncio.sleep(0.5)  # a reply sent twice would arrive now
        for chat in odd:
            assert kinds(fake, chat) == ["start", "help", "start"], chat
        assert kinds(fake, CHAT) == ["start", "help"]  # the repeated /start: no second reply
        assert "update process ended slot=1" in bot.stderr

        # The parent killed with SIGKILL: its child's stdin closes and it exits.
        bot.kill()
        deadline = time.monotonic() + 30
        while running(replacement):
            assert time.monotonic() < deadline, "the update process outlived its parent"
            await asyncio.sleep(0.1)
    finally:
        await bot.stop()


async def test_a_write_meeting_another_process_lock_past_the_busy_timeout_begins_again(tmp_path):
    storage = Storage(tmp_path / "bot.db", busy_timeout_ms=100)
    code = (
        "import sqlite3, sys, time\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(0.35)\n"  # three busy timeouts of the writer below, fewer than its attempts
        "conn.execute('ROLLBACK')\n"
    )
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(storage.path), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert (await asyncio.wait_for(locker.stdout.readline(), 10)).strip() == b"locked"
        started = time.monotonic()
        assert await storage.write(lambda db: db.execute("SELECT 1").fetchone()[0]) == 1
        assert time.monotonic() - started >= 0.2  # it did wait for the other process
    finally:
        await locker.wait()
        storage.close()
