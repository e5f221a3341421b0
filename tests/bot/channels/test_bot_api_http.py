"""The Bot API client's HTTP (`bot/channels/bot_api_http.py`): python-telegram-bot's `Bot` over
kept-alive asyncio connections, against the loopback fake Bot API and small raw HTTP servers for
what the fake never does (chunks, closing, silence)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.channels import bot_api_http
from bot.channels.bot_api_http import KeptAliveRequest
from tests.fakes.running_bot import TOKEN
from tests.fakes.telegram_api import FakeTelegram

OK = json.dumps({"ok": True, "result": {"done": 1}}).encode()


@pytest.fixture
async def fake():
    async with FakeTelegram(token=TOKEN) as tg:
        yield tg


def _bot(fake: FakeTelegram, request: KeptAliveRequest) -> Bot:
    return Bot(TOKEN, base_url=f"{fake.url}/bot", request=request, get_updates_request=request)


async def test_calls_share_one_kept_alive_connection_and_errors_are_python_telegram_bots(fake):
    request = KeptAliveRequest(connections=4)
    async with _bot(fake, request) as bot:
        for n in range(3):
            # Characters form encoding must escape arrive intact.
            message = await bot.send_message(5, f"a&b=c+d {n}")
            assert message.text == f"a&b=c+d {n}"
        fake.fail_next("sendMessage", status=429, retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(5, "x")
        assert flood.value.retry_after in (7, timedelta(seconds=7))
        fake.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
        with pytest.raises(Forbidden):
            await bot.send_message(5, "x")
        with pytest.raises(BadRequest):
            await bot.send_message(5, "")  # the fake refuses an empty text as Telegram does
        assert request.opened == 1  # every answer, refusals included, left the connection reusable
    assert [m["text"] for m in fake.sent] == ["a&b=c+d 0", "a&b=c+d 1", "a&b=c+d 2"]


async def test_uploads_go_through_httpx(fake):
    request = KeptAliveRequest(connections=2)
    async with _bot(fake, request) as bot:  # getMe: kept alive
        calls = len(fake.requests)
        for idle in request._idle.values():  # an upload through this client would have to open one
            for connection in idle:
                connection.close()
        await bot.send_document(5, InputFile(b"%PDF-1.4 tiny", filename="a.pdf"))
    assert request.opened == 1 and len(fake.requests) == calls + 1
    assert fake.sent[-1]["document"]["file_name"] == "a.pdf"


def test_a_proxy_in_the_environment_sends_everything_through_httpx(monkeypatch):
    assert KeptAliveRequest(connections=1)._direct
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert not KeptAliveRequest(connections=1)._direct


async def _server(answer):
    """A loopback server calling `answer(head, writer)` for each request it reads; returns it with
    its URL and the list of requests seen."""
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                seen.append(head + await reader.readexactly(length))
                if not await answer(head, writer):
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/botX/getMe", seen


async def test_chunked_and_close_delimited_answers_are_read_whole():
    async def chunked(head, writer):
        half = len(OK) // 2
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(b"%x\r\n%s\r\n%x;x=y\r\n%s\r\n0\r\n\r\n" % (half, OK[:half], len(OK) - half, OK[half:]))
        return True

    async def until_closed(head, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK)
        return False

    request = KeptAliveRequest(connections=2)
    for answer, connections in ((chunked, 1), (until_closed, 2)):
        server, url, seen = await _server(answer)
        async with server:
            request.opened = 0
            assert await request.post(url) == {"done": 1}
            assert await request.post(url) == {"done": 1}
            assert request.opened == connections and len(seen) == 2
    await request.shutdown()


async def test_a_connection_the_server_closed_while_idle_is_not_reused():
    writers = []

    async def remember(head, writer):
        writers.append(writer)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK))
        return True

    server, url, seen = await _server(remember)
    request = KeptAliveRequest(connections=2)
    async with server:
        await request.post(url)
        writers[0].close()  # the server's keep-alive ran out
        await asyncio.sleep(0.05)  # the event loop reads the end of the stream
        assert await request.post(url) == {"done": 1}
    assert request.opened == 2 and len(seen) == 2
    await request.shutdown()


async def test_a_silent_server_times_out_and_its_connection_is_dropped():
    async def silent(head, writer):
        await asyncio.sleep(10)
        return True

    server, url, seen = await _server(silent)
    request = KeptAliveRequest(connections=2, read_timeout=0.2, write_timeout=0.1)
    async with server:
        with pytest.raises(TimedOut):
            await request.post(url)
        assert not request._idle.get(("http", "127.0.0.1", server.sockets[0].getsockname()[1]))
    await request.shutdown()


async def test_past_its_connections_a_call_waits_then_times_out_unsent():
    release = asyncio.Event()

    async def held(head, writer):
        await release.wait()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK))
        return True

    server, url, seen = await _server(held)
    request = KeptAliveRequest(connections=1, pool_timeout=0.1)
    async with server:
        first = asyncio.create_task(request.post(url))
        await asyncio.sleep(0.05)
        with pytest.raises(TimedOut, match="not sent"):
            await request.post(url)
        release.set()
        assert await first == {"done": 1}
        assert await request.post(url) == {"done": 1}  # the slot came back
    assert len(seen) == 2 and request.opened == 1
    await request.shutdown()


def test_urls_become_a_host_and_a_request_line_once():
    key, line = bot_api_http._target("https://api.telegram.org/bot1:x/sendMessage")
    assert key == ("https", "api.telegram.org", 443)
    assert line == b"/bot1:x/sendMessage HTTP/1.1\r\nHost: api.telegram.org\r\n"
    assert bot_api_http._target("http://127.0.0.1:8081/file/a?b=1")[1].startswith(
        b"/file/a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:8081"
    )
