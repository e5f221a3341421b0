#!/usr/bin/env python
"""Scale benchmark, one command: a province's broadcast through `canhgiac run` as a real process.

    python bench/scale.py                       # 300,000 subscribers (about 15 minutes on 2 cores)
    python bench/scale.py --subscribers 20000   # a quick look

Prints, with the machine's load average next to each figure (the cores may be shared):
- messages/s at the free pace (the production default, 20/s: measured over `--free-seconds`) and
  at the paid pace (Telegram's paid broadcasts, the setting's pace, 970/s by default, against the
  fake's strict limit of 1,000 in any second): from the first to the last paid send on the fake's
  clock, and from 10 s in (start-up over), with the most paid sends the fake saw within a second;
  with the CPU milliseconds per message of the bot process and of the fake Bot API's, each from
  /proc/PID/stat (what a rate would be on a core of its own, whatever the load);
- capacity: the same broadcast again at 1,000/s asked (the setting's most) with the fake's paid
  limit lifted: whether the bot keeps Telegram's paid limit itself, lost and doubled recipients;
- the database: bytes per recipient of a broadcast's rows, and their pruning once summed up
  (`CANHGIAC_DELIVERY_RETENTION_DAYS`): how long it takes, what is left;
- the bot process's peak RSS (VmHWM of its pid, read from /proc) during the paid broadcast;
- with `--processes N` (`CANHGIAC_BROADCAST_PROCESSES`): the same for the bot's sending processes
  (its children), their CPU summed and their peak RSS each, apart from the bot's;
- duplicates after a `kill -9` mid-broadcast (a second broadcast of `--kill-subscribers`), against
  the sender's bound, and recipients lost;
- updates/s of the core with the rate limiter lifted (bench/telegram_roundtrip.py, configuration b,
  the realistic mix), with 1 and 2 update processes (`--update-processes`).

The fake Bot API runs in a process of its own (`tests/fakes/telegram_process.py`) that counts
sends instead of keeping them and applies Telegram's flood limits (30/s free, 1,000/s paid, 1/s
per chat), so the RSS is the bot's alone and a paid send it did not mark as paid would be refused.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.serve import PRUNE_CHUNK  # noqa: E402
from bot.broadcast import broadcasts, subscriptions  # noqa: E402
from bot.broadcast.sender import duplicate_bound  # noqa: E402
from bot.core.clock import utc_now  # noqa: E402
from bot.core.messages import ChatKey  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.core.storage import Storage  # noqa: E402
from tests.fakes.bot_process import BotProcess, bot_env, children_of  # noqa: E402
from tests.fakes.running_bot import TOKEN  # noqa: E402
from tests.fakes.telegram_process import FakeTelegramProcess  # noqa: E402

CONCURRENCY = [16]  # --concurrency: CANHGIAC_BROADCAST_CONCURRENCY
PAID_RATE: list[float] = []  # --paid-rate: the paid pace asked (default: the setting's, 970/s)
PROCESSES: list[int] = [1]  # --processes: CANHGIAC_BROADCAST_PROCESSES
CAPACITY_RATE = 1000  # the capacity figure's pace: the setting's most, Telegram's paid limit
STEADY_AFTER = 10.0  # seconds of a paid broadcast left out of its steady rate (start-up)
AREAS = ("coc-leu", "bac-cuong", "duyen-hai", "lao-cai")


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user + system), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed(db_path: Path, count: int, first_chat: int) -> None:
    """`count` subscribers and one broadcast to all of them, due now."""
    storage = Storage(db_path)
    try:

        def write(db):
            now = utc_now()
            for n in range(count):
                subscriptions.subscribe(db, ChatKey("telegram", str(first_chat + n)), AREAS[n % 4], now)
            broadcasts.create(db, created_by="bench", now=now - timedelta(seconds=1), text="Cảnh báo thử nghiệm")

        storage.write_sync(write)
    finally:
        storage.close()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def env_for(fake: FakeTelegramProcess, db_path: Path, *, paid: bool) -> dict[str, str]:
    return bot_env(
        fake.url, db_path, CANHGIAC_BROADCAST_CONCURRENCY=str(CONCURRENCY[0]),
        CANHGIAC_TELEGRAM_PAID_BROADCAST="true" if paid else "false", CANHGIAC_LOG_LEVEL="WARNING",
        CANHGIAC_BROADCAST_PROCESSES=str(PROCESSES[0]),
        **({"CANHGIAC_TELEGRAM_BROADCAST_RATE": str(PAID_RATE[0])} if PAID_RATE else {}),
    )  # fmt: skip


async def wait_sent(
    fake: FakeTelegramProcess, target: int, timeout: float, bot: BotProcess | None = None, key: str = "sent"
):
    """Poll the fake until its `key` count (sends, or chats reached) is `target`; (first send
    time, last, peak RSS of the bot, the fake's counts)."""
    first = last = None
    peak = 0.0
    cpu_at_first = fake_cpu_at_first = 0.0
    children_at_first: dict[int, float] = {}  # the bot's sending processes: CPU when the count began
    children_peak: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        stats = fake.stats()
        now = time.perf_counter()
        if bot is not None and bot.running():
            peak = max(peak, peak_rss_mb(bot.pid))
            for child in children_of(bot.pid):
                children_peak[child] = max(children_peak.get(child, 0.0), peak_rss_mb(child))
        if stats["sent"] and first is None:
            first = now
            cpu_at_first = cpu_seconds(bot.pid) if bot is not None else 0.0
            children_at_first = {child: cpu_seconds(child) for child in children_of(bot.pid)} if bot else {}
            fake_cpu_at_first = cpu_seconds(fake.process.pid)
        if stats["sent"] > seen:
            seen, last = stats["sent"], now
        if stats[key] >= target:
            break
        await asyncio.sleep(0.25)
    cpu = cpu_seconds(bot.pid) - cpu_at_first if bot is not None and bot.running() else 0.0
    children = children_of(bot.pid) if bot is not None and bot.running() else set()
    children_cpu = sum(cpu_seconds(child) - children_at_first.get(child, 0.0) for child in children)
    fake_cpu = cpu_seconds(fake.process.pid) - fake_cpu_at_first
    return first, last, peak, fake.stats() | {
        "cpu": cpu, "fake_cpu": fake_cpu, "children_cpu": children_cpu, "children_peak": children_peak,
    }  # fmt: skip


def steady(stats: dict) -> str:
    """Paid messages/s from the first to the last paid send, on the fake's clock (the whole
    broadcast), and from STEADY_AFTER seconds in (start-up over: a sending child started, the
    first claims), with the most the fake let through within one second."""
    marks, sent = stats["paid_marks"], stats["paid"]
    whole = (sent - 1) / stats["paid_seconds"] if stats["paid_seconds"] else 0.0
    later = [(n, at) for n, at in enumerate(marks, 1) if at >= STEADY_AFTER]
    after = ""
    if len(later) >= 2:
        (first_n, first_at), (last_n, last_at) = later[0], later[-1]
        after = f", {(last_n - first_n) * 1000 / (last_at - first_at):,.1f}/s after the first {STEADY_AFTER:.0f} s"
    busiest = stats["busiest_paid_second"]
    return f"{whole:,.1f} messages/s first to last send (the fake's clock){after}; busiest second {busiest}"


async def paced(folder: Path, count: int, *, paid: bool, seconds: float | None, capacity: bool = False) -> None:
    db_path = folder / f"{'capacity' if capacity else 'paid' if paid else 'free'}.db"
    started = time.perf_counter()
    seed(db_path, count, 10_000_000)
    print(f"  seeded {count} subscribers in {time.perf_counter() - started:.0f} s", flush=True)
    # Capacity: the setting's most (1,000/s), the fake's paid limit lifted: what the bot can send.
    fake = FakeTelegramProcess(TOKEN, paid_per_second=None) if capacity else FakeTelegramProcess(TOKEN)
    env = env_for(fake, db_path, paid=paid)
    if capacity:
        env["CANHGIAC_TELEGRAM_BROADCAST_RATE"] = str(CAPACITY_RATE)
    bot = BotProcess(env, folder, "capacity" if capacity else "paid" if paid else "free")
    try:
        if seconds is None:
            first, last, peak, stats = await wait_sent(fake, count, timeout=3600, bot=bot)
            sent = stats["sent"]
        else:  # the free pace: a window of the broadcast is enough to know its rate
            first, _, _, _ = await wait_sent(fake, 1, timeout=120)
            await asyncio.sleep(seconds)
            last, stats = time.perf_counter(), fake.stats()
            peak, sent = peak_rss_mb(bot.pid), stats["sent"]
        rate = (sent - 1) / (last - first) if last and first and last > first else 0.0
        asked = PAID_RATE[0] if PAID_RATE else Settings.model_fields["telegram_paid_broadcast_per_second"].default
        kind = f"paid pace ({asked:,.0f}/s asked)" if paid else "free pace (20/s asked)"
        if capacity:
            kind = f"capacity ({CAPACITY_RATE:,.0f}/s asked, the fake's paid limit lifted)"
        cpu, fake_cpu = stats.get("cpu", 0.0), stats.get("fake_cpu", 0.0)
        per_core = ""
        if cpu and fake_cpu:
            per_core = (f"; bot CPU {cpu * 1000 / sent:.2f} ms per message ({sent / cpu:,.0f}/s on a core of its "
                        f"own), fake Bot API CPU {fake_cpu * 1000 / sent:.2f} ms per message")  # fmt: skip
        if stats.get("children_peak"):
            rss = ", ".join(f"{mb:.0f}" for mb in stats["children_peak"].values())
            children_ms = stats["children_cpu"] * 1000 / sent
            per_core += (f"; {len(stats['children_peak'])} sending processes: CPU {children_ms:.2f} ms per "
                         f"message in all, peak RSS {rss} MB")  # fmt: skip
        measured = steady(stats) if paid else f"{rate:,.0f} messages/s"
        print(f"{kind}: {sent} messages at {measured}{per_core}; paid sends {stats['paid']}, "
              f"refused 429 {stats['throttled']}, duplicates {stats['doubled']}, recipients reached "
              f"{stats['chats']}/{count}; bot peak RSS {peak:.0f} MB  [{load()}]", flush=True)  # fmt: skip
        if paid and not capacity:  # summed up by the bot (its schedule loop), so that its rows may be pruned
            await summed_up(db_path)
    finally:
        await bot.stop()
        fake.stop()
    if paid and not capacity:
        database(db_path, count)


async def summed_up(db_path: Path, timeout: float = 30) -> None:
    storage = Storage(db_path)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and storage.read_sync(lambda db: broadcasts.get(db, 1).status) != "done":
            await asyncio.sleep(0.5)
    finally:
        storage.close()


def database(db_path: Path, count: int) -> None:
    """A broadcast's rows in the database, then pruned as housekeeping does once it is summed up."""
    storage = Storage(db_path)
    try:

        def size(db) -> tuple[float, float, int]:
            rows = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
            indexes = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'deliveries' "
                                                "AND type = 'index'").fetchall()]  # fmt: skip
            tallies = db.execute("SELECT count(*) FROM delivery_tallies").fetchone()[0]
            return rows.get("deliveries", 0) / 2**20, sum(rows.get(n, 0) for n in indexes) / 2**20, tallies

        table, indexes, _ = storage.read_sync(size)
        started = time.perf_counter()
        pruned = 0
        while moved := storage.write_sync(lambda db: broadcasts.prune_deliveries(db, "9999", PRUNE_CHUNK)):
            pruned += moved
        took = time.perf_counter() - started
        after, after_indexes, tallies = storage.read_sync(size)
    finally:
        storage.close()
    print(f"database: a broadcast's rows {table:.1f} MB + {indexes:.1f} MB of indexes for {count} recipients "
          f"({(table + indexes) * 2**20 / count:.0f} bytes each); once summed up, {pruned} rows pruned in "
          f"{took:.1f} s ({PRUNE_CHUNK} a transaction), {after + after_indexes:.1f} MB left, counts kept in "
          f"{tallies} rows  [{load()}]", flush=True)  # fmt: skip


