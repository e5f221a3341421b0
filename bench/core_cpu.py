#!/usr/bin/env python
"""The bot's own CPU per update, without any network: the realistic mix straight into the router.

`telegram_roundtrip.py` measures the whole bot process (python-telegram-bot, httpx, the event
loop, threads); this one drives `Router.handle` and `Router.delivered` in process, on the real
content, services and a temporary SQLite file, so what it measures is the bot's own Python work
per update (routing, the FAQ matcher, red flags, the message model, identifiers, templates, the
database writes) and the thread hand-overs the router makes. Each chat repeats the mix of
`telegram_roundtrip.py --mix realistic`: /start, the "hotlines" button, an FAQ question typed
without diacritics, a phone number, a link, a forwarded scam message; chats run concurrently.

It prints CPU ms per update (time.process_time: all threads) and a hash of every reply, sorted by
chat and turn, so two versions of the code can be compared for speed and for identical answers.
`--py-spy FILE` records the measured window with py-spy (raw collapsed stacks).

    python bench/core_cpu.py                 # 20 chats x 20 rounds of the mix (2,400 updates)
    python bench/core_cpu.py --rounds 40 --py-spy /tmp/core.txt
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
for _name in list(os.environ):  # no developer setting may change the figures
    if _name.startswith(("TELEGRAM_", "ZALO_", "CANHGIAC_")):
        del os.environ[_name]

from bot.core.messages import Incoming, Reply  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.services import build_services, load_library  # noqa: E402
from handlers import build_router  # noqa: E402

FAQ_PLAIN = "lam sao biet cuoc goi la lua dao"  # as in telegram_roundtrip.py
PHONE = "0912345678"
LINK = "https://vietcombank-xacthuc.com/dang-nhap"
FORWARDED = (
    "Tài khoản ngân hàng của bạn sẽ bị khoá trong 24 giờ. Bấm vào http://bit.ly/xac-minh-tk và nhập "
    "mã OTP để xác minh ngay, nếu không sẽ bị phạt."
)
WARMUP_CHATS = 8


def mix(chat: int) -> list[Incoming]:
    who = {"channel": "telegram", "chat_id": str(chat), "user_id": str(chat), "display_name": "Lan"}
    return [
        Incoming(text="/start", **who),
        Incoming(choice="hotlines", **who),
        Incoming(text=FAQ_PLAIN, **who),
        Incoming(text=PHONE, **who),
        Incoming(text=LINK, **who),
        Incoming(text=FORWARDED, forwarded=True, **who),
    ]


def _reply_text(reply: Reply) -> str:
    return reply.text + "\x00" + "\x00".join(choice.value for choice in reply.choices)


async def run(rounds: int, chats: int, py_spy: str | None) -> None:
    folder = tempfile.mkdtemp(prefix="canhgiac-core-")
    settings = Settings(
        _env_file=None,
        db_path=Path(folder) / "canhgiac.db",
        locality_name="phường Cốc Lếu",
        police_hotlines="Công an phường Cốc Lếu=0214 3820 113",
    )
    library = load_library(settings)
    services = build_services(settings, library=library)
    router = build_router()
    library.messages  # the message model loads on first use: not in the measured window  # noqa: B018
    answers: list[tuple[int, int, int, str]] = []

    async def chat(number: int, repeat: int, keep: bool) -> None:
        for turn in range(repeat):
            for step, msg in enumerate(mix(number)):
                replies = await router.handle(msg, services)
                if keep:
                    answers.extend((number, turn, step, _reply_text(reply)) for reply in replies)
                await router.delivered(msg, replies, services)

    await asyncio.gather(*(chat(100_000 + n, 1, False) for n in range(WARMUP_CHATS)))
    profiler = None
    if py_spy:
        spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--gil", "-r", "250", "--pid", str(os.getpid())]
        profiler = subprocess.Popen(  # noqa: S603 - our own py-spy, our own process
            [*spy, "-f", "raw", "-o", py_spy, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        await asyncio.sleep(1.5)  # py-spy attaches
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(chat(n, rounds, True) for n in range(chats)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        profiler.wait()
    services.close()
    updates = rounds * chats * len(mix(0))
    digest = hashlib.sha256("\x01".join(text for *_, text in sorted(answers)).encode()).hexdigest()[:16]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{updates} updates over {chats} chats: {1000 * cpu / updates:.3f} CPU ms/upd, "
          f"{updates / wall:.0f} updates/s, load {load}; replies sha256 {digest}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="times each chat repeats the mix")
    parser.add_argument("--chats", type=int, default=20, help="chats running concurrently")
    parser.add_argument("--py-spy", metavar="FILE", help="record the measured window with py-spy (raw stacks)")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.chats, args.py_spy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
