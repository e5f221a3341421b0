"""An async client of the Zalo Official Account (OA) API and its OAuth v4 service, on httpx.

A commune's or police unit's OA already has its followers: this is how the bot speaks through it.
What the API is, as far as public sources say (`../shared/docs/platforms.md`, developers.zalo.me):

- ``https://openapi.zalo.me``; every call carries the OA's access token in an ``access_token``
  header (never in a URL, so nothing here logs it); answers are the envelope
  ``{"error": 0, "message": "Success", "data": {...}}``, ``error`` non-zero on failure, usually with
  HTTP 200.
- Consulting messages (``/v3.0/oa/message/cs``) reach a user who wrote to the OA in the last 7 days;
  promotion messages (``/v3.0/oa/message/promotion``) reach followers only, counted against the OA's
  promotion quota; ``/v3.0/oa/quota/message`` tells what is left.
- Files: ``/v2.0/oa/upload/file`` takes one PDF, DOC or DOCX of up to 5 MB (multipart, field
  ``file``) and answers a ``token``; a consulting message with an attachment of type ``file`` and
  that token sends it. Other types (an XLSX) the upload refuses: the adapter sends words instead.
- OAuth v4 with PKCE (``https://oauth.zaloapp.com/v4/oa/permission`` and ``…/v4/oa/access_token``,
  the app's secret in a ``secret_key`` header): an access token lasts about 25 hours, the refresh
  token about 3 months and is single use (each refresh returns a new one).

Error codes, as public clients of the API handle them (Zalo's own table is not versioned; the
codes we act on are named here so a change is one line):

=========================  ===============================================  =========
exception                  when                                             retryable
=========================  ===============================================  =========
``OAError``                base: ``.method``, ``.code``, ``.description``    -
``OATransportError``       no answer, a timeout                              yes
``OAServerError``          HTTP 5xx, or not the JSON envelope                yes
``OATokenInvalid``         -216 / -124: access token invalid or expired      after a refresh
``OAOutsideWindow``        -213 / -230: no message from the user in the
                           consulting window                                 no
``OANotFollower``          -201: a promotion to someone who does not follow   no
``OAQuotaExceeded``        the promotion quota is used up                    next period
``OAApiError``             anything else                                     no
=========================  ===============================================  =========
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.channels.download import DownloadFailed, DownloadTooLarge, download_limited

DEFAULT_API_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_URL = "https://oauth.zaloapp.com"
MAX_TEXT = 2000  # a consulting text message
MAX_PROMOTION_TEXT = 2000
MAX_PROMOTION_HEADER = 100
TOKEN_INVALID = frozenset({-216, -124})
OUTSIDE_WINDOW = frozenset({-213, -230})
NOT_FOLLOWER = frozenset({-201})
QUOTA_EXCEEDED = frozenset({-32, -240})  # "request limit" and "quota exceeded" as clients report them
MAX_FILE_BYTES = 5 * 1024 * 1024  # upload/file's limit
FILE_TYPES = frozenset({".pdf", ".doc", ".docx"})  # what upload/file accepts


class OAError(Exception):
    """A failed call. The message never holds a token or a secret."""

    retryable = False

    def __init__(self, method: str, description: str, *, code: int | None = None):
        self.method, self.description, self.code = method, description, code
        super().__init__(f"Zalo OA {method} failed: {description if code is None else f'{code} {description}'}")


class OATransportError(OAError):
    retryable = True


class OAServerError(OAError):
    retryable = True


class OAApiError(OAError):
    """The API refused the call; repeating it unchanged will not help."""


class OAFileTooLarge(OAApiError):
    """A picture past the byte limit."""


class OATokenInvalid(OAApiError):
    """The access token is invalid or expired: refresh it, then the call may be repeated."""


class OAOutsideWindow(OAApiError):
    """A consulting message to someone who has not written to the OA within the window."""


class OANotFollower(OAApiError):
    """A promotion message to someone who does not follow the OA (or stopped following it)."""


class OAQuotaExceeded(OAApiError):
    """The OA's promotion quota is used up until the next period."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime  # UTC

    def __repr__(self) -> str:  # tokens never reach a log line or a traceback's locals dump
        return f"Tokens(expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class Quota:
    total: int | None  # promotion messages the period allows (None: the API did not say)
    remaining: int


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge): 43 random letters and digits, and the unpadded URL-safe
    base64 of their SHA-256, as OAuth v4 asks."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    verifier = "".join(secrets.choice(alphabet) for _ in range(43))
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def event_signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """The ``X-ZEvent-Signature`` of a webhook event: ``mac=`` sha256 of app id, body, timestamp and
    the OA's secret, in that order."""
    data = app_id.encode() + body + timestamp.encode() + oa_secret.encode()
    return "mac=" + hashlib.sha256(data).hexdigest()


