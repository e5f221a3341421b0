"""End to end on Zalo: `serve()` with our httpx client against the loopback fake Zalo Bot API."""

from __future__ import annotations

import asyncio
import html
import io
import logging
import re
import socket
import time

import pytest
from PIL import Image
from pydantic import SecretStr

from bot.broadcast import broadcasts, subscriptions
from bot.channels.zalo import render as zalo_render
from bot.core.clock import utc_now
from bot.core.logs import setup_logging
from bot.core.messages import ChatKey, Reply
from bot.core.richtext import to_plain
from bot.reporting import evidence
from handlers import build_router
from handlers.menu import main_menu
from tests.bot.channels.conftest import ZALO_TOKEN
from tests.fakes.running_bot import RunningBot
from tests.fakes.zalo_api import FakeZalo
from tests.images.pictures import jpeg

CHAT = "6a1b2c3d4e5f"


PROOF = jpeg(Image.new("RGB", (240, 120), "white"))  # a report's evidence photo


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def say(zalo: FakeZalo, text: str, count: int = 1) -> str:
    zalo.push_text(CHAT, text)
    return text_of(await zalo.wait_for_messages(CHAT, count=count))


def shown(rendered, sent: str, template: str, t) -> dict:
    """The variables of the template the last turn rendered last, checked to be `template` and to
    be in what Zalo received, as the channel sends it (plain text)."""
    name, values = rendered[-1], rendered.values[-1]
    assert name == template, list(rendered)
    assert to_plain(t.render(name, **values)) in sent
    return values


async def test_the_menu_is_a_numbered_list_and_a_number_chooses(zalo, zalo_settings, library, rendered):
    t = library.content.texts("vi")
    async with RunningBot(zalo_settings, zalo):
        welcome = await say(zalo, "/start")
        [(expected, _)] = zalo_render(
            [
                Reply(
                    t.render("welcome", name="Lan", locality={"name": zalo_settings.locality_name}),
                    choices=main_menu(t),
                )
            ],
            t,
        )
        assert welcome == expected  # the text, then the menu numbered 1-8 and how to pick
        assert f"1. {t.label('menu.methods')}" in welcome and f"8. {t.label('menu.help')}" in welcome
        assert "<b>" not in welcome  # Zalo shows no formatting: plain text
        hotlines = await say(zalo, "7")
        assert "113" in hotlines and "5656" in hotlines
        menu = await say(zalo, "ve menu chinh")  # the option's words, without accents
        assert "1. 📚" in menu
        before = len(rendered)
        await say(zalo, "7 ngày trước tôi bị lừa chuyển tiền")  # a number in words is not a choice
        assert rendered[before:] and "hotlines" not in rendered[before:]


async def test_a_whole_report_by_numbers_and_words(zalo, zalo_settings, library, rendered):
    t = library.content.texts("vi")
    async with RunningBot(zalo_settings, zalo) as bot:
        await say(zalo, "/baocao", count=2)
        asked = await say(zalo, "1")  # 📞 Cuộc gọi
        assert shown(rendered, asked, "report_prompt", t) == {
            "step": "identifier",
            "what": "call",
            "problem": "",
            "buttons": False,
        }
        via = await say(zalo, "0912 345 678")
        assert shown(rendered, via, "report_prompt", t)["step"] == "via"
        assert f"1. {t.labels('report.via')['phone_call']}" in via
        await say(zalo, "1")  # via
        await say(zalo, "1")  # claimed: police
        await say(zalo, "1")  # today
        await say(zalo, "3 triệu")
        await say(zalo, "Gọi xưng công an, đòi chuyển tiền")
        # Zalo's image URL expires: the photo is downloaded at once and kept beside the database.
        zalo.files["img/proof.jpg"] = PROOF
        zalo.push_image(CHAT, f"{zalo.url}/cdn/img/proof.jpg")
        area = text_of(await zalo.wait_for_messages(CHAT))
        assert shown(rendered, area, "report_area", t)["matches"] == []  # the commune: typed
        offered = await say(zalo, "phuong hoan kiem")
        assert shown(rendered, offered, "report_area", t)["matches"][0]["code"] == "x-00070"
        consent = await say(zalo, "1")  # the first unit offered
        assert shown(rendered, consent, "report_prompt", t)["step"] == "consent"
        assert f"1. {t.labels('report.consent')['contact']}" in consent
        contact = await say(zalo, "1")
        assert shown(rendered, contact, "report_prompt", t)["step"] == "contact"
        summary = await say(zalo, "0987 654 321")
        told = shown(rendered, summary, "report_summary", t)
        assert (told["identifier"], told["amount"]) == ("0912 345 678", "3.000.000 đ")
        assert "0912 345 678" in summary and "3.000.000" in summary
        done = await say(zalo, "1")  # ✅ Gửi báo cáo
        assert re.search(r"BC-\d{8}-\d{4}", done)
        [row] = await bot.services.storage.read(lambda db: list(db["reports"].rows))
    assert row["channel"] == "zalo" and row["evidence"].startswith("evidence/")
    assert evidence.path_of(evidence.folder_for(zalo_settings.db_path), row["evidence"]).read_bytes() == PROOF
    assert row["contact_phone"] == "+84987654321" and row["area_code"] == "x-00070"


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

    paragraphs = [f"Đoạn {n}: " + "cảnh giác " * 40 for n in range(7)]

    async def long(msg, svc):
        return [Reply("\n\n".join(paragraphs), choices=())]

    router.command(long, "long")
    async with RunningBot(zalo_settings, zalo, router=router):
        zalo.push_text(CHAT, "/long")
        parts = await zalo.wait_for_messages(CHAT, count=2)
    assert len(parts) == 2 and all(len(p["text"]) <= 2000 for p in parts)
    assert paragraphs[0].strip() in parts[0]["text"] and paragraphs[-1].strip() in parts[1]["text"]


