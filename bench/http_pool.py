#!/usr/bin/env python
"""The Bot API client's transport: httpx's own against `bot/channels/http_pool.py`'s, CPU per request.

Both send POSTs, 16 at a time, through a pool of 20 connections, to the fake Bot API in a process
of its own (`tests/fakes/telegram_process.py`), interleaved five times, 2,000 requests each:

    python bench/http_pool.py

Prints the median and every run of this process's CPU time per request for each transport, with
the load average (the cores may be shared: compare the two, which ran side by side).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.channels import http_pool  # noqa: E402
from tests.fakes.running_bot import TOKEN  # noqa: E402
from tests.fakes.telegram_process import FakeTelegramProcess  # noqa: E402

CONCURRENCY, POOL, REQUESTS, ROUNDS = 16, 20, 2000, 5


async def burst(client: httpx.AsyncClient, url: str, n: int) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with gate:
            (await client.post(url, data={"chat_id": 1, "text": "x"})).raise_for_status()

    await asyncio.gather(*(one() for _ in range(n)))


async def main() -> None:
    fake = FakeTelegramProcess(TOKEN)
    url = f"{fake.url}/bot{TOKEN}/getMe"  # no chat: the fake's flood limits do not apply
    clients = {
        "httpx": httpx.AsyncClient(limits=httpx.Limits(max_connections=POOL)),
        "http_pool": httpx.AsyncClient(transport=http_pool.transport(POOL)),
    }
    runs: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for client in clients.values():
            await burst(client, url, 400)  # warm: every connection of the pool open
        for _ in range(ROUNDS):
            for name, client in clients.items():
                cpu = time.process_time()
                await burst(client, url, REQUESTS)
                runs[name].append((time.process_time() - cpu) / REQUESTS * 1000)
    finally:
        for client in clients.values():
            await client.aclose()
        fake.stop()
    load = "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    for name, values in runs.items():
        ordered = sorted(values)
        every = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<10} CPU ms per request: median {ordered[len(ordered) // 2]:.2f} (runs {every})  [{load}]")


if __name__ == "__main__":
    asyncio.run(main())
