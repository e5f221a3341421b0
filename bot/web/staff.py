"""The staff's pages: subscribers, composing a broadcast (exact preview, real count, now or
later), following and cancelling it, the campaign calendar and its overrides, posters and QR
codes, and the FAQ's unanswered questions.

Scope is the chat's: `compose.allowed_areas` of the staff role's codes (None: every area, for
admins). A page or a write about an area outside it answers 403. The logic is the chat's and the
CLI's (`bot.broadcast.compose`, `broadcasts`, `campaigns`, `subscriptions`, `poster`,
`bot.knowledge.gaps`): these handlers read forms, check scope and render pages.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.broadcast import broadcasts, campaigns, compose, pace, poster, subscriptions
from bot.broadcast.campaigns import iso_week, week_span
from bot.core.clock import VIETNAM, from_iso, to_iso
from bot.knowledge import gaps
from bot.services import Services
from bot.web import charts, security
from bot.web.auth import forbidden, signed_in
from bot.web.identity import Officer

TREND_WEEKS = 12
CALENDAR_WEEKS = 8
RECENT = 200  # broadcasts read to list the staff's latest (a few a week per commune)
LISTED = 30
GAP_DAYS = 30  # as `canhgiac faq gaps`
GAP_GROUPS = 100
POLL_SECONDS = 2
SOURCES = ("week", "campaign", "text")


def _svc(request: Request) -> Services:
    return request.app.state.services


def _page(request: Request, name: str, officer: Officer, status: int = 200, **values) -> Response:
    return HTMLResponse(request.app.state.pages.page(name, officer=officer, **values), status_code=status)


async def _staff(request: Request) -> tuple[Officer | None, list[str] | None, Response | None]:
    """(the officer, their areas (None: every area), None) or (…, a response to send instead)."""
    officer = await signed_in(request)
    if officer is None:
        return None, None, RedirectResponse("/login", status_code=303)
    if "staff" not in officer.roles:
        return officer, None, forbidden(request, officer, "staff_role")
    return officer, compose.allowed_areas(_svc(request).library.areas, officer.roles["staff"]), None


async def _staff_form(request: Request) -> tuple[Officer | None, list[str] | None, dict, Response | None]:
    """`_staff` for a POST: also the posted form, refused (403) without the session's CSRF token."""
    officer, allowed, refused = await _staff(request)
    if refused:
        return officer, allowed, {}, refused
    form = await _posted(request, officer)
    if form is None:
        return officer, allowed, {}, forbidden(request, officer, "csrf")
    return officer, allowed, form, None


def _scope_codes(svc: Services, allowed: list[str] | None) -> set[str] | None:
    """Every area code inside the staff's areas (None: every area)."""
    if allowed is None:
        return None
    return set().union(*(svc.library.areas.within(code) for code in allowed)) if allowed else set()


def _in_scope(svc: Services, allowed: list[str] | None, code: str) -> bool:
    return svc.library.areas.get(code) is not None and (allowed is None or code in _scope_codes(svc, allowed))


async def _posted(request: Request, officer: Officer) -> dict | None:
    """The posted form if its CSRF token is the session's, else None."""
    form = await request.form()
    if not security.same(form.get(security.FORM_FIELD), officer.csrf):
        return None
    return {key: form.getlist(key) if key == "areas" else form.get(key) for key in form}


def _area_choices(svc: Services, allowed: list[str] | None) -> list[dict]:
    areas = svc.library.areas
    codes = list(areas.roots) if allowed is None else allowed
    return [{"code": code, "name": areas.full_name(code)} for code in codes]


# --- subscribers ---


def _week_start(now: datetime, weeks_back: int) -> datetime:
    local = now.astimezone(VIETNAM)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(weeks=weeks_back)


