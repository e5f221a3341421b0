"""The console's pages: home (who is signed in, their roles and areas; for police the review queue
of their areas) and one identifier with its reports.

The queue is the chat's own (`reports.queue`, the query behind `/hangdoi`), scoped as the chat
scopes it; an identifier with no report in the officer's areas is refused with 403, as the chat
refuses its buttons. A reporter's number shows only with their consent (`reports.as_shown`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.core.clock import from_iso, local_date
from bot.core.money import format_vnd
from bot.identifiers import display_stored
from bot.reporting import reports
from bot.services import Services
from bot.web.auth import forbidden, signed_in
from bot.web.identity import Officer

QUEUE_SIZE = 50  # a page, not a chat: more than /hangdoi's 5 fit
DETAIL_REPORTS = 50


def _roles(svc: Services, officer: Officer) -> list[dict]:
    areas = svc.library.areas
    return [
        {"role": role, "areas": None if codes is None else [areas.full_name(c) for c in codes if areas.get(c)]}
        for role, codes in officer.roles.items()
    ]


def _item(svc: Services, item: reports.QueueItem) -> dict:
    topics = svc.content.texts(svc.settings.default_language).labels("report.claimed")
    return {
        "id": item.identifier_id,
        "value": display_stored(item.kind, item.normalized),
        "kind": item.kind,
        "status": item.status,
        "reporters": item.reporters,
        "new_reports": item.new_reports,
        "first": local_date(from_iso(item.first_reported)),
        "last": local_date(from_iso(item.last_reported)),
        "topics": [topics.get(slug, slug) for slug in item.topics],
        "areas": sorted({svc.library.areas.name_of(area) for area in item.areas}),
        "amount": format_vnd(item.amount_lost) if item.amount_lost else None,
    }


async def home(request: Request) -> Response:
    officer = await signed_in(request)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    svc: Services = request.app.state.services
    queue = None
    if officer.police:
        scope = officer.police_scope(svc.library.areas)
        items = await svc.storage.read(lambda db: reports.queue(db, limit=QUEUE_SIZE, scope=scope))
        queue = [_item(svc, item) for item in items]
    html = request.app.state.pages.page("home", officer=officer, roles=_roles(svc, officer), queue=queue)
    return HTMLResponse(html)


async def identifier(request: Request) -> Response:
    officer = await signed_in(request)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    if not officer.police:
        return forbidden(request, officer, "role")
    svc: Services = request.app.state.services
    identifier_id = request.path_params["identifier_id"]
    scope = officer.police_scope(svc.library.areas)

    def load(db):
        item = reports.queue_item(db, identifier_id, scope=scope)
        if item is None:  # outside the officer's areas (403), or no such identifier (404)
            return None, [], reports.queue_item(db, identifier_id) is not None
        return item, reports.latest(db, identifier_id, DETAIL_REPORTS, scope=scope), True

    item, rows, exists = await svc.storage.read(load)
    if item is None:
        return forbidden(request, officer, "scope" if exists else "missing", status=403 if exists else 404)
    t = svc.content.texts(svc.settings.default_language)
    details = [reports.as_shown(row, t) for row in rows]
    html = request.app.state.pages.page("identifier", officer=officer, item=_item(svc, item), reports=details)
    return HTMLResponse(html)
