"""Our Zalo Bot API client against the loopback fake: every method, error mapping, no token leaks."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import traceback

import httpx
import pytest

from bot.channels.zalo_api import (
    DEFAULT_BASE_URL,
    ZaloApiError,
    ZaloBadRequest,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNotFound,
    ZaloRateLimited,
    ZaloServerError,
    ZaloTransportError,
    ZaloUnauthorized,
)
from tests.fakes.zalo_api import FakeZalo, fixtures

TOKEN = "2718281828:zAlOsEcReTtOkEn_for_client_tests"
SECRET_PART = TOKEN.split(":")[1]
CHAT = "7c3a9e1f0b2d"


zalo, client = fixtures(TOKEN, lambda fake: ZaloClient(TOKEN, base_url=fake.url), max_poll_wait=0.3)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_token(text: str) -> None:
    assert TOKEN not in text and SECRET_PART not in text


async def test_requests_are_json_posts_to_bot_token_method():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "m1", "date": 1}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = ZaloClient(TOKEN, http=http)
        assert await client.send_message(CHAT, "Xin chào") == {"message_id": "m1", "date": 1}
        await client.aclose()
        assert not http.is_closed  # injected: the caller owns it
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == f"{DEFAULT_BASE_URL}/bot{TOKEN}/sendMessage"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"chat_id": CHAT, "text": "Xin chào"}


async def test_owned_http_client_is_closed(zalo):
    client = ZaloClient(TOKEN, base_url=zalo.url + "/")
    assert (await client.get_me())["id"] == "2718281828"
    await client.aclose()
    with pytest.raises(RuntimeError):  # httpx refuses to send on a closed client
        await client.get_me()


async def test_get_me(client, zalo):
    me = await client.get_me()
    assert me == {
        "id": "2718281828",
        "account_name": "bot.CanhGiacTest",
        "account_type": "BASIC",
        "can_join_groups": False,
    }
    assert zalo.requests == [("getMe", {})]


async def test_get_updates_one_per_call_then_none_when_idle(client, zalo):
    first = zalo.push_text(CHAT, "xin chào")
    second = zalo.push_image(CHAT, "https://example.com/a.jpg", caption="ảnh")
    [update] = await client.get_updates()
    assert update["event_name"] == "message.text.received"
    assert update["message"]["message_id"] == first and update["message"]["text"] == "xin chào"
    assert (await client.get_updates())[0]["message"]["message_id"] == second
    started = time.monotonic()
    assert await client.get_updates() == []  # the fake caps the wait at 0.3 s, then says 408
    assert 0.25 < time.monotonic() - started < 2
    assert zalo.requests[-1] == ("getUpdates", {"timeout": "30"})


async def test_get_updates_wakes_up_on_a_new_message(client, zalo):
    zalo.max_poll_wait = 5
    poll = asyncio.create_task(client.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    message_id = zalo.push_text(CHAT, "đây")
    assert (await asyncio.wait_for(poll, 2))[0]["message"]["message_id"] == message_id


async def test_the_read_timeout_outlasts_the_long_poll(zalo):
    zalo.max_poll_wait = 0.8
    async with ZaloClient(TOKEN, base_url=zalo.url, timeout=0.3) as client:
        assert await client.get_updates(timeout=1) == []  # waited 0.8 s > 0.3 s without a ReadTimeout


async def test_a_repeated_update_comes_back_unchanged(client, zalo):
    message_id = zalo.push_text(CHAT, "/start")
    first = await client.get_updates()
    zalo.push_raw(zalo.update_of(message_id))
    assert await client.get_updates() == first  # deduplicating on message_id is the caller's job


async def test_a_list_shaped_result_gives_each_update(client, zalo):
    zalo.list_results = True
    zalo.push_text(CHAT, "một")
    zalo.push_text(CHAT, "hai")
    assert [u["message"]["text"] for u in await client.get_updates()] == ["một", "hai"]


async def test_webhook_lifecycle(client, zalo):
    assert await client.get_webhook_info() == {"url": "", "updated_at": 0}
    assert await client.set_webhook("https://bot.example.vn/zalo", "s3cret-value") is True
    assert zalo.webhook["secret_token"] == "s3cret-value"
    info = await client.get_webhook_info()
    assert info["url"] == "https://bot.example.vn/zalo" and info["updated_at"] > 0
    with pytest.raises(ZaloApiError) as err:
        await client.get_updates()
    assert type(err.value) is ZaloApiError and err.value.code == 409 and not err.value.retryable
    assert await client.delete_webhook() is True
    assert (await client.get_webhook_info())["url"] == "" and zalo.webhook is None


async def test_send_message_photo_and_chat_action(client, zalo):
    sent = await client.send_message(CHAT, "Cảnh giác lừa đảo")
    assert set(sent) == {"message_id", "date"}
    photo = await client.send_photo(CHAT, "https://example.com/poster.png", caption="Áp phích")
    bare = await client.send_photo(CHAT, "https://example.com/2.png")
    assert await client.send_chat_action(CHAT) is True
    assert zalo.sent == [
        {"chat_id": CHAT, "text": "Cảnh giác lừa đảo", "message_id": sent["message_id"]},
        {
            "chat_id": CHAT,
            "photo": "https://example.com/poster.png",
            "caption": "Áp phích",
            "message_id": photo["message_id"],
        },
        {"chat_id": CHAT, "photo": "https://example.com/2.png", "caption": None, "message_id": bare["message_id"]},
    ]
    assert zalo.requests[-1] == ("sendChatAction", {"chat_id": CHAT, "action": "typing"})
    assert "caption" not in zalo.requests[-2][1]
    assert len(await client.send_message(CHAT, "x" * 2000)) == 2


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.send_message(CHAT, ""), "text must be 1-2000"),
        (lambda c: c.send_message(CHAT, "x" * 2001), "text must be 1-2000"),
        (lambda c: c.send_message("", "hi"), "chat_id"),
        (lambda c: c.send_photo(CHAT, "AgACAgFileId"), "URL"),
        (lambda c: c.send_photo(CHAT, "https://e.com/p.png", caption=""), "caption must be 1-2000"),
        (lambda c: c.set_webhook("http://bot.example.vn/zalo", "s3cret-value"), "https"),
        (lambda c: c.set_webhook("https://", "s3cret-value"), "https"),
        (lambda c: c.set_webhook("https://bot.example.vn/zalo", "short"), "8-256"),
        (lambda c: c.set_webhook("https://bot.example.vn/zalo", "s" * 257), "8-256"),
    ],
    ids=["empty", "2001", "no-chat", "photo-not-url", "empty-caption", "http", "no-host", "short", "long"],
)
async def test_arguments_the_api_refuses_raise_value_error_before_any_request(client, zalo, call, match):
    with pytest.raises(ValueError, match=match):
        await call(client)
    assert zalo.requests == []


def test_constructor_validation():
    with pytest.raises(ValueError, match="empty"):
        ZaloClient("")
    with pytest.raises(ValueError, match="base_url"):
        ZaloClient(TOKEN, base_url="bot-api.zaloplatforms.com")
    assert_no_token(repr(ZaloClient(TOKEN)))


ERRORS = [
    (400, ZaloBadRequest, False),
    (401, ZaloUnauthorized, False),
    (403, ZaloForbidden, False),
    (404, ZaloNotFound, False),
    (409, ZaloApiError, False),
    (429, ZaloRateLimited, True),
    (500, ZaloServerError, True),
    (503, ZaloServerError, True),
]


@pytest.mark.parametrize(("code", "cls", "retryable"), ERRORS, ids=[str(code) for code, _, _ in ERRORS])
@pytest.mark.parametrize("http_status", [200, "code"])
async def test_error_envelopes_map_to_exceptions_whatever_the_http_status(
    client, zalo, code, cls, retryable, http_status
):
    zalo.fail_next("sendMessage", code=code, http_status=code if http_status == "code" else 200)
    with pytest.raises(ZaloError) as err:
        await client.send_message(CHAT, "hi")
    assert type(err.value) is cls and isinstance(err.value, ZaloError)
    assert err.value.code == code and err.value.retryable is retryable and err.value.method == "sendMessage"
    assert err.value.description and str(code) in str(err.value)
    assert isinstance(err.value, ZaloApiError) is (not retryable)
    assert (await client.send_message(CHAT, "again"))["message_id"]  # one fault, then normal


@pytest.mark.parametrize("http_status_errors", [False, True])
async def test_a_wrong_token_is_unauthorized(http_status_errors):
    async with FakeZalo(TOKEN, http_status_errors=http_status_errors) as zalo:
        client = ZaloClient("1111111111:wrong-token-here", base_url=zalo.url)
        with pytest.raises(ZaloUnauthorized) as err:
            await client.get_me()
        await client.aclose()
    assert err.value.code == 401 and err.value.description == "Unauthorized"


async def test_a_blocked_chat_is_forbidden_and_others_are_not(client, zalo):
    zalo.block_chat(CHAT)
    with pytest.raises(ZaloForbidden):
        await client.send_message(CHAT, "hi")
    with pytest.raises(ZaloForbidden):
        await client.send_chat_action(CHAT)
    assert await client.send_message("other-chat", "hi")


async def test_refusals_of_the_server_are_bad_requests(client):
    with pytest.raises(ZaloBadRequest, match="action"):
        await client.send_chat_action(CHAT, "upload_photo")  # documented as "coming soon"


async def test_rate_limited_with_and_without_retry_after(client, zalo):
    zalo.fail_next("sendMessage", code=429, retry_after=7)
    zalo.fail_next("sendMessage", code=429)
    with pytest.raises(ZaloRateLimited) as err:
        await client.send_message(CHAT, "spam")
    assert err.value.retry_after == 7 and err.value.retryable
    with pytest.raises(ZaloRateLimited) as err:
        await client.send_message(CHAT, "spam")
    assert err.value.retry_after is None


@pytest.mark.parametrize(
    ("http_status", "body"),
    [
        (502, "<html><body>502 Bad Gateway</body></html>"),
        (200, "not json at all"),
        (200, '{"result": {"message_id": "m"}}'),
        (500, '["ok", true]'),
    ],
    ids=["html-502", "text-200", "no-ok", "not-an-object"],
)
async def test_an_unreadable_answer_is_a_server_error(client, zalo, http_status, body):
    zalo.fail_next("sendMessage", http_status=http_status, body=body)
    with pytest.raises(ZaloServerError) as err:
        await client.send_message(CHAT, "hi")
    assert err.value.retryable and err.value.code == http_status and "unreadable" in str(err.value)


@pytest.mark.parametrize(
    ("status", "headers", "envelope", "cls", "code", "retry_after"),
    [
        (200, {}, {"ok": False, "error_code": 429, "retry_after": 4}, ZaloRateLimited, 429, 4),
        (429, {"Retry-After": "9"}, {"ok": False, "description": "slow down"}, ZaloRateLimited, 429, 9),
        (403, {}, {"ok": False, "description": "blocked"}, ZaloForbidden, 403, None),
        (200, {}, {"ok": False}, ZaloApiError, None, None),
    ],
    ids=["retry-after-in-body", "retry-after-header", "code-from-http-status", "no-code-at-all"],
)
async def test_other_shapes_of_error_answers(status, headers, envelope, cls, code, retry_after):
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=envelope, headers=headers)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        with pytest.raises(ZaloError) as err:
            await ZaloClient(TOKEN, http=http).send_message(CHAT, "hi")
    assert type(err.value) is cls and err.value.code == code
    assert getattr(err.value, "retry_after", None) == retry_after


async def test_an_unexpected_result_is_a_server_error():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True, "result": ["not", "a", "dict"]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        with pytest.raises(ZaloServerError, match="unexpected result"):
            await ZaloClient(TOKEN, http=http).get_me()


async def test_no_answer_is_a_transport_error():
    async with ZaloClient(TOKEN, base_url=f"http://127.0.0.1:{closed_port()}", timeout=2) as client:
        with pytest.raises(ZaloTransportError) as err:
            await client.send_message(CHAT, "hi")
    assert err.value.retryable and err.value.code is None and "ConnectError" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


async def test_the_token_is_in_no_exception_and_no_log_line(zalo, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    errors: list[ZaloError] = []
    async with ZaloClient(TOKEN, base_url=zalo.url) as client:
        zalo.push_text(CHAT, "hi")
        await client.get_updates()
        await client.get_updates()  # 408 → []
        await client.send_message(CHAT, "ok")
        zalo.fail_next("sendMessage", code=500, description=f"echoing the path /bot{TOKEN}/sendMessage")
        zalo.fail_next("sendPhoto", code=400, description=f"token {TOKEN} is echoed")
        zalo.fail_next("getMe", code=502, http_status=502, body="<html>Bad Gateway</html>")
        zalo.block_chat("blocked")
        calls = [
            client.send_message(CHAT, "fails"),
            client.send_photo(CHAT, "https://e.com/p.png"),
            client.get_me(),
            client.send_message("blocked", "hi"),
        ]
        for call in calls:
            try:
                await call
            except ZaloError as exc:
                errors.append(exc)
    async with ZaloClient(TOKEN, base_url=f"http://127.0.0.1:{closed_port()}") as dead:
        try:
            await dead.get_me()
        except ZaloError as exc:
            errors.append(exc)
    assert [type(e) for e in errors] == [
        ZaloServerError,
        ZaloBadRequest,
        ZaloServerError,
        ZaloForbidden,
        ZaloTransportError,
    ]
    for exc in errors:
        assert_no_token(str(exc) + repr(exc) + exc.description + "".join(traceback.format_exception(exc)))
    assert "/bot***/sendMessage" in errors[0].description
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("/bot***/getUpdates" in line for line in httpx_lines)  # httpx did log the URLs, masked
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert_no_token(caplog.text + "\n".join(r.getMessage() for r in caplog.records))
