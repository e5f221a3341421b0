"""The counting fake Bot API in its own process (the scale benchmark's): the real
python-telegram-bot client gets Telegram's answers from it, its flood limits (a paid-rate send not
marked paid is refused) and its counts."""

from __future__ import annotations

import asyncio
import contextlib

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
    seconds, marks = stats.pop("paid_seconds"), stats.pop("paid_marks")
    assert stats == {"sent": 90, "chats": 90, "doubled": 0, "paid": 60, "throttled": 31, "busiest_paid_second": 60}
    assert 0 < seconds < 5 and marks == []  # from the first paid send let through to the last; none a thousandth


@pytest.mark.parametrize(("limit", "sent"), [(20, 20), (None, 60)])
async def test_its_paid_limit_is_a_setting_or_lifted(limit, sent):
    fake = FakeTelegramProcess(TOKEN, paid_per_second=limit)
    try:
        async with Bot(TOKEN, base_url=f"{fake.url}/bot") as bot:

            async def send(chat: int) -> None:
                with contextlib.suppress(RetryAfter):
                    await bot.send_message(chat, "x", allow_paid_broadcast=True)

            await asyncio.gather(*(send(500 + n) for n in range(60)))
        stats = fake.stats()
    finally:
        fake.stop()
    assert (stats["paid"], stats["throttled"], stats["busiest_paid_second"]) == (sent, 60 - sent, sent)
