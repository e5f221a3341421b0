"""Issue 19's memory bound: `canhgiac run`, a real process against the fake Bot API in a process of
its own, peaks under 200 MB after start-up. Measured at about 167 MB (`bench/memory.py`); before
the models' weights were shipped it was 325 MB, so a heavy import or a fit creeping back into the
start fails here."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.fakes.bot_process import BotProcess, bot_env
from tests.fakes.running_bot import TOKEN
from tests.fakes.telegram_process import FakeTelegramProcess

LIMIT_MB = 200


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def test_the_bot_s_peak_memory_after_start_up_is_under_the_issue_s_bound(tmp_path):
    fake = FakeTelegramProcess(TOKEN)
    bot = BotProcess(bot_env(fake.url, tmp_path / "bot.db", CANHGIAC_LOG_LEVEL="INFO"), tmp_path, "memory")
    try:
        deadline = time.monotonic() + 120
        while "channel started" not in bot.stderr:  # started: polling the fake for updates
            assert bot.running(), bot.stderr[-2000:]
            assert time.monotonic() < deadline, "the bot did not start polling"
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # the first polls answered
        peak = _peak_mb(bot.pid)
        assert "fitted the FAQ topic model" not in bot.stderr and "trained the message model" not in bot.stderr
    finally:
        await bot.stop()
        fake.stop()
    assert peak < LIMIT_MB, f"canhgiac run peaked at {peak:.0f} MB after start-up"
