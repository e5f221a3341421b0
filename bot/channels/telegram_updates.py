"""Telegram updates as Telegram sends them (JSON dicts), for `CANHGIAC_UPDATE_PROCESSES` ≥ 2.

The serving process hands each update to the process that handles its chat before
python-telegram-bot parses it (`bot/app/update_processes.py`): `chat_of` reads the chat from the
raw dict, `RawPolling` long-polls `getUpdates` and passes on the dicts Telegram returned. The
webhook gives dicts already (`bot/channels/webhook.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

log = logging.getLogger("canhgiac.telegram.updates")

# The kinds of update that carry a chat directly; a callback query carries it in its message.
CHAT_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member",
              "chat_join_request")  # fmt: skip
RETRY_SECONDS = (1.0, 30.0)  # after a failed getUpdates: first wait, longest


def chat_of(data: dict[str, Any]) -> int | None:
    """The id of the chat a raw update belongs to (as python-telegram-bot's `effective_chat`
    would say), or None (an inline query, a button under an inline message)."""
    query = data.get("callback_query")
    holder = query.get("message") if isinstance(query, dict) else None
    if holder is None:
        holder = next((data[kind] for kind in CHAT_KINDS if isinstance(data.get(kind), dict)), None)
    chat = holder.get("chat") if isinstance(holder, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return chat_id if isinstance(chat_id, int) else None


class RawPolling:
    """Long polling that hands each update, a dict, to `on_update` (awaited in order: the next
    batch is asked for, and this one confirmed to Telegram, once all of it was handed over)."""

    def __init__(self, bot: Any, on_update: Callable[[dict], Awaitable[None]], *, timeout: int,
                 allowed_updates: list[str]):  # fmt: skip
        self._bot, self._on_update = bot, on_update
        self._timeout, self._allowed = timeout, allowed_updates
        self._task: asyncio.Task | None = None
        self._offset: int | None = None  # the first update not yet handed over

    async def start(self) -> None:
        # As python-telegram-bot's updater does: a webhook left set would make getUpdates fail.
        await self._bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        wait = RETRY_SECONDS[0]
        while True:
            try:
                # `_post` returns Telegram's JSON; `get_updates` would parse every update into
                # objects that the handling process parses again.
                updates = await self._bot._post(
                    "getUpdates",
                    {"offset": self._offset, "timeout": self._timeout, "allowed_updates": self._allowed},
                    read_timeout=self._timeout + 10,
                )
            except InvalidToken:
                log.error("getUpdates refused the token: polling stops")
                return
            except RetryAfter as error:
                after = error.retry_after
                await asyncio.sleep(after.total_seconds() if isinstance(after, timedelta) else float(after))
                continue
            except (TelegramError, OSError) as error:
                level = logging.ERROR if isinstance(error, Conflict) else logging.WARNING
                log.log(level, "getUpdates failed error=%s retry_in=%.0fs", type(error).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_SECONDS[1])
                continue
            wait = RETRY_SECONDS[0]
            for data in updates:
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    continue
                try:
                    await self._on_update(data)
                except Exception as error:  # a malformed update: logged (never its text), the rest go on
                    log.warning("update not handed over error=%s", type(error).__name__)
                self._offset = data["update_id"] + 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._offset is not None:
            # Confirm what was handed over, as python-telegram-bot's updater does when it stops: the
            # next start is not given it again (it would be a duplicate, answered by nobody).
            with contextlib.suppress(TelegramError, OSError):
                await self._bot._post("getUpdates", {"offset": self._offset, "timeout": 0, "limit": 1},
                                      read_timeout=5)  # fmt: skip
