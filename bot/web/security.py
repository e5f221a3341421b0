"""Security headers on every response, and CSRF tokens.

The pages load nothing from elsewhere and run no inline script or style: the CSP allows this
origin only. Framing is refused (clickjacking), no page sends a Referer (a login link's token must
not leave in one), types are not sniffed, and nothing is cached (pages show citizens' reports)
unless a response says so itself (an evidence photo: `private, no-store`, as strict).

Every POST form carries a token the server compares with its own: the session's (`web_sessions`)
once signed in, and before that (the login forms) a random value also set in a cookie of its own,
compared with what the form posted (double submit). Cookies are HttpOnly, SameSite=Strict, and
Secure unless `CANHGIAC_WEB_SECURE_COOKIES` is off.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)
DEFAULTS = ((b"cache-control", b"no-store"),)  # unless the response sets its own
FORM_COOKIE = "cg_form"  # the login forms' token, before a session exists
FORM_FIELD = "csrf"


class SecurityHeaders:
    """ASGI middleware: the headers above on every response, errors and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                present = {k.lower() for k, _ in kept}
                message["headers"] = [*kept, *HEADERS, *(h for h in DEFAULTS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


def same(given: object, expected: str | None) -> bool:
    """Constant-time comparison of a posted token with the expected one; False if either is missing."""
    return isinstance(given, str) and bool(given) and bool(expected) and hmac.compare_digest(given, expected or "")


def form_token(request: Request) -> str:
    """The pre-session token for the login forms: the browser's cookie, or a new one."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def set_cookie(response: Response, name: str, value: str, *, secure: bool, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict")


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")
