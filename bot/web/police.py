"""The police pages of the console: the review queue with its filters, one identifier with its
reports, evidence photos and history, decisions one by one or in bulk, and exports as downloads.

Everything is the chat's business logic: the queue is `reports.queue` (the query behind
`/hangdoi`, with the page's filters as `reports.Criteria`), a decision is `decisions.decide` (the
audit row and the consenting reporters' notices in the outbox, in one write that loads the
officer's role and scope again), an export is `exports.collect` with the same filters and scope.

Scope is checked on every request: an identifier, a photo or a commune outside the officer's
areas is refused with 403, and a queue or an export only ever counts the reports in them. Filters
are GET parameters (a filtered queue is a link one can keep); a value the page does not know is
answered with the page and a message (400, or 403 for a commune outside the officer's areas),
never guessed at.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from bot.core.clock import VIETNAM, from_iso, local_date
from bot.core.money import format_vnd
from bot.core.textnorm import ascii_int
from bot.identifiers import display_stored
from bot.reporting import decisions, evidence, exports, reports
from bot.services import Services
from bot.web import security
from bot.web.auth import acting, forbidden, signed_in
from bot.web.identity import Officer

PAGE_SIZE = 25
HOME_QUEUE = 10  # the home page's short list; the queue page has the rest
DETAIL_REPORTS = 50
MAX_BULK = 100  # identifiers in one bulk decision (a page holds PAGE_SIZE)
AWAITING, EVERY = "awaiting", "all"  # the queue's statuses besides the decisions
QUEUE_STATUSES = (AWAITING, *reports.DECISIONS, EVERY)
ACTIONS = ("confirmed", "forwarded", "rejected")  # the decision buttons, in the chat's order
MAX_PAGE = 10_000
FORMATS = {  # download name -> (writer, which file it writes is sent, content type)
    "xlsx": (exports.write_xlsx, 0, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (exports.write_csv, 0, "text/csv; charset=utf-8"),
    "reports.csv": (exports.write_csv, 1, "text/csv; charset=utf-8"),
}


def _services(request: Request) -> Services:
    return request.app.state.services


def _html(request: Request, name: str, status: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(request.app.state.pages.page(name, **values), status_code=status)


async def _police(request: Request) -> tuple[Officer | None, Response | None]:
    """The signed-in police officer, or the answer for anyone else (to the login page, or 403)."""
    officer = await signed_in(request)
    if officer is None:
        return None, RedirectResponse("/login", status_code=303)
    if not officer.police:
        return None, forbidden(request, officer, "role")
    return officer, None


# -- the queue's filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """The queue page's GET parameters, checked: a commune (an area code in the officer's scope),
    a status (`QUEUE_STATUSES`), a kind of identifier, a topic's slug, Vietnamese days (both
    inclusive) and a page number."""

    commune: str = ""
    status: str = AWAITING
    kind: str = ""
    topic: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    def params(self, *, page: int | None = None) -> dict[str, str]:
        """The parameters that differ from the defaults, for links that keep the filters."""
        values = {
            "commune": self.commune,
            "status": "" if self.status == AWAITING else self.status,
            "kind": self.kind,
            "topic": self.topic,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "page": str(page or self.page) if (page or self.page) > 1 else "",
        }
        return {key: value for key, value in values.items() if value}

    def link(self, path: str = "/queue", **params: str | int) -> str:
        query = urlencode({**self.params(page=1), **params})
        return f"{path}?{query}" if query else path

    def criteria(self) -> reports.Criteria:
        since, until = exports.day_bounds(self.since, self.until)
        status = self.status if self.status in reports.DECISIONS else None
        return reports.Criteria(
            status=status, kind=self.kind or None, topic=self.topic or None, since=since, until=until
        )

    def export(self, scope: reports.Scope | None) -> exports.Filters:
        """The same filters for `exports.collect`: the awaiting queue's reports are the new ones."""
        status = {AWAITING: "new", EVERY: None}.get(self.status, self.status)
        return exports.Filters(
            since=self.since, until=self.until, status=status, kind=self.kind or None, topic=self.topic or None,
            scope=scope,
        )  # fmt: skip


