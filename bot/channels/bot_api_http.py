"""The Bot API client's HTTP: one kept-alive HTTP/1.1 connection per call in flight, on asyncio's
own streams.

Issue 19: with the rate limiter lifted the bot spent about 2 ms of CPU per update in httpx,
httpcore, h11 and anyio (a third of its time; py-spy, `bench/telegram_roundtrip.py`): building
each request and its headers, cookies, the connection pool's bookkeeping over every pooled
connection, the HTTP state machine, anyio's wrappers. A Bot API call is always the same
exchange: a form-encoded POST (or a GET for a file) to one host, one answer with a length (or
chunks). This client writes that request in one piece and reads the answer with the stream's
own buffer; everything about the Bot API (parameters, JSON, errors: `RetryAfter`, `Forbidden`,
`BadRequest`, `ChatMigrated`, `TimedOut`, `NetworkError`) stays python-telegram-bot's, whose
`BaseRequest` calls `do_request` and turns the status and body into results or exceptions.

What it leaves to python-telegram-bot's `HTTPXRequest` (`fallback`): uploads (multipart) and
every call when a proxy is set in the environment (httpx honours `HTTP(S)_PROXY`/`ALL_PROXY`).

- A call takes the most recently used idle connection to its host (or opens one: TLS for https,
  certificates checked as httpx does) and gives it back when answered; a connection the server
  closed while idle is seen by the event loop (end of stream) and dropped before reuse.
- At most `connections` calls in flight; past that a call waits up to the pool timeout, then
  raises `TimedOut` unsent, as `HTTPXRequest` does.
- Timeouts: connecting within the connect timeout; the exchange within write + read timeouts.
  A connection whose exchange failed or timed out is closed, never reused.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

HEAD_END = b"\r\n\r\n"
NO_BODY_STATUSES = {204, 304}
DEFAULT_TIMEOUT = 5.0
DEFAULT_POOL_TIMEOUT = 1.0


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer

    @property
    def alive(self) -> bool:
        return not (self.writer.transport.is_closing() or self.reader.at_eof())

    def close(self) -> None:
        self.writer.transport.abort()  # nothing is owed to a connection we give up on


@functools.lru_cache(maxsize=64)
def _target(url: str) -> tuple[tuple[str, str, int], bytes]:
    """(scheme, host, port) and the request line's path with the Host header, per URL."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    authority = host if parts.port is None else f"{host}:{parts.port}"
    return (parts.scheme, host, port), f"{path} HTTP/1.1\r\nHost: {authority}\r\n".encode("ascii")


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _proxied() -> bool:
    """A proxy in the environment: httpx would use it, and this client speaks to hosts directly."""
    return any(scheme in urllib.request.getproxies() for scheme in ("http", "https", "all"))


def _seconds(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


class KeptAliveRequest(BaseRequest):
    """python-telegram-bot's request interface over kept-alive asyncio connections."""

    def __init__(
        self,
        *,
        connections: int,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        write_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
    ):
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._slots = asyncio.Semaphore(connections)
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self.opened = 0  # connections opened so far (tests, benchmarks)
        self._fallback = HTTPXRequest(
            connection_pool_size=connections,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        self._direct = not _proxied()

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        await self._fallback.initialize()

    async def shutdown(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        for connection in self._busy:
            connection.close()
        self._busy.clear()
        await self._fallback.shutdown()

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
        if not self._direct or (request_data is not None and request_data.contains_files):
            return await self._fallback.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        key, line = _target(url)
        if request_data is not None:
            body = request_data.url_encoded_parameters().encode("ascii")
            head = (
                b"%s %s" % (method.encode("ascii"), line)
                + b"Content-Type: application/x-www-form-urlencoded\r\n"
                + b"Content-Length: %d\r\n" % len(body)
            )
        else:
            body = b""
            head = b"%s %s" % (method.encode("ascii"), line) + (b"Content-Length: 0\r\n" if method == "POST" else b"")
        request = head + _COMMON_HEADERS + body
        if self._slots.locked():
            waiting = _seconds(pool_timeout, self._pool_timeout)
            try:
                await asyncio.wait_for(self._slots.acquire(), waiting)
            except TimeoutError:
                raise TimedOut(
                    "Pool timeout: all connections are in use; the request was not sent to Telegram."
                ) from None
        else:
            await self._slots.acquire()
        try:
            connection = self._idle_connection(key)
            if connection is None:
                connection = await self._open(key, _seconds(connect_timeout, self._connect_timeout))
            self._busy.add(connection)
            read = _seconds(read_timeout, self._read_timeout)
            write = _seconds(write_timeout, self._write_timeout)
            limit = None if read is None or write is None else read + write
            try:
                async with asyncio.timeout(limit):
                    status, answer, keep = await _exchange(connection, request, method)
            except TimeoutError:
                self._drop(connection)
                raise TimedOut from None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
                self._drop(connection)
                raise NetworkError(f"Bot API request failed: {type(error).__name__}: {error}") from error
            except BaseException:  # cancelled mid-exchange: the connection's state is unknown
                self._drop(connection)
                raise
            self._busy.discard(connection)
            if keep and connection.alive:
                self._idle.setdefault(key, []).append(connection)
            else:
                connection.close()
            return status, answer
        finally:
            self._slots.release()

    def _idle_connection(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.alive:
                return connection
            connection.close()
        return None

    def _drop(self, connection: _Connection) -> None:
        self._busy.discard(connection)
        connection.close()

    async def _open(self, key: tuple[str, str, int], timeout: float | None) -> _Connection:
        scheme, host, port = key
        tls = _tls() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None
                )
        except TimeoutError:
            raise TimedOut("Timed out connecting to the Bot API") from None
        except OSError as error:
            raise NetworkError(f"cannot connect to the Bot API: {type(error).__name__}: {error}") from error
        self.opened += 1
        return _Connection(reader, writer)


_COMMON_HEADERS = f"User-Agent: {BaseRequest.USER_AGENT}\r\nAccept: */*\r\n\r\n".encode("ascii")


async def _exchange(connection: _Connection, request: bytes, method: str) -> tuple[int, bytes, bool]:
    """Send `request`, read the answer: (status, body, whether the connection may be reused)."""
    reader, writer = connection.reader, connection.writer
    writer.write(request)
    await writer.drain()
    while True:
        head = await reader.readuntil(HEAD_END)
        status = int(head[9:12])
        if not 100 <= status < 200:
            break  # an interim answer (100 Continue) is followed by the real one
    lines = head[:-4].split(b"\r\n")
    keep = lines[0].startswith(b"HTTP/1.1")
    length: int | None = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            token = value.strip().lower()
            keep = keep and token != b"close" or token == b"keep-alive"
    if method == "HEAD" or status in NO_BODY_STATUSES:
        return status, b"", keep
    if chunked:
        return status, await _chunks(reader), keep
    if length is not None:
        return status, await reader.readexactly(length), keep
    return status, await reader.read(), False  # delimited by the end of the connection


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
                pass
            return b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])