async def test_stickers_and_other_events_get_a_friendly_answer(zalo, zalo_settings, library, rendered):
    t = library.content.texts("vi")
    async with RunningBot(zalo_settings, zalo):
        zalo.push_sticker(CHAT)
        sticker = text_of(await zalo.wait_for_messages(CHAT))
        assert shown(rendered, sticker, "media", t)["kind"] not in ("photo", "contact")  # "only text is read"
        zalo.push_unsupported(CHAT)
        other = text_of(await zalo.wait_for_messages(CHAT))
        assert shown(rendered, other, "media", t)["kind"] not in ("photo", "contact")
    assert set(rendered) == {"media"}


async def test_a_link_sent_as_its_own_event_gets_the_link_check(zalo, zalo_settings, rendered):
    async with RunningBot(zalo_settings, zalo):
        zalo.push_link(CHAT, "https://vietcombank-xacthuc.top/dang-nhap")
        await zalo.wait_for_messages(CHAT)
        assert "media" not in rendered and "vietcombank-xacthuc.top" in str(rendered.values[-1])
        zalo.push_raw({"event_name": "message.reaction.received", "message": {  # unknown, nothing to read
            "from": {"id": CHAT, "is_bot": False}, "chat": {"id": CHAT, "chat_type": "PRIVATE"},
            "message_id": "r1", "date": int(time.time() * 1000)}})  # fmt: skip
        await zalo.wait_for_messages(CHAT)  # a kind answer, not silence
        assert rendered[-1] == "media"


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


async def test_broadcasts_reach_zalo_subscribers_through_the_same_outbox(zalo, zalo_settings, library):
    t = library.content.texts("vi")
    words = "Cảnh báo thử trên Zalo"  # the staff member's own warning
    settings = zalo_settings.model_copy(update={"zalo_broadcast_per_second": 20})
    async with RunningBot(settings, zalo) as bot:
        await say(zalo, "/dangky")
        await say(zalo, "1")  # tỉnh Lào Cai
        await say(zalo, "1")  # the whole province
        blocked = "b10cked"
        zalo.block_chat(blocked)

        def queue(db):
            subscriptions.subscribe(db, ChatKey("zalo", blocked), "lao-cai", utc_now())
            broadcasts.create(db, created_by="cli", now=utc_now(), text=words)

        await bot.services.storage.write(queue)
        [warning] = await zalo.wait_for_messages(CHAT, timeout=10)
        deadline = time.monotonic() + 10
        while True:
            state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
            if state.counts.get("blocked") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    message = t.render("broadcast_message", title=None, body=html.escape(words)) + "\n\n" + t.render("broadcast_footer")
    assert warning["text"] == to_plain(message) and "/huydangky" in warning["text"]
    assert state.counts == {"sent": 1, "blocked": 1}


async def test_a_zalo_token_that_is_refused_stops_the_start_with_a_clear_error(zalo, zalo_settings):
    from bot.channels import ChannelStartError

    settings = zalo_settings.model_copy(update={"zalo_bot_token": SecretStr("0000000000:wrongwrongwrongwrong")})
    with pytest.raises(ChannelStartError, match="ZALO_BOT_TOKEN"):
        async with RunningBot(settings, zalo):
            pass


async def test_an_officer_acts_on_the_first_item_of_the_queue_by_number(zalo, zalo_settings):
    from bot.reporting import reports
    from tests.conftest import Chat
    from tests.flows import file_report

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


