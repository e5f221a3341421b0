"""At DEBUG, a whole conversation leaves no citizen's words, no phone number and no token in the log.

The real python-telegram-bot client and our httpx Zalo client against the loopback fakes, with the
logging setup of `canhgiac run` at DEBUG writing to a string. The token is given with whitespace
around it, as a pasted `.env` line may have it. The conversation: a report (a number in a
message, a description, a shared or typed contact number), the officer's queue and detail page
(which shows the reporter's number), and a question with a number and a link.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.core.logs import setup_logging
from bot.core.settings import Settings
from tests.bot.channels.conftest import ZALO_TOKEN
from tests.bot.channels.test_zalo_e2e import CHAT as ZALO_CHAT
from tests.bot.channels.test_zalo_e2e import PROOF, say, text_of
from tests.fakes.running_bot import CHAT, TOKEN, RunningBot, keyboard_of
from tests.fakes.zalo_api import FakeZalo

OFFICER = 9001
ZALO_OFFICER = "0ff1ce5a1b2c"
SCAM_NUMBER = "+84 912 345 678"
REPORTER_NUMBER = "+84987654321"
DESCRIPTION = "Nhắn bảo tài khoản bị khóa, bấm link để mở lại"
QUESTION = "Số 0912 345 678 nhắn link http://vcb-xacthuc.com/login bảo cập nhật, có phải lừa đảo không?"
WORDS = ["tài khoản bị khóa", "vcb-xacthuc", "cập nhật, có phải", "tin nhắn từ"]


@pytest.fixture
async def zalo():
    async with FakeZalo(token=ZALO_TOKEN) as fake:
        yield fake


def bot_settings(tmp_path: Path, **channel) -> Settings:
    return Settings(_env_file=None, db_path=tmp_path / "privacy.db", weekly_day="off", **channel)


@contextmanager
def debug_log(settings: Settings) -> Iterator[io.StringIO]:
    """The logging of `canhgiac run` at DEBUG, written to a string; undone after the block."""
    stream = io.StringIO()
    setup_logging("DEBUG", settings.secrets(), stream=stream)
    try:
        yield stream
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)


def assert_private(logged: str, token: str) -> None:
    assert "update channel=" in logged  # the per-update lines are there
    for words in WORDS:
        assert words not in logged, words
    # Any writing of the numbers: spaces, dots, dashes and brackets removed, last nine digits.
    compact = re.sub(r"[ .\-()]", "", logged)
    for number in (SCAM_NUMBER, REPORTER_NUMBER):
        assert re.sub(r"\D", "", number)[-9:] not in compact, number
    assert token not in logged and token.split(":")[1] not in logged


def buttons(message: dict) -> list[str]:
    return [b["callback_data"] for row in keyboard_of(message) for b in row]


async def press(fake, chat: int, message: dict, data: str) -> dict:
    fake.push_callback(chat, data, message_id=message["message_id"])
    return (await fake.wait_for_messages(chat))[-1]


async def test_a_telegram_conversation_at_debug_leaves_no_words_numbers_or_token(fake, tg_settings, tmp_path):
    settings = bot_settings(
        tmp_path,
        telegram_bot_token=f"  {TOKEN}\n",
        telegram_api_base_url=tg_settings.telegram_api_base_url,
        police_ids=str(OFFICER),
    )
    with debug_log(settings) as log:
        async with RunningBot(settings, fake):
            fake.push_text(CHAT, "/baocao")
            step = (await fake.wait_for_messages(CHAT, count=2))[-1]
            await press(fake, CHAT, step, "report:what:sms")
            fake.push_text(CHAT, f"tin nhắn từ {SCAM_NUMBER}")
            [step] = await fake.wait_for_messages(CHAT)
            for value in ("report:claimed:phishing-link", "report:happened:yesterday"):
                step = await press(fake, CHAT, step, value)
            fake.push_text(CHAT, "500k")
            await fake.wait_for_messages(CHAT)
            fake.push_text(CHAT, DESCRIPTION)
            await fake.wait_for_messages(CHAT)
            fake.push_photo(CHAT, file_id="AgAC-evidence-1")
            [step] = await fake.wait_for_messages(CHAT)
            step = await press(fake, CHAT, step, "report:skip")  # the commune
            await press(fake, CHAT, step, "report:consent:contact")
            fake.push_contact(CHAT, REPORTER_NUMBER)
            summary = (await fake.wait_for_messages(CHAT, count=2))[-1]  # "number kept", then the summary
            done = await press(fake, CHAT, summary, "report:confirm")
            assert re.search(r"BC-\d{8}-\d{4}", done["text"])

            fake.push_text(OFFICER, "/hangdoi")
            queue = await fake.wait_for_messages(OFFICER, count=2)
            detail = next(v for v in buttons(queue[1]) if v.startswith("police:detail:"))
            fake.push_callback(OFFICER, detail, message_id=queue[1]["message_id"])
            pages = await fake.wait_for_messages(OFFICER, count=2)
            assert "987 654 321" in pages[0]["text"] or "987654321" in pages[0]["text"]  # shown to the officer

            fake.push_text(CHAT, QUESTION)
            await fake.wait_for_messages(CHAT)
    assert_private(log.getvalue(), TOKEN)


async def test_a_zalo_conversation_at_debug_leaves_no_words_numbers_or_token(zalo, tmp_path):
    settings = bot_settings(
        tmp_path, zalo_bot_token=f"\t{ZALO_TOKEN} \n", zalo_api_base_url=zalo.url, police_ids=f"zalo:{ZALO_OFFICER}"
    )
    with debug_log(settings) as log:
        async with RunningBot(settings, zalo):
            await say(zalo, "/baocao", count=2)
            await say(zalo, "2")  # 💬 Tin nhắn
            await say(zalo, f"tin nhắn từ {SCAM_NUMBER}")
            await say(zalo, "1")
            await say(zalo, "1")
            await say(zalo, "3 triệu")
            await say(zalo, DESCRIPTION)
            zalo.files["img/proof.jpg"] = PROOF
            zalo.push_image(ZALO_CHAT, f"{zalo.url}/cdn/img/proof.jpg")
            await zalo.wait_for_messages(ZALO_CHAT)
            await say(zalo, "bỏ qua")  # the commune
            await say(zalo, "1")  # consent: the police may call back
            await say(zalo, "0987 654 321")
            done = await say(zalo, "1")
            assert re.search(r"BC-\d{8}-\d{4}", done)

            zalo.push_text(ZALO_OFFICER, "/hangdoi")
            await zalo.wait_for_messages(ZALO_OFFICER, count=2)
            zalo.push_text(ZALO_OFFICER, "Xem các báo cáo")
            detail = text_of(await zalo.wait_for_messages(ZALO_OFFICER, count=2))
            assert "987" in detail and "321" in detail  # shown to the officer

            await say(zalo, QUESTION)
    assert_private(log.getvalue(), ZALO_TOKEN)
