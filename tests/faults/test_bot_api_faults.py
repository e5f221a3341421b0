"""The Bot API in trouble for a while, in the middle of a broadcast and of citizens' messages: 500s
(an outage) and 429s with retry_after (a flood wait), on Telegram (python-telegram-bot) and on Zalo
(our httpx client), against the loopback fakes. Every recipient gets the broadcast exactly once and
every update gets its reply, exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bot.broadcast import broadcasts, subscriptions
from bot.channels import usage
from bot.core.clock import utc_now
from bot.core.messages import ChatKey
from bot.core.settings import Settings
from bot.core.storage import Storage
from tests.fakes.running_bot import SHARED, TOKEN, RunningBot
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

pytestmark = pytest.mark.faults

ZALO_TOKEN = "3141592653:zaLoBoTtOkEnForTestsOnly_abcdefXYZ"
RECIPIENTS = 200
CITIZENS = 5
OUTAGE_SECONDS = 2.0
PACE = 100  # broadcast messages a second: the broadcast lasts about as long as the outage


@dataclass
class Platform:
    """What differs between the two fakes, for one test."""

    name: str
    fake: Any
    settings: Settings
    recipients: list[str]
    citizens: list[str]

    def chat_of(self, message: dict) -> str:
        return str(self.fake.chat_of(message))

    def counts(self, chats: list[str]) -> Counter:
        wanted = set(chats)
        return Counter(chat for chat in map(self.chat_of, self.fake.sent) if chat in wanted)

    def outage(self, code: int) -> None:
        if self.name == "telegram":
            self.fake.fail_for("sendMessage", OUTAGE_SECONDS, status=code, retry_after=1)
        else:
            self.fake.fail_for("sendMessage", OUTAGE_SECONDS, code=code, retry_after=1 if code == 429 else None)

    def ask(self, chat: str, text: str) -> None:
        self.fake.push_text(int(chat) if self.name == "telegram" else chat, text)


def platform_for(name: str, fake, tmp_path) -> Platform:
    if name == "telegram":
        settings = Settings(
            _env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=f"{fake.url}/bot",
            telegram_broadcast_per_second=PACE, telegram_max_messages_per_second=1000,
            db_path=tmp_path / "bot.db", weekly_day="off",
        )  # fmt: skip
        return Platform(
            name, fake, settings, [str(200_000 + n) for n in range(RECIPIENTS)], [str(700 + n) for n in range(CITIZENS)]
        )
    settings = Settings(
        _env_file=None, zalo_bot_token=ZALO_TOKEN, zalo_api_base_url=fake.url, zalo_broadcast_per_second=PACE,
        db_path=tmp_path / "bot.db", weekly_day="off",
    )  # fmt: skip
    return Platform(name, fake, settings, [f"r{n:04d}" for n in range(RECIPIENTS)], [f"c{n}" for n in range(CITIZENS)])


def queue_broadcast(platform: Platform) -> None:
    storage = Storage(platform.settings.db_path)
    try:

        def write(db):
            now = utc_now()
            for chat in platform.recipients:
                subscriptions.subscribe(db, ChatKey(platform.name, chat), "coc-leu", now)
            broadcasts.create(db, created_by="cli", now=now - timedelta(seconds=1), text="Cảnh báo thử nghiệm")

        storage.write_sync(write)
    finally:
        storage.close()


async def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture(autouse=True)
def shared_library(library):
    SHARED["library"] = library


# On Zalo a 429 is the plan's monthly quota, not a flood wait: nothing more goes until next month
# (tests/bot/channels/test_zalo_e2e.py::test_the_monthly_quota_stops_broadcasts_not_replies).
@pytest.mark.parametrize(
    ("name", "code"), [("telegram", 500), ("telegram", 429), ("zalo", 500)], ids=["telegram-500s", "telegram-429s",
                                                                                  "zalo-500s"]
)  # fmt: skip
async def test_a_bot_api_in_trouble_mid_broadcast_and_mid_conversation(name, code, tmp_path):
    fake_type = FakeTelegram(token=TOKEN) if name == "telegram" else FakeZalo(token=ZALO_TOKEN)
    async with fake_type as fake:
        platform = platform_for(name, fake, tmp_path)
        queue_broadcast(platform)
        async with RunningBot(platform.settings, fake) as bot:
            await wait_until(lambda: sum(platform.counts(platform.recipients).values()) >= 40, timeout=30)
            platform.outage(code)
            for chat in platform.citizens:
                platform.ask(chat, "/hotline")

            def everyone_served():
                return set(platform.counts(platform.recipients)) == set(platform.recipients) and set(
                    platform.counts(platform.citizens)
                ) == set(platform.citizens)

            with pytest.raises(AssertionError):  # not everything can go through while the outage lasts
                await wait_until(everyone_served, timeout=OUTAGE_SECONDS / 2)
            await wait_until(everyone_served, timeout=60)
            await asyncio.sleep(1.0)  # room for a late duplicate to show
            state = await bot.services.storage.read(lambda db: broadcasts.progress(db, 1))
        broadcast, replies = platform.counts(platform.recipients), platform.counts(platform.citizens)
        faulted = fake.faulted["sendMessage"]
    lost = len(set(platform.recipients) - set(broadcast))
    doubled = sum(n - 1 for n in broadcast.values()) + sum(n - 1 for n in replies.values())
    unanswered = len(set(platform.citizens) - set(replies))
    print(
        f"\n{name} {code}s for {OUTAGE_SECONDS:.0f} s: {faulted} calls refused; broadcast to {RECIPIENTS}, "
        f"{CITIZENS} citizens asking: lost {lost}, duplicated {doubled}, unanswered {unanswered}"
    )
    assert faulted > 0  # the fault did hit the bot
    assert (lost, doubled, unanswered) == (0, 0, 0)
    assert state.counts == {"sent": RECIPIENTS}


async def test_a_flood_wait_met_by_a_broadcast_does_not_hold_citizens_replies(tmp_path):
    """Telegram asks the broadcast to wait 30 s: broadcasts wait, a citizen's question is answered
    now (the client library's limiter, retrying, would hold every send for the whole wait)."""
    async with FakeTelegram(token=TOKEN) as fake:
        platform = platform_for("telegram", fake, tmp_path)
        queue_broadcast(platform)
        fake.fail_next("sendMessage", status=429, retry_after=30)
        async with RunningBot(platform.settings, fake):
            await wait_until(lambda: fake.faulted["sendMessage"] == 1, timeout=10)
            sent = sum(platform.counts(platform.recipients).values())
            [citizen] = platform.citizens[:1]
            platform.ask(citizen, "/hotline")
            await wait_until(lambda: platform.counts([citizen]), timeout=5)
            assert sum(platform.counts(platform.recipients).values()) == sent  # the broadcast still waits


# --- the bot's own messages (the outbox) through an outage and a flood wait, on the service clock ---

NOTICE_CHATS = {"telegram": ["900001", "900002"], "zalo": ["n900001", "n900002"]}


@pytest.fixture
def quick_sender(monkeypatch):
    """The sender's idle polls and pause checks in small slices: not what these tests are about."""
    from bot.broadcast import sender

    monkeypatch.setattr(sender, "IDLE_POLL_SECONDS", 0.02)
    monkeypatch.setattr(sender, "PAUSE_CHECK_SECONDS", 0.02)


def notices_bot(name: str, fake, tmp_path, clock, library, chats: list[str]) -> tuple[RunningBot, Platform]:
    """A running bot whose services run on `clock`, with a police-decision notice queued per chat."""
    from bot.core import outbox
    from bot.services import build_services

    platform = platform_for(name, fake, tmp_path)
    services = build_services(platform.settings, clock=clock, library=library)
    services.storage.write_sync(
        lambda db: [outbox.enqueue(db, name, chat, "Báo cáo đã có kết quả", "report_status", clock()) for chat in chats]
    )
    return RunningBot(platform.settings, fake, services=services), platform


UNSETTLED = ("pending", "inflight")  # outbox statuses a row leaves by being sent or given up


def outbox_rows(bot: RunningBot) -> dict[str, dict]:
    return bot.services.storage.read_sync(lambda db: {r["chat_id"]: r for r in db["outbox"].rows})


async def wait_for_row(bot: RunningBot, chat: str, ready, timeout: float = 10) -> dict:
    await wait_until(lambda: ready(outbox_rows(bot)[chat]), timeout)
    return outbox_rows(bot)[chat]


@pytest.mark.parametrize("name", ["telegram", "zalo"])
async def test_a_notice_queued_during_a_minute_of_500s_arrives_once_the_api_is_back(
    name, tmp_path, clock, library, quick_sender
):
    [chat] = NOTICE_CHATS[name][:1]
    async with FakeTelegram(token=TOKEN) if name == "telegram" else FakeZalo(token=ZALO_TOKEN) as fake:
        fake.fail_for("sendMessage", 3600)  # down until told otherwise; the minute passes on `clock`
        bot, platform = notices_bot(name, fake, tmp_path, clock, library, [chat])
        async with bot:
            started, failed = clock(), 0
            while clock() - started < timedelta(minutes=1):
                # After each failed try, 20 s pass (past the backoff of the first tries).
                # "inflight" is a try under way (the row is claimed before the call): not an outcome yet.
                tried = lambda r, n=failed: r["attempts"] > n or r["status"] not in UNSETTLED  # noqa: E731
                row = await wait_for_row(bot, chat, tried)
                assert row["status"] in UNSETTLED, f"given up after {row['attempts']} tries within the minute"
                failed = row["attempts"]
                clock.advance(seconds=20)
            fake.fail_for("sendMessage", 0)  # the API is back
            row = await wait_for_row(bot, chat, lambda r: r["status"] not in UNSETTLED)
            await asyncio.sleep(0.2)  # room for a late duplicate to show
            delivered = platform.counts([chat])[chat]
    print(f"\n{name}: a minute of 500s, {row['attempts']} tries failed, then delivered {delivered} time(s)")
    assert failed >= 3 and fake.faulted["sendMessage"] == row["attempts"]  # the outage hit every try before
    assert row["status"] == "sent" and delivered == 1


@pytest.mark.parametrize("name", ["telegram", "zalo"])
async def test_a_429_with_retry_after_pauses_the_channel_and_costs_no_attempt(
    name, tmp_path, clock, library, quick_sender
):
    chats = NOTICE_CHATS[name]
    async with FakeTelegram(token=TOKEN) if name == "telegram" else FakeZalo(token=ZALO_TOKEN) as fake:
        if name == "telegram":
            fake.fail_next("sendMessage", status=429, retry_after=30)
        else:
            fake.fail_next("sendMessage", code=429, retry_after=30)
        bot, platform = notices_bot(name, fake, tmp_path, clock, library, chats)
        async with bot:
            # The failure recorded: the pause began before (on `clock`, which has not moved yet).
            await wait_until(lambda: any(row["last_error"] for row in outbox_rows(bot).values()), timeout=10)
            # A send that started before the 429 came back may still land: let it settle, then
            # nothing more may go out until the pause ends.
            await wait_until(lambda: all(r["status"] != "inflight" for r in outbox_rows(bot).values()), timeout=10)
            before = platform.counts(chats)
            assert len(before) < len(chats)  # the throttled notice at least is still waiting
            # Telegram asked for 30 s; Zalo's 429 is the month's quota: until the first of next month.
            wait = 30.0 if name == "telegram" else (usage.next_month(clock()) - clock()).total_seconds()
            clock.advance(seconds=wait - 1)
            with pytest.raises(AssertionError):  # a second before: the channel still waits
                await wait_until(lambda: platform.counts(chats) != before, timeout=0.5)
            clock.advance(seconds=2)
            await wait_until(lambda: set(platform.counts(chats)) == set(chats), timeout=10)
            await asyncio.sleep(0.2)  # room for a late duplicate to show
            rows = outbox_rows(bot)
            got = platform.counts(chats)
    assert fake.faulted["sendMessage"] == 1
    assert {chat: (rows[chat]["status"], rows[chat]["attempts"]) for chat in chats} == {c: ("sent", 0) for c in chats}
    assert set(got.values()) == {1}