async def subscribers(request: Request) -> Response:
    officer, allowed, refused = await _staff(request)
    if refused:
        return refused
    svc = _svc(request)
    codes = _scope_codes(svc, allowed)
    first = _week_start(svc.clock(), TREND_WEEKS - 1)

    def read(db):
        return (
            subscriptions.active_per_area(db, codes),
            subscriptions.active_per_topic(db, codes),
            subscriptions.weekly_changes(db, codes, to_iso(first), TREND_WEEKS),
        )

    per_area, (per_topic, every_topic), trend = await svc.storage.read(read)
    areas = svc.library.areas
    shown = dict.fromkeys(allowed or [])  # their own communes first, even with nobody yet
    shown.update(dict.fromkeys(sorted(per_area, key=lambda c: (-per_area[c], c))))
    rows = [{"name": areas.full_name(code), "count": per_area.get(code, 0)} for code in shown if areas.get(code)]
    t = svc.content.texts(svc.settings.default_language)
    topic_names = t.labels("topics")
    topics = sorted(
        ({"name": topic_names.get(slug, slug), "count": n} for slug, n in per_topic.items()), key=lambda r: -r["count"]
    )
    weeks = [(first + timedelta(weeks=n)).strftime("%d/%m") for n in range(TREND_WEEKS)]
    series = [(t.label("web.trend.new"), trend["new"]), (t.label("web.trend.stopped"), trend["stopped"])]
    chart = charts.grouped_bars(t.label("web.trend.title"), weeks, series, "trend", label_every=2)
    table = [{"week": w, "new": n, "stopped": s} for w, n, s in zip(weeks, trend["new"], trend["stopped"], strict=True)]
    return _page(request, "staff_subscribers", officer, areas=rows, total=sum(per_area.values()), topics=topics,
                 every_topic=every_topic, chart=chart, trend=table)  # fmt: skip


# --- composing a broadcast ---


def _form_values(svc: Services, form: dict | None) -> dict:
    form = form or {}
    source = form.get("source") if form.get("source") in SOURCES else "week"
    return {
        "source": source,
        "campaign_id": str(form.get("campaign_id") or ""),
        "text": str(form.get("text") or "")[: compose.MAX_TEXT],
        "areas": [str(a) for a in form.get("areas") or []],
        "when": "later" if form.get("when") == "later" else "now",
        "date": str(form.get("date") or ""),
        "time": str(form.get("time") or ""),
        "topic": str(form.get("topic") or ""),
    }


def _compose_page(request: Request, officer: Officer, allowed, values: dict, status: int = 200, **extra) -> Response:
    svc = _svc(request)
    now = svc.clock()
    week = iso_week(now.astimezone(VIETNAM))
    this_week = svc.library.campaigns.for_week(week)
    campaign_list = [{"id": c.id, "title": c.title} for c in svc.library.campaigns.by_id.values()]
    names = svc.content.texts(svc.settings.default_language).labels("topics")
    topics = [{"slug": slug, "name": names.get(slug, slug)} for slug in _topics(svc)]
    return _page(request, "staff_compose", officer, topics=topics, status=status, form=values, this_week=this_week,
                 campaigns=campaign_list, areas=_area_choices(svc, allowed), everywhere=allowed is None,
                 max_text=compose.MAX_TEXT, today=now.astimezone(VIETNAM).date().isoformat(),
                 days=compose.FURTHEST.days, **{"preview": None, "problem": None, **extra})  # fmt: skip


async def compose_form(request: Request) -> Response:
    officer, allowed, refused = await _staff(request)
    if refused:
        return refused
    values = _form_values(_svc(request), None)
    if allowed is not None and len(allowed) == 1:
        values["areas"] = list(allowed)  # their one commune, ticked already
    return _compose_page(request, officer, allowed, values)


def _topics(svc: Services) -> list[str]:
    """The topics a subscriber may choose (as /dangky offers them), so a broadcast may name one."""
    return subscriptions.choosable(svc.content.taxonomy)


def _read_draft(svc: Services, allowed, values: dict) -> tuple[dict | None, str | None, int]:
    """(what to broadcast, None, 200), or (None, the problem, its status)."""
    now = svc.clock()
    campaign_id = text = topic = None
    if values["source"] == "week":
        this_week = svc.library.campaigns.for_week(iso_week(now.astimezone(VIETNAM)))
        if this_week is None:
            return None, "no_campaign", 400
        campaign_id = this_week.id
    elif values["source"] == "campaign":
        if svc.library.campaigns.get(values["campaign_id"]) is None:
            return None, "no_campaign", 400
        campaign_id = values["campaign_id"]
    else:
        text = values["text"].strip()
        if not text:
            return None, "no_text", 400
        if values["topic"]:
            if values["topic"] not in _topics(svc):
                return None, "topic", 400
            topic = values["topic"]
    if not values["areas"]:
        return None, "no_area", 400
    targets: list[str] = []
    for value in values["areas"]:
        found = compose.target(svc.library.areas, allowed, value)
        if found is None:
            return None, "scope", 403
        if not found:  # every area
            targets = []
            break
        targets += found
    at = None
    if values["when"] == "later":
        moment, problem = compose.read_date_time(values["date"], values["time"], now)
        if moment is None:
            return None, "when_" + problem, 400
        at = moment
    wanted = {"campaign_id": campaign_id, "text": text, "topic": topic, "areas": sorted(set(targets)), "at": at}
    return wanted, None, 200