def signature_ok(header: str | None, app_id: str, body: bytes, timestamp: str | None, oa_secret: str) -> bool:
    if not header or not timestamp:
        return False
    return hmac.compare_digest(header.strip(), event_signature(app_id, body, timestamp, oa_secret))


class ZaloOAuth:
    """The OA's authorisation: the consent URL, and tokens for a code or a refresh token."""

    def __init__(self, app_id: str, app_secret: str, *, base_url: str = DEFAULT_OAUTH_URL, http: httpx.AsyncClient):
        self.app_id, self._secret, self._base_url, self._http = app_id, app_secret, base_url.rstrip("/"), http

    def __repr__(self) -> str:
        return f"ZaloOAuth(app_id={self.app_id!r}, base_url={self._base_url!r})"

    def permission_url(self, redirect_uri: str, code_challenge: str, state: str) -> str:
        query = {"app_id": self.app_id, "redirect_uri": redirect_uri, "code_challenge": code_challenge, "state": state}
        return f"{self._base_url}/v4/oa/permission?{urlencode(query)}"

    async def exchange(self, code: str, code_verifier: str) -> Tokens:
        return await self._token(
            "access_token", {"code": code, "grant_type": "authorization_code", "code_verifier": code_verifier}
        )

    async def refresh(self, refresh_token: str) -> Tokens:
        return await self._token("refresh_token", {"refresh_token": refresh_token, "grant_type": "refresh_token"})

    async def _token(self, method: str, form: dict[str, str]) -> Tokens:
        try:
            response = await self._http.post(
                f"{self._base_url}/v4/oa/access_token",
                data={"app_id": self.app_id, **form},
                headers={"secret_key": self._secret},
            )
        except httpx.RequestError as error:
            raise OATransportError(method, type(error).__name__) from None
        if response.status_code >= 500:
            raise OAServerError(method, f"HTTP {response.status_code}", code=response.status_code)
        try:
            data = response.json()
        except ValueError:
            raise OAServerError(method, "not JSON") from None
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
            data = data if isinstance(data, dict) else {}
            code, description = data.get("error"), str(data.get("error_name") or data.get("message") or "refused")
            raise OAApiError(method, description, code=code if isinstance(code, int) else None)
        seconds = int(str(data.get("expires_in") or 90000))
        return Tokens(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
        )


