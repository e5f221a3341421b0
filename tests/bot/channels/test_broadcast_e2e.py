"""Broadcasts end to end: the real python-telegram-bot client, `serve()`'s sender, and the fake Bot
API with its flood limit switched on. (`canhgiac run` killed with SIGKILL mid-broadcast, and other
faults: tests/faults/test_broadcast_faults.py.)"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.broadcast import broadcasts, subscriptions
from bot.core.clock import utc_now
from bot.core.messages import ChatKey
from bot.core.storage import Storage
from tests.fakes.running_bot import RunningBot
from tests.fakes.telegram_api import FakeTelegram

LAO_CAI_PROVINCE = ["x-02647", "x-02674", "x-02746", "x-02923"]  # units of tỉnh Lào Cai
ELSEWHERE = ["x-19333", "x-11629", "t-12"]  # Quảng Trị, Hải Phòng, the province of Lai Châu


def seed(db_path: Path, count: int, *, targeted: bool = True) -> tuple[set[int], set[int]]:
    """`count` subscribers, 60% in the city of Lào Cai; one broadcast queued now; (inside, outside)."""
    inside, outside = set(), set()
    storage = Storage(db_path)
    try:

        def write(db):
            now = utc_now()
            for n in range(count):
                chat = 200_000 + n
                in_city = n % 5 < 3
                area = (LAO_CAI_PROVINCE if in_city else ELSEWHERE)[n % 4 if in_city else n % 3]
                (inside if in_city else outside).add(chat)
                subscriptions.subscribe(db, ChatKey("telegram", str(chat)), area, now)
            broadcasts.create(
                db, created_by="cli", now=now - timedelta(seconds=1), text="Cảnh báo thử nghiệm",
                areas=["t-15"] if targeted else [],
            )  # fmt: skip

        storage.write_sync(write)
    finally:
        storage.close()
    return inside, outside


def received(fake: FakeTelegram) -> Counter:
    return Counter(m["chat"]["id"] for m in fake.sent if m["chat"]["id"] >= 200_000)


async def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_targeted_broadcast_under_the_flood_limit(fake, tg_settings):
    inside, outside = seed(tg_settings.db_path, 2000)
    blocked = sorted(inside)[:15]
    for chat in blocked:
        fake.block_chat(chat)
    fake.rate_limit(per_second=150, per_chat_per_second=1)
    settings = tg_settings.model_copy(
        update={"telegram_broadcast_per_second": 300, "telegram_max_messages_per_second": 1000}
    )
    async with RunningBot(settings, fake) as bot:
        await wait_until(lambda: len(received(fake)) >= len(inside) - len(blocked), timeout=60)

        async def finished():
            return await bot.services.storage.read(lambda db: broadcasts.recent(db)[0].status == "done")

        deadline = time.monotonic() + 10
        while not await finished():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
        inactive = await bot.services.storage.read(
            lambda db: {int(r["chat"]) for r in subscriptions.listing(db, None) if not r["active"]}
        )
    got = received(fake)
    assert set(got) == inside - set(blocked) and set(got.values()) == {1}  # the right chats, each once
    assert not set(got) & outside
    assert inactive == set(blocked) and state.counts == {"sent": len(inside) - 15, "blocked": 15}
    assert fake.throttled > 0  # the flood limit was hit, and honoured: everyone still got it once
