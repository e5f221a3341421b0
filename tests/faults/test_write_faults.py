"""Faults of the database: a write lock held past the busy timeout, a full disk.

Every update must get a reply: the "not saved, send again" apology when nothing could be saved,
and never an acknowledgement ("Đã nhận", a reference code) of something that was not committed.
Figures per scenario: lost (acknowledged but not stored), duplicated, unanswered.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest

from bot.core.richtext import to_plain
from bot.core.settings import Settings
from bot.core.storage import Storage
from bot.routing.conversations import Conversations
from bot.services import Services
from tests.conftest import Chat
from tests.fakes.running_bot import TOKEN, RunningBot
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

pytestmark = pytest.mark.faults

REFERENCE = re.compile(r"BC-\d{8}-\d{4}")  # a report's code: only ever told once the report is stored
BUSY_TIMEOUT_MS = 100  # the writer gives up quickly, so the test holds the lock a short time
ZALO_TOKEN = "3141592653:zaLoBoTtOkEnForTestsOnly_abcdefXYZ"


def quick_services(settings: Settings, *, library, clock=None) -> Services:
    from bot.core.clock import utc_now

    clock = clock or utc_now
    storage = Storage(settings.db_path, busy_timeout_ms=BUSY_TIMEOUT_MS)
    idle = timedelta(minutes=settings.conversation_idle_minutes)
    return Services(settings, storage, library, Conversations(storage, clock, idle), clock)


class WriteLock:
    """Another process holding SQLite's write lock (an operator's long `sqlite3` session, a backup)."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path, timeout=5)

    def __enter__(self) -> WriteLock:
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc) -> None:
        self.conn.rollback()
        self.conn.close()


# --- a lock past the busy timeout, through the real clients and the fake platforms ---


async def test_telegram_a_lock_past_the_busy_timeout_gets_one_apology_per_update(tmp_path, library):
    chats = (701, 702, 703, 704)
    async with FakeTelegram(token=TOKEN) as fake:
        settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=f"{fake.url}/bot",
                            db_path=tmp_path / "bot.db", weekly_day="off")  # fmt: skip
        async with RunningBot(settings, fake, services=quick_services(settings, library=library)):
            fake.push_text(chats[0], "/start")
            [menu] = await fake.wait_for_messages(chats[0])
            with WriteLock(settings.db_path):
                fake.push_text(chats[0], "/baocao")
                fake.push_text(chats[1], "0912345678 có phải lừa đảo không")
                fake.push_callback(chats[2], "hotlines", message_id=menu["message_id"])
                fake.push_text(chats[3], "/dangky")
                during = {chat: await fake.wait_for_messages(chat) for chat in chats}
            fake.push_text(chats[0], "/baocao")  # sent again once the database is free
            after = await fake.wait_for_messages(chats[0], count=2)
    unanswered = [chat for chat in chats if not during[chat]]
    duplicated = [chat for chat in chats if len(during[chat]) > 1]
    acknowledged = [chat for chat in chats if any(REFERENCE.search(m["text"]) for m in during[chat])]
    assert (unanswered, duplicated, acknowledged) == ([], [], [])
    texts = library.content.texts("vi")
    assert all(during[chat][0]["text"] == texts.render("not_saved") for chat in chats)  # the apology, nothing else
    assert after[0]["text"] == texts.render("report_intro") and "report:what:call" in str(after[1]["reply_markup"])


async def test_zalo_a_lock_past_the_busy_timeout_gets_the_apology(tmp_path, library):
    async with FakeZalo(token=ZALO_TOKEN) as zalo:
        settings = Settings(_env_file=None, zalo_bot_token=ZALO_TOKEN, zalo_api_base_url=zalo.url,
                            db_path=tmp_path / "bot.db", weekly_day="off")  # fmt: skip
        async with RunningBot(settings, zalo, services=quick_services(settings, library=library)):
            with WriteLock(settings.db_path):
                zalo.push_text("c1", "/start")
                during = await zalo.wait_for_messages("c1")
            zalo.push_text("c1", "/start")
            after = await zalo.wait_for_messages("c1")
    not_saved = to_plain(library.content.texts("vi").render("not_saved"))
    assert len(during) == 1 and during[0]["text"].startswith(not_saved)
    assert "1. 📚" in after[0]["text"]  # answered normally, numbered choices and all


# --- a full disk: SQLite's own SQLITE_FULL, by capping the file at its current size ---


async def test_a_full_disk_never_acknowledges_what_was_not_stored(settings, clock, library, router):
    services = quick_services(settings, library=library, clock=clock)
    not_saved = library.content.texts("vi").render("not_saved")
    try:
        pages = await services.storage.read(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
        # The write connection may not grow the file any more: inserts that need a new page fail
        # with "database or disk is full", the ones that still fit succeed, as on a real full disk.
        await services.storage.write(lambda db: db.execute(f"PRAGMA max_page_count = {pages}").fetchone())
        updates = apologies = unanswered = 0
        acknowledged: list[str] = []
        for n in range(60):
            chat = Chat(router, services, chat_id=str(9000 + n))
            steps = [("/baocao", None), (None, "report:what:call"), (f"09{12000000 + n:08d}", None),
                     (None, "report:via:phone_call"), (None, "report:claimed:unknown"),
                     (None, "report:happened:today"), ("2 triệu", None),
                     (f"Họ gọi xưng công an, bắt chuyển tiền {'vào tài khoản tạm giữ ' * 8}", None),
                     (None, "report:skip"), (None, "report:skip"), (None, "report:consent:updates"),
                     (None, "report:confirm")]  # fmt: skip
            for text, choice in steps:
                replies = await (chat.press(choice) if choice else chat.send(text))
                updates += 1
                if not replies:
                    unanswered += 1
                    break
                if any(r.text == not_saved for r in replies):
                    assert len(replies) == 1 and chat.templates[-1] == "not_saved"
                    assert "report_done" not in chat.templates and not REFERENCE.search(replies[0].text)
                    apologies += 1
                    break  # the citizen would send again later; the disk stays full in this test
                acknowledged += re.findall(r"BC-\d{8}-\d{4}", chat.text)
        stored = await services.storage.read(lambda db: [r[0] for r in db.execute("SELECT ref FROM reports")])
        lost = sorted(set(acknowledged) - set(stored))  # told "received" but not stored
        untold = sorted(set(stored) - set(acknowledged))  # stored but the citizen was told it failed
        duplicated = len(stored) - len(set(stored))
        assert apologies > 0 and acknowledged, "the disk never filled up, or filled before any report"
        assert (lost, untold, duplicated, unanswered) == ([], [], 0, 0)
        print(f"disk full: updates={updates} apologies={apologies} reports={len(stored)} lost=0 duplicated=0")
        # Space again: the same citizen sends again and it works.
        await services.storage.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823").fetchone())
        retry = Chat(router, services, chat_id="9999")
        await retry.send("/baocao")
        assert retry.templates == ["report_intro", "report_prompt"] and "report:what:call" in retry.choice_values
    finally:
        services.close()
