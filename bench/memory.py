#!/usr/bin/env python
"""Memory benchmark: the resident memory of `canhgiac run` after start-up, and where it goes.

    python bench/memory.py             # the real process, then the step-by-step breakdown
    python bench/memory.py --no-steps  # only the real process

1. `canhgiac run` as a real process on an empty database, talking to the loopback fake Bot API in
   a process of its own (`tests/fakes/telegram_process.py`), so the figures are the bot's alone.
   Start-up is over when the bot has logged its channel started and its peak (VmHWM) has not moved
   for `--settle` seconds; the bench prints VmHWM (the peak so far) and VmRSS (now) of its pid.
2. The breakdown: a fresh interpreter does what `canhgiac run` does, one step at a time (the big
   third-party imports, the rest of the bot's imports, loading the library, loading the message
   model, then answering every FAQ evaluation question), and prints VmRSS and VmHWM after each
   step. The figures of later steps include what earlier steps imported, so each step's cost is
   the difference with the previous one; a step that imports nothing new costs nothing. It also
   says which heavy modules are imported by then (scikit-learn and scipy must not be at run time:
   `data/models/` holds the fitted weights).

Memory in MB is in units of 1,048,576 bytes (`/proc` reports kB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status_mb(pid: int | str = "self") -> dict[str, float]:
    """VmHWM and VmRSS of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
            found[key] = int(value.split()[0]) / 1024
    return found


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


async def started_bot(settle: float) -> dict[str, float]:
    """VmHWM/VmRSS of `canhgiac run` once it has started (see the module's docstring)."""
    # Imported here, not at the top: the step runner's interpreter must start with nothing imported.
    from tests.fakes.bot_process import BotProcess, bot_env
    from tests.fakes.running_bot import TOKEN
    from tests.fakes.telegram_process import FakeTelegramProcess

    with tempfile.TemporaryDirectory() as folder:
        fake = FakeTelegramProcess(TOKEN)
        env = bot_env(fake.url, Path(folder) / "bot.db", CANHGIAC_LOG_LEVEL="INFO")
        bot = BotProcess(env, Path(folder), "memory")
        try:
            started = time.monotonic()
            peak, still_since = 0.0, time.monotonic()
            while True:
                assert bot.running(), f"the bot exited:\n{bot.stderr[-2000:]}"
                figures = status_mb(bot.pid)
                if figures["VmHWM"] > peak:
                    peak, still_since = figures["VmHWM"], time.monotonic()
                polling = "channel started" in bot.stderr or time.monotonic() - started > 60
                if polling and time.monotonic() - still_since >= settle:
                    break
                await asyncio.sleep(0.2)
            figures["start_seconds"] = still_since - started
            figures["sklearn_note"] = "model fitted at start" if "fitted the" in bot.stderr else ""
            return figures
        finally:
            await bot.stop()
            fake.stop()


# The steps of the breakdown, run by a fresh interpreter (`--step-runner`): a name and the code.
STEPS = [
    ("python itself", ""),
    ("numpy", "import numpy"),
    ("python-telegram-bot, httpx", "import telegram, telegram.ext, httpx"),
    ("starlette, uvicorn, jinja2", "import starlette.applications, uvicorn, jinja2"),
    ("rapidfuzz, yaml, pydantic", "import rapidfuzz, yaml, pydantic"),
    ("the rest of the bot's imports", "import bot.app.serve, bot.app.wiring, handlers, bot.cli"),
    (
        "settings",
        "from bot.core.settings import Settings; settings = Settings(_env_file=None)",
    ),
    (
        "loading the library (FAQ, areas, campaigns)",
        "from bot.services import load_library; library = load_library(settings)",
    ),
    ("the message model and red flags", "library.message_judge()"),
    # The FAQ weights are memory-mapped: the rows the questions touch become resident. Every
    # question of the evaluation files (about 2,400) is far more vocabulary than a day of use.
    (
        "answering every FAQ evaluation question",
        "from pathlib import Path\n"
        "for f in sorted(Path('tests/eval').glob('faq-*.tsv')):\n"
        "    for line in f.read_text(encoding='utf-8').splitlines():\n"
        "        library.matchers['vi'].match(line.split('\\t')[0])",
    ),
]


# Imported at start before this work, or worth knowing about when they are.
HEAVY = ("sklearn", "scipy", "matplotlib", "docx", "openpyxl", "PIL", "playwright", "phonenumbers.geocoder")


def run_steps() -> None:
    """In this (fresh) interpreter: each step, then one JSON line of its figures."""
    scope: dict = {}
    for name, code in STEPS:
        exec(code, scope)  # noqa: S102 - the bench's own fixed steps
        figures = status_mb()
        heavy = sorted(m for m in HEAVY if m in sys.modules)
        print(json.dumps({"step": name, **figures, "heavy": heavy}), flush=True)


def breakdown() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as folder:
        env["CANHGIAC_DB"] = str(Path(folder) / "bot.db")
        out = subprocess.run(
            [sys.executable, __file__, "--step-runner"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout
    previous = 0.0
    print(f"{'step':<48} {'+MB':>6} {'VmRSS':>7} {'VmHWM':>7}  heavy modules imported")
    for line in out.splitlines():
        row = json.loads(line)
        print(
            f"{row['step']:<48} {row['VmRSS'] - previous:>6.1f} {row['VmRSS']:>7.1f} {row['VmHWM']:>7.1f}  "
            f"{', '.join(row['heavy']) or '-'}"
        )
        previous = row["VmRSS"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settle", type=float, default=3.0, help="seconds without a new peak that end start-up")
    parser.add_argument("--no-steps", action="store_true", help="skip the step-by-step breakdown")
    parser.add_argument("--step-runner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step_runner:
        run_steps()
        return
    figures = asyncio.run(started_bot(args.settle))
    print(
        f"canhgiac run after start-up ({figures['start_seconds']:.1f} s): VmHWM {figures['VmHWM']:.1f} MB, "
        f"VmRSS {figures['VmRSS']:.1f} MB  [{load()}]",
        flush=True,
    )
    if not args.no_steps:
        breakdown()


if __name__ == "__main__":
    main()
