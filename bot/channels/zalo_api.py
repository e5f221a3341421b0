"""An async client of the Zalo Bot API, on httpx.

Why our own client: the API is eight POST methods with a Telegram-like envelope, and the Zalo SDKs
are forks of python-telegram-bot with their own application framework. A thin client we own keeps
control of what matters here: timeouts, one clear error type per failure, and the token out of logs.

Every call POSTs a JSON body to ``{base_url}/bot<token>/<method>``. Success is judged by the
envelope's ``ok`` (``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N, "description":
...}``), whatever the HTTP status, because reports differ on whether errors come with HTTP 200 or
with the error's code. Failures raise:

=====================  ==============================================================  =========
exception              when                                                            retryable
=====================  ==============================================================  =========
``ZaloError``          base class: ``.method``, ``.code``, ``.description``,           -
                       ``.retryable``
``ZaloTransportError`` no answer: connection refused or broken, timeout (``code`` None)  yes
``ZaloRateLimited``    error_code 429; ``.retry_after`` in seconds if the API says      yes
``ZaloServerError``    error_code >= 500, or a body that is not a JSON envelope        yes
``ZaloApiError``       any other error_code                                            no
``ZaloBadRequest``     400: invalid parameters                                         no
``ZaloUnauthorized``   401: wrong or revoked token                                     no
``ZaloForbidden``      403: the user blocked the bot / cannot be messaged              no
``ZaloNotFound``       404: unknown method or object                                   no
``FileTooLarge``       `download` went past its byte limit                             no
=====================  ==============================================================  =========

``getUpdates`` answering error_code 408 is not an error: it means "nothing arrived before the
timeout", and `ZaloClient.get_updates` returns None. The client never retries: callers (the poller,
the outbox sender) decide from ``.retryable`` and ``.retry_after``. Arguments the API is documented
to refuse (text over 2,000 characters, a webhook URL that is not https, ...) raise ValueError before
any request is made.

The token is in every URL path, so it is kept out of everything this module produces:
- exception messages are built here and never contain a URL; the text of an httpx error is copied
  with the token masked and the httpx exception is not chained (``from None``);
- ``repr(ZaloClient)`` shows only the base URL;
- httpx logs each request's URL at INFO on the "httpx" logger: a filter on that logger rewrites
  ``/bot<anything>/`` to ``/bot***/`` (so Telegram's URLs are masked too). The logging setup
  installs it (`bot.core.logs.mask_request_urls`), and so does every `ZaloClient`, so the promise holds
  for a client used without that setup; importing this module installs nothing. A logger's filters
  run before any handler sees the record, so this holds whatever handlers and levels the app or a
  test configures (httpcore's DEBUG lines carry no URL path). The app's
  `bot.core.logs.RedactingFormatter`, which masks the token in every formatted line, stays the second
  line of defence.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.channels.download import DownloadFailed, DownloadTooLarge, download_limited
from bot.core.logs import MASK, mask_bot_paths, mask_request_urls
from bot.core.settings import DEFAULT_ZALO_API_BASE_URL as DEFAULT_BASE_URL

MAX_TEXT = 2000
SECRET_LENGTH = (8, 256)
IDLE = 408  # getUpdates: no update before the timeout


class ZaloError(Exception):
    """A failed call of the Zalo Bot API. The message never contains the token or a URL."""

    retryable = False

    def __init__(self, method: str, description: str, *, code: int | None = None):
        self.method, self.description, self.code = method, description, code
        super().__init__(f"Zalo {method} failed: {description if code is None else f'{code} {description}'}")


class ZaloTransportError(ZaloError):
    """No usable answer: the connection failed or broke, or a timeout expired."""

    retryable = True


class ZaloRateLimited(ZaloError):
    """Too many requests (429): wait `retry_after` seconds (None: the API did not say) and retry."""

    retryable = True

    def __init__(self, method: str, description: str, *, code: int | None = 429, retry_after: float | None = None):
        super().__init__(method, description, code=code)
        self.retry_after = retry_after


class FileTooLarge(ZaloError):
    """A download that went past its byte limit."""

    def __init__(self, limit: int):
        super().__init__("download", f"more than {limit} bytes")


class ZaloServerError(ZaloError):
    """The API failed (5xx) or answered something that is not its JSON envelope."""

    retryable = True


class ZaloApiError(ZaloError):
    """The API refused the call; repeating it unchanged will not help."""


class ZaloBadRequest(ZaloApiError):
    """400: invalid parameters."""


class ZaloUnauthorized(ZaloApiError):
    """401: the token is wrong or revoked."""


class ZaloForbidden(ZaloApiError):
    """403: e.g. the user blocked the bot, or the bot may not message this chat."""


class ZaloNotFound(ZaloApiError):
    """404: unknown method or object."""


_BY_CODE: dict[int, type[ZaloApiError]] = {
    400: ZaloBadRequest,
    401: ZaloUnauthorized,
    403: ZaloForbidden,
    404: ZaloNotFound,
}


class ZaloClient:
    """One bot token's calls to the Zalo Bot API. Not retrying; see the module docstring for errors."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ):
        if not token:
            raise ValueError("the Zalo bot token is empty")
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must start with https:// or http://")
        mask_request_urls()  # httpx logs every URL, and ours carry the token
        self._token, self._base_url, self._timeout = token, base_url.rstrip("/"), timeout
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"ZaloClient(base_url={self._base_url!r}, token={MASK!r})"

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the httpx client, only if this client made it."""
        if self._owns_http:
            await self._http.aclose()

    # ----------------------------------------------------------------- methods
    async def get_me(self) -> dict:
        """The bot's account: ``{"id", "account_name", "account_type", "can_join_groups"}``."""
        return _expect_dict("getMe", await self._call("getMe", {}))

    async def get_updates(self, timeout: int = 30) -> list[dict]:
        """Wait up to `timeout` seconds for updates; [] when none came (error_code 408).

        Documented as one update per call, but a list-shaped result is read too (each of its
        updates). No offsets: the same message may come twice, so deduplicate on
        ``message["message_id"]``. The HTTP read timeout is `timeout` plus the client's timeout."""
        method = "getUpdates"
        read_timeout = httpx.Timeout(self._timeout, read=timeout + self._timeout)
        response, envelope = await self._post(method, {"timeout": str(timeout)}, read_timeout)
        if not envelope["ok"] and _error_code(envelope, response) == IDLE:
            return []
        result = self._result(method, response, envelope)
        if isinstance(result, list):
            return [_expect_dict(method, update) for update in result]
        return [_expect_dict(method, result)]

    async def set_webhook(self, url: str, secret_token: str) -> bool:
        """Deliver updates to `url` (https) with header ``X-Bot-Api-Secret-Token: secret_token``."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("the webhook URL must be an https:// URL")
        low, high = SECRET_LENGTH
        if not low <= len(secret_token) <= high:
            raise ValueError(f"secret_token must be {low}-{high} characters, got {len(secret_token)}")
        if await self._call("setWebhook", {"url": url, "secret_token": secret_token}) is False:
            raise ZaloApiError("setWebhook", "Zalo answered ok but did not set the webhook")
        return True

    async def delete_webhook(self) -> bool:
        """Stop webhook delivery (needed before polling with `get_updates`)."""
        await self._call("deleteWebhook", {})
        return True

    async def get_webhook_info(self) -> dict:
        """``{"url", "updated_at"}``; ``url`` is empty when no webhook is set."""
        return _expect_dict("getWebhookInfo", await self._call("getWebhookInfo", {}))

    async def send_message(self, chat_id: str, text: str) -> dict:
        """Send plain `text` (1-2,000 characters); returns ``{"message_id", "date"}``."""
        _check_chat(chat_id)
        _check_text("text", text)
        return _expect_dict("sendMessage", await self._call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(self, chat_id: str, photo: str, caption: str | None = None) -> dict:
        """Send the image at the public URL `photo`; returns ``{"message_id", "date"}``."""
        _check_chat(chat_id)
        if not photo.startswith(("https://", "http://")):
            raise ValueError("photo must be a public http(s) URL")
        params = {"chat_id": chat_id, "photo": photo}
        if caption is not None:
            _check_text("caption", caption)
            params["caption"] = caption
        return _expect_dict("sendPhoto", await self._call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> bool:
        """Show "typing..." in the chat for a few seconds (the API documents only ``typing``)."""
        _check_chat(chat_id)
        await self._call("sendChatAction", {"chat_id": chat_id, "action": action})
        return True

    async def download(self, url: str, limit: int) -> bytes:
        """The file at `url` (a picture a citizen sent: Zalo gives its public address), read in
        chunks and given up past `limit` bytes (FileTooLarge), so a huge file never fills memory.
        ZaloTransportError when it cannot be fetched."""
        try:
            return await download_limited(self._http, url, limit, self._timeout)
        except DownloadTooLarge:
            raise FileTooLarge(limit) from None
        except DownloadFailed as error:
            raise ZaloTransportError("download", str(error)) from None

    # ----------------------------------------------------------------- internals
    async def _call(self, method: str, params: dict) -> Any:
        response, envelope = await self._post(method, params, self._timeout)
        return self._result(method, response, envelope)

    async def _post(self, method: str, params: dict, timeout: float | httpx.Timeout) -> tuple[httpx.Response, dict]:
        """POST and read the envelope; raises ZaloTransportError / ZaloServerError (unreadable)."""
        url = f"{self._base_url}/bot{self._token}/{method}"
        try:
            response = await self._http.post(url, json=params, timeout=timeout)
        except httpx.RequestError as exc:
            detail = self._mask(f"{type(exc).__name__}: {exc}".rstrip(": "))
            raise ZaloTransportError(method, detail) from None
        try:
            envelope = response.json()
        except ValueError:  # not JSON, or not UTF-8
            envelope = None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("ok"), bool):
            status = response.status_code
            raise ZaloServerError(method, f"unreadable answer (HTTP {status})", code=status)
        return response, envelope

    def _result(self, method: str, response: httpx.Response, envelope: dict) -> Any:
        if envelope["ok"]:
            return envelope.get("result")
        code = _error_code(envelope, response)
        description = self._mask(str(envelope.get("description") or "no description"))
        if code == 429:
            raise ZaloRateLimited(method, description, code=code, retry_after=_retry_after(envelope, response))
        if code is not None and code >= 500:
            raise ZaloServerError(method, description, code=code)
        raise _BY_CODE.get(code or 0, ZaloApiError)(method, description, code=code)

    def _mask(self, text: str) -> str:
        return mask_bot_paths(text.replace(self._token, MASK))


def _error_code(envelope: dict, response: httpx.Response) -> int | None:
    """The envelope's error_code; without one, the HTTP status if it is an error status."""
    code = envelope.get("error_code")
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    return response.status_code if response.status_code >= 400 else None


def _retry_after(envelope: dict, response: httpx.Response) -> float | None:
    """Seconds to wait, from ``parameters.retry_after``, ``retry_after`` or the Retry-After header."""
    parameters = envelope.get("parameters")
    for value in (
        parameters.get("retry_after") if isinstance(parameters, dict) else None,
        envelope.get("retry_after"),
        response.headers.get("Retry-After"),
    ):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return None


def _expect_dict(method: str, result: Any) -> dict:
    if not isinstance(result, dict):
        raise ZaloServerError(method, f"unexpected result of type {type(result).__name__}")
    return result


def _check_chat(chat_id: str) -> None:
    if not chat_id:
        raise ValueError("chat_id is empty")


def _check_text(name: str, text: str) -> None:
    if not 1 <= len(text) <= MAX_TEXT:
        raise ValueError(f"{name} must be 1-{MAX_TEXT} characters, got {len(text)}")
