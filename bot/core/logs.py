"""Logging: one `key=value` line per event on stderr, with secrets and phone numbers masked.

What a citizen wrote never reaches the log, at any level:
- Our own code logs only what happened (channel, handler, outcome, latency), never a text.
- Other libraries log whole payloads at DEBUG: python-telegram-bot every update and every request's
  parameters (so the texts we send, a police detail page with a reporter's number included),
  httpx/httpcore their requests. Below INFO only our own loggers (`canhgiac.*`) are written, even
  with `CANHGIAC_LOG_LEVEL=DEBUG`: a filter on the handler drops the rest, whatever levels someone
  sets later. Their INFO and above (errors, start and stop) are kept.
- The last line of defence is in the formatter, on the final line, tracebacks included: secrets
  (bot tokens, webhook secrets; also URL-encoded, and a token's part after the colon) and anything
  shaped like a phone number (Vietnamese 0…/84…/+84… numbers in any usual writing, and +country
  numbers) are masked, so no code path can leak one by logging a URL, an exception or a message.
  Timestamps, update ids, latencies and amounts do not have those shapes and are kept.
- The Bot APIs (Telegram's, Zalo's) put the token in every URL path, and httpx logs each request's
  URL: a filter on the "httpx" logger rewrites `/bot<token>/` to `/bot***/` before any handler sees
  the line (`mask_request_urls`). The setup installs it; importing a module never does.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO
from urllib.parse import quote

MASK = "***"
OWN_LOGGER = "canhgiac"

# The least level other libraries are written at; the configured level applies when higher.
_LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "tornado": logging.INFO,
    "asyncio": logging.INFO,
    "httpx": logging.WARNING,  # one INFO line per request, with the URL
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "tornado.access": logging.WARNING,
    # With no retries of its own, the limiter logs every flood wait as an error with a traceback;
    # the sender and the reply retries log each one once, as a warning.
    "telegram.ext.AIORateLimiter": logging.CRITICAL,
}

_GAP = r"[ .\-]{0,2}"  # how digits of a number are grouped: "0912 345 678", "0912.345.678"
_PHONE = re.compile(
    r"(?<![\d.])(?:"
    # 0 and 9-10 digits: mobiles, landlines with their area code, old 11-digit mobiles.
    r"\(?0[1-9](?:[ .\-)]{0,2}\d){8,9}"
    # The same with the country code: +84 912 345 678, (+84) 912…, 84912345678.
    rf"|\(?\+?84\)?{_GAP}[1-9](?:{_GAP}\d){{8,9}}"
    # Any other country, written with its +: +1 202 555 0123.
    rf"|\+[1-9](?:{_GAP}\d){{7,13}}"
    r")(?!\d)"
)


def mask_phone_numbers(text: str) -> str:
    return _PHONE.sub(MASK, text)


def _forms(secret: str) -> Iterator[str]:
    """How a secret can appear in a line: as is, URL-encoded, and a token's part after the colon."""
    secret = secret.strip()
    if not secret:
        return
    yield secret
    yield quote(secret, safe="")
    _, colon, tail = secret.partition(":")
    if colon and len(tail) >= 16:
        yield tail


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({form for s in secrets if s for form in _forms(s)}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self._secrets:
            line = line.replace(secret, MASK)
        return mask_phone_numbers(line)


class _OwnDebugOnly(logging.Filter):
    """Below INFO, only our own lines pass: other libraries' DEBUG lines carry whole payloads."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        return record.levelno >= logging.INFO or name == OWN_LOGGER or name.startswith(OWN_LOGGER + ".")


_BOT_PATH = re.compile(r"/bot[^/\s\"']+/")


def mask_bot_paths(text: str) -> str:
    """`/bot<token>/` in a Bot API URL becomes `/bot***/`."""
    return _BOT_PATH.sub(f"/bot{MASK}/", text)


class _MaskBotPaths(logging.Filter):
    """Rewrites `/bot<token>/` in a log record's message to `/bot***/`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_bot_paths(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_MASK_BOT_PATHS = _MaskBotPaths()


def mask_request_urls() -> None:
    """Mask the token in the request lines of every httpx client in the process (Telegram's and
    Zalo's). A logger's filters run before any handler, whatever handlers and levels are set later.
    Idempotent: the same filter is added once."""
    logging.getLogger("httpx").addFilter(_MASK_BOT_PATHS)


def setup_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    mask_request_urls()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    handler.addFilter(_OwnDebugOnly())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, floor in _LIBRARY_FLOORS.items():
        # Also saves formatting their DEBUG lines only to drop them.
        logging.getLogger(name).setLevel(max(floor, root.level))
