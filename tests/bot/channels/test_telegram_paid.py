"""Telegram's paid broadcasts end to end: broadcast messages go with `allow_paid_broadcast` past the
free flood limit, while a citizen's reply, sent meanwhile, stays free and is answered at once. Real
python-telegram-bot client, `serve()`'s sender, the fake Bot API with Telegram's limits on."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import Forbidden, RetryAfter

from bot.app import serve as serve_module
from bot.broadcast import broadcasts, subscriptions
from bot.broadcast.sender import Sender
from bot.channels.telegram_broadcast import PaidBroadcasts, parameters
from bot.core.messages import ChatKey
from tests.bot.channels.test_broadcast_e2e import received, seed, wait_until
from tests.fakes.running_bot import TOKEN, RunningBot

CITIZEN = 77


# 1: sent by the bot; 2: by a child process (`telegram_workers.py`), the reply still by the bot.
@pytest.mark.parametrize("processes", [1, 2])
async def test_broadcasts_go_paid_past_the_free_limit_and_replies_stay_free(fake, tg_settings, processes):
    inside, outside = seed(tg_settings.db_path, 1500, targeted=False)
    # A free limit well under what this machine sends (even loaded): paid sends must pass it.
    fake.rate_limit(per_second=10, paid_per_second=1000)
    settings = tg_settings.model_copy(
        update={
            "telegram_paid_broadcast": True,
            "telegram_paid_broadcast_per_second": 300,
            "broadcast_processes": processes,
        }
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


async def test_the_lean_path_sends_as_any_message_and_keeps_a_connection_per_send_in_flight(fake):
    fake.rate_limit(per_second=10, paid_per_second=1000, per_chat_per_second=3)
    fake.block_chat(999)
    paid = PaidBroadcasts(TOKEN, f"{fake.url}/bot")
    gate = asyncio.Semaphore(8)  # the sender's workers

    async def send(chat: int, text: str) -> None:
        async with gate:
            await paid.send(chat, text)

    long_text = "\n\n".join(["<b>Cảnh báo</b> " + "x" * 990] * 6)  # over 4,096: two parts
    try:
        await asyncio.gather(*(send(300_000 + n, "<b>Cảnh báo</b> thử nghiệm") for n in range(60)))
        await send(1, long_text)
        with pytest.raises(Forbidden):
            await paid.send(999, "x")
        fake.fail_next("sendMessage", status=429, retry_after=7)
        with pytest.raises(RetryAfter):
            await paid.send(2, "x")
        connections = paid.connections
    finally:
        await paid.close()
    assert 1 < connections <= 8  # one per send in flight, never more, reused after
    assert len(fake.sent) == 62 and all(m["paid"] and m["parse_mode"] == "HTML" for m in fake.sent)
    assert fake.throttled == 0  # sixty past the free limit of 10 a second: counted as paid
    parts = fake.messages_to(1)
    assert len(parts) == 2 and "".join(m["text"] for m in parts).count("x") == 990 * 6
    assert parameters("a")[0]["link_preview_options"] == '{"is_disabled": true}'


@pytest.mark.parametrize("processes", [1, 2])
async def test_a_paid_broadcast_marks_a_blocked_chat_and_waits_out_a_flood(fake, tg_settings, processes):
    inside, outside = seed(tg_settings.db_path, 40, targeted=False)
    blocked = min(inside)
    fake.block_chat(blocked)
    fake.fail_next("sendMessage", status=429, retry_after=1)
    settings = tg_settings.model_copy(update={"telegram_paid_broadcast": True, "broadcast_processes": processes})
    async with RunningBot(settings, fake) as bot:
        everyone = (inside | outside) - {blocked}
        await wait_until(lambda: set(received(fake)) == everyone, timeout=60)
        await asyncio.sleep(0.5)  # the last results recorded
        state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
        subscription = await bot.services.storage.read(
            lambda db: subscriptions.get(db, ChatKey("telegram", str(blocked)))
        )
    assert set(received(fake).values()) == {1} and all(m["paid"] for m in fake.sent)
    assert state.counts == {"sent": len(everyone), "blocked": 1}
    assert not subscription.active and subscription.stopped_reason == "blocked"


@pytest.mark.parametrize("paid", [True, False])
async def test_a_429_at_the_paid_pace_costs_a_little_of_it_and_a_repeat_a_fifth(fake, tg_settings, monkeypatch, paid):
    """At the paid pace, near Telegram's hard limit, a 429 is a send a little over the window: the
    pace drops 2%, and by a fifth only when another comes within 30 s; at the free pace a 429 is a
    flood, a fifth at once. Through `serve()`'s sender and the real client."""
    senders: list[Sender] = []

    class Watched(Sender):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            senders.append(self)

    monkeypatch.setattr(serve_module, "Sender", Watched)
    seed(tg_settings.db_path, 600, targeted=False)
    fake.rate_limit(per_second=1000, per_chat_per_second=3)  # only the scripted 429s below
    fake.fail_next("sendMessage", status=429, retry_after=1)
    settings = tg_settings.model_copy(
        update={"telegram_paid_broadcast": paid, "telegram_paid_broadcast_per_second": 100,
                "telegram_broadcast_per_second": 100, "telegram_max_messages_per_second": 1000}
    )  # fmt: skip
    async with RunningBot(settings, fake):
        [sender] = senders
        await wait_until(lambda: sender.pacer.rate < 100, timeout=30)
        first = sender.pacer.rate
        await wait_until(lambda: not sender.pacer.paused_for() and len(received(fake)) > 10, timeout=30)
        fake.fail_next("sendMessage", status=429, retry_after=1)
        await wait_until(lambda: sender.pacer.rate < first, timeout=30)
        second = sender.pacer.rate
    assert fake.faulted["sendMessage"] == 2 and all(m["paid"] == paid for m in fake.sent)
    if paid:
        assert (first, second) == (pytest.approx(98), pytest.approx(98 * 0.8))
    else:
        assert (first, second) == (pytest.approx(80), pytest.approx(64))
