"""The fake Bot API in a process of its own, counting sends instead of keeping them, so that a
benchmark measures the bot's memory alone: ``python -m tests.fakes.telegram_process TOKEN``
prints its URL on the first line, then serves (with Telegram's flood limits, free and paid) until
it is terminated; ``--paid-per-second none`` lifts the paid limit, to measure how fast the bot
can send (its counts say the most paid sends within a second, and the time from the first to the
last). `FakeTelegramProcess` starts it and reads its counts (`fakeStats`).

It answers through a plain asyncio HTTP/1.1 server (`_serve_connection`: kept-alive connections,
`Content-Length` bodies, form, query or JSON parameters) instead of the tornado server the
in-process fake uses: at 1,000 messages a second the fake runs on the second of two cores and its
own cost per message is part of what is measured (tornado's was most of it). The calls are the
same `FakeTelegram` methods, limits and refusals included."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import subprocess
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from tests.fakes.bot_process import REPO
from tests.fakes.telegram_api import FakeTelegram, decode_field

PAID_PER_SECOND = 1000.0  # Telegram's paid limit, a strict window of one second

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error"}  # fmt: skip


def _params(query: str, content_type: str, body: bytes) -> dict:
    """Query and form values (python-telegram-bot's), or a JSON body, decoded as the fake's handler does."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if content_type.startswith("application/x-www-form-urlencoded"):
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    params = {key: decode_field(key, value) for key, value in pairs}
    if content_type.startswith("application/json") and body:
        params.update({key: decode_field(key, value) for key, value in json.loads(body).items()})
    return params


async def _answer(fake: FakeTelegram, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    url = urlsplit(target)
    parts = unquote(url.path).split("/")
    if len(parts) != 3 or not parts[1].startswith("bot"):
        return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
    try:
        params = _params(url.query, headers.get("content-type", ""), body)
    except ValueError:
        status, answer = 400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse request"}
    else:
        status, answer = await fake._call(parts[1][3:], parts[2], params, asyncio.Event())
    return status, json.dumps(answer, ensure_ascii=False).encode()


async def _serve_connection(fake: FakeTelegram, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Requests of one kept-alive connection, one after another, until the client closes it."""
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            _, target, _ = head[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            status, answer = await _answer(fake, target, headers, body)
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(answer)}\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
    writer.close()


async def _serve(token: str, paid_per_second: float) -> None:
    fake = FakeTelegram(token=token, count_only=True)
    fake.rate_limit(paid_per_second=paid_per_second)  # 30/s free, 1,000/s paid (by default), 1/s per chat
    server = await asyncio.start_server(lambda r, w: _serve_connection(fake, r, w), "127.0.0.1", 0)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    fake._stopping = True  # pending long polls answer now, as an idle poll ends
    fake._notify("_update_signal")
    server.close()
    await asyncio.sleep(0.1)  # their answers written (or refused by a closed connection) before the loop ends


class FakeTelegramProcess:
    """`paid_per_second`: the paid limit (None: none, to measure what the bot can send)."""

    def __init__(self, token: str, paid_per_second: float | None = PAID_PER_SECOND):
        self.token = token
        limit = "none" if paid_per_second is None else str(paid_per_second)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.telegram_process", token, "--paid-per-second", limit],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.url = self.process.stdout.readline().strip()

    def stats(self) -> dict:
        return httpx.post(f"{self.url}/bot{self.token}/fakeStats", timeout=10).json()["result"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("token")
    parser.add_argument("--paid-per-second", default=str(PAID_PER_SECOND), help="the paid limit, or none")
    args = parser.parse_args()
    asyncio.run(_serve(args.token, math.inf if args.paid_per_second == "none" else float(args.paid_per_second)))
