"""A loopback fake of the Zalo Bot API HTTP server, for tests.

`FakeZalo` serves ``POST /bot<token>/<method>`` with tornado on 127.0.0.1 (ephemeral port), on the
asyncio loop that called :meth:`FakeZalo.start`. Point our client (or the bot) at it::

    async with FakeZalo(token) as zalo:
        client = ZaloClient(token, base_url=zalo.url)

It behaves as `/work/shared/docs/platforms.md` documents the real API: JSON or form bodies; the
envelope ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N, "description": ...}``;
getUpdates returning ONE update per call, without offsets, and error_code 408 after the timeout
when idle; getUpdates refused while a webhook is set; setWebhook requiring an https URL and an
8-256 character secret_token; sendMessage text of 1-2,000 characters; sendPhoto by URL only;
sendChatAction ``typing`` only. Updates have string ids and ``date`` in milliseconds.

Reports differ on whether errors come with HTTP 200 or with the error's code as HTTP status: by
default every error envelope is sent with HTTP 200 (the case a client is most likely to get wrong);
``FakeZalo(http_status_errors=True)`` sends the error code as HTTP status instead, and `fail_next`
can set any status, or a non-JSON body, per fault.

Tests inject updates with ``push_*`` (``push_raw`` of the same update twice delivers it twice, as
Zalo may), inject faults with `fail_next` / `fail_for` (an outage of a few seconds) /
`block_chat`, play Zalo's webhook delivery with `post_webhook`, and assert on ``requests`` /
``sent`` / `wait_for_messages`.

What it deliberately does NOT fake: webhook delivery on its own (setWebhook only stores the URL;
tests call `post_webhook`), sendSticker, groups beyond the ``chat_type`` field, formatting, the free
plan's quotas, and rate limits other than those scripted with `fail_next`. Method names are
case-sensitive and only POST is served, as documented.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from tests.fakes import common

MAX_TEXT = 2000
SECRET_LENGTH = (8, 256)
SECRET_HEADER = "X-Bot-Api-Secret-Token"
BLOCKED = "Forbidden: the user blocked the bot"  # the one 403 that means the chat is gone
DEFAULT_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: internal error",  # documented as an internal error, not as a block
    404: "Not Found",
    408: "Request timeout",
    409: "Conflict: getUpdates is not available while a webhook is set",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ApiError(common.ApiError):
    """An error reply. `http_status` None: the fake's policy (200, or the code with http_status_errors)."""

    def __init__(
        self,
        code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        http_status: int | None = None,
        body: str | None = None,
    ):
        super().__init__(code, description or DEFAULT_ERRORS.get(code, f"Error {code}"), retry_after)
        self.http_status, self.body = http_status, body

    def payload(self) -> dict | str:
        return super().payload() if self.body is None else self.body


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def now_ms() -> int:
    return int(time.time() * 1000)


class _ApiHandler(common.ApiHandler):
    """JSON or form parameters, POST only (method names are case-sensitive, as documented)."""

    def _params(self) -> dict:
        req = self.request
        params = {key: values[-1].decode("utf-8", "replace") for key, values in req.body_arguments.items()}
        if req.headers.get("Content-Type", "").startswith("application/json") and req.body:
            body = json.loads(req.body)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            params.update(body)
        return params


