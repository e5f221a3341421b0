"""Passwordless login and sessions.

`/dangnhap` in the bot gives a role holder a link and a 6-digit code (`bot/routing/logins.py`).
The link's page asks for one press before it logs in (a POST): a link-preview robot that fetches
the URL must not use it up. The code is typed on the login page; wrong codes are limited per
client address (as uvicorn sees it: behind a reverse proxy, that is the proxy's). A login opens a
server-side session (`bot/routing/web_sessions.py`) whose random id is the cookie.

A page that sends a visitor to log in may say where to come back (`to_login`: `/login?next=…`):
the report download a chat gave as a link (`/baocaoky` on a channel that cannot send files) opens
after the code is typed, not the home page. Only a path of this console is followed (`back_to`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlencode

import sqlite_utils
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.core.clock import VIETNAM
from bot.routing import logins, web_sessions
from bot.services import Services
from bot.web import identity, security
from bot.web.identity import Officer
from bot.web.pages import Pages

SESSION_COOKIE = "cg_session"
FORM_COOKIE_SECONDS = 3600
NEXT_FIELD = "next"
MAX_NEXT = 400
T = TypeVar("T")


def _services(request: Request) -> Services:
    return request.app.state.services


def _pages(request: Request) -> Pages:
    return request.app.state.pages


def _secure(request: Request) -> bool:
    return _services(request).settings.web_secure_cookies


def _officer_in(db, svc: Services, session_id: str | None) -> Officer | None:
    """The officer of `session_id`, with the roles they hold now; an ended role ends the session."""
    if not session_id:
        return None
    now, idle = svc.clock(), timedelta(minutes=svc.settings.web_idle_minutes)
    session = web_sessions.current(db, session_id, now, idle)
    if session is None:
        return None
    officer = identity.live(db, svc.settings, session, now)
    if officer is None:
        web_sessions.close(db, session_id)  # no role any more: the session ends with it
    return officer


async def signed_in(request: Request) -> Officer | None:
    """The officer of this request's session cookie, or None (no cookie, expired, no role now)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    svc = _services(request)
    return await svc.storage.write(lambda db: _officer_in(db, svc, session_id))


async def acting(request: Request, act: Callable[[sqlite_utils.Database, Officer | None], T]) -> T:
    """`act(db, officer)` in one write with the officer loaded again in it: a change made in the
    console checks the role and scope its writer holds at that moment, not at the page's."""
    svc = _services(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    return await svc.storage.write(lambda db: act(db, _officer_in(db, svc, session_id)))


def back_to(path: object) -> str:
    """Where a login returns: a path of this console (never another site: no "//host", no "\\"),
    else the home page."""
    if not isinstance(path, str) or len(path) > MAX_NEXT or not path.startswith("/") or path.startswith("//"):
        return "/"
    if any(c in path for c in "\\\r\n") or any(ord(c) < 32 for c in path):
        return "/"
    return path


def to_login(request: Request) -> Response:
    """The login page, coming back to this page (its query too) once logged in."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({NEXT_FIELD: here})}", status_code=303)


def _login_page(request: Request, *, problem: str | None = None, token: str | None = None, status: int = 200,
                retry_at: str | None = None, after: str = "/") -> Response:  # fmt: skip
    form = security.form_token(request)
    name = "login_link" if token is not None and problem is None else "login"
    html = _pages(request).page(name, problem=problem, token=token, csrf=form, retry_at=retry_at, officer=None,
                                after=after)  # fmt: skip
    response = HTMLResponse(html, status_code=status)
    security.set_cookie(response, security.FORM_COOKIE, form, secure=_secure(request), max_age=FORM_COOKIE_SECONDS)
    return response


def forbidden(request: Request, officer: Officer | None, reason: str, status: int = 403) -> Response:
    html = _pages(request).page("error", reason=reason, officer=officer)
    return HTMLResponse(html, status_code=status)


async def login_form(request: Request) -> Response:
    after = back_to(request.query_params.get(NEXT_FIELD))
    if await signed_in(request) is not None:
        return RedirectResponse(after, status_code=303)
    return _login_page(request, after=after)


async def link_form(request: Request) -> Response:
    """GET /login/<token>: a page with one button; nothing is used until it is pressed."""
    return _login_page(request, token=request.path_params["token"])


async def _form(request: Request) -> dict | None:
    """The posted form, if its CSRF token is the one of the login forms' cookie."""
    form = await request.form()
    if not security.same(form.get(security.FORM_FIELD), request.cookies.get(security.FORM_COOKIE)):
        return None
    return dict(form)


async def _signed_in_with(request: Request, used: logins.Used, after: str = "/") -> Response:
    svc = _services(request)
    now = svc.clock()
    session_id, _ = await svc.storage.write(
        lambda db: web_sessions.open_session(
            db, channel=used.channel, user_id=used.user_id, roles=used.roles or {}, now=now
        )
    )
    response = RedirectResponse(after, status_code=303)
    security.set_cookie(response, SESSION_COOKIE, session_id, secure=_secure(request))
    security.clear_cookie(response, security.FORM_COOKIE, secure=_secure(request))
    return response


def _refused(request: Request, used: logins.Used, after: str = "/") -> Response:
    if used.outcome == "limited":
        retry = used.retry_at.astimezone(VIETNAM).strftime("%H:%M") if used.retry_at else None
        return _login_page(request, problem="limited", status=429, retry_at=retry, after=after)
    return _login_page(request, problem=used.outcome, status=400, after=after)


async def login_with_code(request: Request) -> Response:
    """POST /login: the code typed on the login page."""
    form = await _form(request)
    if form is None:
        return forbidden(request, None, "csrf")
    svc = _services(request)
    now = svc.clock()
    address = request.client.host if request.client else "unknown"
    code = str(form.get("code", ""))[:32]
    used = await svc.storage.write(lambda db: logins.use_code(db, code, address, now))
    after = back_to(form.get(NEXT_FIELD))
    return await _signed_in_with(request, used, after) if used.outcome == "ok" else _refused(request, used, after)


async def login_with_link(request: Request) -> Response:
    """POST /login/<token>: the button on the link's page."""
    if await _form(request) is None:
        return forbidden(request, None, "csrf")
    svc = _services(request)
    now = svc.clock()
    token = request.path_params["token"]
    used = await svc.storage.write(lambda db: logins.use_token(db, token, now))
    return await _signed_in_with(request, used) if used.outcome == "ok" else _refused(request, used)


async def logout(request: Request) -> Response:
    """POST /logout, with the session's CSRF token."""
    officer = await signed_in(request)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    if not security.same(form.get(security.FORM_FIELD), officer.csrf):
        return forbidden(request, officer, "csrf")
    session_id = request.cookies[SESSION_COOKIE]
    await _services(request).storage.write(lambda db: web_sessions.close(db, session_id))
    response = RedirectResponse("/login", status_code=303)
    security.clear_cookie(response, SESSION_COOKIE, secure=_secure(request))
    return response