@dataclass(frozen=True)
class Choices:
    """What the filters offer: (value, label) pairs."""

    communes: list[tuple[str, str]]
    statuses: list[str]
    kinds: list[str]
    topics: list[tuple[str, str]]


def _choices(svc: Services, scope: reports.Scope | None) -> Choices:
    areas = svc.library.areas
    t = svc.content.texts(svc.settings.default_language)
    if scope is None:  # every report: the provinces (a commune's code in the link still works)
        codes = list(areas.roots)
    else:
        codes = sorted((c for c in scope.areas if areas.get(c)), key=lambda c: (areas.get(c).parent is not None, c))
    communes = sorted(((code, areas.name_of(code)) for code in codes), key=lambda pair: (
        areas.get(pair[0]).parent is not None, pair[1].split(" ", 1)[-1].casefold()))  # fmt: skip
    return Choices(
        communes=communes,
        statuses=list(QUEUE_STATUSES),
        kinds=list(t.labels("police.kinds")),
        topics=list(t.labels("report.claimed").items()),
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def read_filters(
    params: QueryParams, svc: Services, scope: reports.Scope | None, choices: Choices
) -> tuple[QueueFilters, reports.Scope | None, list[str]]:
    """(the filters, the scope they narrow the officer's to, problems: keys of the page's messages)."""
    problems: list[str] = []
    filters = QueueFilters()
    narrowed = scope
    commune = params.get("commune", "").strip()
    if commune:
        area = svc.library.areas.get(commune)
        if area is None:
            problems.append("commune")
        elif scope is not None and commune not in scope.areas:
            problems.append("commune_outside")
        else:
            narrowed = reports.Scope(frozenset(svc.library.areas.within(commune)))
            filters = replace(filters, commune=commune)
    status = params.get("status", "").strip() or AWAITING
    if status in QUEUE_STATUSES:
        filters = replace(filters, status=status)
    else:
        problems.append("status")
    for name, known in (("kind", choices.kinds), ("topic", [slug for slug, _ in choices.topics])):
        value = params.get(name, "").strip()
        if value and value not in known:
            problems.append(name)
        elif value:
            filters = replace(filters, **{name: value})
    days = {}
    for name, field_name in (("from", "since"), ("to", "until")):
        value = params.get(name, "").strip()
        if value:
            days[field_name] = _day(value)
            if days[field_name] is None:
                problems.append("date")
    if "date" not in problems:
        filters = replace(filters, **days)
        if filters.since and filters.until and filters.since > filters.until:
            problems.append("dates_order")
    page = params.get("page", "").strip()
    if page:
        number = ascii_int(page, max_digits=5)
        if number is None or not 1 <= number <= MAX_PAGE:
            problems.append("page")
        else:
            filters = replace(filters, page=number)
    return filters, narrowed, problems


def _problem_status(problems: list[str]) -> int:
    return 403 if "commune_outside" in problems else 400


# -- how items show -----------------------------------------------------------------------------


def shown_item(svc: Services, item: reports.QueueItem) -> dict:
    """A queue item as the pages show it (labels of the default language, areas by name)."""
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


def _when(stamp: str) -> str:
    return from_iso(stamp).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _banner(params: QueryParams) -> dict | None:
    """The confirmation after a decision (redirected here with its counts), or None."""
    if params.get("none") == "1":
        return {"decided": 0, "told": 0, "status": None}
    decided, told = ascii_int(params.get("decided", ""), 4), ascii_int(params.get("told", ""), 6)
    status = params.get("done", "")
    if decided is None or told is None or status not in reports.DECISIONS:
        return None
    return {"decided": decided, "told": told, "status": status}


async def home_queue(request: Request, officer: Officer) -> list[dict] | None:
    """The start of the officer's queue for the home page; None for someone without the police role."""
    if not officer.police:
        return None
    svc = _services(request)
    scope = officer.police_scope(svc.library.areas)
    items = await svc.storage.read(lambda db: reports.queue(db, limit=HOME_QUEUE, scope=scope))
    return [shown_item(svc, item) for item in items]


# -- pages --------------------------------------------------------------------------------------


async def queue_page(request: Request) -> Response:
    """GET /queue: the review queue, filtered, a page at a time, with the bulk decision form."""
    officer, refused = await _police(request)
    if refused is not None:
        return refused
    svc = _services(request)
    scope = officer.police_scope(svc.library.areas)
    choices = _choices(svc, scope)
    filters, narrowed, problems = read_filters(request.query_params, svc, scope, choices)
    items, more = [], False
    if not problems:
        found = await svc.storage.read(
            lambda db: reports.queue(
                db, limit=PAGE_SIZE + 1, offset=(filters.page - 1) * PAGE_SIZE, scope=narrowed,
                criteria=filters.criteria(), awaiting=filters.status == AWAITING,
            )
        )  # fmt: skip
        items, more = [shown_item(svc, item) for item in found[:PAGE_SIZE]], len(found) > PAGE_SIZE
    return _html(
        request, "queue", status=_problem_status(problems) if problems else 200, officer=officer,
        filters=filters, choices=choices, problems=problems, items=items, banner=_banner(request.query_params),
        actions=ACTIONS,
        previous=filters.link(**filters.params(page=filters.page - 1)) if filters.page > 1 else None,
        next=filters.link(**filters.params(page=filters.page + 1)) if more else None,
        exports={name: filters.link(f"/queue/export/{name}") for name in FORMATS},
        back=urlencode(filters.params()),
    )  # fmt: skip


async def identifier_page(request: Request) -> Response:
    """GET /identifier/<id>: its reports in the officer's areas, their photos, its decisions."""
    officer, refused = await _police(request)
    if refused is not None:
        return refused
    svc = _services(request)
    identifier_id = request.path_params["identifier_id"]
    scope = officer.police_scope(svc.library.areas)

    def load(db):
        item = reports.queue_item(db, identifier_id, scope=scope)
        if item is None:  # outside the officer's areas (403), or no such identifier (404)
            return None, [], [], reports.queue_item(db, identifier_id) is not None
        rows = reports.latest(db, identifier_id, DETAIL_REPORTS, scope=scope)
        return item, rows, reports.history(db, identifier_id), True

    item, rows, decided, exists = await svc.storage.read(load)
    if item is None:
        return forbidden(request, officer, "scope" if exists else "missing", status=403 if exists else 404)
    t = svc.content.texts(svc.settings.default_language)
    history = [
        {"at": _when(row["at"]), "actor": row["actor"], "old": row["old_status"], "new": row["new_status"],
         "note": row["note"]}
        for row in decided
    ]  # fmt: skip
    shown = [reports.as_shown(row, t) for row in rows]
    return _html(
        request, "identifier", officer=officer, item=shown_item(svc, item), reports=shown, history=history,
        banner=_banner(request.query_params), actions=ACTIONS, max_note=decisions.MAX_NOTE,
    )  # fmt: skip


async def evidence_photo(request: Request) -> Response:
    """GET /report/<ref>/photo: the photo kept with a report in the officer's areas."""
    officer, refused = await _police(request)
    if refused is not None:
        return refused
    svc = _services(request)
    ref = request.path_params["ref"]
    if not reports.REF.fullmatch(ref):
        return forbidden(request, officer, "missing", status=404)
    scope = officer.police_scope(svc.library.areas)
    photo = await svc.storage.read(lambda db: reports.photo_of(db, ref, scope=scope))
    if photo is not None and not photo.in_scope:
        return forbidden(request, officer, "scope")
    if photo is None or not evidence.is_kept(photo.evidence):
        return forbidden(request, officer, "missing", status=404)
    path = evidence.path_of(evidence.folder_for(svc.settings.db_path), photo.evidence)
    if not path.is_file():
        return forbidden(request, officer, "missing", status=404)
    return FileResponse(
        path, media_type=evidence.media_type(photo.evidence), headers={"Cache-Control": "private, no-store"}
    )


# -- decisions ----------------------------------------------------------------------------------


async def _decide(request: Request, identifier_ids: list[int], form, where: str) -> Response:
    """Record the posted decision on `identifier_ids`, then back to `where` with its counts."""
    svc = _services(request)
    status = form.get("status")
    note = decisions.clean_note(str(form.get("note") or ""))
    reporter_texts = svc.content.texts(svc.settings.default_language)

    def act(db, officer: Officer | None):
        # The role and scope of this moment, in the write that records the decision.
        if officer is None or not officer.police:
            return officer, None
        scope = officer.police_scope(svc.library.areas)
        return officer, decisions.decide(
            db, identifier_ids, status, note=note, actor=officer.actor, now=svc.clock(), texts=reporter_texts,
            scope=scope,
        )  # fmt: skip

    officer, outcome = await acting(request, act)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    if outcome is None:
        return forbidden(request, officer, "role")
    if outcome.refused:
        return forbidden(request, officer, "scope")
    if outcome.missing and not outcome.decided:
        return forbidden(request, officer, "missing", status=404)
    done = urlencode({"decided": outcome.decided, "told": outcome.notified, "done": status})
    return RedirectResponse(f"{where}{'&' if '?' in where else '?'}{done}", status_code=303)


async def _checked_form(request: Request) -> tuple[Officer | None, object, Response | None]:
    """The posted form of a police officer, its CSRF token and decision checked."""
    officer, refused = await _police(request)
    if refused is not None:
        return None, None, refused
    form = await request.form()
    if not security.same(form.get(security.FORM_FIELD), officer.csrf):
        return officer, form, forbidden(request, officer, "csrf")
    if form.get("status") not in reports.DECISIONS:
        return officer, form, forbidden(request, officer, "form", status=400)
    return officer, form, None


async def decide_one(request: Request) -> Response:
    """POST /identifier/<id>/decide: confirm, forward or reject, with an optional note."""
    _, form, refused = await _checked_form(request)
    if refused is not None:
        return refused
    identifier_id = request.path_params["identifier_id"]
    return await _decide(request, [identifier_id], form, f"/identifier/{identifier_id}")


async def decide_many(request: Request) -> Response:
    """POST /queue/decide: one decision on the identifiers ticked in the queue."""
    officer, form, refused = await _checked_form(request)
    if refused is not None:
        return refused
    picked = [ascii_int(str(value), max_digits=18) for value in form.getlist("id")]
    if None in picked or len(picked) > MAX_BULK:
        return forbidden(request, officer, "form", status=400)
    svc = _services(request)
    scope = officer.police_scope(svc.library.areas)
    back = QueryParams(str(form.get("back") or ""))
    filters, _, problems = read_filters(back, svc, scope, _choices(svc, scope))
    where = filters.link() if not problems else "/queue"
    if not picked:
        return RedirectResponse(f"{where}{'&' if '?' in where else '?'}none=1", status_code=303)
    return await _decide(request, picked, form, where)


# -- exports ------------------------------------------------------------------------------------


async def export(request: Request) -> Response:
    """GET /queue/export/<xlsx|csv|reports.csv>: the queue's reports (same filters, same scope)."""
    officer, refused = await _police(request)
    if refused is not None:
        return refused
    name = request.path_params["name"]
    if name not in FORMATS:
        return forbidden(request, officer, "missing", status=404)
    svc = _services(request)
    scope = officer.police_scope(svc.library.areas)
    choices = _choices(svc, scope)
    filters, narrowed, problems = read_filters(request.query_params, svc, scope, choices)
    if problems:
        return _html(
            request, "queue", status=_problem_status(problems), officer=officer, filters=filters, choices=choices,
            problems=problems, items=[], banner=None, previous=None, next=None, back="", actions=ACTIONS,
            exports={n: filters.link(f"/queue/export/{n}") for n in FORMATS},
        )  # fmt: skip
    texts = svc.content.texts(svc.settings.default_language)
    tables = await svc.storage.read(lambda db: exports.collect(db, texts, filters.export(narrowed), svc.library.areas))
    writer, which, media_type = FORMATS[name]
    folder = Path(tempfile.mkdtemp(prefix="canhgiac-export-"))
    today = svc.clock().astimezone(VIETNAM).date().isoformat()
    suffix = "xlsx" if name == "xlsx" else "csv"
    try:
        written = await svc.compute(writer, tables, texts, folder / f"canhgiac-{today}.{suffix}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    path = written[which]
    return FileResponse(
        path, media_type=media_type, filename=path.name, background=BackgroundTask(shutil.rmtree, folder, True)
    )
