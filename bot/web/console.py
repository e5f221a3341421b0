"""The console's home page: who is signed in, their roles and areas, the last seven days of each
of their areas (`bot/web/overview.py`), and for police the start of their review queue (the police
pages themselves are `bot/web/police.py`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.services import Services
from bot.web import overview, police
from bot.web.auth import signed_in
from bot.web.identity import Officer


def _roles(svc: Services, officer: Officer) -> list[dict]:
    areas = svc.library.areas
    return [
        {"role": role, "areas": None if codes is None else [areas.full_name(c) for c in codes if areas.get(c)]}
        for role, codes in officer.roles.items()
    ]


async def home(request: Request) -> Response:
    officer = await signed_in(request)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    svc: Services = request.app.state.services
    queue = await police.home_queue(request, officer)
    t, now = svc.content.texts(svc.settings.default_language), svc.clock()
    week = await svc.storage.read(lambda db: overview.week(db, svc.library.areas, t, officer, now))
    html = request.app.state.pages.page("home", officer=officer, roles=_roles(svc, officer), queue=queue, week=week)
    return HTMLResponse(html)
