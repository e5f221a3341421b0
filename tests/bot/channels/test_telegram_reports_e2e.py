"""End to end through the fake Bot API: a citizen reports (contact button, photo), an officer
confirms, and the running bot's outbox tells the citizen; the daily digest reaches the police chat."""

from __future__ import annotations

import asyncio
import re
import time

from bot.core import outbox
from tests.fakes.running_bot import CHAT, RunningBot, keyboard_of

OFFICER = 9001
POLICE_GROUP = -100200


async def press(fake, message: dict, data: str) -> dict:
    fake.push_callback(CHAT, data, message_id=message["message_id"])
    [reply] = (await fake.wait_for_messages(CHAT))[-1:]
    return reply


def buttons(message: dict) -> list[str]:
    return [b["callback_data"] for row in keyboard_of(message) for b in row]


async def test_report_review_and_notice_through_telegram(fake, tg_settings, library, rendered):
    texts = library.content.texts("vi")
    settings = tg_settings.model_copy(
        update={"police_ids": [str(OFFICER)], "police_chat_id": str(POLICE_GROUP), "digest_hour": 0}
    )
    async with RunningBot(settings, fake):
        fake.push_text(CHAT, "/baocao")
        messages = await fake.wait_for_messages(CHAT, count=2)
        step = await press(fake, messages[-1], "report:what:sms")
        fake.push_text(CHAT, "tin nhắn từ +84 912 345 678")
        [step] = await fake.wait_for_messages(CHAT)
        for value in ("report:claimed:phishing-link", "report:happened:yesterday"):
            step = await press(fake, step, value)
        fake.push_text(CHAT, "500k")
        await fake.wait_for_messages(CHAT)
        fake.push_text(CHAT, "Nhắn bảo tài khoản bị khóa, bấm link để mở")
        await fake.wait_for_messages(CHAT)
        fake.push_photo(CHAT, file_id="AgAC-evidence-1")
        [step] = await fake.wait_for_messages(CHAT)
        fake.push_text(CHAT, "phuong hoan kiem")  # the commune, typed: the closest units come as buttons
        [step] = await fake.wait_for_messages(CHAT)
        step = await press(fake, step, "report:area:x-00070")
        step = await press(fake, step, "report:consent:contact")
        contact_button = step["reply_markup"]["keyboard"][0][0]
        assert contact_button["request_contact"] is True
        fake.push_contact(CHAT, "+84987654321")
        received, summary = await fake.wait_for_messages(CHAT, count=2)
        assert received["reply_markup"] == {"remove_keyboard": True}  # the share-my-number keyboard goes
        done = await press(fake, summary, "report:confirm")
        [ref] = re.findall(r"BC-\d{8}-\d{4}", done["text"])

        # The officer's queue, and the decision.
        fake.push_text(OFFICER, "/hangdoi")
        queue = await fake.wait_for_messages(OFFICER, count=2)
        assert "0912 345 678" in queue[1]["text"]
        confirm = next(v for v in buttons(queue[1]) if v.startswith("police:confirmed:"))
        fake.push_callback(OFFICER, confirm, message_id=queue[1]["message_id"])
        [ask_note] = await fake.wait_for_messages(OFFICER)
        fake.push_callback(OFFICER, "police:note:skip", message_id=ask_note["message_id"])
        await fake.wait_for_messages(OFFICER)

        # The outbox delivers the notice to the citizen without any message from them.
        [notice] = await fake.wait_for_messages(CHAT, timeout=10)
        assert notice["text"] == texts.render("report_status_notice", ref=ref, status="confirmed")

        # The digest went to the police group once, listing the new number.
        deadline = time.monotonic() + 10
        while not fake.messages_to(POLICE_GROUP) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    [digest] = fake.messages_to(POLICE_GROUP)
    [given] = [values for name, values in zip(rendered, rendered.values, strict=True) if name == "police_digest"]
    assert digest["text"] == texts.render("police_digest", **given)
    assert [item["value"] for item in given["items"]] in (["0912 345 678"], [])  # listed, or sent before the report
    assert "0912 345 678" in digest["text"] or not given["items"]


async def test_a_police_group_upgraded_to_a_supergroup_keeps_getting_its_messages(fake, tg_settings):
    """CANHGIAC_POLICE_CHAT_ID still names the old group: Telegram refuses it with the new id, the
    adapter sends there, and later messages go straight to the supergroup."""
    supergroup = -1001234567890
    fake.migrate_group(POLICE_GROUP, supergroup)
    settings = tg_settings.model_copy(update={"police_chat_id": str(POLICE_GROUP), "digest_hour": 0})
    async with RunningBot(settings, fake) as bot:
        [digest] = await fake.wait_for_messages(supergroup, timeout=10)
        now = bot.services.clock()
        await bot.services.storage.write(
            lambda db: outbox.enqueue(db, "telegram", str(POLICE_GROUP), "Thử", "notice", now)
        )
        [later] = await fake.wait_for_messages(supergroup, timeout=10)
    refused = [p for m, p in fake.requests if m == "sendMessage" and int(p["chat_id"]) == POLICE_GROUP]
    assert len(refused) == 1 and later["text"] == "Thử" and not fake.messages_to(POLICE_GROUP)
