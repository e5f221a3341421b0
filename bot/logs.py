"""Logging: one `key=value` line per event on stderr, with every secret masked.

Secrets (bot tokens, webhook secrets) are masked in the final formatted line, tracebacks
included, so no code path can leak them by logging a URL or an exception. httpx's own request
lines (which carry the token in the URL) are kept at WARNING.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

MASK = "***"


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self._secrets:
            line = line.replace(secret, MASK)
        return line


def setup_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