async def test_a_number_at_the_amount_step_is_an_amount_and_cancel_asks_first(zalo, zalo_settings, library, rendered):
    # Issue 20: "3" at the amount step used to pick option 3, "Hủy báo cáo", and the report was gone.
    t = library.content.texts("vi")
    async with RunningBot(zalo_settings, zalo) as bot:
        await say(zalo, "/baocao", count=2)
        await say(zalo, t.labels("report.what")["call"])  # by its words
        await say(zalo, "0912 345 678")
        await say(zalo, "1")  # via
        await say(zalo, "1")  # claimed
        await say(zalo, "1")  # happened
        story = await say(zalo, "3")
        assert shown(rendered, story, "report_prompt", t)["step"] == "description"
        conversation = await bot.services.conversations.get(ChatKey("zalo", CHAT))
        assert conversation.data["amount"] == 3_000_000
        asked = await say(zalo, "2")  # the story step's 2nd option: cancel, which a bare number never picks
        assert rendered[-1] == "choice_confirm" and t.label("choices.confirm_no") in asked
        assert (await bot.services.conversations.get(ChatKey("zalo", CHAT))).flow == "report"


async def _broadcast_to(bot, chats: list[str], words: str = "Cảnh báo thử") -> None:
    def queue(db):
        for chat in chats:
            subscriptions.subscribe(db, ChatKey("zalo", chat), "lao-cai", utc_now())
        broadcasts.create(db, created_by="cli", now=utc_now(), text=words)

    await bot.services.storage.write(queue)


async def _deliveries(bot) -> dict[str, str]:
    rows = await bot.services.storage.read(lambda db: list(db.query("SELECT chat_id, status FROM deliveries")))
    return {r["chat_id"]: r["status"] for r in rows}


async def test_a_403_is_zalo_s_internal_error_retried_not_a_block(zalo, zalo_settings):
    settings = zalo_settings.model_copy(update={"zalo_broadcast_per_second": 50})
    zalo.fail_next("sendMessage", code=403)  # documented as an internal error
    async with RunningBot(settings, zalo) as bot:
        await _broadcast_to(bot, ["c1"])
        [warning] = await zalo.wait_for_messages("c1", timeout=15)  # sent on a later attempt
        sub = await bot.services.storage.read(lambda db: subscriptions.get(db, ChatKey("zalo", "c1")))
    assert sub.active and zalo.faulted["sendMessage"] == 1


async def test_the_monthly_quota_stops_broadcasts_not_replies(zalo, zalo_settings):
    from bot.channels import usage

    settings = zalo_settings.model_copy(update={"zalo_broadcast_per_second": 50, "zalo_monthly_quota": 20})
    async with RunningBot(settings, zalo) as bot:
        # 19 of 20 messages used this month: broadcasts stop at 95%, the rest waits.
        await bot.services.storage.write(lambda db: usage.add(db, "zalo", utc_now(), 19))
        await _broadcast_to(bot, ["c1", "c2"])
        for _ in range(100):  # the scheduler writes the deliveries within its 2 s round
            if await _deliveries(bot):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # the sender's turn: it must hold them
        assert not zalo.messages_to("c1") and not zalo.messages_to("c2")
        assert set((await _deliveries(bot)).values()) == {"pending"}  # kept for next month
        assert await say(zalo, "/hotline")  # replies still go
        # A 429 (the quota as Zalo counts it) is not retried in a loop: one call, then wait.
        zalo.fail_next("sendMessage", code=429)
        zalo.push_text(CHAT, "/hotline")
        await asyncio.sleep(1.0)
    assert zalo.faulted["sendMessage"] == 1
    assert [m for m, _ in zalo.requests].count("sendMessage") <= 3


async def test_polling_starts_when_delete_webhook_fails_and_reads_list_results(zalo, zalo_settings):
    zalo.fail_next("deleteWebhook", code=500)
    zalo.list_results = True
    async with RunningBot(zalo_settings, zalo):
        zalo.push_text(CHAT, "/hotline")
        zalo.push_text("other", "/hotline")
        await zalo.wait_for_messages(CHAT)
        await zalo.wait_for_messages("other")


async def test_the_same_update_again_and_again_does_not_spin_the_poller(zalo, zalo_settings):
    zalo.max_poll_wait = 0.05
    async with RunningBot(zalo_settings, zalo):
        message_id = zalo.push_text(CHAT, "/hotline")
        await zalo.wait_for_messages(CHAT)
        before = len(zalo.requests)
        for _ in range(6):
            zalo.push_raw(zalo.update_of(message_id))
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        polls = sum(1 for method, _ in zalo.requests[before:] if method == "getUpdates")
    assert len(zalo.messages_to(CHAT)) == 1  # answered once
    assert polls < 15  # backing off, not hundreds of calls a second