class ZaloOAClient:
    """The OA's API calls with one access token (the caller refreshes it: `bot/channels/zalo_oa_tokens.py`)."""

    def __init__(self, *, base_url: str = DEFAULT_API_URL, http: httpx.AsyncClient, timeout: float = 10.0):
        self._base_url, self._http, self._timeout = base_url.rstrip("/"), http, timeout

    def __repr__(self) -> str:
        return f"ZaloOAClient(base_url={self._base_url!r})"

    async def send_text(self, token: str, user_id: str, text: str) -> str:
        """A consulting message; returns its message id."""
        _check(user_id, text, MAX_TEXT)
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        data = await self._call("message/cs", token, "POST", "/v3.0/oa/message/cs", body)
        return str(data.get("message_id", ""))

    async def send_image(self, token: str, user_id: str, url: str) -> str:
        """A picture by its public URL, as a consulting message."""
        if not url.startswith(("https://", "http://")):
            raise ValueError("the picture must be a public http(s) URL")
        payload = {"template_type": "media", "elements": [{"media_type": "image", "url": url}]}
        body = {"recipient": {"user_id": user_id}, "message": {"attachment": {"type": "template", "payload": payload}}}
        data = await self._call("message/cs", token, "POST", "/v3.0/oa/message/cs", body)
        return str(data.get("message_id", ""))

    async def upload_file(self, token: str, name: str, content: bytes, mime: str) -> str:
        """A PDF, DOC or DOCX uploaded for a file message; returns its token. ValueError for another
        type or past 5 MB: the API would refuse it (callers check `can_upload` first)."""
        if not can_upload(name, len(content)):
            raise ValueError(f"upload/file takes PDF, DOC or DOCX up to {MAX_FILE_BYTES} bytes")
        files = {"file": (name, content, mime)}
        data = await self._call("upload/file", token, "POST", "/v2.0/oa/upload/file", None, files=files)
        if not data.get("token"):
            raise OAServerError("upload/file", "no token in the answer")
        return str(data["token"])

    async def send_file(self, token: str, user_id: str, file_token: str) -> str:
        """An uploaded file, as a consulting message."""
        attachment = {"type": "file", "payload": {"token": file_token}}
        body = {"recipient": {"user_id": user_id}, "message": {"attachment": attachment}}
        data = await self._call("message/cs", token, "POST", "/v3.0/oa/message/cs", body)
        return str(data.get("message_id", ""))

    async def send_promotion(self, token: str, user_id: str, header: str, text: str) -> str:
        """A promotion message (followers only, counted against the quota): a header and a text."""
        _check(user_id, text, MAX_PROMOTION_TEXT)
        elements = [
            {"type": "header", "content": header[:MAX_PROMOTION_HEADER], "align": "left"},
            {"type": "text", "content": text, "align": "left"},
        ]
        payload = {"template_type": "promotion", "language": "VI", "elements": elements}
        body = {"recipient": {"user_id": user_id}, "message": {"attachment": {"type": "template", "payload": payload}}}
        data = await self._call("message/promotion", token, "POST", "/v3.0/oa/message/promotion", body)
        return str(data.get("message_id", ""))

    async def promotion_quota(self, token: str) -> Quota:
        """What is left of the promotion quota this period."""
        data = await self._call("quota/message", token, "POST", "/v3.0/oa/quota/message", {"quota_type": "promotion"})
        try:
            remaining = int(data["remaining"])
        except (KeyError, TypeError, ValueError):
            raise OAServerError("quota/message", "no remaining quota in the answer") from None
        total = str(data.get("total", ""))
        return Quota(total=int(total) if total.isdigit() else None, remaining=remaining)

    async def follower_tags(self, token: str, user_id: str) -> list[str]:
        """The tags the OA's staff gave this follower (an area tag maps them to a commune)."""
        query = {"data": f'{{"user_id":"{user_id}"}}'}
        data = await self._call("user/detail", token, "GET", "/v3.0/oa/user/detail", None, query)
        info = data.get("tags_and_notes_info") or {}
        return [str(tag) for tag in info.get("tag_names") or []]

    async def download(self, url: str, limit: int) -> bytes:
        """A picture a follower sent, read in chunks and given up past `limit` bytes."""
        try:
            return await download_limited(self._http, url, limit, self._timeout)
        except DownloadTooLarge:
            raise OAFileTooLarge("download", f"more than {limit} bytes") from None
        except DownloadFailed as error:
            raise OATransportError("download", str(error)) from None

    async def _call(
        self, method: str, token: str, verb: str, path: str, body: dict | None, query: dict | None = None,
        files: dict | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        try:
            response = await self._http.request(
                verb, f"{self._base_url}{path}", json=body, params=query, files=files,
                headers={"access_token": token}, timeout=self._timeout,
            )  # fmt: skip
        except httpx.RequestError as error:
            raise OATransportError(method, type(error).__name__) from None
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("error"), int):
            raise OAServerError(method, f"unreadable answer (HTTP {response.status_code})", code=response.status_code)
        code = envelope["error"]
        if code == 0:
            data = envelope.get("data")
            return data if isinstance(data, dict) else {}
        description = str(envelope.get("message") or "no description")
        for codes, kind in (
            (TOKEN_INVALID, OATokenInvalid),
            (OUTSIDE_WINDOW, OAOutsideWindow),
            (NOT_FOLLOWER, OANotFollower),
            (QUOTA_EXCEEDED, OAQuotaExceeded),
        ):
            if code in codes:
                raise kind(method, description, code=code)
        if response.status_code >= 500:
            raise OAServerError(method, description, code=code)
        raise OAApiError(method, description, code=code)


def can_upload(name: str, size: int) -> bool:
    """Whether upload/file takes this file: its type (by the name's ending) and its size."""
    dot = name.rfind(".")
    return dot >= 0 and name[dot:].lower() in FILE_TYPES and 0 < size <= MAX_FILE_BYTES


def _check(user_id: str, text: str, limit: int) -> None:
    if not user_id:
        raise ValueError("user_id is empty")
    if not 1 <= len(text) <= limit:
        raise ValueError(f"text must be 1-{limit} characters, got {len(text)}")
