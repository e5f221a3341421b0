"""`canhgiac run` as a real process against a loopback fake Bot API, for tests that kill it or
start two of it. Its stderr goes to a file (a pipe nobody reads could fill and stall the bot)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.running_bot import TOKEN

REPO = Path(__file__).resolve().parents[2]


def bot_env(api_url: str, db_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a bot on `db_path` that talks to the fake Telegram at `api_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    env.update(
        PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=f"{api_url}/bot",
        CANHGIAC_DB=str(db_path), CANHGIAC_WEEKLY_DAY="off", **settings,
    )  # fmt: skip
    return env


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (the bot's broadcast sending processes)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def running(pid: int) -> bool:
    """Whether `pid` runs (neither gone nor a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class BotProcess:
    """One `python -m bot run`; `stop()` ends it with SIGTERM (SIGKILL if it does not stop)."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str = "bot"):
        self.stderr_path = cwd / f"{name}-{time.monotonic_ns()}.stderr"
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    async def exited(self, timeout: float) -> int:
        """Wait (without blocking the loop the fake serves on) for the process to end; its code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            assert time.monotonic() < deadline, "the bot did not exit"
            await asyncio.sleep(0.05)
        return self.process.returncode

    def kill(self) -> None:
        """kill -9."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await self.exited(timeout)
        finally:
            if self.process.poll() is None:
                self.kill()
