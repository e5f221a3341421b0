"""End to end on Zalo: `serve()` with our httpx client against the loopback fake Zalo Bot API."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import socket
import time

import pytest
from pydantic import SecretStr

from bot.broadcast import broadcasts, subscriptions
from bot.core.clock import utc_now
from bot.core.logs import setup_logging
from bot.core.messages import ChatKey, Reply
from bot.core.settings import Settings
from handlers import build_router
from tests.fakes.running_bot import RunningBot
from tests.fakes.zalo_api import FakeZalo

ZALO_TOKEN = "3141592653:zaLoBoTtOkEnForTestsOnly_abcdefXYZ"
CHAT = "6a1b2c3d4e5f"


@pytest.fixture
async def zalo():
    async with FakeZalo(token=ZALO_TOKEN) as fake:
        yield fake


@pytest.fixture
def zalo_settings(tmp_path, zalo) -> Settings:
    return Settings(
        _env_file=None,
        zalo_bot_token=ZALO_TOKEN,
        zalo_api_base_url=zalo.url,
        db_path=tmp_path / "bot.db",
        weekly_day="off",
    )


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def say(zalo: FakeZalo, text: str, count: int = 1) -> str:
    zalo.push_text(CHAT, text)
    return text_of(await zalo.wait_for_messages(CHAT, count=count))


async def test_the_menu_is_a_numbered_list_and_a_number_chooses(zalo, zalo_settings):
    async with RunningBot(zalo_settings, zalo):
        welcome = await say(zalo, "/start")
        assert "1. 📚 Các thủ đoạn lừa đảo" in welcome and "8. ❓ Hướng dẫn" in welcome
        assert "Trả lời 1, 2, 3, 4, 5, 6, 7 hoặc 8 để chọn" in welcome
        assert "<b>" not in welcome  # Zalo shows no formatting: plain text
        hotlines = await say(zalo, "7")
        assert "113" in hotlines and "5656" in hotlines
        menu = await say(zalo, "ve menu chinh")  # the option's words, without accents
        assert "1. 📚" in menu
        question = await say(zalo, "7 ngày trước tôi bị lừa chuyển tiền")  # a number in words is not a choice
        assert "Đường dây nóng" not in question.split("\n")[0]


async def test_a_whole_report_by_numbers_and_words(zalo, zalo_settings):
    async with RunningBot(zalo_settings, zalo) as bot:
        await say(zalo, "/baocao", count=2)
        asked = await say(zalo, "1")  # 📞 Cuộc gọi
        assert "Số điện thoại đã gọi" in asked
        via = await say(zalo, "0912 345 678")
        assert "1. Gọi điện thông thường" in via
        await say(zalo, "1")  # via
        await say(zalo, "1")  # claimed: police
        await say(zalo, "1")  # today
        await say(zalo, "3 triệu")
        await say(zalo, "Gọi xưng công an, đòi chuyển tiền")
        zalo.push_image(CHAT, "https://example.com/proof.jpg")
        consent = text_of(await zalo.wait_for_messages(CHAT))
        assert "1. Đồng ý cho công an gọi lại" in consent
        contact = await say(zalo, "1")
        assert "gõ số di động" in contact
        summary = await say(zalo, "0987 654 321")
        assert "0912 345 678" in summary and "3.000.000 đ" in summary
        done = await say(zalo, "1")  # ✅ Gửi báo cáo
        assert re.search(r"BC-\d{8}-\d{4}", done)
        [row] = await bot.services.storage.read(lambda db: list(db["reports"].rows))
    assert row["channel"] == "zalo" and row["evidence"] == "https://example.com/proof.jpg"
    assert row["contact_phone"] == "+84987654321"


async def test_a_repeated_delivery_is_answered_once(zalo, zalo_settings):
    async with RunningBot(zalo_settings, zalo):
        message_id = zalo.push_text(CHAT, "/help")
        await zalo.wait_for_messages(CHAT)
        zalo.push_raw(zalo.update_of(message_id))  # Zalo delivers the same message again
        hotline = await say(zalo, "/hotline")
        await asyncio.sleep(0.3)
    assert "113" in hotline
    assert len([m for m in zalo.sent if m["chat_id"] == CHAT]) == 2


async def test_a_repeated_delivery_without_a_message_id_is_answered_once(zalo, zalo_settings):
    update = zalo.make_text_update(CHAT, "/help")
    del update["message"]["message_id"]  # some events come without one
    async with RunningBot(zalo_settings, zalo) as bot:
        zalo.push_raw(update)
        await zalo.wait_for_messages(CHAT)
        zalo.push_raw(update)  # Zalo delivers the same event again
        hotline = await say(zalo, "/hotline")
        # The same words sent again later are a new message, and answered.
        again = {**update, "message": {**update["message"], "date": update["message"]["date"] + 1}}
        zalo.push_raw(again)
        await zalo.wait_for_messages(CHAT)
        await asyncio.sleep(0.3)
        keys = await bot.services.storage.read(
            lambda db: [row[0] for row in db.execute("SELECT update_key FROM handled_updates WHERE channel = 'zalo'")]
        )
    assert "113" in hotline
    assert len([m for m in zalo.sent if m["chat_id"] == CHAT]) == 3  # help, hotline, help
    assert "/help" not in " ".join(keys) and CHAT not in " ".join(keys)  # keys are hashes, not contents


async def test_a_long_answer_is_split_under_2000_characters(zalo, zalo_settings):
    router = build_router()

    async def long(msg, svc):
        return [Reply("\n\n".join(f"Đoạn {n}: " + "cảnh giác " * 40 for n in range(7)), choices=())]

    router.command(long, "long")
    async with RunningBot(zalo_settings, zalo, router=router):
        zalo.push_text(CHAT, "/long")
        parts = await zalo.wait_for_messages(CHAT, count=2)
    assert len(parts) == 2 and all(len(p["text"]) <= 2000 for p in parts)
    assert "Đoạn 0" in parts[0]["text"] and "Đoạn 6" in parts[1]["text"]


async def test_stickers_and_other_events_get_a_friendly_answer(zalo, zalo_settings):
    async with RunningBot(zalo_settings, zalo):
        zalo.push_sticker(CHAT)
        sticker = text_of(await zalo.wait_for_messages(CHAT))
        zalo.push_unsupported(CHAT)
        other = text_of(await zalo.wait_for_messages(CHAT))
    assert "chữ" in sticker and "chữ" in other


async def test_the_token_never_reaches_the_log(zalo, zalo_settings):
    stream = io.StringIO()
    setup_logging("DEBUG", zalo_settings.secrets(), stream=stream)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    try:
        zalo.fail_next("sendMessage", code=500)
        async with RunningBot(zalo_settings, zalo):
            zalo.push_text(CHAT, "/start")
            await asyncio.sleep(0.5)
            await say(zalo, "/hotline")
    finally:
        logging.getLogger().handlers.clear()
    logged = stream.getvalue()
    assert "zalo" in logged and ZALO_TOKEN not in logged and ZALO_TOKEN.split(":")[1] not in logged


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_checks_the_secret_and_takes_bare_or_wrapped_updates(zalo, zalo_settings):
    port = _free_port()
    settings = zalo_settings.model_copy(
        update={
            "zalo_webhook_secret": SecretStr("s3cret-for-zalo"),
            "zalo_webhook_port": port,
            "webhook_listen": "127.0.0.1",
        }
    )
    url = "https://bot.example.vn/zalo-hook"
    local = f"http://127.0.0.1:{port}/zalo-hook"
    async with RunningBot(settings, zalo, zalo_webhook_url=url):
        assert zalo.webhook["url"] == url
        update = zalo.make_text_update(CHAT, "/hotline")
        assert await zalo.post_webhook(local, update, secret=None) == 403
        assert await zalo.post_webhook(local, update, secret="wrong-secret") == 403
        assert await zalo.post_webhook(local, update, secret="s3cret-for-zalo") == 200
        assert "113" in text_of(await zalo.wait_for_messages(CHAT))
        wrapped = zalo.make_text_update(CHAT, "/help")
        assert await zalo.post_webhook(local, wrapped, secret="s3cret-for-zalo", wrapped=True) == 200
        assert "/menu" in text_of(await zalo.wait_for_messages(CHAT))


async def test_telegram_and_zalo_in_one_process_and_one_failing_does_not_stop_the_other(zalo, zalo_settings):
    settings = zalo_settings.model_copy(
        update={
            "telegram_bot_token": SecretStr("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
            "telegram_api_base_url": "http://127.0.0.1:9/bot",  # nothing listens: Telegram cannot start
        }
    )
    async with RunningBot(settings, zalo):
        assert "113" in await say(zalo, "/hotline")


async def test_broadcasts_reach_zalo_subscribers_through_the_same_outbox(zalo, zalo_settings):
    settings = zalo_settings.model_copy(update={"zalo_broadcast_per_second": 20})
    async with RunningBot(settings, zalo) as bot:
        await say(zalo, "/dangky")
        await say(zalo, "1")  # tỉnh Lào Cai
        await say(zalo, "1")  # the whole province
        blocked = "b10cked"
        zalo.block_chat(blocked)

        def queue(db):
            subscriptions.subscribe(db, ChatKey("zalo", blocked), "lao-cai", utc_now())
            broadcasts.create(db, created_by="cli", now=utc_now(), text="Cảnh báo thử trên Zalo")

        await bot.services.storage.write(queue)
        [warning] = await zalo.wait_for_messages(CHAT, timeout=10)
        deadline = time.monotonic() + 10
        while True:
            state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
            if state.counts.get("blocked") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    assert "Cảnh báo thử trên Zalo" in warning["text"] and "/huydangky" in warning["text"]
    assert state.counts == {"sent": 1, "blocked": 1}


async def test_a_zalo_token_that_is_refused_stops_the_start_with_a_clear_error(zalo, zalo_settings):
    from bot.channels import ChannelStartError

    settings = zalo_settings.model_copy(update={"zalo_bot_token": SecretStr("0000000000:wrongwrongwrongwrong")})
    with pytest.raises(ChannelStartError, match="ZALO_BOT_TOKEN"):
        async with RunningBot(settings, zalo):
            pass


async def test_an_officer_acts_on_the_first_item_of_the_queue_by_number(zalo, zalo_settings):
    from bot.reporting import reports
    from tests.bot.channels.test_terminal import file_report
    from tests.conftest import Chat

    zalo_settings.police_ids = [f"zalo:{CHAT}"]
    async with RunningBot(zalo_settings, zalo) as bot:
        for citizen, number in (("11", "0912345678"), ("12", "0912345678"), ("13", "0987654321")):
            await file_report(Chat(bot.router, bot.services, chat_id=citizen), number)
        first_id = (await bot.services.storage.read(lambda db: reports.queue(db, limit=5)))[0].identifier_id
        await say(zalo, "/hangdoi", count=3)
        await say(zalo, "1")
        conversation = await bot.services.conversations.get(ChatKey("zalo", CHAT))
    assert conversation is not None and conversation.flow == "police_note"
    assert conversation.data == {"identifier_id": first_id, "status": "confirmed"}
