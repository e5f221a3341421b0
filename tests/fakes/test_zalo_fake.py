"""Tests of the fake Zalo Bot API server itself, driven with raw httpx (JSON and form bodies)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web

from .common import WaitTimeout
from .zalo_api import FakeZalo, fixtures

TOKEN = "1618033988:fake-zalo-token"
CHAT = "9f8e7d6c5b4a"


zalo, api = fixtures(TOKEN, lambda fake: httpx.AsyncClient(base_url=f"{fake.url}/bot{TOKEN}"), max_poll_wait=0.3)


async def test_envelopes_json_and_form_bodies(api, zalo):
    me = await api.post("/getMe", json={})
    assert me.status_code == 200
    assert me.json() == {
        "ok": True,
        "result": {
            "id": "1618033988",
            "account_name": "bot.CanhGiacTest",
            "account_type": "BASIC",
            "can_join_groups": False,
        },
    }
    form = await api.post("/sendMessage", data={"chat_id": CHAT, "text": "gửi bằng form"})
    result = form.json()["result"]
    assert isinstance(result["message_id"], str) and result["date"] > 10**12  # milliseconds
    assert zalo.sent == [{"chat_id": CHAT, "text": "gửi bằng form", "message_id": result["message_id"]}]
    assert (await api.post("/sendChatAction", json={"chat_id": CHAT, "action": "typing"})).json() == {"ok": True}
    assert [name for name, _ in zalo.requests] == ["getMe", "sendMessage", "sendChatAction"]


async def test_unknown_routes_bad_json_and_wrong_token(api, zalo):
    assert (await api.post("/sendSticker", json={})).json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }
    assert (await api.post("/getme", json={})).json()["error_code"] == 404  # method names are case-sensitive
    outside = await api.post(f"{zalo.url}/elsewhere")
    assert outside.status_code == 404
    malformed = await api.post("/sendMessage", content=b"{nope", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 200 and malformed.json()["error_code"] == 400
    async with httpx.AsyncClient() as http:
        wrong = await http.post(f"{zalo.url}/bot1111:wrong/getMe", json={})
    assert wrong.status_code == 200  # an error envelope with HTTP 200, by default
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_http_status_errors_sends_the_code_as_http_status():
    async with FakeZalo(TOKEN, http_status_errors=True) as zalo, httpx.AsyncClient() as http:
        wrong = await http.post(f"{zalo.url}/bot1111:wrong/getMe", json={})
        invalid = await http.post(f"{zalo.url}/bot{TOKEN}/sendMessage", json={"chat_id": CHAT, "text": ""})
    assert wrong.status_code == 401 and wrong.json()["error_code"] == 401
    assert invalid.status_code == 400 and invalid.json()["error_code"] == 400


async def test_get_updates_one_at_a_time_and_408_when_idle(api, zalo):
    first = zalo.push_text(CHAT, "một")
    second = zalo.push_text("group-1", "hai", display_name="Minh", chat_type="GROUP", user_id="u-minh")
    update = (await api.post("/getUpdates", json={"timeout": 30})).json()["result"]
    assert update == {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": CHAT, "display_name": "Lan", "is_bot": False},
            "chat": {"id": CHAT, "chat_type": "PRIVATE"},
            "text": "một",
            "message_id": first,
            "date": update["message"]["date"],
        },
    }
    assert abs(update["message"]["date"] - time.time() * 1000) < 5000
    group = (await api.post("/getUpdates", data={"timeout": "30"})).json()["result"]["message"]
    assert group["message_id"] == second and group["chat"] == {"id": "group-1", "chat_type": "GROUP"}
    assert group["from"] == {"id": "u-minh", "display_name": "Minh", "is_bot": False}
    started = time.monotonic()
    idle = await api.post("/getUpdates", json={"timeout": "30"})  # capped by max_poll_wait=0.3
    assert idle.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert 0.25 < time.monotonic() - started < 2
    started = time.monotonic()
    assert (await api.post("/getUpdates", json={"timeout": 0})).json()["error_code"] == 408
    assert time.monotonic() - started < 0.25


async def test_other_events_and_repeats(api, zalo):
    photo = zalo.push_image(CHAT, "https://example.com/a.jpg", caption="bằng chứng")
    zalo.push_image(CHAT, "https://example.com/b.jpg", field="photo")
    zalo.push_sticker(CHAT)
    zalo.push_unsupported(CHAT)
    zalo.push_raw(zalo.update_of(photo))
    updates = [(await api.post("/getUpdates", json={})).json()["result"] for _ in range(5)]
    assert [u["event_name"] for u in updates] == [
        "message.image.received",
        "message.image.received",
        "message.sticker.received",
        "message.unsupported.received",
        "message.image.received",
    ]
    assert updates[0]["message"]["photo_url"] == "https://example.com/a.jpg"
    assert updates[0]["message"]["caption"] == "bằng chứng"
    assert updates[1]["message"]["photo"] == "https://example.com/b.jpg" and "photo_url" not in updates[1]["message"]
    assert updates[2]["message"]["sticker"] and "text" not in updates[3]["message"]
    assert updates[4] == updates[0]  # delivered again, same message_id
    with pytest.raises(ValueError):
        zalo.push_image(CHAT, "https://example.com/c.jpg", field="image")


async def test_long_poll_wakes_on_push_and_on_stop(zalo):
    zalo.max_poll_wait = 10
    async with httpx.AsyncClient(base_url=f"{zalo.url}/bot{TOKEN}", timeout=5) as http:
        poll = asyncio.create_task(http.post("/getUpdates", json={"timeout": 30}))
        await asyncio.sleep(0.2)
        assert not poll.done()
        message_id = zalo.push_text(CHAT, "đây")
        assert (await asyncio.wait_for(poll, 2)).json()["result"]["message"]["message_id"] == message_id
        poll = asyncio.create_task(http.post("/getUpdates", json={"timeout": 30}))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await zalo.stop()
        assert (await asyncio.wait_for(poll, 3)).json()["error_code"] == 408
    assert time.monotonic() - started < 1


async def test_an_abandoned_long_poll_does_not_swallow_the_next_update(zalo):
    zalo.max_poll_wait = 10
    async with httpx.AsyncClient(base_url=f"{zalo.url}/bot{TOKEN}") as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/getUpdates", json={"timeout": 30}, timeout=0.2)
        await asyncio.sleep(0.1)
        message_id = zalo.push_text(CHAT, "vẫn còn")
        got = await http.post("/getUpdates", json={"timeout": 1}, timeout=5)
    assert got.json()["result"]["message"]["message_id"] == message_id


async def test_webhook_settings_and_conflict_with_polling(api, zalo):
    assert (await api.post("/getWebhookInfo", json={})).json()["result"] == {"url": "", "updated_at": 0}
    for params in (
        {"url": "http://bot.example.vn/hook", "secret_token": "s3cret-value"},
        {"url": "https://bot.example.vn/hook", "secret_token": "short"},
        {"url": "https://bot.example.vn/hook", "secret_token": "s" * 257},
        {"url": "https://bot.example.vn/hook"},
    ):
        assert (await api.post("/setWebhook", json=params)).json()["error_code"] == 400
    assert zalo.webhook is None
    done = await api.post("/setWebhook", json={"url": "https://bot.example.vn/hook", "secret_token": "s" * 256})
    assert done.json()["result"]["url"] == "https://bot.example.vn/hook"
    assert zalo.webhook["secret_token"] == "s" * 256
    conflict = (await api.post("/getUpdates", json={})).json()
    assert conflict["ok"] is False and conflict["error_code"] == 409
    deleted = (await api.post("/deleteWebhook", json={})).json()["result"]
    assert deleted["url"] == "" and deleted["updated_at"] >= done.json()["result"]["updated_at"]
    assert zalo.webhook is None


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("sendMessage", {"text": "no chat"}),
        ("sendMessage", {"chat_id": 12345, "text": "chat_id not a string"}),
        ("sendMessage", {"chat_id": CHAT, "text": ""}),
        ("sendMessage", {"chat_id": CHAT, "text": "x" * 2001}),
        ("sendPhoto", {"chat_id": CHAT, "photo": "AgACAgFileId"}),
        ("sendPhoto", {"chat_id": CHAT, "photo": "https://e.com/p.png", "caption": ""}),
        ("sendChatAction", {"chat_id": CHAT, "action": "upload_photo"}),
        ("getUpdates", {"timeout": "soon"}),
    ],
    ids=["no-chat", "int-chat", "empty", "2001", "photo-id", "empty-caption", "action", "timeout"],
)
async def test_invalid_parameters_are_400(api, zalo, method, params):
    body = (await api.post(f"/{method}", json=params)).json()
    assert body["ok"] is False and body["error_code"] == 400 and body["description"].startswith("Bad Request")
    assert zalo.sent == []


async def test_limits_are_inclusive(api, zalo):
    await api.post("/sendMessage", json={"chat_id": CHAT, "text": "x" * 2000})
    await api.post("/sendPhoto", json={"chat_id": CHAT, "photo": "http://e.com/p.png", "caption": "c" * 2000})
    assert [len(m.get("text") or m["caption"]) for m in await zalo.wait_for_messages(CHAT, 2)] == [2000, 2000]


async def test_fail_next_and_block_chat(api, zalo):
    zalo.fail_next("sendMessage", code=429, retry_after=3, times=2)
    zalo.fail_next("sendMessage", code=502, http_status=502, body="<html>Bad Gateway</html>")
    for _ in range(2):
        limited = await api.post("/sendMessage", json={"chat_id": CHAT, "text": "a"})
        assert limited.status_code == 200
        assert limited.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests",
            "parameters": {"retry_after": 3},
        }
    gateway = await api.post("/sendMessage", json={"chat_id": CHAT, "text": "a"})
    assert gateway.status_code == 502 and gateway.text == "<html>Bad Gateway</html>"
    assert (await api.post("/sendMessage", json={"chat_id": CHAT, "text": "a"})).json()["ok"] is True
    with pytest.raises(ValueError, match="no method"):
        zalo.fail_next("sendmessage")
    zalo.block_chat(CHAT)
    for method, params in (("sendMessage", {"text": "b"}), ("sendPhoto", {"photo": "https://e.com/p.png"})):
        blocked = (await api.post(f"/{method}", json={"chat_id": CHAT, **params})).json()
        assert blocked["error_code"] == 403
    assert (await api.post("/sendChatAction", json={"chat_id": CHAT, "action": "typing"})).json()["error_code"] == 403
    assert (await api.post("/sendMessage", json={"chat_id": "someone-else", "text": "c"})).json()["ok"] is True
    zalo.unblock_chat(CHAT)
    assert (await api.post("/sendMessage", json={"chat_id": CHAT, "text": "d"})).json()["ok"] is True


async def test_wait_for_messages_and_clear(api, zalo):
    await api.post("/sendMessage", json={"chat_id": "other", "text": "không phải bạn"})
    with pytest.raises(AssertionError, match="got 0") as err:
        await zalo.wait_for_messages(CHAT, timeout=0.1)
    assert isinstance(err.value, WaitTimeout) and isinstance(err.value, TimeoutError)
    later = asyncio.create_task(zalo.wait_for_messages(CHAT))
    await api.post("/sendPhoto", json={"chat_id": CHAT, "photo": "https://e.com/p.png"})
    assert [m["photo"] for m in await later] == ["https://e.com/p.png"]
    zalo.clear()
    assert zalo.sent == [] and zalo.requests == []
    await api.post("/sendMessage", json={"chat_id": CHAT, "text": "hai"})
    assert [m["text"] for m in await zalo.wait_for_messages(CHAT)] == ["hai"]


class _Receiver(tornado.web.RequestHandler):
    def initialize(self, seen: list) -> None:
        self.seen = seen

    def post(self) -> None:
        self.seen.append((self.request.headers.get("X-Bot-Api-Secret-Token"), self.request.body))
        self.set_status(200 if self.seen[-1][0] == "s3cret-value" else 403)


async def test_post_webhook_delivers_bare_or_wrapped_with_the_secret_header(zalo):
    seen: list = []
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(tornado.web.Application([("/hook", _Receiver, {"seen": seen})]))
    server.add_sockets(sockets)
    url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
    try:
        update = zalo.make_text_update(CHAT, "qua webhook")
        assert await zalo.post_webhook(url, update, secret="s3cret-value") == 200
        assert await zalo.post_webhook(url, update, secret="s3cret-value", wrapped=True) == 200
        assert await zalo.post_webhook(url, update, secret=None) == 403
    finally:
        server.stop()
    (secret, bare), (_, wrapped), (missing, _) = seen
    assert secret == "s3cret-value" and missing is None
    assert json.loads(bare) == update and json.loads(wrapped) == {"ok": True, "result": update}
    async with httpx.AsyncClient() as http:  # make_text_update queued nothing
        idle = await http.post(f"{zalo.url}/bot{TOKEN}/getUpdates", json={"timeout": 0})
    assert idle.json()["error_code"] == 408
