"""Telegram's paid broadcasts end to end: broadcast messages go with `allow_paid_broadcast` past the
free flood limit, while a citizen's reply, sent meanwhile, stays free and is answered at once. Real
python-telegram-bot client, `serve()`'s sender, the fake Bot API with Telegram's limits on."""

from __future__ import annotations

import time

from tests.bot.channels.test_broadcast_e2e import received, seed, wait_until
from tests.fakes.running_bot import RunningBot

CITIZEN = 77


async def test_broadcasts_go_paid_past_the_free_limit_and_replies_stay_free(fake, tg_settings):
    inside, outside = seed(tg_settings.db_path, 1500, targeted=False)
    # A free limit well under what this machine sends (even loaded): paid sends must pass it.
    fake.rate_limit(per_second=10, paid_per_second=1000)
    settings = tg_settings.model_copy(
        update={"telegram_paid_broadcast": True, "telegram_paid_broadcast_per_second": 300}
    )
    async with RunningBot(settings, fake):
        await wait_until(lambda: len(received(fake)) >= 100, timeout=60)
        pushed = time.monotonic()
        fake.push_text(CITIZEN, "/start")
        [reply] = await fake.wait_for_messages(CITIZEN, timeout=10)
        answered = time.monotonic() - pushed
        started = time.monotonic()
        before = len(received(fake))
        await wait_until(lambda: len(received(fake)) == len(inside | outside), timeout=60)
        pace = (len(received(fake)) - before) / (time.monotonic() - started)
    broadcast = [m for m in fake.sent if m["chat"]["id"] >= 200_000]
    assert set(received(fake).values()) == {1} and all(m["paid"] for m in broadcast)
    assert not reply["paid"] and answered < 5  # the reply: free, not queued behind the broadcast
    assert fake.throttled == 0 and fake.paid_sent == len(broadcast)
    assert pace > 20  # twice what the free limit would have let through


async def test_without_the_setting_broadcasts_are_free_and_the_fake_refuses_a_flood(fake, tg_settings):
    seed(tg_settings.db_path, 60, targeted=False)
    fake.rate_limit(per_second=30)
    settings = tg_settings.model_copy(
        update={"telegram_broadcast_per_second": 200, "telegram_max_messages_per_second": 1000}
    )
    async with RunningBot(settings, fake):
        await wait_until(lambda: len(received(fake)) == 60, timeout=60)
    assert fake.paid_sent == 0 and not any(m["paid"] for m in fake.sent)
    assert fake.throttled > 0  # past 30/s unpaid: refused with 429, then sent after the wait
