"""The Bot API client's transport (`bot/channels/http_pool.py`): httpx's pool on streams that check
idle connections with `poll()` alone; a connection the server closed is still noticed."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess

import httpx

from bot.channels import http_pool

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


async def _server(close_after_reply: bool):
    """A loopback HTTP/1.1 server answering `{}`; optionally closing each connection after it."""
    connections = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        while not reader.at_eof():
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            writer.write(RESPONSE)
            await writer.drain()
            if close_after_reply:
                writer.close()
                return

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], connections


def test_the_pool_uses_the_cheap_streams():
    # If httpx ever keeps its pool elsewhere, the transport falls back to httpx's own: this says so.
    pool = http_pool.transport(4)._pool
    assert isinstance(pool._network_backend, http_pool._Backend)
    assert pool._max_connections == 4


async def test_a_kept_alive_connection_is_reused():
    server, port, connections = await _server(close_after_reply=False)
    async with server, httpx.AsyncClient(transport=http_pool.transport(4)) as client:
        for _ in range(3):
            assert (await client.post(f"http://127.0.0.1:{port}/m")).json() == {}
        assert len(connections) == 1


async def test_a_connection_the_server_closed_is_noticed_and_replaced():
    server, port, connections = await _server(close_after_reply=True)
    async with server, httpx.AsyncClient(transport=http_pool.transport(4)) as client:
        assert (await client.post(f"http://127.0.0.1:{port}/m")).json() == {}
        await asyncio.sleep(0.1)  # the close reaches this side: the idle socket turns readable
        # Reused, the closed connection would fail the request ("server disconnected").
        assert (await client.post(f"http://127.0.0.1:{port}/m")).json() == {}
        assert len(connections) == 2


def test_readable_means_data_or_a_close_waiting():
    left, right = socket.socketpair()
    with left, right:
        assert http_pool._readable(left) is False  # idle and open: reusable
        right.close()
        assert http_pool._readable(left) is True  # the other side closed: not reusable
    assert http_pool._readable(left) is True  # closed here: not reusable
    assert http_pool._readable(None) is True


async def test_over_tls_the_check_reads_the_same_socket(tmp_path):
    """api.telegram.org is HTTPS: after `start_tls` the stream still checks its TCP socket."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    server_side.num_tickets = 0  # no TLS 1.3 session ticket left unread: an open idle socket reads nothing
    closed = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closed.wait()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_side)
    port = server.sockets[0].getsockname()[1]
    async with server:
        pool = http_pool.transport(4)._pool
        stream = await pool._network_backend.connect_tcp("127.0.0.1", port)
        stream = await stream.start_tls(ssl.create_default_context(cafile=str(cert)), "localhost")
        assert isinstance(stream, http_pool._Stream)
        assert stream.get_extra_info("ssl_object") is not None  # the TLS stream answers the rest
        assert stream.get_extra_info("is_readable") is False
        closed.set()
        await asyncio.sleep(0.2)
        assert stream.get_extra_info("is_readable") is True
        await stream.aclose()


def test_transports_share_one_tls_context():
    # A connection per send in flight is a transport of its own: each loading the CA bundle
    # again cost about 0.9 MB, 35 MB over the replies' and answers' connections of a busy bot.
    first, second = http_pool.transport(1), http_pool.transport(1)
    assert isinstance(first._pool._ssl_context, ssl.SSLContext)
    assert first._pool._ssl_context is second._pool._ssl_context
