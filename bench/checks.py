#!/usr/bin/env python
"""Check and report benchmark: check latency with the community blocklist imported, report inserts.

    python bench/checks.py [--blocklist ../shared/data/external/chongluadao-blocklist/chongluadao_blacklist_urls.txt]

Prints:
- how long importing the blocklist takes (the `canhgiac blocklist import` code path);
- check latency per value (parse + signals + blocklist and report lookups, on a read connection),
  p50/p99 over a mix of blocklisted links, look-alikes, official sites, phone numbers and accounts;
- report inserts per second, each report its own committed transaction through the single writer
  (what a citizen's confirm costs), with 1,000 identifiers already reported.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.checking import BrandTable, blocklist  # noqa: E402
from bot.checking.lookalike import detector_for  # noqa: E402
from bot.checking.verdict import check_value  # noqa: E402
from bot.core.clock import utc_now  # noqa: E402
from bot.core.messages import ChatKey  # noqa: E402
from bot.core.storage import Storage  # noqa: E402
from bot.identifiers import parse_identifier  # noqa: E402
from bot.reporting import reports  # noqa: E402

DEFAULT_BLOCKLIST = ROOT.parent / "shared/data/external/chongluadao-blocklist/chongluadao_blacklist_urls.txt"
OTHER_VALUES = [
    "vietcombank.com.vn", "https://www.techcombank.com.vn/ca-nhan", "vcb-xacthuc.com/login", "mbbank.com.vn.secure.xyz",
    "bit.ly/3abcXYZ", "http://103.45.12.9/vcb", "dichvucong-gov.vn.com", "shopee.vn/product/1",
    "0912 345 678", "+855 12 345 678", "1900 545 413", "113", "01662345678", "024 3825 1234",
    "stk 1027845566 MB", "0123456789 Vietcombank", "momo 0987654321", "not an identifier",
]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_checks(storage: Storage, values: list[str], brands: BrandTable, rounds: int) -> list[float]:
    def run(db) -> list[float]:
        timings = []
        for _ in range(rounds):
            for value in values:
                started = time.perf_counter()
                check_value(db, value, brands)
                timings.append((time.perf_counter() - started) * 1000)
        return timings

    return storage.read_sync(run)


async def bench_inserts(storage: Storage, count: int) -> float:
    identifiers = [parse_identifier(f"09{n:08d}") for n in range(1000)]
    started = time.perf_counter()
    for n in range(count):
        draft = reports.Draft(
            identifier=identifiers[n % len(identifiers)], what="call", via="phone_call",
            claimed_topic="fake-authority-call", happened="today", amount_lost=1_000_000, description="x" * 200,
        )  # fmt: skip
        await storage.write(lambda db, d=draft, n=n: reports.file(db, d, ChatKey("bench", str(n % 300)), utc_now()))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocklist", type=Path, default=DEFAULT_BLOCKLIST)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--reports", type=int, default=3000)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, one process")
    brands = BrandTable.load()
    detector_for(brands)  # compiled at load, as the bot does, not inside the first check
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage(Path(folder) / "bench.db")
        try:
            started = time.perf_counter()
            result = storage.write_sync(lambda db: blocklist.import_file(db, args.blocklist, None, utc_now()))
            print(
                f"blocklist import: {result.hosts} hosts, {result.prefixes} URL prefixes, "
                f"{len(result.skipped)} skipped, {time.perf_counter() - started:.2f} s"
            )
            lines = [line.strip() for line in args.blocklist.read_text(encoding="utf-8").splitlines() if line.strip()]
            random.seed(7)
            values = random.sample(lines, 200) + OTHER_VALUES * 10
            timings = bench_checks(storage, values, brands, args.rounds)
            print(
                f"check: {len(timings)} checks, p50 {statistics.median(timings):.3f} ms, "
                f"p99 {percentile(timings, 0.99):.3f} ms, max {max(timings):.2f} ms"
            )
            rate = asyncio.run(bench_inserts(storage, args.reports))
            print(f"report inserts: {rate:,.0f} per second ({args.reports} reports, one transaction each)")
            timings = bench_checks(storage, [f"09{n:08d}" for n in range(0, 1000, 5)], brands, 5)
            p50, p99 = statistics.median(timings), percentile(timings, 0.99)
            print(f"check of reported numbers: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
        finally:
            storage.close()


if __name__ == "__main__":
    main()
