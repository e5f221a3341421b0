"""The counting fake Bot API in its own process (the scale benchmark's): the real
python-telegram-bot client gets Telegram's answers from it, its flood limits (a paid-rate send not
marked paid is refused) and its counts."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import EndPointNotFound, RetryAfter

from tests.fakes.running_bot import TOKEN
from tests.fakes.telegram_process import FakeTelegramProcess


@pytest.fixture
def process():
    fake = FakeTelegramProcess(TOKEN)
    yield fake
    fake.stop()


async def test_it_answers_as_telegram_with_its_limits_and_counts(process):
    async with Bot(TOKEN, base_url=f"{process.url}/bot") as bot:
        assert (await bot.get_me()).id == int(TOKEN.split(":")[0])

        async def send(chat: int, paid: bool) -> str:
            try:
                await bot.send_message(chat, "<b>Cảnh báo</b>", parse_mode="HTML", allow_paid_broadcast=paid)
            except RetryAfter:
                return "429"
            return "sent"

        paid = await asyncio.gather(*(send(500 + n, True) for n in range(60)))
        free = await asyncio.gather(*(send(700 + n, False) for n in range(60)))
        again = await send(500, True)  # the same chat within a second
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")  # Telegram answers 404
    stats = process.stats()
    assert paid == ["sent"] * 60 and free.count("sent") == 30 and free.count("429") == 30 and again == "429"
    assert stats == {"sent": 90, "chats": 90, "doubled": 0, "paid": 60, "throttled": 31}
