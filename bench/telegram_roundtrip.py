#!/usr/bin/env python
"""Telegram round-trip benchmark: the real `canhgiac run` stack against a loopback fake Bot API.

The bot is `python -m bot run` in a process of its own (python-telegram-bot long polling,
AIORateLimiter, PerChatUpdateProcessor, router, handlers, content, SQLite in WAL mode on a
temporary file, INFO logging to a file); this process runs the loopback fake Bot API
(`tests.fakes.telegram_api.FakeTelegram`, tornado on 127.0.0.1) and drives the chats, so the CPU
time per update is the bot's alone (from /proc/PID/stat). `--in-process` runs
`bot.app.serve.serve` on this process's loop instead, as the figures before 2026-12-05 were taken
(bot and fake on one CPU); `--cprofile FILE` profiles the measured window of that mode, and
`--py-spy FILE.svg` records the bot process's measured window with py-spy. `--update-processes N`
sets `CANHGIAC_UPDATE_PROCESSES` for the bot: CPU ms/upd is then the bot process's and its
children's together, also printed per process with each one's peak RSS (VmHWM).

Each chat is a closed loop: push an update on the fake, wait for the bot's sendMessage for that
chat, push the chat's next update. Latency is push -> sendMessage arriving at the fake (both
`time.perf_counter()`); throughput is measured updates / (first push -> last reply). The mix per
chat repeats (`--mix basic`, the default): /start, a press of the "hotlines" button of the chat's
last menu message, free text, /help; `--mix realistic`: /start, the button, an FAQ question typed
without diacritics, a phone number, a link, a forwarded scam message.

Configurations (each on a fresh fake, database and bot):
  (a) production defaults: telegram_max_messages_per_second=25 (the deliberate send pace)
  (b) rate limiter effectively off (100000/s): the core's own capacity on this machine
  (c) one chat, one update at a time, limiter off: pure per-update latency

    python bench/telegram_roundtrip.py            # 2,000 updates over 200 chats (about 2 minutes)
    python bench/telegram_roundtrip.py --quick    # smoke run, a few seconds

Exit status: 0 when every update got its expected reply; 1 when one did not (or the bot logged an
error); 3 on the overall timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import faulthandler
import logging
import math
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# A token of the shape Settings accepts (digits, colon, >= 20 letters); only the fake ever sees it.
TOKEN = "123456789:AAbenchmarkFakeTokenForLoopbackOnly"
FREE_TEXT = "có người gọi bảo tôi chuyển tiền"
FAQ_PLAIN = "lam sao biet cuoc goi la lua dao"  # typed without diacritics, as many people do
PHONE = "0912345678"
LINK = "https://vietcombank-xacthuc.com/dang-nhap"
FORWARDED = (
    "Tài khoản ngân hàng của bạn sẽ bị khoá trong 24 giờ. Bấm vào http://bit.ly/xac-minh-tk và nhập "
    "mã OTP để xác minh ngay, nếu không sẽ bị phạt."
)
MIXES = {  # the kinds each chat repeats, in this order
    "basic": ("start", "button", "text", "help"),
    "realistic": ("start", "button", "faq", "phone", "link", "forward"),
}
KINDS = MIXES["basic"]
MAIN_MENU_MARK = "hotlines"  # a callback value only the main menu carries
PRODUCTION_RATE = 25.0
UNLIMITED_RATE = 100_000.0
WARMUP_CHATS, WARMUP_CYCLES = 8, 1  # 8 chats x 4 updates before each measurement, not counted
HISTORY = 500  # requests/messages the fake keeps for inspection
LOG_PROBLEM = re.compile(r"^\S+ (WARNING|ERROR|CRITICAL) ")


def clean_environment() -> None:
    """No developer .env/env variable may change the figures, and nothing may go through a proxy."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("TELEGRAM_", "CANHGIAC_")) or upper in {
            "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
        }:  # fmt: skip
            del os.environ[name]


clean_environment()

