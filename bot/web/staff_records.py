"""The staff's pages for what feeds the periodic reports: the reporting deadlines of their areas
(add, edit, delete their areas' own; hide a national one for their areas or show it again) and the
sessions recorded with /ghinhan, by area and period (change the people, day or note; delete after
a confirmation); and the report's own words, the sections /baocaoky writes ("Khó khăn, vướng mắc",
"Kiến nghị, đề xuất"), per period and area.

The logic is the chat's (`bot.activity.deadlines`, `bot.activity.log`, `bot.activity.notes`, `bot.activity.inputs`):
these handlers read forms and render pages. Every POST carries the session's CSRF token, and the
write runs through `auth.acting`: the role and the areas are those the officer holds at that
moment, checked again inside the write (`scope.Reach`). A refusal (a deleted item posted again,
an area not theirs, a day that does not exist) is one line on the page, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlite_utils
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.activity import deadlines, inputs, notes, periods, scope
from bot.activity import log as activity_log
from bot.activity.scope import Reach, Refused
from bot.broadcast import compose
from bot.core.clock import VIETNAM
from bot.core.textnorm import clean_input
from bot.services import Services
from bot.web import security
from bot.web.auth import acting, forbidden, signed_in
from bot.web.identity import Officer

LISTED_ACTIVITIES = 200  # a commune holds a few sessions a week; a province's quarter fits
STATUS = {"gone": 404, "scope": 403, "preset": 403}  # anything else refused: a value, 400
DONE = ("added", "changed", "deleted", "hidden", "shown")


def _svc(request: Request) -> Services:
    return request.app.state.services


def _today(svc: Services) -> date:
    return svc.clock().astimezone(VIETNAM).date()


def _reach(svc: Services, officer: Officer) -> Reach:
    areas = svc.library.areas
    return scope.reach(areas, compose.allowed_areas(areas, officer.roles["staff"]))


async def _staff(request: Request) -> tuple[Officer | None, Response | None]:
    officer = await signed_in(request)
    if officer is None:
        return None, RedirectResponse("/login", status_code=303)
    if "staff" not in officer.roles:
        return officer, forbidden(request, officer, "staff_role")
    return officer, None


async def _form(request: Request) -> tuple[Officer | None, dict[str, str], Response | None]:
    """The posted form of a staff member, refused (403) without the session's CSRF token."""
    officer, refused = await _staff(request)
    if refused:
        return officer, {}, refused
    form = await request.form()
    if not security.same(form.get(security.FORM_FIELD), officer.csrf):
        return officer, {}, forbidden(request, officer, "csrf")
    return officer, {key: str(form.get(key) or "")[:4000] for key in form}, None


async def _write(request: Request, act: Callable[[sqlite_utils.Database, Reach, Officer], Any]):
    """`act(db, reach, officer)` with the officer and their areas loaded again inside the write:
    (officer, result, None), or (officer or None, None, why not: "login", "staff_role", a reason of
    `Refused`)."""
    svc = _svc(request)

    def run(db, officer: Officer | None):
        if officer is None:
            return None, None, "login"
        if "staff" not in officer.roles:
            return officer, None, "staff_role"
        try:
            return officer, act(db, _reach(svc, officer), officer), None
        except Refused as refused:
            return officer, None, refused.reason

    return await acting(request, run)


def _refusal(request: Request, officer: Officer | None, problem: str) -> Response | None:
    """The response for a role lost meanwhile; None for a refusal the page itself shows."""
    if problem == "login":
        return RedirectResponse("/login", status_code=303)
    if problem == "staff_role":
        return forbidden(request, officer, "staff_role")
    return None


# --- deadlines ---