async def compose_post(request: Request) -> Response:
    """POST /staff/compose: action "preview" shows the exact message and count; "send" creates it."""
    officer, allowed, form, refused = await _staff_form(request)
    if refused:
        return refused
    svc = _svc(request)
    values = _form_values(svc, form)
    wanted, problem, status = _read_draft(svc, allowed, values)
    if wanted is None:
        if status == 403:
            return forbidden(request, officer, "scope")
        return _compose_page(request, officer, allowed, values, status=status, problem=problem)
    now = svc.clock()
    if form.get("action") == "send":
        fields = {k: wanted[k] for k in ("campaign_id", "text", "topic", "areas")}
        broadcast_id = await svc.storage.write(
            lambda db: broadcasts.create(db, created_by=officer.who, now=now, at=wanted["at"], **fields)
        )
        return RedirectResponse(f"/staff/broadcasts/{broadcast_id}", status_code=303)
    at = to_iso(wanted["at"]) if wanted["at"] else None
    draft = compose.draft(campaign_id=wanted["campaign_id"], text=wanted["text"], areas=wanted["areas"],
                          topic=wanted["topic"], at=at, now=now)  # fmt: skip
    renderer = svc.broadcast_renderer()
    shown = await svc.storage.read(lambda db: compose.preview(db, renderer, draft))
    if shown is None:
        return _compose_page(request, officer, allowed, values, status=400, problem="no_campaign")
    areas = svc.library.areas
    estimate = pace.estimate(svc.settings, shown.audience.per_channel)  # as the chat's preview says it
    hours, minutes = estimate.hours_minutes
    preview = {
        "hours": hours,
        "minutes": minutes,
        "stars": estimate.stars,
        "body": shown.body,  # Telegram's HTML subset, as the chat sends it (staff words escaped)
        "count": shown.audience.count,
        "why": shown.audience.why_none() if not shown.audience.count else None,
        "target": [areas.full_name(c) for c in wanted["areas"]],
        "when": broadcasts.local_time(draft.scheduled_for) if wanted["at"] else None,
    }
    return _compose_page(request, officer, allowed, values, preview=preview)


# --- broadcasts: the list, one broadcast live, cancel ---


def _summary(svc: Services, broadcast: broadcasts.Broadcast, allowed) -> dict:
    campaign = svc.library.campaigns.get(broadcast.campaign_id or "")
    if broadcast.kind == "weekly":
        campaign = svc.library.campaigns.for_week(broadcast.iso_week)
    return {
        "id": broadcast.id,
        "kind": broadcast.kind,
        "title": campaign.title if campaign else None,
        "text": broadcast.text,
        "status": broadcast.status,
        "at": broadcasts.local_time(broadcast.scheduled_for),
        "recipients": broadcast.recipients,
        "areas": [svc.library.areas.full_name(c) for c in broadcast.areas],
        "week": week_span(broadcast.iso_week),
        "cancellable": broadcast.status in ("scheduled", "sending")
        and compose.in_scope(svc.library.areas, broadcast, allowed),
    }


def _visible(svc: Services, broadcast: broadcasts.Broadcast, allowed) -> bool:
    return allowed is None or broadcasts.touches(svc.library.areas, broadcast, allowed)


async def broadcast_list(request: Request) -> Response:
    officer, allowed, refused = await _staff(request)
    if refused:
        return refused
    svc = _svc(request)
    rows = await svc.storage.read(lambda db: broadcasts.recent(db, RECENT))
    mine = [_summary(svc, b, allowed) for b in rows if _visible(svc, b, allowed)][:LISTED]
    return _page(request, "staff_broadcasts", officer, broadcasts=mine)


async def _one(
    request: Request,
) -> tuple[Officer | None, list[str] | None, broadcasts.Broadcast | None, Response | None]:
    officer, allowed, refused = await _staff(request)
    if refused:
        return officer, allowed, None, refused
    svc = _svc(request)
    broadcast_id = request.path_params["broadcast_id"]
    broadcast = await svc.storage.read(lambda db: broadcasts.get(db, broadcast_id))
    if broadcast is None:
        return officer, allowed, None, forbidden(request, officer, "missing", status=404)
    if not _visible(svc, broadcast, allowed):
        return officer, allowed, None, forbidden(request, officer, "scope")
    return officer, allowed, broadcast, None


async def _progress(svc: Services, broadcast: broadcasts.Broadcast) -> dict:
    state = await svc.storage.read(lambda db: broadcasts.progress(db, broadcast.id))
    counts = state.counts
    return {
        "queued": sum(counts.get(s, 0) for s in broadcasts.OPEN),
        "sent": counts.get("sent", 0),
        "blocked": counts.get("blocked", 0),
        "failed": counts.get("failed", 0),
        "cancelled": counts.get("cancelled", 0),
        "total": state.total,
        "resent": state.resent,
        "live": broadcast.status in ("scheduled", "sending"),
        "poll": POLL_SECONDS,
    }