from tests.fakes.bot_process import BotProcess, bot_env, children_of  # noqa: E402
from tests.fakes.running_bot import TOKEN as PROCESS_TOKEN  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


class TimedTelegram(FakeTelegram):
    """The fake, plus: timestamp each sendMessage on arrival and hand it to the chat waiting for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiters: dict[int, asyncio.Future] = {}
        self.last_menu: dict[int, int] = {}  # chat -> message id of its last main-menu message
        self.unpaired = 0  # replies no update was waiting for (an update answered twice)

    def _send_message(self, p: dict) -> dict:
        result = super()._send_message(p)
        arrived = time.perf_counter()
        self._trim_history()
        chat_id = result["chat"]["id"]
        markup = result.get("reply_markup") or {}
        values = [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]
        if MAIN_MENU_MARK in values:
            self.last_menu[chat_id] = result["message_id"]
        waiter = self.waiters.pop(chat_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result((arrived, values))
        else:
            self.unpaired += 1
        return result

    def _trim_history(self) -> None:
        """Keep only recent request/message logs: thousands of retained dicts would only make the
        garbage collector's full passes (latency outliers) longer than the bot alone causes."""
        for log in (self.requests, self.sent, self.edits, self.callback_answers):
            if len(log) > 2 * HISTORY:
                del log[:-HISTORY]


@dataclass
class Sample:
    kind: str
    ms: float
    cpu_ms: float = math.nan  # the bot's CPU time from push to reply (one chat at a time only)


@dataclass
class Run:
    label: str
    chats: int
    samples: list[Sample] = field(default_factory=list)
    missing: int = 0  # updates that never got a reply
    unsent: int = 0  # updates not sent because their chat's previous one got no reply
    unexpected: int = 0  # replies that were not the answer expected for the update's kind
    unpaired: int = 0
    first_push: float = math.inf
    last_reply: float = 0.0
    cpu_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # WARNING/ERROR lines of the bot's log
    log_lines: int = 0
    unexpected_samples: list[str] = field(default_factory=list)  # kind and buttons of a few unexpected replies
    separate: bool = True  # the bot in a process of its own: cpu_seconds is the bot's alone
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)  # at the end of the measured window
    pid: int = 0  # the bot's process (separate mode)
    driver_cpu_seconds: float = 0.0  # this process: the fake Bot API and the chats' driver
    cpu_now: object = None  # the bot's CPU clock, seconds; read around each update when chats == 1
    processes: list[tuple[int, float, float]] = field(default_factory=list)  # pid, CPU s in the window, VmHWM MB

    @property
    def wall(self) -> float:
        return max(self.last_reply - self.first_push, 1e-9)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall

    def latencies(self, kind: str | None = None) -> list[float]:
        return sorted(s.ms for s in self.samples if kind is None or s.kind == kind)

    def cpu_ms(self, kind: str) -> float:
        """Mean CPU ms of the bot per update of this kind (one chat at a time: nothing else ran).
        In the separate mode the clock ticks every 10 ms: a mean over many updates is still right."""
        values = [s.cpu_ms for s in self.samples if s.kind == kind and s.cpu_ms == s.cpu_ms]
        return sum(values) / len(values) if values else math.nan

    @property
    def failures(self) -> int:
        return self.missing + self.unexpected + self.unpaired + len(self.problems)


def percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) on a sorted list."""
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def expected(kind: str, values: list[str]) -> bool:
    """/start ends with the main menu; free text (an FAQ answer or suggestions) with the main menu
    or a menu button; the hotlines answer and /help with a menu button; the check of a number or a
    link with a button to report it, the verdict on a forwarded message with one to read about
    its trick, both then the menu button."""
    if kind == "start":
        return MAIN_MENU_MARK in values
    if kind in ("text", "faq"):
        return MAIN_MENU_MARK in values or values[-1:] == ["menu"]
    if kind in ("phone", "link", "forward"):
        wanted = "topic:" if kind == "forward" else "report:id:"
        return any(v.startswith(wanted) for v in values) and values[-1:] == ["menu"]
    return values == ["menu"]


async def drive_chat(
    tg: TimedTelegram, run: Run | None, chat_id: int, count: int, reply_timeout: float, kinds=KINDS
) -> tuple[int, int]:
    """Send `count` updates to one chat, each after the previous one's reply; (missing, unsent)."""
    loop = asyncio.get_running_loop()
    for i in range(count):
        kind = kinds[i % len(kinds)]
        waiter = loop.create_future()
        tg.waiters[chat_id] = waiter
        cpu_before = run.cpu_now() if run is not None and run.chats == 1 and run.cpu_now else math.nan
        pushed = time.perf_counter()
        if kind == "start":
            tg.push_text(chat_id, "/start", first_name="Lan")
        elif kind == "button" and chat_id in tg.last_menu:
            tg.push_callback(chat_id, "hotlines", message_id=tg.last_menu[chat_id])
        elif kind == "button":
            kind = "menu-text"  # no menu message to press (cannot happen after /start): type "menu"
            tg.push_text(chat_id, "menu")
        elif kind == "text":
            tg.push_text(chat_id, FREE_TEXT)
        elif kind == "faq":
            tg.push_text(chat_id, FAQ_PLAIN)
        elif kind == "phone":
            tg.push_text(chat_id, PHONE)
        elif kind == "link":
            tg.push_text(chat_id, LINK)
        elif kind == "forward":
            tg.push_text(chat_id, FORWARDED, forwarded_from="Ngân hàng")
        else:
            tg.push_text(chat_id, "/help")
        try:
            arrived, values = await asyncio.wait_for(waiter, reply_timeout)
        except TimeoutError:
            tg.waiters.pop(chat_id, None)
            return 1, count - i - 1
        if run is not None:
            cpu_ms = (run.cpu_now() - cpu_before) * 1000 if cpu_before == cpu_before else math.nan
            run.samples.append(Sample(kind, (arrived - pushed) * 1000, cpu_ms))
            run.first_push = min(run.first_push, pushed)
            run.last_reply = max(run.last_reply, arrived)
            if not expected("start" if kind == "menu-text" else kind, values):
                run.unexpected += 1
                if len(run.unexpected_samples) < 5:
                    run.unexpected_samples.append(f"{kind}: {values}")
    return 0, 0


async def load(
    tg: TimedTelegram, run: Run | None, chat_ids: list[int], updates: int, reply_timeout: float, kinds=KINDS
) -> tuple[int, int]:
    """All chats concurrently, `updates` in total, spread as evenly as possible."""
    share, extra = divmod(updates, len(chat_ids))
    counts = [share + (1 if i < extra else 0) for i in range(len(chat_ids))]
    results = await asyncio.gather(
        *(drive_chat(tg, run, chat, n, reply_timeout, kinds) for chat, n in zip(chat_ids, counts, strict=True) if n)
    )
    return sum(r[0] for r in results), sum(r[1] for r in results)