class FakeZalo(common.FakeBotApi):
    """Fake Zalo Bot API server. All state lives on the asyncio loop that called `start`."""

    handler, error = _ApiHandler, ApiError

    @staticmethod
    def chat_of(message: dict):
        return message["chat_id"]

    def __init__(
        self,
        token: str = "1234567890:zalo-TEST-token",
        *,
        http_status_errors: bool = False,
        max_poll_wait: float = 5.0,
    ):
        """`http_status_errors`: send error envelopes with HTTP status = error_code (default 200).
        `max_poll_wait`: the longest an idle getUpdates waits, whatever its `timeout` says."""
        super().__init__(token)
        self.http_status_errors, self.max_poll_wait = http_status_errors, max_poll_wait
        self.list_results = False  # True: getUpdates answers every pending update as a list
        self.bot_info = {
            "id": token.split(":")[0],
            "account_name": "bot.CanhGiacTest",
            "account_type": "BASIC",
            "can_join_groups": False,
        }
        # `sent`: each message the bot sent: chat_id, text or photo + caption, message_id.
        self._webhook_updated_at = 0
        self._pending: collections.deque[dict] = collections.deque()  # updates not yet delivered, oldest first
        self._pushed: dict[str, dict] = {}  # message_id -> update as pushed (see `update_of`)
        self._methods = {
            "getMe": lambda p: dict(self.bot_info),
            "getUpdates": self._get_updates,  # awaited by `_call`: it long-polls
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
        }

    # ----------------------------------------------------------------- injecting updates
    def make_text_update(
        self,
        chat_id: str,
        text: str,
        *,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
        user_id: str | None = None,
    ) -> dict:
        """A "message.text.received" update, not queued (e.g. for `post_webhook`). The sender is
        `user_id`, by default `chat_id` as in a private chat."""
        return self._update("message.text.received", chat_id, {"text": text}, display_name, chat_type, user_id)

    def push_text(self, chat_id: str, text: str, **sender: Any) -> str:
        """Queue a text message from the user (`sender` as for `make_text_update`); returns its message_id."""
        return self.push_raw(self.make_text_update(chat_id, text, **sender))

    def push_image(
        self,
        chat_id: str,
        url: str,
        *,
        field: str = "photo_url",
        caption: str | None = None,
        display_name: str = "Lan",
    ) -> str:
        """Queue an image; its URL is in `field` ("photo_url" or "photo": reports differ)."""
        if field not in ("photo_url", "photo"):
            raise ValueError("field must be 'photo_url' or 'photo'")
        fields: dict[str, Any] = {field: url}
        if caption is not None:
            fields["caption"] = caption
        return self.push_raw(self._update("message.image.received", chat_id, fields, display_name, "PRIVATE", None))

    def push_sticker(self, chat_id: str, sticker: str = "d063f44dc80821567819", *, display_name: str = "Lan") -> str:
        """Queue a sticker message."""
        fields = {"sticker": sticker}
        return self.push_raw(self._update("message.sticker.received", chat_id, fields, display_name, "PRIVATE", None))

    def push_link(self, chat_id: str, url: str, *, text: str | None = None, display_name: str = "Lan") -> str:
        """Queue a pasted link as its own event (`message.link.received`), the address in `url`."""
        fields: dict[str, Any] = {"url": url}
        if text is not None:
            fields["text"] = text
        return self.push_raw(self._update("message.link.received", chat_id, fields, display_name, "PRIVATE", None))

    def push_unsupported(self, chat_id: str, *, display_name: str = "Lan") -> str:
        """Queue an event the API does not describe further (voice, file, location, ...)."""
        return self.push_raw(self._update("message.unsupported.received", chat_id, {}, display_name, "PRIVATE", None))

    def push_raw(self, update: dict) -> str | None:
        """Queue an update dict as is; returns its message_id (None if it has none). Pushing the
        same update again delivers it again, as Zalo may."""
        update = copy.deepcopy(update)
        message_id = (update.get("message") or {}).get("message_id")
        if message_id is not None:
            self._pushed[message_id] = copy.deepcopy(update)
        self._pending.append(update)
        self._notify("_update_signal")
        return message_id

    def update_of(self, message_id: str) -> dict:
        """The update that carried `message_id`, as pushed (to push it again)."""
        return copy.deepcopy(self._pushed[message_id])

    # ----------------------------------------------------------------- acting as Zalo's server
    async def post_webhook(self, url: str, update: dict, *, secret: str | None, wrapped: bool = False) -> int:
        """Deliver `update` to the bot's webhook `url` as Zalo does: header X-Bot-Api-Secret-Token
        (omitted when `secret` is None), body bare or wrapped in ``{"ok": true, "result": ...}``.
        Returns the HTTP status the bot answered."""
        headers = {} if secret is None else {SECRET_HEADER: secret}
        body = {"ok": True, "result": update} if wrapped else update
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(url, json=body, headers=headers)
        return response.status_code

    # ----------------------------------------------------------------- fault injection
    def fail_next(
        self,
        method: str,
        *,
        code: int = 429,
        http_status: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        body: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` answer error_code `code`.

        `http_status`: the HTTP status of that answer (None: as the fake answers errors, HTTP 200
        unless `http_status_errors`); `retry_after` adds ``parameters.retry_after``; `body` sends
        that text verbatim instead of the JSON envelope (e.g. a proxy's HTML error page)."""
        if method not in self._methods:
            raise ValueError(f"FakeZalo has no method {method!r}")
        error = ApiError(code, description, retry_after=retry_after, http_status=http_status, body=body)
        self._script(method, error, times=times)

    def fail_for(
        self,
        method: str,
        seconds: float,
        *,
        code: int = 500,
        http_status: int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """An outage: every call of `method` answers error_code `code` for the next `seconds` (the
        arguments as for `fail_next`). Counted in `faulted`, as `fail_next`'s faults are."""
        if method not in self._methods:
            raise ValueError(f"FakeZalo has no method {method!r}")
        error = ApiError(code, description, retry_after=retry_after, http_status=http_status)
        self._script(method, error, seconds=seconds)

    # ----------------------------------------------------------------- internals
    def _status(self, error: ApiError) -> int:
        if error.http_status is not None:
            return error.http_status
        return error.code if self.http_status_errors else 200

    def _lookup(self, method: str):
        return method, self._methods.get(method)

    async def _get_updates(self, p: dict, closed: asyncio.Event) -> dict:
        if self.webhook:
            raise ApiError(409)
        try:
            timeout = float(p.get("timeout", 30))
        except (TypeError, ValueError):
            raise bad("timeout must be a number of seconds") from None
        deadline = asyncio.get_running_loop().time() + min(max(timeout, 0.0), self.max_poll_wait)
        if not await self._wait_for_update(deadline, closed):  # nobody will read the answer: leave the queue alone
            raise ApiError(408)
        if self._stopping or not self._pending:
            raise ApiError(408)
        if self.list_results:  # reports differ: some see a list of updates
            batch = list(self._pending)
            self._pending.clear()
            return batch
        return self._pending.popleft()

    def _set_webhook(self, p: dict) -> dict:
        url, secret = p.get("url"), p.get("secret_token")
        if not isinstance(url, str) or not url.startswith("https://") or len(url) == len("https://"):
            raise bad("url must be an HTTPS URL")
        low, high = SECRET_LENGTH
        if not isinstance(secret, str) or not low <= len(secret) <= high:
            raise bad(f"secret_token must be {low}-{high} characters")
        self._webhook_updated_at = now_ms()
        self.webhook = {"url": url, "secret_token": secret, "updated_at": self._webhook_updated_at}
        return {"url": url, "updated_at": self._webhook_updated_at}

    def _delete_webhook(self, p: dict) -> dict:
        self._webhook_updated_at = now_ms()
        self.webhook = None
        return {"url": "", "updated_at": self._webhook_updated_at}

    def _get_webhook_info(self, p: dict) -> dict:
        return {"url": (self.webhook or {}).get("url", ""), "updated_at": self._webhook_updated_at}

    def _chat_id(self, p: dict) -> str:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id.strip():
            raise bad("chat_id must be a non-empty string")
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        return chat_id

    @staticmethod
    def _check_text(name: str, value: Any) -> str:
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT:
            raise bad(f"{name} must be 1-{MAX_TEXT} characters")
        return value

    def _record(self, entry: dict) -> dict:
        message_id, date = self._next_message_id(), now_ms()
        self.sent.append({**entry, "message_id": message_id})
        self._notify("_sent_signal")
        return {"message_id": message_id, "date": date}

    def _send_message(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        return self._record({"chat_id": chat_id, "text": self._check_text("text", p.get("text"))})

    def _send_photo(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        photo = p.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise bad("photo must be an http(s) URL")
        caption = p.get("caption")
        if caption is not None:
            self._check_text("caption", caption)
        return self._record({"chat_id": chat_id, "photo": photo, "caption": caption})

    def _send_chat_action(self, p: dict) -> None:
        self._chat_id(p)
        if p.get("action") != "typing":
            raise bad("action must be 'typing'")

    def _next_message_id(self) -> str:
        return f"{next(self._counter):020x}"

    def _update(
        self,
        event_name: str,
        chat_id: str,
        fields: dict,
        display_name: str,
        chat_type: str,
        user_id: str | None,
    ) -> dict:
        sender = {"id": chat_id if user_id is None else user_id, "display_name": display_name, "is_bot": False}
        message = {
            "from": sender,
            "chat": {"id": chat_id, "chat_type": chat_type},
            **fields,
            "message_id": self._next_message_id(),
            "date": now_ms(),
        }
        return {"event_name": event_name, "message": message}


def fixtures(token: str, connect: Callable[[FakeZalo], AbstractAsyncContextManager], **options: Any) -> tuple:
    """Two pytest fixtures for a test module: a started ``FakeZalo(token, **options)`` and the
    client `connect(fake)` opens on it (closed after the test). Bind the fake to `zalo` (the client
    fixture asks for it by that name), the client to any name: ``zalo, client = fixtures(TOKEN,
    lambda fake: ZaloClient(TOKEN, base_url=fake.url))``."""

    @pytest.fixture
    async def fake() -> Any:
        async with FakeZalo(token, **options) as started:
            yield started

    async def connected(zalo: FakeZalo) -> Any:
        async with connect(zalo) as client:
            yield client

    return fake, pytest.fixture(connected)
