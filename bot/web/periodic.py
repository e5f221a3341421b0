"""The periodic report as a download: the Word document or its XLSX annex of an area and a period,
for staff and police, the same files `canhgiac report periodic` writes (`bot.periodic.build`),
with the activities and sections staff recorded in the chat (`/ghinhan`, `/baocaoky`).

An area outside the officer's roles answers 403; a period not begun, or not readable, answers the
form with a message. Generating a province's year takes seconds: it runs on a worker thread (`build.in_memory`, as
for the chat's `/baocaoky`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.activity import periods as period_keys
from bot.core.clock import VIETNAM
from bot.periodic import build, periods
from bot.services import Services
from bot.web import overview
from bot.web.auth import forbidden, signed_in, to_login

ROLES = ("staff", "police")
PARTS = {"docx": build.DOCX, "xlsx": build.XLSX}


def _allowed(svc: Services, officer) -> set[str] | None:
    """Every area code the officer's staff and police roles cover (None: every area)."""
    held = [officer.roles[role] for role in ROLES if role in officer.roles]
    if any(codes is None for codes in held):
        return None
    return {inner for codes in held for code in codes for inner in svc.library.areas.within(code)}


def _choices(svc: Services, officer, today) -> tuple[list[dict], list[dict]]:
    t = svc.content.texts(svc.settings.default_language)
    offered = [{"key": p.key, "name": period_keys.label(t, p)} for p in period_keys.offered(today)]
    areas = svc.library.areas
    codes = overview.area_codes(officer) or list(areas.roots)
    return offered, [{"code": c, "name": areas.full_name(c)} for c in codes]


async def page(request: Request) -> Response:
    """GET /reports/periodic: the form; with `period` and `area`, the file (`part`: docx or xlsx)."""
    officer = await signed_in(request)
    if officer is None:  # back here after the login: a link from the chat downloads at once
        return to_login(request)
    if not any(role in officer.roles for role in ROLES):
        return forbidden(request, officer, "report_role")
    svc: Services = request.app.state.services
    today = svc.clock().astimezone(VIETNAM).date()
    keys, areas = _choices(svc, officer, today)
    query = request.query_params
    values = {"officer": officer, "periods": keys, "areas": areas, "problem": None,
              "chosen": {"period": query.get("period", keys[1]["key"]), "area": query.get("area", "")}}  # fmt: skip
    if "period" not in query or "area" not in query:
        return HTMLResponse(request.app.state.pages.page("periodic", **values))
    area, part = query["area"][:20], query.get("part", "docx")
    allowed = _allowed(svc, officer)
    if svc.library.areas.get(area) is None or part not in PARTS:
        return forbidden(request, officer, "missing", status=404)
    if allowed is not None and area not in allowed:
        return forbidden(request, officer, "scope")
    try:
        period = periods.parse(query["period"][:20], today)
    except periods.PeriodError:
        values["problem"] = "period"
        return HTMLResponse(request.app.state.pages.page("periodic", **values), status_code=400)
    t = svc.content.texts(svc.settings.default_language)
    files = await svc.compute(build.in_memory, svc.storage, svc.library.areas, t, area, period)
    content, name = (files.document, files.document_name) if part == "docx" else (files.annex, files.annex_name)
    return Response(content, media_type=PARTS[part], headers={"Content-Disposition": f'attachment; filename="{name}"'})
