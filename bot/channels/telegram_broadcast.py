"""Telegram's paid broadcast messages, sent the lean way. At up to 1,000 messages a second the
client's CPU per message is what limits the pace (issue 19: one core per process, about 1 ms per
message for 1,000 a second), so this path keeps python-telegram-bot's real client and its errors
but drops what a broadcast does not need (measured with `bench/scale.py`, figures in
`bench/README.md`):

- **A connection of its own per send in flight** (`ConnectionPerSend`): httpcore's pool, on each
  request and each answer, checks every connection it holds (whether it expired: a `poll` of its
  socket through anyio; whether it is idle: once per connection for each connection). With the 16
  connections of a sender's workers in one pool that was half the client's time; pools of one
  connection each, taken by whichever send is starting, check one.
- **No rate limiter**: the sender paces broadcasts itself (`bot/broadcast/sender.py`), and paid
  messages do not count against the free budget that replies share through the application's
  `AIORateLimiter`; those go on through the application's bot as before.
- **No `Message` built from each answer**: the Bot API's JSON is what python-telegram-bot parses
  and checks (errors become `RetryAfter`, `Forbidden`, `BadRequest`, `ChatMigrated` as for any
  call), but nothing reads the sent message, so it is not turned into objects.
- **The text rendered once**: the parameters of a text (split under 4,096 characters, HTML, link
  previews off, paid) are built once per distinct text, not per recipient.
"""

from __future__ import annotations

import functools
from typing import Any

from telegram import Bot
from telegram.constants import MessageLimit, ParseMode
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.channels import http_pool
from bot.core.richtext import split_html

# Link previews off, as the application's `Defaults` do for every other message.
NO_PREVIEW = '{"is_disabled": true}'
TEXTS_KEPT = 16  # distinct texts whose parameters are kept: a broadcast has one per area and version


class ConnectionPerSend(BaseRequest):
    """python-telegram-bot's `HTTPXRequest`, one per send in flight, each with a single kept-alive
    connection: a send takes an idle one (or makes one), and gives it back when answered. There
    are never more than the sender's workers."""

    def __init__(self, *, read_timeout: float = 5.0, write_timeout: float = 5.0, connect_timeout: float = 5.0):
        self._timeouts = {"read_timeout": read_timeout, "write_timeout": write_timeout,
                          "connect_timeout": connect_timeout}  # fmt: skip
        self._idle: list[HTTPXRequest] = []
        self._made: list[HTTPXRequest] = []

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read_timeout"]

    @property
    def connections(self) -> int:
        """How many were made (at most the sends ever in flight at once)."""
        return len(self._made)

    async def initialize(self) -> None:
        pass  # connections are made when a send needs one

    async def shutdown(self) -> None:
        self._idle.clear()
        made, self._made = self._made, []
        for request in made:
            await request.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        request = self._idle.pop() if self._idle else self._make()
        try:
            return await request.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        finally:
            if request in self._made:  # not shut down meanwhile
                self._idle.append(request)

    def _make(self) -> HTTPXRequest:
        # The cheaper idle-connection check of the main client's transport (`http_pool.py`).
        request = HTTPXRequest(
            connection_pool_size=1, httpx_kwargs={"transport": http_pool.transport(1)}, **self._timeouts
        )
        self._made.append(request)
        return request


@functools.lru_cache(maxsize=TEXTS_KEPT)
def parameters(text: str) -> tuple[dict[str, Any], ...]:
    """The sendMessage parameters of each part of `text` but the chat, built once per text."""
    return tuple(
        {
            "text": part,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": NO_PREVIEW,
            "allow_paid_broadcast": True,
        }  # fmt: skip
        for part in split_html(text, MessageLimit.MAX_TEXT_LENGTH)
    )


class PaidBroadcasts:
    """Sends broadcast texts as Telegram paid broadcasts; `close()` when the channel stops."""

    def __init__(self, token: str, base_url: str):
        self._request = ConnectionPerSend()
        self.bot = _Bot(token, base_url=base_url, request=self._request, get_updates_request=self._request)

    @property
    def connections(self) -> int:
        return self._request.connections

    async def send(self, chat_id: int | str, text: str) -> None:
        """Send `text` to `chat_id`, split as any message is; raises python-telegram-bot's errors."""
        for part in parameters(text):
            await self.bot.post_json("sendMessage", {"chat_id": chat_id, **part})

    async def close(self) -> None:
        await self._request.shutdown()


class _Bot(Bot):
    async def post_json(self, endpoint: str, data: dict[str, Any]) -> Any:
        """A Bot API call whose answer is returned as python-telegram-bot parsed it (JSON), not
        turned into objects: `do_api_request` would, and warns for methods the Bot has."""
        return await self._post(endpoint, data)