async def _deadlines_page(request: Request, officer: Officer, status: int = 200, **extra) -> Response:
    svc = _svc(request)
    t = svc.content.texts(svc.settings.default_language)
    reach, today, now = _reach(svc, officer), _today(svc), svc.clock()
    presets = deadlines.presets_in(svc.content.root)

    def load(db):
        deadlines.load_presets(db, presets, now)  # as /hanbaocao: the calendar before the first run too
        return deadlines.listing(db, reach, today)

    listed = await svc.storage.write(load)
    areas = svc.library.areas
    items = [
        {"id": i.deadline.id, "title": i.deadline.note, "day": i.deadline.day_text, "kind": i.deadline.kind,
         "kind_name": t.label(f"deadlines.kinds.{i.deadline.kind}"), "every_year": i.deadline.year is None,
         "next": i.next_on.strftime("%d/%m/%Y") if i.next_on else None,
         "area": areas.full_name(i.deadline.area_code) if i.deadline.area_code else None,
         "owned": i.owned, "preset": i.deadline.preset, "hidden": i.hidden_here,
         "national": i.deadline.area_code is None}
        for i in listed
    ]  # fmt: skip
    own_areas = [{"code": code, "name": areas.full_name(code)} for code in reach.held or ()]
    kinds = [{"key": kind, "name": t.label(f"deadlines.kinds.{kind}")} for kind in deadlines.KINDS]
    done = request.query_params.get("done")
    values = {"problem": None, "form": {}, "confirm": None, "done": done if done in DONE else None, **extra}
    html = request.app.state.pages.page(
        "staff_deadlines", officer=officer, items=items, areas=own_areas, everywhere=reach.held is None, kinds=kinds,
        limit=deadlines.MAX_NOTE, **values,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


async def deadlines_list(request: Request) -> Response:
    """GET /staff/deadlines."""
    officer, refused = await _staff(request)
    return refused or await _deadlines_page(request, officer)


def _deadline_values(svc: Services, form: dict[str, str], *, adding: bool) -> tuple[dict | None, str | None]:
    """The title, day and kind posted, read as the chat reads them: (values, None) or (None, why not)."""
    title, problem = inputs.read_title(form.get("title"))
    if title is None:
        return None, problem
    when, problem = inputs.read_due_day(form.get("date", ""), _today(svc))
    if when is None:
        return None, "date_" + problem
    kind = form.get("kind", "")
    if kind not in deadlines.KINDS:
        return None, "kind"
    values = {"note": title, "when": when, "kind": kind}
    if adding:
        values["area"] = form.get("area") or None
    return values, None


async def deadlines_post(request: Request) -> Response:
    """POST /staff/deadlines: action add, edit, delete (a second post with confirm=yes), hide, show."""
    officer, form, refused = await _form(request)
    if refused:
        return refused
    svc = _svc(request)
    action, now = form.get("action", ""), svc.clock()
    raw_id = form.get("id", "")
    deadline_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None
    if action not in ("add", "edit", "delete", "hide", "show") or (action != "add" and deadline_id is None):
        return await _deadlines_page(request, officer, 400, problem="form")
    values: dict | None = None
    if action in ("add", "edit"):
        values, problem = _deadline_values(svc, form, adding=action == "add")
        if values is None:
            return await _deadlines_page(request, officer, 400, problem=problem, form=form)
    if action == "delete" and form.get("confirm") != "yes":
        found = await svc.storage.read(lambda db: deadlines.get(db, deadline_id))
        if found is None:
            return await _deadlines_page(request, officer, 404, problem="gone")
        if not _reach(svc, officer).owns(found.area_code) or found.preset:
            return await _deadlines_page(request, officer, 403, problem="preset" if found.preset else "scope")
        shown = {"id": found.id, "title": found.note, "day": found.day_text}
        return await _deadlines_page(request, officer, confirm=shown)

    def act(db, reach: Reach, who: Officer):
        actor = who.who
        if action == "add":
            month, day, year = values["when"]
            return deadlines.add_for(db, reach, area_code=values["area"], kind=values["kind"], month=month, day=day,
                                     year=year, note=values["note"], actor=actor, now=now)  # fmt: skip
        if action == "edit":
            return deadlines.change(db, reach, deadline_id, actor=actor, now=now, note=values["note"],
                                    when=values["when"], kind=values["kind"])  # fmt: skip
        if action == "delete":
            return deadlines.remove(db, reach, deadline_id)
        change = deadlines.hide if action == "hide" else deadlines.show
        return change(db, reach, deadline_id, actor=actor, now=now)

    officer, _, problem = await _write(request, act)
    if problem:
        page = _refusal(request, officer, problem)
        return page or await _deadlines_page(request, officer, STATUS.get(problem, 400), problem=problem, form=form)
    done = {"add": "added", "edit": "changed", "delete": "deleted", "hide": "hidden", "show": "shown"}[action]
    return RedirectResponse(f"/staff/deadlines?done={done}", status_code=303)


# --- activities ---


def _period_choices(svc: Services, t) -> list[dict]:
    return [{"key": p.key, "name": periods.label(t, p)} for p in periods.offered(_today(svc))]


def _area_choices(svc: Services, reach: Reach) -> list[dict]:
    """Their areas and the communes inside, each once (a province first, then its communes)."""
    areas = svc.library.areas
    codes = list(reach.held) if reach.held is not None else []
    for held in list(codes):
        codes += sorted(areas.within(held) - {held}, key=areas.full_name)
    return [{"code": code, "name": areas.full_name(code)} for code in dict.fromkeys(codes)]


async def _activities_page(
    request: Request, officer: Officer, status: int = 200, query: dict[str, str] | None = None, **extra
) -> Response:
    """The list; `query`: the filters a POST came back with (its hidden `back_*` fields)."""
    svc = _svc(request)
    t = svc.content.texts(svc.settings.default_language)
    reach = _reach(svc, officer)
    query = request.query_params if query is None else query
    choices = _period_choices(svc, t)
    period = periods.parse(query.get("period", "")[:20]) or periods.parse(choices[1]["key"])
    area = query.get("area", "")[:20]
    if area and (svc.library.areas.get(area) is None or not reach.owns(area)):
        return forbidden(request, officer, "scope")
    codes = svc.library.areas.within(area) if area else reach.inside

    def read(db):
        return activity_log.recent(db, codes, start=period.start, end=period.end, limit=LISTED_ACTIVITIES)

    rows = await svc.storage.read(read)
    areas = svc.library.areas
    items = [
        {"id": a.id, "kind": t.label(f"activity.kinds.{a.kind}"), "on": a.held_on.strftime("%d/%m/%Y"),
         "iso": a.held_on.isoformat(), "village": a.village, "area": areas.full_name(a.area_code),
         "people": a.people, "note": a.note or ""}
        for a in rows
    ]  # fmt: skip
    done = query.get("done")
    values = {"problem": None, "confirm": None, "done": done if done in DONE else None, **extra}
    chosen = {"period": period.key, "area": area}
    html = request.app.state.pages.page(
        "staff_activities", officer=officer, items=items, periods=choices, areas=_area_choices(svc, reach),
        chosen=chosen, back=urlencode(chosen), period_name=periods.label(t, period), max=activity_log.MAX_PEOPLE,
        limit=activity_log.MAX_NOTE, today=_today(svc).isoformat(), full=len(rows) == LISTED_ACTIVITIES, **values,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


async def activities_list(request: Request) -> Response:
    """GET /staff/activities?area=&period=."""
    officer, refused = await _staff(request)
    return refused or await _activities_page(request, officer)


def _activity_values(svc: Services, form: dict[str, str]) -> tuple[dict | None, str | None]:
    people, problem = inputs.read_people(form.get("people", ""))
    if people is None:
        return None, "people_" + problem
    day, problem = inputs.read_day(form.get("date", ""), _today(svc))
    if day is None:
        return None, "date_" + problem
    note = clean_input(form.get("note"))
    if len(note) > activity_log.MAX_NOTE:
        return None, "note_long"
    return {"people": people, "held_on": day, "note": note or None}, None


async def activities_post(request: Request) -> Response:
    """POST /staff/activities: action edit (people, date, note) or delete (a second post with
    confirm=yes); back to the list it came from."""
    officer, form, refused = await _form(request)
    if refused:
        return refused
    svc = _svc(request)
    action, raw_id, now = form.get("action", ""), form.get("id", ""), svc.clock()
    filters = {"period": form.get("back_period", ""), "area": form.get("back_area", "")}
    activity_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None
    if action not in ("edit", "delete") or activity_id is None:
        return await _activities_page(request, officer, 400, filters, problem="form")
    values: dict | None = None
    if action == "edit":
        values, problem = _activity_values(svc, form)
        if values is None:
            return await _activities_page(request, officer, 400, filters, problem=problem)
    elif form.get("confirm") != "yes":
        found = await svc.storage.read(lambda db: activity_log.get(db, activity_id))
        if found is None:
            return await _activities_page(request, officer, 404, filters, problem="gone")
        if not _reach(svc, officer).owns(found.area_code):
            return forbidden(request, officer, "scope")
        t = svc.content.texts(svc.settings.default_language)
        shown = {"id": found.id, "on": found.held_on.strftime("%d/%m/%Y"), "village": found.village,
                 "people": found.people, "kind": t.label(f"activity.kinds.{found.kind}")}  # fmt: skip
        return await _activities_page(request, officer, query=filters, confirm=shown)

    def act(db, reach: Reach, who: Officer):
        if action == "delete":
            return activity_log.remove(db, reach, activity_id, actor=who.who, now=now)
        return activity_log.change(db, reach, activity_id, actor=who.who, now=now, **values)

    officer, _, problem = await _write(request, act)
    if problem:
        page = _refusal(request, officer, problem)
        if problem == "scope":
            return forbidden(request, officer, "scope")
        return page or await _activities_page(request, officer, STATUS.get(problem, 400), filters, problem=problem)
    back = {key: value for key, value in filters.items() if value}
    done = "deleted" if action == "delete" else "changed"
    return RedirectResponse(f"/staff/activities?{urlencode({**back, 'done': done})}", status_code=303)


# --- the report's own words ---


async def _sections_page(
    request: Request, officer: Officer, status: int = 200, query: dict[str, str] | None = None, **extra
) -> Response:
    """The two free-text sections of one period and area, as `/baocaoky` writes them in the chat:
    a PC's keyboard is easier for a page of text than a phone's."""
    svc = _svc(request)
    t = svc.content.texts(svc.settings.default_language)
    reach = _reach(svc, officer)
    query = request.query_params if query is None else query
    choices, areas = _period_choices(svc, t), _area_choices(svc, reach)
    period = periods.parse(query.get("period", "")[:20]) or periods.parse(choices[1]["key"])
    area = query.get("area", "")[:20] or (areas[0]["code"] if areas else "")
    if area and (svc.library.areas.get(area) is None or not reach.owns(area)):
        return forbidden(request, officer, "scope")
    written = await svc.storage.read(lambda db: notes.sections(db, period.key, area)) if area else {}
    chosen = {"period": period.key, "area": area}
    html = request.app.state.pages.page(
        "staff_sections", officer=officer, periods=choices, areas=areas, chosen=chosen, written=written,
        sections=notes.SECTIONS, limit=notes.MAX_TEXT, period_name=periods.label(t, period),
        area_name=svc.library.areas.full_name(area) if area else "", download=urlencode(chosen),
        **{"problem": None, "saved": query.get("done") == "saved", **extra},
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


async def sections_list(request: Request) -> Response:
    """GET /staff/sections?period=&area=."""
    officer, refused = await _staff(request)
    return refused or await _sections_page(request, officer)


async def sections_post(request: Request) -> Response:
    """POST /staff/sections: both sections of a period and area (an empty box clears its section)."""
    officer, form, refused = await _form(request)
    if refused:
        return refused
    svc = _svc(request)
    period, area = periods.parse(form.get("period", "")[:20]), form.get("area", "")[:20]
    back = {"period": form.get("period", "")[:20], "area": area}
    if period is None or svc.library.areas.get(area) is None:
        return await _sections_page(request, officer, 400, back, problem="form")
    # Measured on what was typed, before cleaning: a text cut silently would lose the officer's words.
    if any(len(form.get(key, "").strip()) > notes.MAX_TEXT for key in notes.SECTIONS):
        return await _sections_page(request, officer, 400, back, problem="long")
    texts = {key: clean_input(form.get(key)) for key in notes.SECTIONS}
    now = svc.clock()

    def act(db, reach: Reach, who: Officer):
        if not reach.owns(area):
            raise Refused("scope")
        for key, text in texts.items():
            notes.set_section(db, period.key, area, key, text, who.who, now)

    officer, _, problem = await _write(request, act)
    if problem:
        page = _refusal(request, officer, problem)
        return page or forbidden(request, officer, "scope")
    return RedirectResponse(f"/staff/sections?{urlencode({**back, 'done': 'saved'})}", status_code=303)