async def broadcast_page(request: Request) -> Response:
    officer, allowed, broadcast, refused = await _one(request)
    if refused:
        return refused
    svc = _svc(request)
    return _page(request, "staff_broadcast", officer, broadcast=_summary(svc, broadcast, allowed),
                 progress=await _progress(svc, broadcast), cancelled=request.query_params.get("cancelled"))  # fmt: skip


async def broadcast_progress(request: Request) -> Response:
    """The live part of a broadcast's page, polled by htmx every 2 s while it is sending."""
    officer, allowed, broadcast, refused = await _one(request)
    if refused:
        return refused
    svc = _svc(request)
    html = request.app.state.pages.page("staff_progress", officer=officer, broadcast=_summary(svc, broadcast, allowed),
                                        progress=await _progress(svc, broadcast))  # fmt: skip
    return HTMLResponse(html)


async def broadcast_cancel(request: Request) -> Response:
    officer, allowed, broadcast, refused = await _one(request)
    if refused:
        return refused
    if await _posted(request, officer) is None:
        return forbidden(request, officer, "csrf")
    svc = _svc(request)
    if not compose.in_scope(svc.library.areas, broadcast, allowed):
        return forbidden(request, officer, "scope")
    done = await svc.storage.write(lambda db: broadcasts.cancel(db, broadcast.id))
    return RedirectResponse(f"/staff/broadcasts/{broadcast.id}?cancelled={'1' if done else '0'}", status_code=303)


# --- the campaign calendar and overrides ---


async def _calendar_page(request: Request, officer: Officer, allowed, status: int = 200, **extra) -> Response:
    svc = _svc(request)
    library = svc.library
    today = svc.clock().astimezone(VIETNAM).date()
    weeks = campaigns.next_weeks(today, CALENDAR_WEEKS)
    codes = _scope_codes(svc, allowed)
    rows = await svc.storage.read(lambda db: campaigns.overrides_of(db, weeks, codes))
    per_week: dict[str, list[dict]] = {}
    for row in rows:
        chosen = library.campaigns.get(row["campaign_id"])
        per_week.setdefault(row["iso_week"], []).append(
            {
                "area": library.areas.full_name(row["area_code"]),
                "skip": row["campaign_id"] == "skip",
                "title": chosen.title if chosen else None,
                "set_at": local(row["set_at"]),
            }  # fmt: skip
        )
    table = []
    for week in weeks:
        campaign = library.campaigns.for_week(week)
        table.append({"key": week, "span": week_span(week), "title": campaign.title if campaign else None,
                      "overrides": per_week.get(week, [])})  # fmt: skip
    campaign_list = [{"id": c.id, "title": c.title} for c in library.campaigns.by_id.values()]
    return _page(request, "staff_calendar", officer, status=status, weeks=table, campaigns=campaign_list,
                 areas=_area_choices(svc, allowed), **{"problem": None, "saved": None, **extra})  # fmt: skip


def local(stamp: str) -> str:
    return from_iso(stamp).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


async def calendar(request: Request) -> Response:
    officer, allowed, refused = await _staff(request)
    if refused:
        return refused
    return await _calendar_page(request, officer, allowed, saved=request.query_params.get("saved"))


async def calendar_post(request: Request) -> Response:
    """POST /staff/calendar: an area's campaign for a week (a campaign, "skip", or "" to follow the calendar)."""
    officer, allowed, form, refused = await _staff_form(request)
    if refused:
        return refused
    svc = _svc(request)
    area, week, choice = str(form.get("area") or ""), str(form.get("week") or ""), str(form.get("campaign") or "")
    if not _in_scope(svc, allowed, area):
        return forbidden(request, officer, "scope")
    today = svc.clock().astimezone(VIETNAM).date()
    if week not in campaigns.next_weeks(today, CALENDAR_WEEKS) or (
        choice not in ("", "skip") and svc.library.campaigns.get(choice) is None
    ):
        return await _calendar_page(request, officer, allowed, status=400, problem="choice")
    now = svc.clock()

    def write(db):
        if choice:
            campaigns.set_override(db, area, week, choice, officer.who, now)
        else:
            campaigns.clear_override(db, area, week)

    await svc.storage.write(write)
    return RedirectResponse("/staff/calendar?saved=1", status_code=303)


# --- posters and QR codes ---


