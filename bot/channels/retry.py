"""Replies through a platform's bad moments.

A reply whose send failed for a reason that may pass (the platform's 5xx, a broken connection, a
timeout, a flood wait) is sent again, after the wait the platform asked for or a growing backoff,
for about a minute; each part of a split reply on its own, so the parts that went out are not
repeated. Without it the citizen's message would stay unanswered, with nobody to know.

Only replies: the messages the bot starts itself (outbox, broadcasts) are retried by their own
senders, with their state in the database. A send that timed out may still have arrived, so a
retry may show a reply twice: a reply doubled is a lesser harm than a question unanswered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0)  # about a minute in all

log = logging.getLogger("canhgiac.channels")


async def send_retrying(
    send: Callable[[], Awaitable[T]], wait_of: Callable[[Exception], float | None], *, channel: str
) -> T:
    """`await send()`, again after each failure `wait_of` calls passing (it returns the platform's
    wait in seconds, 0 when it gave none; None: retrying cannot help, the error is raised)."""
    for delay in RETRY_DELAYS:
        try:
            return await send()
        except Exception as error:
            asked = wait_of(error)
            if asked is None:
                raise
            wait = max(asked, delay)
            log.warning("reply send failed, retrying channel=%s error=%s retry_in=%.1fs",
                        channel, type(error).__name__, wait)  # fmt: skip
            await asyncio.sleep(wait)
    return await send()  # the last try: its error, if any, is the caller's