async def killed(folder: Path, count: int) -> None:
    db_path = folder / "killed.db"
    seed(db_path, count, 20_000_000)
    fake = FakeTelegramProcess(TOKEN)
    env = env_for(fake, db_path, paid=True)
    bot = BotProcess(env, folder, "killed")
    try:
        await wait_sent(fake, count // 2, timeout=600)
        bot.kill()
        at_kill = fake.stats()["sent"]
        bot = BotProcess(env, folder, "restarted")
        _, _, _, stats = await wait_sent(fake, count, timeout=600, key="chats")
        await asyncio.sleep(2)  # the last results recorded
        stats = fake.stats()
    finally:
        await bot.stop()
        fake.stop()
    storage = Storage(db_path)
    try:
        state = storage.read_sync(lambda db: broadcasts.progress(db, 1))
    finally:
        storage.close()
    print(f"kill -9 at {at_kill}/{count} sent: recipients reached {stats['chats']}/{count} "
          f"(lost {count - stats['chats']}), duplicates {stats['doubled']} (bound {duplicate_bound(CONCURRENCY[0])}, "
          f"counted as resent {state.resent})  [{load()}]", flush=True)  # fmt: skip


def updates_per_second(updates: int, processes: list[int]) -> None:
    """The realistic mix (`/start`, a button, an FAQ question, a number, a link, a forwarded scam
    message), with each count of update processes (`CANHGIAC_UPDATE_PROCESSES`)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import telegram_roundtrip

    for count in processes:
        run = asyncio.run(
            telegram_roundtrip.run_configuration(
                "(b) limiter lifted",
                rate=telegram_roundtrip.UNLIMITED_RATE,
                chats=100,
                updates=updates,
                reply_timeout=30.0,
                kinds=telegram_roundtrip.MIXES["realistic"],
                update_processes=count,
            )  # fmt: skip
        )
        print(f"core, limiter lifted, {count} update process(es): {run.throughput:,.0f} updates/s over {updates} "
              f"updates (realistic mix)  [{load()}]", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=300_000)
    parser.add_argument("--free-seconds", type=float, default=30.0)
    parser.add_argument("--kill-subscribers", type=int, default=20_000)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument(
        "--update-processes",
        type=int,
        nargs="+",
        default=[1, 2],
        help="CANHGIAC_UPDATE_PROCESSES of each updates/s run",
    )
    parser.add_argument("--paid-rate", type=float, help="CANHGIAC_TELEGRAM_BROADCAST_RATE (default 970)")
    parser.add_argument("--processes", type=int, default=1, help="CANHGIAC_BROADCAST_PROCESSES (default 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="CANHGIAC_BROADCAST_CONCURRENCY (default 16)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["free", "paid", "capacity", "kill", "updates"])
    args = parser.parse_args()
    PAID_RATE.extend([args.paid_rate] if args.paid_rate else [])
    PROCESSES[0] = args.processes
    CONCURRENCY[0] = args.concurrency
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
          f"bot and fake Bot API in separate processes; sender concurrency {CONCURRENCY[0]}; broadcast processes "
          f"{PROCESSES[0]}  [{load()}]")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        if "free" not in args.skip:
            asyncio.run(paced(Path(folder), 2000, paid=False, seconds=args.free_seconds))
        if "paid" not in args.skip:
            asyncio.run(paced(Path(folder), args.subscribers, paid=True, seconds=None))
        if "capacity" not in args.skip:
            asyncio.run(paced(Path(folder), args.subscribers, paid=True, seconds=None, capacity=True))
        if "kill" not in args.skip:
            asyncio.run(killed(Path(folder), args.kill_subscribers))
    if "updates" not in args.skip:
        updates_per_second(args.updates, args.update_processes)


if __name__ == "__main__":
    main()
