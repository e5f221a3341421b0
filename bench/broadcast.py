#!/usr/bin/env python
"""Broadcast benchmark: how fast the sender delivers, through the real python-telegram-bot client.

    python bench/broadcast.py [--subscribers 2000] [--pace 25 1000]

For each pace: `serve()` (the code path of `canhgiac run`) against the loopback fake Bot API of
tests/fakes, N subscribers in a temporary SQLite file, one broadcast to all; prints the time from
the broadcast being due to the last message arriving, messages per second, and the enqueue time
(all recipients' rows written in one transaction). Pace 25 is the production default; a high pace
shows the sender's own capacity (claim, send, mark: two committed transactions per message).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.broadcast import broadcasts, subscriptions  # noqa: E402
from bot.core.clock import utc_now  # noqa: E402
from bot.core.messages import ChatKey  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.core.storage import Storage  # noqa: E402
from bot.services import load_library  # noqa: E402
from tests.fakes.running_bot import SHARED, TOKEN, RunningBot  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


def seed(db_path: Path, count: int) -> None:
    storage = Storage(db_path)
    try:

        def write(db):
            for n in range(count):
                subscriptions.subscribe(db, ChatKey("telegram", str(300_000 + n)), "coc-leu", utc_now())
            broadcasts.create(
                db, created_by="bench", now=utc_now() - timedelta(seconds=1), campaign_id="w01-cong-an-goi-dien"
            )

        storage.write_sync(write)
    finally:
        storage.close()


async def run(count: int, pace: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        seed(db_path, count)
        async with FakeTelegram(token=TOKEN) as fake:
            settings = Settings(
                _env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=f"{fake.url}/bot", db_path=db_path,
                telegram_broadcast_per_second=pace, telegram_max_messages_per_second=max(30.0, pace * 2),
                weekly_day="off",
            )  # fmt: skip
            started = time.perf_counter()
            async with RunningBot(settings, fake):
                first = None
                while len(fake.sent) < count:
                    if fake.sent and first is None:
                        first = time.perf_counter()
                    await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - (first or started)
            print(
                f"pace {pace:>6.0f}/s: {count} messages in {elapsed:6.1f} s = {count / elapsed:6.1f} messages/s "
                f"(start-up and enqueue before the first: {(first or started) - started:.2f} s)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--pace", type=float, nargs="+", default=[25.0, 1000.0])
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, one process, fake Bot API on loopback")
    SHARED["library"] = load_library(Settings(_env_file=None))
    for pace in args.pace:
        asyncio.run(run(args.subscribers, pace))


if __name__ == "__main__":
    main()
