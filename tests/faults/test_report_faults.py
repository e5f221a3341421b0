"""kill -9 of `canhgiac run` between storing a report and sending its reference code.

The real command runs in a subprocess against the loopback Telegram fake. The fake holds back its
answer to the message carrying the code, so the kill falls exactly after the commit and before the
citizen has the code, without any test hook in the product. After a restart, pressing "send"
again must tell the code, the report must exist once, and the code must not be repeated after.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.services import load_library
from tests.fakes.running_bot import TOKEN
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[2]
CHAT = 4242
REF = re.compile(r"BC-\d{8}-\d{4}")
START_TIMEOUT = 60  # importing and loading the content takes a few seconds on a busy machine


class HoldingTelegram(FakeTelegram):
    """The fake Bot API, except that a sendMessage whose text contains `hold` is never answered:
    the bot waits for it, as on a slow network, until the connection goes away."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hold: str | None = None
        self.held: list[dict] = []

    async def _call(self, token, method, params, closed):
        if self.hold and method.lower() == "sendmessage" and self.hold in str(params.get("text", "")):
            self.requests.append(("sendMessage", params))
            self.held.append(params)
            await closed.wait()
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return await super()._call(token, method, params, closed)


async def until(condition, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def start_bot(fake: FakeTelegram, db: Path, cwd: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    env.update(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=f"{fake.url}/bot",
               CANHGIAC_DB=str(db), CANHGIAC_WEEKLY_DAY="off")  # fmt: skip
    polls = sum(1 for method, _ in fake.requests if method == "getUpdates")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await until(lambda: sum(1 for m, _ in fake.requests if m == "getUpdates") > polls, "the bot", START_TIMEOUT)
    except AssertionError:
        proc.kill()
        raise AssertionError((await proc.communicate())[1].decode()[-2000:]) from None
    return proc


async def press(fake: FakeTelegram, message: dict, data: str) -> dict:
    fake.push_callback(CHAT, data, message_id=message["message_id"])
    return (await fake.wait_for_messages(CHAT, timeout=15))[-1]


async def test_kill_9_after_the_report_is_committed_loses_no_code(tmp_path):
    db = tmp_path / "bot.db"
    async with HoldingTelegram(token=TOKEN) as fake:
        bot = await start_bot(fake, db, tmp_path)
        try:
            fake.push_text(CHAT, "/baocao")
            step = (await fake.wait_for_messages(CHAT, count=2, timeout=15))[-1]
            step = await press(fake, step, "report:what:call")
            fake.push_text(CHAT, "0912345678")
            [step] = await fake.wait_for_messages(CHAT, timeout=15)
            for value in ("report:via:phone_call", "report:claimed:unknown", "report:happened:today",
                          "report:amount:0", "report:skip", "report:skip", "report:skip",
                          "report:consent:none"):  # fmt: skip
                step = await press(fake, step, value)
            summary = step
            assert "report:confirm" in str(summary["reply_markup"])

            fake.hold = "Đã nhận báo cáo"  # the answer with the code never gets through
            confirm = fake.push_callback(CHAT, "report:confirm", message_id=summary["message_id"])
            await until(lambda: rows(db, "SELECT count(*) FROM reports") == [(1,)], "the report to be committed")
            await until(lambda: fake.held, "the bot to send the code")
            # Telegram has been told the update was handled, so it will not deliver it again.
            await until(
                lambda: any(m == "getUpdates" and int(p.get("offset") or 0) > confirm for m, p in fake.requests),
                "the update to be confirmed",
            )
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
        [(ref, owed)] = rows(db, "SELECT ref, ref_owed FROM reports")
        assert owed == 1 and not any(REF.search(m.get("text", "")) for m in fake.messages_to(CHAT))

        fake.hold = None
        bot = await start_bot(fake, db, tmp_path)
        try:
            again = await press(fake, summary, "report:confirm")  # "did it go through?"
            fake.push_text(CHAT, "/hotline")
            [after] = await fake.wait_for_messages(CHAT, timeout=15)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 20)
            except TimeoutError:
                bot.kill()
                await bot.wait()
    told = [m for m in fake.messages_to(CHAT) if ref in m.get("text", "")]
    reports = rows(db, "SELECT ref, ref_owed FROM reports")
    lost, duplicated = int(not told), len(reports) - 1
    print(f"kill -9 during filing: codes lost={lost} reports duplicated={duplicated} told={len(told)}")
    texts = load_library(Settings(_env_file=None, db_path=db)).content.texts("vi")  # as the bot process has it
    assert again["text"] == texts.render("report_already_sent", ref=ref)  # the code, not "this button is old"
    assert ref not in after["text"] and "113" in after["text"]  # told once, not again
    assert (lost, duplicated, len(told)) == (0, 0, 1)
    assert reports == [(ref, 0)]
