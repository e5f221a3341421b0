"""What the Telegram and Zalo fakes share: the tornado server on loopback, the request handler,
dispatching a call through scripted faults, long-poll waiting, the bot's sent messages, waiting
for them, blocked chats."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any, Self

import tornado.httpserver
import tornado.netutil
import tornado.web


class WaitTimeout(AssertionError, TimeoutError):
    """The expected messages did not arrive in time (an AssertionError, so pytest shows it plainly)."""


class SentMessages:
    """A mixin: `sent`, `requests`, `_sent_signal`, `_read_cursor` and `_blocked` are the fake's."""

    sent: list[dict]
    requests: list[tuple[str, dict]]
    _sent_signal: asyncio.Event
    _read_cursor: dict[Any, int]
    _blocked: set

    @staticmethod
    def chat_of(message: dict) -> Any:
        raise NotImplementedError

    def messages_to(self, chat_id: Any) -> list[dict]:
        """All messages the bot sent to `chat_id` (snapshots as sent)."""
        return [m for m in self.sent if self.chat_of(m) == chat_id]

    async def wait_for_messages(self, chat_id: Any, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Wait for >= `count` new messages to `chat_id` since the last wait/clear; return them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fresh = self.messages_to(chat_id)[self._read_cursor.get(chat_id, 0) :]
            if len(fresh) >= count:
                self._read_cursor[chat_id] = self._read_cursor.get(chat_id, 0) + len(fresh)
                return fresh
            if loop.time() >= deadline:
                got = [m.get("text", m.get("caption", m.get("photo"))) for m in fresh]
                others = sorted({self.chat_of(m) for m in self.sent} - {chat_id})
                raise WaitTimeout(
                    f"expected {count} message(s) to chat {chat_id} within {timeout}s, "
                    f"got {len(fresh)}: {got!r}; messages to other chats: {others}; "
                    f"methods called: {[name for name, _ in self.requests[-20:]]}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_signal.wait(), deadline - loop.time())

    def block_chat(self, chat_id: Any) -> None:
        """The user blocked the bot: what the bot sends to `chat_id` is refused (403)."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: Any) -> None:
        """Undo `block_chat`."""
        self._blocked.discard(chat_id)

    def _notify(self, name: str) -> None:
        event = getattr(self, name)
        setattr(self, name, asyncio.Event())
        event.set()


class ApiError(Exception):
    """An error reply of a fake Bot API: the ``{"ok": false, ...}`` envelope."""

    def __init__(
        self, code: int, description: str, retry_after: int | None = None, migrate_to_chat_id: int | None = None
    ):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict | str:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        parameters = {"retry_after": self.retry_after, "migrate_to_chat_id": self.migrate_to_chat_id}
        if any(value is not None for value in parameters.values()):
            body["parameters"] = {name: value for name, value in parameters.items() if value is not None}
        return body


class ApiHandler(tornado.web.RequestHandler):
    """``/bot<token>/<method>``: parse the parameters (`_params`, the fake's own), let the fake
    answer, and write the answer unless the client has gone (a cancelled long poll)."""

    def initialize(self, fake: FakeBotApi) -> None:
        self.fake, self.closed = fake, asyncio.Event()

    def on_connection_close(self) -> None:  # the client gave up (e.g. a cancelled long poll)
        self.closed.set()

    def _params(self) -> dict:
        raise NotImplementedError

    async def post(self, token: str, method: str) -> None:
        try:
            params = self._params()
        except (ValueError, AttributeError):  # malformed or non-object JSON body
            error = self.fake.bad("can't parse request JSON object")
            status, body = self.fake._status(error), error.payload()
        else:
            self.fake._active += 1
            try:
                status, body = await self.fake._call(token, method, params, self.closed)
            finally:
                self.fake._active -= 1
        if not self.closed.is_set():
            self.set_status(status)
            if isinstance(body, str):  # a scripted non-JSON body (e.g. a proxy's HTML error page)
                self.set_header("Content-Type", "text/html; charset=UTF-8")
                self.finish(body)
            else:
                self.set_header("Content-Type", "application/json")
                self.finish(json.dumps(body, ensure_ascii=False))


class _FileHandler(tornado.web.RequestHandler):
    """Files the fake holds (`FakeBotApi.files`): Telegram's ``/file/bot<token>/<file_path>``
    (the token must match) and a public ``/cdn/<name>``, as Zalo gives picture URLs."""

    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def get(self, *parts: str) -> None:
        token, path = parts if len(parts) == 2 else (self.fake.token, parts[0])
        data = self.fake.files.get(path) if token == self.fake.token else None
        self.fake.requests.append(("download", {"path": path}))
        if data is None:
            self.set_status(404)
            self.finish({"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(data)


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.finish({"ok": False, "error_code": 404, "description": "Not Found"})


class FakeBotApi(SentMessages):
    """A fake Bot API server on 127.0.0.1. A fake names its `handler` class, its `ApiError`
    (class attribute `error`), resolves method names (`_lookup`) and implements its methods,
    `_get_updates` among them; state lives on the asyncio loop that called `start`."""

    handler: type[ApiHandler]
    error: type[ApiError] = ApiError

    def __init__(self, token: str) -> None:
        self.token, self.url = token, ""
        self.requests: list[tuple[str, dict]] = []  # every API call: (method, params)
        self.keep_requests = True  # False: `requests` stays empty (a benchmark's hundreds of thousands)
        self.sent: list[dict] = []  # each message the bot sent (see the fake)
        self.webhook: dict | None = None  # {"url", "secret_token", ...} while a webhook is set
        self.files: dict[str, bytes] = {}  # file path -> bytes, served by `_FileHandler`
        self._counter = itertools.count(1)
        self._faults: dict[str, list[ApiError]] = {}  # method name -> errors its next calls answer
        self._outages: dict[str, tuple[float, ApiError]] = {}  # method -> (until, on time.monotonic, error)
        self.faulted: collections.Counter[str] = collections.Counter()  # scripted error answers per method
        self._blocked: set = set()
        self._read_cursor: dict[Any, int] = {}
        self._update_signal, self._sent_signal = asyncio.Event(), asyncio.Event()
        self._stopping, self._server, self._active = False, None, 0

    def bad(self, description: str) -> ApiError:
        return self.error(400, f"Bad Request: {description}")

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Bind 127.0.0.1 on an ephemeral port and serve on the running loop; sets `url`."""
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        app = tornado.web.Application(
            [
                (r"/bot([^/]*)/([^/]+)", self.handler, {"fake": self}),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, {"fake": self}),
                (r"/cdn/(.+)", _FileHandler, {"fake": self}),
            ],
            default_handler_class=_NotFoundHandler,
            log_function=lambda handler: None,  # access lines would carry the token
        )
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self._stopping = False
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        """Stop listening, answer pending long polls (as an idle poll ends) and close open connections."""
        self._stopping = True
        self._notify("_update_signal")
        if self._server is not None:
            server, self._server = self._server, None
            server.stop()
            for _ in range(100):  # let woken long polls write their replies
                if not self._active:
                    break
                await asyncio.sleep(0.01)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.close_all_connections(), 2)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- observing, faults
    def clear(self) -> None:
        """Forget recorded requests and sent messages; server state is kept."""
        self.requests.clear()
        self.sent.clear()
        self._read_cursor.clear()

    def _script(self, method: str, error: ApiError, *, times: int = 1, seconds: float | None = None) -> None:
        """The next `times` calls of `method` answer `error`; with `seconds`, every call for that
        long (an outage). Both count in `faulted`."""
        name = self._lookup(method)[0]
        if seconds is None:
            self._faults.setdefault(name, []).extend([error] * times)
        else:
            self._outages[name] = (time.monotonic() + seconds, error)

    # ----------------------------------------------------------------- serving a call
    def _lookup(self, method: str) -> tuple[str, Callable[[dict], Any] | None]:
        """The method's own name and its implementation (None: no such method)."""
        raise NotImplementedError

    def _status(self, error: ApiError) -> int:
        """The HTTP status an error envelope is sent with: its error_code, as Telegram does."""
        return error.code

    async def _get_updates(self, p: dict, closed: asyncio.Event) -> Any:
        raise NotImplementedError

    async def _call(self, token: str, method: str, params: dict, closed: asyncio.Event) -> tuple[int, dict | str]:
        name, handler = self._lookup(method)
        if self.keep_requests:
            self.requests.append((name, params))
        try:
            if token != self.token:
                raise self.error(401, "Unauthorized")
            if handler is None:
                raise self.error(404, "Not Found")
            faults = self._faults.get(name)
            if faults:
                self.faulted[name] += 1
                raise faults.pop(0)
            until, error = self._outages.get(name, (0.0, None))
            if error is not None and time.monotonic() < until:
                self.faulted[name] += 1
                raise error
            result = await self._get_updates(params, closed) if name == "getUpdates" else handler(params)
        except ApiError as exc:
            return self._status(exc), exc.payload()
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # never a tornado 500 (it logs the URL)
            error = self.bad(f"invalid parameters: {exc!r}")
            return self._status(error), error.payload()
        body: dict[str, Any] = {"ok": True}
        if result is not None:  # Zalo's sendChatAction answers {"ok": true} alone
            body["result"] = result
        return 200, body

    async def _wait_for_update(self, deadline: float, closed: asyncio.Event | None) -> bool:
        """Long-poll: wait until an update is pending, the fake stops or the loop time `deadline`
        passes. False if the client went away meanwhile (nobody will read the answer)."""
        loop = asyncio.get_running_loop()
        while not self._pending and not self._stopping and loop.time() < deadline:
            waits = [asyncio.ensure_future(self._update_signal.wait())]
            if closed is not None:
                waits.append(asyncio.ensure_future(closed.wait()))
            _, undone = await asyncio.wait(waits, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED)
            for task in undone:
                task.cancel()
            if closed is not None and closed.is_set():
                return False
        return True