async def posters(request: Request) -> Response:
    officer, allowed, refused = await _staff(request)
    if refused:
        return refused
    svc = _svc(request)
    areas = svc.library.areas
    codes = allowed if allowed is not None else []
    communes = [
        {"code": code, "name": areas.full_name(code)}
        for mine in codes
        for code in sorted(areas.within(mine), key=lambda c: (c != mine, areas.full_name(c)))
    ]
    asked = request.query_params.get("area", "").strip()
    if asked and _in_scope(svc, allowed, asked) and all(asked != c["code"] for c in communes):
        communes.insert(0, {"code": asked, "name": areas.full_name(asked)})
    return _page(request, "staff_posters", officer, areas=communes, everywhere=allowed is None,
                 bot=bool(svc.settings.telegram_bot_username))  # fmt: skip


async def _printable(request: Request, formats: dict[str, str]) -> tuple[str, str, str, Response | None]:
    """(area, format, the bot's username, None) of a poster or QR request, or a refusal: not staff,
    an unknown format (404), an area outside the staff's (403), no bot name to link to (409)."""
    officer, allowed, refused = await _staff(request)
    area, fmt = request.path_params["area"], request.path_params["fmt"]
    svc, username = _svc(request), _svc(request).settings.telegram_bot_username
    if refused is None and fmt not in formats:
        refused = forbidden(request, officer, "missing", status=404)
    if refused is None and not _in_scope(svc, allowed, area):
        refused = forbidden(request, officer, "scope")
    if refused is None and not username:
        refused = forbidden(request, officer, "no_bot", status=409)
    return area, fmt, username or "", refused


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


async def poster_file(request: Request) -> Response:
    """GET /staff/posters/<area>.<png|pdf>: the CLI's poster for the area, drawn off the event loop."""
    formats = {"png": "image/png", "pdf": "application/pdf"}
    area, fmt, username, refused = await _printable(request, formats)
    if refused:
        return refused
    svc = _svc(request)
    t = svc.content.texts(svc.settings.default_language)
    text, codes = poster.for_area(t, svc.library.areas, area, username, svc.settings.zalo_bot_link)

    def draw() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = poster.render_poster(text, codes, Path(folder) / f"poster.{fmt}")
            return path.read_bytes()

    return _download(await svc.compute(draw), formats[fmt], f"poster-{area}.{fmt}")


async def qr_file(request: Request) -> Response:
    """GET /staff/qr/<area>.<png|svg>: the poster's subscribe code alone."""
    formats = {"png": "image/png", "svg": "image/svg+xml"}
    area, fmt, username, refused = await _printable(request, formats)
    if refused:
        return refused
    data = poster.qr_image(poster.subscribe_link(username, area), fmt)
    return _download(data, formats[fmt], f"qr-{area}.{fmt}")


# --- unanswered questions ---


async def _gap_groups(svc: Services) -> list[gaps.Gap]:
    since = to_iso(svc.clock() - timedelta(days=GAP_DAYS))
    rows = await svc.storage.read(lambda db: gaps.asked_since(db, since))
    return gaps.newest_first(gaps.group(rows))


async def gap_list(request: Request) -> Response:
    officer, _, refused = await _staff(request)
    if refused:
        return refused
    svc = _svc(request)
    groups = await _gap_groups(svc)
    handled = await svc.storage.read(gaps.reviews)
    show_all = request.query_params.get("all") == "1"
    shown = []
    for gap in groups:
        done = gaps.is_handled(gap, handled)
        if done and not show_all:
            continue
        shown.append({"key": gap.normalized, "example": gap.example, "count": gap.count,
                      "last": local(gap.last_asked), "handled": done})  # fmt: skip
    hidden = sum(gaps.is_handled(g, handled) for g in groups) if not show_all else 0
    return _page(request, "staff_gaps", officer, gaps=shown[:GAP_GROUPS], show_all=show_all, hidden=hidden,
                 days=GAP_DAYS, marked=request.query_params.get("marked"))  # fmt: skip


async def gap_handled(request: Request) -> Response:
    """POST /staff/gaps: the group whose newest question is `key` is handled."""
    officer, _, form, refused = await _staff_form(request)
    if refused:
        return refused
    svc = _svc(request)
    key = str(form.get("key") or "")
    group = next((gap for gap in await _gap_groups(svc) if gap.normalized == key), None)
    if group is None:  # a newer question joined the group since the page was drawn: show it again
        return RedirectResponse("/staff/gaps?marked=0", status_code=303)
    now = svc.clock()
    await svc.storage.write(lambda db: gaps.mark_handled(db, group, officer.who, now))
    return RedirectResponse("/staff/gaps?marked=1", status_code=303)
