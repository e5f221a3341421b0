"""The fake Bot API in a process of its own, counting sends instead of keeping them, so that a
benchmark measures the bot's memory alone: ``python -m tests.fakes.telegram_process TOKEN``
prints its URL on the first line, then serves (with Telegram's flood limits, free and paid) until
it is terminated. `FakeTelegramProcess` starts it and reads its counts (`fakeStats`)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import httpx

from tests.fakes.bot_process import REPO
from tests.fakes.telegram_api import FakeTelegram


async def _serve(token: str) -> None:
    fake = FakeTelegram(token=token, count_only=True)
    fake.rate_limit()  # 30/s free, 1,000/s paid, 1/s per chat
    await fake.start()
    print(fake.url, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await fake.stop()


class FakeTelegramProcess:
    def __init__(self, token: str):
        self.token = token
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.telegram_process", token], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        self.url = self.process.stdout.readline().strip()

    def stats(self) -> dict:
        return httpx.post(f"{self.url}/bot{self.token}/fakeStats", timeout=10).json()["result"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1]))