async def wait_until_polling(tg: TimedTelegram, server: asyncio.Task, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(name == "getUpdates" for name, _ in tg.requests):
        if server.done():
            server.result()  # raises what stopped serve()
            raise RuntimeError("serve() returned before polling started")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start polling within {timeout:.0f}s")
        await asyncio.sleep(0.01)


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a process: its peak resident memory, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def bot_cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the process has used, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    tg: TimedTelegram, run: Run, updates: int, reply_timeout: float, kinds, cpu_now, profile: str | None
) -> None:
    """Warm up on other chats, then the measured load; `cpu_now()` is the CPU clock to read."""
    warm_chats = [900_000 + i for i in range(min(WARMUP_CHATS, run.chats))]
    missing, unsent = await load(tg, None, warm_chats, len(warm_chats) * len(kinds) * WARMUP_CYCLES, 60, kinds)
    if missing:
        raise RuntimeError(f"warm-up: {missing} update(s) got no reply")
    await asyncio.sleep(0.2)  # let the edits of the last button presses finish
    profiler = None
    if profile and run.separate:
        # --gil: only the thread holding the GIL, i.e. where the process's Python time goes.
        py_spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--gil", "--pid", str(run.pid), "-o", profile]
        raw = ["--format", "raw"] if profile.endswith(".txt") else []  # collapsed stacks, for grep
        profiler = subprocess.Popen(
            [*py_spy, *raw, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        await asyncio.sleep(1.0)  # py-spy attaches
    elif profile:
        profiler = cProfile.Profile()
        profiler.enable()
    run.cpu_now = cpu_now
    cpu, own = cpu_now(), time.process_time()
    pids = [run.pid, *sorted(children_of(run.pid))] if run.separate else []  # the update processes
    each = [bot_cpu_seconds(pid) for pid in pids]
    chat_ids = [100_000 + i for i in range(run.chats)]
    run.missing, run.unsent = await load(tg, run, chat_ids, updates, reply_timeout, kinds)
    run.cpu_seconds = cpu_now() - cpu
    run.processes = [
        (pid, bot_cpu_seconds(pid) - before, peak_rss_mb(pid)) for pid, before in zip(pids, each, strict=True)
    ]
    run.driver_cpu_seconds = time.process_time() - own
    run.load_average = os.getloadavg()
    if isinstance(profiler, cProfile.Profile):
        profiler.disable()
        profiler.dump_stats(profile)
    elif profiler is not None:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its flame graph on SIGINT
        await asyncio.get_running_loop().run_in_executor(None, profiler.wait)
    await asyncio.sleep(0.2)  # a reply sent twice would arrive now
    run.unpaired = tg.unpaired


async def run_configuration(
    label: str,
    *,
    rate: float,
    chats: int,
    updates: int,
    reply_timeout: float,
    in_process: bool = False,
    kinds: tuple[str, ...] = KINDS,
    profile: str | None = None,
    update_processes: int = 1,
) -> Run:
    run = Run(label=label, chats=chats, separate=not in_process)
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-") as tmp:
        if in_process:
            lines = await _in_process(run, Path(tmp), rate, updates, reply_timeout, kinds, profile)
        else:
            lines = await _bot_process(run, Path(tmp), rate, updates, reply_timeout, kinds, profile, update_processes)
    run.log_lines = len(lines)
    run.problems = [line for line in lines if LOG_PROBLEM.match(line)]
    return run


async def _bot_process(
    run: Run,
    tmp: Path,
    rate: float,
    updates: int,
    reply_timeout: float,
    kinds,
    profile: str | None,
    update_processes: int = 1,
) -> list[str]:
    """`python -m bot run` as a process of its own; its log is its stderr."""
    tg = TimedTelegram(token=PROCESS_TOKEN)
    await tg.start()
    assert tg.url.startswith("http://127.0.0.1:"), tg.url
    env = bot_env(tg.url, tmp / "canhgiac.db", TELEGRAM_MAX_MESSAGES_PER_SECOND=repr(rate), CANHGIAC_LOG_LEVEL="INFO",
                  CANHGIAC_UPDATE_PROCESSES=str(update_processes))  # fmt: skip
    bot = BotProcess(env, tmp, "bench-bot")
    run.pid = bot.pid
    try:
        deadline = time.monotonic() + 120  # start-up loads content and fits the models
        while not any(name == "getUpdates" for name, _ in tg.requests):
            if not bot.running():
                raise RuntimeError(f"the bot exited before polling: {bot.stderr[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the bot did not start polling within 120 s")
            await asyncio.sleep(0.05)
        while len(children_of(bot.pid)) < update_processes - 1:  # the update processes are up
            await asyncio.sleep(0.05)

        def cpu_now() -> float:  # the bot's and its update processes'
            return sum(bot_cpu_seconds(pid) for pid in (bot.pid, *children_of(bot.pid)))

        await measure(tg, run, updates, reply_timeout, kinds, cpu_now, profile)
    finally:
        await bot.stop()
        await tg.stop()
    return bot.stderr.splitlines()


async def _in_process(
    run: Run, tmp: Path, rate: float, updates: int, reply_timeout: float, kinds, profile: str | None
) -> list[str]:
    """`serve()` on this loop, beside the fake: one process, one CPU clock for both."""
    from bot.app.serve import serve
    from bot.app.wiring import wire
    from bot.core.logs import setup_logging
    from bot.core.settings import load_settings

    log_path = tmp / "bot.log"
    tg = TimedTelegram(token=TOKEN)
    await tg.start()
    assert tg.url.startswith("http://127.0.0.1:"), tg.url
    settings = load_settings(
        _env_file=None,  # a .env in the current folder must not apply
        telegram_bot_token=TOKEN,
        telegram_api_base_url=f"{tg.url}/bot",
        db_path=tmp / "canhgiac.db",
        telegram_max_messages_per_second=rate,
    )
    with log_path.open("w", encoding="utf-8") as log_file:
        setup_logging(settings.log_level, settings.secrets(), stream=log_file)
        bot = wire(settings)
        services = bot.services
        stop = asyncio.Event()
        server = asyncio.create_task(serve(bot, stop=stop), name="serve")
        try:
            await wait_until_polling(tg, server)
            await measure(tg, run, updates, reply_timeout, kinds, time.process_time, profile)
        finally:
            stop.set()
            try:
                await asyncio.wait_for(server, 30)
            finally:
                await tg.stop()
                services.close()
                root = logging.getLogger()
                for handler in list(root.handlers):
                    root.removeHandler(handler)
    return log_path.read_text(encoding="utf-8").splitlines()


def fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 10_000 else f"{value:,.0f}"


def report(runs: list[Run], args: argparse.Namespace, started: float) -> None:
    import telegram

    where = (
        "bot.app.serve.serve on the same loop, one process"
        if args.in_process
        else "`python -m bot run` in its own process"
    )
    print(
        f"Canh Giác Telegram round trip: FakeTelegram on 127.0.0.1 + {where} (long polling, AIORateLimiter, SQLite WAL)"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.platform()}, python-telegram-bot {telegram.__version__}"
    )
    kinds = MIXES[args.mix]
    print(
        f"mix per chat ({args.mix}), repeated: {', '.join(kinds)}; latency = push -> "
        f"sendMessage at the fake; warm-up {len(kinds) * WARMUP_CYCLES} updates on each of up to "
        f"{WARMUP_CHATS} other chats per configuration, not counted; load average at the end of each run"
    )
    header = (
        f"{'configuration':<36}{'chats':>6}{'updates':>8}{'upd/s':>8}{'p50 ms':>9}{'p90 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'CPU ms/upd':>11}{'missing':>8}{'load':>16}"
    )
    print()
    print(header)
    print("-" * len(header))
    for run in runs:
        ordered = run.latencies()
        cpu_per = run.cpu_seconds * 1000 / len(run.samples) if run.samples else math.nan
        print(
            f"{run.label:<36}{run.chats:>6}{len(run.samples):>8}{run.throughput:>8.1f}"
            f"{fmt_ms(percentile(ordered, 50)):>9}{fmt_ms(percentile(ordered, 90)):>9}"
            f"{fmt_ms(percentile(ordered, 99)):>9}{fmt_ms(ordered[-1] if ordered else math.nan):>9}"
            f"{cpu_per:>11.2f}{run.missing:>8}{' '.join(f'{x:.2f}' for x in run.load_average):>16}"
        )
    print()
    for run in runs:
        if run.separate and run.samples:
            n = len(run.samples)
            print(
                f"{run.label.split(' ')[0]}: bot process{'es' if len(run.processes) > 1 else ''} "
                f"{run.cpu_seconds / run.wall:.0%} of a core, "
                f"fake + driver process {run.driver_cpu_seconds * 1000 / n:.2f} CPU ms/upd "
                f"({run.driver_cpu_seconds / run.wall:.0%} of a core)"
            )
            for index, (pid, cpu, rss) in enumerate(run.processes):
                print(
                    f"    {'serving process' if index == 0 else f'update process {index}'} pid {pid}: "
                    f"{cpu * 1000 / n:.2f} CPU ms per update of the whole run ({cpu / run.wall:.0%} of a core), "
                    f"peak RSS {rss:.0f} MB"
                )
    for run in runs:
        present = [k for k in (*kinds, "menu-text") if run.latencies(k)]
        per_kind = ", ".join(f"{k} {percentile(run.latencies(k), 50):.1f}" for k in present)
        print(f"p50 ms by kind, {run.label.split(' ')[0]}: {per_kind}")
        if run.chats == 1:
            cpu = ", ".join(f"{k} {run.cpu_ms(k):.1f}" for k in present)
            print(f"CPU ms by kind, {run.label.split(' ')[0]}: {cpu}")
    print()
    production = next((r for r in runs if r.label.startswith("(a)")), None)
    if production is not None and production.samples:
        buttons = len(production.latencies("button"))
        calls = len(production.samples) + buttons  # one sendMessage each, plus an edit per button press
        ceiling = PRODUCTION_RATE * len(production.samples) / calls
        verdict = (
            "bounded by the deliberate send pace, not by the bot"
            if production.throughput >= 0.95 * ceiling
            else "BELOW the send pace's ceiling: something other than the pace limits it"
        )
        print(
            f"(a) is {verdict}: AIORateLimiter allows {PRODUCTION_RATE:g} API calls/s that carry a chat_id, and "
            f"a button press costs 2 (sendMessage + editMessageText); this run's {len(production.samples)} updates "
            f"({buttons} button presses) need {calls} paced calls, a ceiling of {ceiling:.1f} updates/s "
            f"(measured {production.throughput:.1f}; the limiter's burst of {PRODUCTION_RATE:g} lets a short run "
            "exceed it)."
        )
    print("(b) and (c): telegram_max_messages_per_second=100000 (limiter effectively off).")
    concurrent = [r for r in runs if r.chats > 1 and r.samples]
    if concurrent:
        little = ", ".join(f"{r.label.split(' ')[0]} {r.chats / r.throughput:.2f} s" for r in concurrent)
        print(
            "With every chat always waiting for a reply, latency in (a)/(b) is mostly queueing: "
            f"mean ~ chats / throughput (Little's law): {little}. (c) is the cost of one update alone."
        )
    cpu_of = (
        "process CPU time (bot + fake server + SQLite threads, one process)"
        if args.in_process
        else "CPU time of the bot's process (all its threads; /proc/PID/stat)"
    )
    print(
        f"CPU ms/upd: {cpu_of} per measured update. "
        "A button's reply is followed by the edit of the pressed message, in the background: "
        "it takes a paced slot but does not hold up the chat's next update."
    )
    failed = [r for r in runs if r.failures or r.unsent]
    for run in failed:
        print(
            f"PROBLEM {run.label}: missing replies {run.missing}, not sent after a missing reply "
            f"{run.unsent}, unexpected replies {run.unexpected}, replies without an update {run.unpaired}, "
            f"warning/error log lines {len(run.problems)}"
        )
        for line in run.unexpected_samples:
            print(f"    unexpected reply to {line}")
        for line in run.problems[:5]:
            print(f"    {line[:300]}")
    print(f"total time {time.perf_counter() - started:.1f} s; exit {'1' if failed else '0'}")


async def main_async(args: argparse.Namespace) -> list[Run]:
    runs = []
    plan = []
    if "a" in args.configs:
        plan.append((f"(a) production, {PRODUCTION_RATE:g} msg/s", PRODUCTION_RATE, args.chats, args.updates))
    if "b" in args.configs:
        plan.append(("(b) limiter off", UNLIMITED_RATE, args.chats, args.updates))
    if "c" in args.configs:
        plan.append(("(c) one chat at a time, limiter off", UNLIMITED_RATE, 1, args.single))
    for label, rate, chats, updates in plan:
        print(f"running {label}: {updates} updates over {chats} chat(s) ...", file=sys.stderr, flush=True)
        profile = None
        if args.profile:  # one file per configuration: name.b.svg, name.c.prof
            stem, dot, ext = args.profile.rpartition(".")
            profile = f"{stem}.{label[1]}.{ext}" if dot else f"{args.profile}.{label[1]}"
        run = await run_configuration(
            label, rate=rate, chats=chats, updates=updates, reply_timeout=args.reply_timeout,
            in_process=args.in_process, kinds=MIXES[args.mix], profile=profile,
            update_processes=args.update_processes,
        )  # fmt: skip
        print(
            f"  done in {run.wall:.1f} s, {run.throughput:.1f} updates/s, {run.log_lines} bot log lines",
            file=sys.stderr,
            flush=True,
        )
        runs.append(run)
    return runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--updates", type=int, default=None, help="measured updates in (a) and (b) (default 2000; --quick 100)"
    )
    parser.add_argument(
        "--chats", type=int, default=None, help="concurrent chats in (a) and (b) (default 200; --quick 25)"
    )
    parser.add_argument("--single", type=int, default=None, help="measured updates in (c) (default 1000; --quick 40)")
    parser.add_argument("--quick", action="store_true", help="short smoke run (about 240 updates, a few seconds)")
    parser.add_argument("--configs", default="abc", help="which configurations to run, e.g. 'bc' (default abc)")
    parser.add_argument("--mix", choices=sorted(MIXES), default="basic", help="the kinds of update each chat repeats")
    parser.add_argument(
        "--update-processes",
        type=int,
        default=1,
        metavar="N",
        help="CANHGIAC_UPDATE_PROCESSES of the bot: N processes handle updates (default 1)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run serve() on this process's loop beside the fake (CPU figures then include the fake)",
    )
    parser.add_argument(
        "--profile",
        default=None,
        metavar="FILE",
        help="profile each measured window: py-spy flame graph of the bot process (FILE.svg), or with "
        "--in-process a cProfile dump (FILE.prof); the configuration's letter is added to the name",
    )
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=None,
        help="seconds to wait for one reply before counting it missing (default 60, more for many chats)",
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="hard limit for the whole run, seconds (default 300)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.updates = args.updates if args.updates is not None else (100 if quick else 2000)
    args.chats = args.chats if args.chats is not None else (25 if quick else 200)
    args.single = args.single if args.single is not None else (40 if quick else 1000)
    if args.reply_timeout is None:  # at 25 msg/s each chat waits about chats/20 s in the queue
        args.reply_timeout = max(60.0, 4 * args.chats / (PRODUCTION_RATE / 1.25))
    if min(args.updates, args.chats, args.single) < 1:
        parser.error("--updates, --chats and --single must be at least 1")
    if not set(args.configs) <= set("abc") or not args.configs:
        parser.error("--configs takes letters among a, b, c")
    # Rough duration: (a) paces 25 calls/s (button presses cost 2), (b) ~100+ updates/s, (c) ~80 updates/s.
    estimate = 20 * len(args.configs)  # each starts a bot: content, models, first poll
    estimate += args.updates * 1.35 / PRODUCTION_RATE if "a" in args.configs else 0
    estimate += args.updates / 100 if "b" in args.configs else 0
    estimate += args.single / 80 if "c" in args.configs else 0
    if estimate > args.timeout * 0.9:
        parser.error(f"this run needs about {estimate:.0f} s; raise --timeout or lower --updates/--single")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Last resort if the loop itself hangs: dump every thread's stack and exit.
    faulthandler.dump_traceback_later(args.timeout + 60, exit=True)
    started = time.perf_counter()

    async def bounded() -> list[Run]:
        async with asyncio.timeout(args.timeout):
            return await main_async(args)

    try:
        runs = asyncio.run(bounded())
    except TimeoutError:
        print(f"benchmark: did not finish within --timeout {args.timeout:.0f} s", file=sys.stderr)
        return 3
    finally:
        faulthandler.cancel_dump_traceback_later()
    report(runs, args, started)
    return 1 if any(r.failures or r.unsent for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
