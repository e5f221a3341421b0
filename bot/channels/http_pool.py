"""The HTTP transport of the Bot API client: httpx's own, with a cheaper check of idle connections.

Before every request it places and after every response it closes, httpcore's connection pool asks
each pooled connection whether the server closed it (`get_extra_info("is_readable")`). Through
anyio that question builds a dictionary of the socket's attributes and calls `getpeername()` each
time, before the `poll()` that answers it: with 20 pooled connections, 40 of those per request,
about a tenth of the bot's CPU time per update (py-spy, `bench/telegram_roundtrip.py`). Here each
connection keeps its socket from the start and asks `poll()` alone; the answer is the same.
Everything else (HTTP/1.1, timeouts, proxies from the environment, the pool's limits) is httpx's.
"""

from __future__ import annotations

import functools
import select
import socket
import ssl
import typing

import httpcore
import httpx


def _readable(sock: socket.socket | None) -> bool:
    """httpcore's own test (`httpcore._utils.is_socket_readable`): readable, or gone, is True."""
    if sock is None:
        return True
    fd = sock.fileno()
    if fd == -1:  # closed
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's stream, with its socket looked up once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream):
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context, server_hostname: str | None = None, timeout: float | None = None):
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend):
        self._inner = inner

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every transport: each would load the CA bundle again (about 0.9 MB of
    memory a transport, and a connection per send in flight is a transport of its own)."""
    return httpx.create_ssl_context()


def transport(max_connections: int) -> httpx.AsyncHTTPTransport:
    """httpx's HTTP/1.1 transport with a pool of `max_connections`, as python-telegram-bot builds
    it, on streams that check idle connections cheaply. If httpx ever stops keeping its pool where
    this expects it, the transport stays httpx's own (slower, not wrong)."""
    built = httpx.AsyncHTTPTransport(
        verify=tls_context(), limits=httpx.Limits(max_connections=max_connections), http1=True, http2=False
    )
    pool = getattr(built, "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool):
        pool._network_backend = _Backend(pool._network_backend)
    return built
