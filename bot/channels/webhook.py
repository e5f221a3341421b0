"""One webhook endpoint on tornado that checks the secret before the body and caps the body.

Telegram and Zalo POST small JSON updates with a secret header. A plain tornado handler (such as
python-telegram-bot's own) receives the whole body, up to tornado's 100 MB default, before it can
look at the header, so a few large requests from anyone could take hundreds of MB. This handler
streams the body (`stream_request_body`): `prepare()` sees only the headers, so

- a wrong or missing secret is answered 403 before any of the body is read,
- a declared `Content-Length` over the cap is answered 413 the same way,
- a body without a length (chunked) is counted as it arrives and answered 413 once it passes the cap.

The answer leaves at once. What the client still sends is then read and dropped, never kept, up to
`DRAIN_BYTES` (a "lingering close", as nginx does): closing a socket that has unread data makes
the kernel reset the connection, and a client that reads its answer only after sending its whole
body (httpx, most libraries) would lose the answer and see a reset. Past that budget, or
`BODY_TIMEOUT_SECONDS`, the connection is closed. At most the cap (plus one 64 kB read) of a body
is ever held in memory.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.web

# Updates are a few kB; a 1 MB cap leaves room for the longest message with all its entities.
MAX_BODY_BYTES = 1024 * 1024
# How much of a refused body is read and dropped so that the client gets its answer.
DRAIN_BYTES = 64 * 1024 * 1024
BODY_TIMEOUT_SECONDS = 30.0
IDLE_TIMEOUT_SECONDS = 60.0
_LENGTH = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() would take "²"

log = logging.getLogger("canhgiac.webhook")

OnUpdate = Callable[[Any], Awaitable[None]]


class BadUpdate(ValueError):
    """The body is JSON but not an update: answered 400."""


@tornado.web.stream_request_body
class _Handler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, endpoint: WebhookServer) -> None:
        self.endpoint = endpoint
        self._body = bytearray()
        self._refused = False
        self._dropped = 0

    def prepare(self) -> None:
        endpoint = self.endpoint
        given = self.request.headers.get(endpoint.secret_header or "", "")
        if endpoint.secret_header and not hmac.compare_digest(given.encode(), endpoint.secret.encode()):
            self._refuse(403, "secret")
            return
        declared = self.request.headers.get("Content-Length")
        if declared is None:
            return
        if not _LENGTH.fullmatch(declared):
            self._refuse(400, "length", close=True)
        elif int(declared) > endpoint.max_body:
            self._refuse(413, "length", close=int(declared) > DRAIN_BYTES)

    def data_received(self, chunk: bytes) -> None:
        if self._refused:
            self._dropped += len(chunk)
            if self._dropped > DRAIN_BYTES and not self._finished:
                self.finish()  # enough: tornado closes the connection
            return
        if len(self._body) + len(chunk) > self.endpoint.max_body:
            self._body = bytearray()
            self._refuse(413, "length")
            self._dropped = len(chunk)
            return
        self._body += chunk

    def _refuse(self, status: int, reason: str, *, close: bool = False) -> None:
        log.info("webhook refused channel=%s status=%d reason=%s", self.endpoint.channel, status, reason)
        self._refused = True
        self.set_status(status)
        self.set_header("Content-Length", "0")
        self.set_header("Connection", "close")
        if close:
            # Not worth draining: answer and close. tornado must not then judge the declared length
            # itself (it would log the request as malformed and write a second answer).
            self.request.connection.set_max_body_size(2**62)  # type: ignore[union-attr]
            self.finish()
        else:
            self.flush()  # the answer leaves now; the body that follows is dropped as it comes

    async def post(self) -> None:
        if self._refused:
            self.finish()
            return
        body, self._body = bytes(self._body), bytearray()
        if self.endpoint.verify is not None and not self.endpoint.verify(self.request.headers, body):
            log.info("webhook refused channel=%s status=403 reason=signature", self.endpoint.channel)
            self.send_error(403)
            return
        try:
            data = json.loads(body or b"null")
            await self.endpoint.on_update(data)
        except ValueError:  # not JSON, not UTF-8 (a ValueError too), or BadUpdate
            self.send_error(400)
            return
        if self.endpoint.answer is not None:
            self.write(self.endpoint.answer)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # no body: the status says it all, and a traceback is never shown

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log.error("webhook handler failed channel=%s", self.endpoint.channel, exc_info=(typ, value, tb))


class _Application(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: refusals are logged by the handler, accepted updates by the router."""


class WebhookServer:
    """Serves one webhook path; `on_update` gets each accepted body, parsed (raise BadUpdate for 400).

    A platform that signs its bodies instead of sending a secret header (Zalo OA: a MAC of the body)
    passes `verify(headers, body)` and no `secret_header`: the body is then read (within the cap)
    before it can be judged, and a false signature is answered 403 without parsing it."""

    def __init__(
        self,
        *,
        channel: str,
        path: str,
        secret_header: str | None,
        secret: str,
        on_update: OnUpdate,
        answer: dict | None = None,
        max_body: int = MAX_BODY_BYTES,
        verify: Callable[[Any, bytes], bool] | None = None,
    ):
        if not secret or (secret_header is None and verify is None):
            raise ValueError("a webhook needs a secret header or a signature check")
        self.channel, self.secret_header, self.secret, self.verify = channel, secret_header, secret, verify
        self.on_update, self.answer, self.max_body = on_update, answer, max_body
        path = path.strip("/")
        route = f"/{re.escape(path)}/?" if path else "/"
        app = _Application([(route, _Handler, {"endpoint": self})])
        # tornado's own limits are a backstop: it reads 64 kB at a time whatever a client sends.
        self._server = tornado.httpserver.HTTPServer(
            app,
            max_body_size=DRAIN_BYTES,
            max_buffer_size=2 * max_body + 65536,
            body_timeout=BODY_TIMEOUT_SECONDS,
            idle_connection_timeout=IDLE_TIMEOUT_SECONDS,
        )

    def listen(self, port: int, address: str) -> None:
        self._server.listen(port, address=address)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
