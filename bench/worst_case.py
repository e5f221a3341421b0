#!/usr/bin/env python
"""Worst-case messages: how long one update of each pathological shape takes, and whether it stalls
the event loop that serves every other chat.

    python bench/worst_case.py [--quick] [--sizes 4096 100000]

For each shape of tests/bot/identifiers/test_extract_work.py (digit groups, separators, "+84",
dots, slashes, defanged links, a thousand phone numbers …) plus two without repeats (so no cache
helps), at 4,096 characters (Telegram's limit) and 100,000 (the terminal and Zalo have none), it
prints:
- `extract ms`: `extract_identifiers` alone, in process;
- `update ms`: one update through the real router and handlers (SQLite in a temporary file),
  sent by a new chat; the router cuts text at 4,096 characters, so 100,000 costs about as much;
- `other chat ms`: a normal message ("0912 345 678") from another chat, sent 10 ms after it;
- `stall ms`: the longest gap of a 5 ms ticker on the event loop while both were handled.
`--quick` runs 4,096 only.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.messages import Incoming  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.identifiers import extract_identifiers  # noqa: E402
from bot.services import build_services  # noqa: E402
from handlers import build_router  # noqa: E402
from tests.bot.identifiers.test_extract_work import SHAPES  # noqa: E402
from tests.conftest import LoopTicker  # noqa: E402


def _unrepeated(pick: str, seed: int):
    """Digit groups drawn at random, so that no window of digits is read twice."""

    def make(n: int) -> str:
        rnd = random.Random(seed)
        parts, size = [], 0
        while size < n:
            part = rnd.choice(pick.split("|")).replace("#", str(rnd.randrange(10)))
            parts.append(part)
            size += len(part) + 1
        return " ".join(parts)[:n]

    return make


ALL_SHAPES = {
    **SHAPES,
    "00 in front, no repeats": _unrepeated("0|0|#|#", seed=1),
    "digit groups, no repeats": _unrepeated("#|##|###", seed=2),
}


async def one_update(router, services, chat_id: str, text: str) -> float:
    msg = Incoming(channel="bench", chat_id=chat_id, user_id=chat_id, display_name="Lan", text=text)
    started = time.perf_counter()
    replies = await router.handle(msg, services)
    assert replies, f"no reply for chat {chat_id}"
    return time.perf_counter() - started


async def through_router(router, services, text: str, serial: int) -> tuple[float, float, float]:
    """(update s, other chat s, longest stall s) for one pathological update and one normal one."""
    with LoopTicker() as ticker:
        await asyncio.sleep(0.02)
        long_one = asyncio.create_task(one_update(router, services, f"long-{serial}", text))
        await asyncio.sleep(0.01)
        other = await one_update(router, services, f"other-{serial}", "0912 345 678")
        update = await long_one
    return update, other, ticker.longest


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4,096 characters only")
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 100_000])
    args = parser.parse_args()
    sizes = [4096] if args.quick else args.sizes

    print(f"machine: Python {platform.python_version()}, {platform.platform()}")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, db_path=Path(folder) / "bench.db", locality_name="phường Cốc Lếu")
        services = build_services(settings)
        router = build_router()
        await one_update(router, services, "warm-up", "chào")  # content, matcher and tables loaded
        extract_identifiers("0912 345 678 vcb-xacthuc.com")
        header = f"{'shape':26} {'chars':>7} {'extract ms':>11} {'update ms':>10} {'other chat ms':>14} {'stall ms':>9}"
        print(header)
        print("-" * len(header))
        worst = {"extract": 0.0, "update": 0.0, "other": 0.0, "stall": 0.0}
        serial = 0
        for size in sizes:
            for name, make in ALL_SHAPES.items():
                text = make(size)
                started = time.perf_counter()
                extract_identifiers(text)
                extract = time.perf_counter() - started
                serial += 1
                update, other, stall = await through_router(router, services, text, serial)
                for key, value in zip(worst, (extract, update, other, stall), strict=True):
                    worst[key] = max(worst[key], value)
                print(
                    f"{name:26} {len(text):>7,} {extract * 1000:>11.1f} {update * 1000:>10.1f} "
                    f"{other * 1000:>14.1f} {stall * 1000:>9.1f}",
                    flush=True,
                )
        print("-" * len(header))
        print(
            f"{'worst':26} {'':>7} {worst['extract'] * 1000:>11.1f} {worst['update'] * 1000:>10.1f} "
            f"{worst['other'] * 1000:>14.1f} {worst['stall'] * 1000:>9.1f}"
        )
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
