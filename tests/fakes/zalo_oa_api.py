"""A loopback fake of the Zalo Official Account API and its OAuth v4 service, for tests.

`FakeZaloOA` serves, with tornado on 127.0.0.1, what `bot/channels/zalo_oa_api.py` calls, modelled
on what the real service does (as public sources describe it):

- the ``{"error": N, "message": ..., "data": ...}`` envelope, errors with HTTP 200;
- OAuth v4 with PKCE: `authorize(challenge)` plays the OA owner's consent and returns a code (used
  once, checked against the verifier's SHA-256); ``/v4/oa/access_token`` needs the app's
  ``secret_key`` header; an access token expires (`expire_access` ends it now); each refresh token
  works once and a used one is refused (error -118), so a lost refresh loses the chain;
- consulting messages only to users whose last message (or follow) is within 7 days (else -230),
  with a valid token (else -216);
- promotion messages to followers only (else -201) and within the promotion quota (else -240),
  the quota readable at ``/v3.0/oa/quota/message`` and refilled by `new_period`;
- follower details with the tags the OA's staff gave (`tag`);
- file upload (``/v2.0/oa/upload/file``, multipart): PDF, DOC or DOCX up to 5 MB, else an error;
  the answer's token sends it in a consulting message with a ``file`` attachment, recorded in
  `sent` with its name, size and bytes (kind "file");
- webhook events delivered by `post_event` to the bot's URL, signed ``X-ZEvent-Signature: mac=
  sha256(app id + body + timestamp + OA secret)``; ``forged=True`` signs with another secret.

Not faked: rate limits per second, image and GIF upload, ZNS template messages, articles.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import time
from typing import Any, Self

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.fakes import common

APP_ID = "4301234567890123456"
APP_SECRET = "appSecretForTestsOnly_123"
OA_ID = "579745863508352884"
OA_SECRET = "oaSecretKeyForTestsOnly_456"
WINDOW_SECONDS = 7 * 24 * 3600


class _Handler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeZaloOA) -> None:
        self.fake = fake

    def _answer(self, body: dict) -> None:
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(body))

    async def post(self, path: str) -> None:
        if path == "v4/oa/access_token":
            form = {k: self.get_body_argument(k) for k in self.request.body_arguments}
            self._answer(self.fake.token_call(form, self.request.headers.get("secret_key", "")))
            return
        if self.request.files:  # multipart: an upload
            [upload] = self.request.files["file"]
            body = {"name": upload.filename, "data": upload.body}
        else:
            body = json.loads(self.request.body or b"{}")
        self._answer(self.fake.api_call(path, self.request.headers.get("access_token", ""), body))

    async def get(self, path: str) -> None:
        data = json.loads(self.get_query_argument("data", "{}"))
        self._answer(self.fake.api_call(path, self.request.headers.get("access_token", ""), data))


class FakeZaloOA(common.SentMessages):
    def __init__(self) -> None:
        self.url = ""
        self.requests: list[tuple[str, dict]] = []
        # Pictures citizens send, served at ``/cdn/<name>`` as Zalo's CDN serves their URLs.
        self.files: dict[str, bytes] = {}
        self.token = None  # the CDN asks for none (`common._FileHandler` compares it with itself)
        self.sent: list[dict] = []  # {"user_id", "kind": "cs"|"promotion"|"image", "text", "header"}
        self.followers: set[str] = set()
        self.tags: dict[str, list[str]] = {}
        self.last_message: dict[str, float] = {}  # user -> time of their last message to the OA
        self.quota_total = 100
        self.quota_left = 100
        self.access: dict[str, float] = {}  # access token -> expiry (time.time())
        self.refresh_tokens: set[str] = set()  # unused ones
        self.codes: dict[str, str] = {}  # authorisation code -> code_challenge
        self.refreshed = 0
        self.uploads: dict[str, dict] = {}  # file token -> {"name", "data"}
        self._counter = itertools.count(1)
        self._blocked: set = set()
        self._read_cursor: dict[Any, int] = {}
        self._sent_signal = asyncio.Event()
        self._server: tornado.httpserver.HTTPServer | None = None

    @staticmethod
    def chat_of(message: dict) -> Any:
        return message["user_id"]

    async def __aenter__(self) -> Self:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        routes = [(r"/cdn/(.+)", common._FileHandler, {"fake": self}), (r"/(.+)", _Handler, {"fake": self})]
        app = tornado.web.Application(routes, log_function=lambda handler: None)
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    # ----------------------------------------------------------------- scripting
    def authorize(self, code_challenge: str) -> str:
        """The OA's owner consents: the code Zalo appends to the redirect URL."""
        code = f"code{next(self._counter)}"
        self.codes[code] = code_challenge
        return code

    def expire_access(self) -> None:
        """Every access token given so far expires now."""
        self.access = dict.fromkeys(self.access, 0.0)

    def follow(self, user: str, *tags: str) -> None:
        self.followers.add(user)
        self.tags[user] = list(tags)

    def new_period(self, quota: int | None = None) -> None:
        self.quota_left = self.quota_total = quota if quota is not None else self.quota_total

    def event(self, name: str, user: str, **message: Any) -> dict:
        """An event as Zalo's webhook sends it (`message` fields; `follow`/`unfollow` have none)."""
        now_ms = str(int(time.time() * 1000))
        if name in ("follow", "unfollow"):
            if name == "follow":  # following counts as the user's interaction: the OA may answer
                self.followers.add(user)
                self.last_message[user] = time.time()
            else:
                self.followers.discard(user)
            return {"app_id": APP_ID, "oa_id": OA_ID, "event_name": name, "follower": {"id": user},
                    "timestamp": now_ms}  # fmt: skip
        self.last_message[user] = time.time()
        message.setdefault("msg_id", f"m{next(self._counter)}")
        return {"app_id": APP_ID, "event_name": name, "sender": {"id": user}, "recipient": {"id": OA_ID},
                "message": message, "timestamp": now_ms}  # fmt: skip

    async def post_event(self, url: str, event: dict, *, forged: bool = False) -> httpx.Response:
        body = json.dumps(event, ensure_ascii=False).encode()
        secret = "not-the-oa-secret" if forged else OA_SECRET
        mac = hashlib.sha256(APP_ID.encode() + body + event["timestamp"].encode() + secret.encode()).hexdigest()
        async with httpx.AsyncClient() as http:
            return await http.post(
                url, content=body, headers={"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}
            )

    # ----------------------------------------------------------------- OAuth
    def _issue(self) -> dict:
        n = next(self._counter)
        access, refresh = f"access{n}", f"refresh{n}"
        self.access[access] = time.time() + 90000
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}

    def token_call(self, form: dict, secret: str) -> dict:
        self.requests.append(("access_token", {k: v for k, v in form.items() if k == "grant_type"}))
        if secret != APP_SECRET or form.get("app_id") != APP_ID:
            return {"error": -14002, "error_name": "Invalid app secret"}
        if form.get("grant_type") == "authorization_code":
            challenge = self.codes.pop(form.get("code", ""), None)
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if challenge is None or base64.urlsafe_b64encode(digest).decode().rstrip("=") != challenge:
                return {"error": -14019, "error_name": "Invalid code or verifier"}
            return self._issue()
        if form.get("grant_type") == "refresh_token":
            used = form.get("refresh_token", "")
            if used not in self.refresh_tokens:
                return {"error": -118, "error_name": "Invalid refresh token"}
            self.refresh_tokens.discard(used)  # single use
            self.refreshed += 1
            return self._issue()
        return {"error": -14003, "error_name": "Invalid grant type"}

    # ----------------------------------------------------------------- the API
    def api_call(self, path: str, token: str, body: dict) -> dict:
        self.requests.append((path, {**body, "data": len(body["data"])} if "data" in body else body))
        if self.access.get(token, 0.0) < time.time():
            return {"error": -216, "message": "Access token is invalid"}
        handler = {
            "v3.0/oa/message/cs": self._cs,
            "v3.0/oa/message/promotion": self._promotion,
            "v3.0/oa/quota/message": lambda b: {"error": 0, "data": {"total": self.quota_total,
                                                                      "remaining": self.quota_left}},
            "v3.0/oa/user/detail": self._detail,
            "v2.0/oa/upload/file": self._upload,
        }.get(path)  # fmt: skip
        if handler is None:
            return {"error": -404, "message": "unknown endpoint"}
        return handler(body)

    def _record(self, message: dict) -> dict:
        message["message_id"] = f"oa{next(self._counter)}"
        self.sent.append(message)
        self._notify("_sent_signal")
        return {"error": 0, "message": "Success", "data": {"message_id": message["message_id"]}}

    def _cs(self, body: dict) -> dict:
        user = body["recipient"]["user_id"]
        if time.time() - self.last_message.get(user, 0.0) > WINDOW_SECONDS:
            return {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}
        message = body["message"]
        if "text" in message:
            if not 1 <= len(message["text"]) <= 2000:
                return {"error": -211, "message": "Invalid text length"}
            return self._record({"user_id": user, "kind": "cs", "text": message["text"]})
        attachment = message["attachment"]
        if attachment["type"] == "file":
            upload = self.uploads.get(attachment["payload"].get("token", ""))
            if upload is None:
                return {"error": -210, "message": "Invalid file token"}
            return self._record({"user_id": user, "kind": "file", "text": "", "file_name": upload["name"],
                                 "size": len(upload["data"]), "data": upload["data"]})  # fmt: skip
        url = attachment["payload"]["elements"][0]["url"]
        return self._record({"user_id": user, "kind": "image", "text": "", "url": url})

    def _promotion(self, body: dict) -> dict:
        user = body["recipient"]["user_id"]
        if user not in self.followers:
            return {"error": -201, "message": "User has not followed the OA"}
        if self.quota_left <= 0:
            return {"error": -240, "message": "Promotion quota exceeded"}
        elements = body["message"]["attachment"]["payload"]["elements"]
        self.quota_left -= 1
        header = next(e["content"] for e in elements if e["type"] == "header")
        text = next(e["content"] for e in elements if e["type"] == "text")
        return self._record({"user_id": user, "kind": "promotion", "header": header, "text": f"{header}\n{text}"})

    def _upload(self, body: dict) -> dict:
        name, data = str(body.get("name", "")), body.get("data", b"")
        if not name.lower().endswith((".pdf", ".doc", ".docx")):
            return {"error": -210, "message": "File type is not supported"}
        if not 0 < len(data) <= 5 * 1024 * 1024:
            return {"error": -210, "message": "File size exceeds the limit"}
        file_token = f"file{next(self._counter)}"
        self.uploads[file_token] = {"name": name, "data": data}
        return {"error": 0, "message": "Success", "data": {"token": file_token}}

    def _detail(self, data: dict) -> dict:
        user = data.get("user_id", "")
        if user not in self.followers:
            return {"error": -213, "message": "User has not followed the OA"}
        return {"error": 0, "data": {"user_id": user, "tags_and_notes_info": {"tag_names": self.tags.get(user, [])}}}
