"""/phatcanhbao: staff compose a broadcast in chat, see it exactly as citizens will, then confirm.

Steps: what (this week's campaign, another campaign, or their own words) → where (one of their
areas, all of them, or every area for admins) → an exact preview with the number of recipients →
send now, or at a time typed in Vietnam time → confirm. Nothing goes out without the confirm
step. The same entry lets staff change this week's campaign for their area (or skip a week).
The draft is a flow in SQLite; the router lets only the staff role in (`handlers/__init__.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.broadcast import broadcasts, campaigns, compose, pace, when
from bot.broadcast.campaigns import iso_week, week_span
from bot.core.clock import VIETNAM, from_iso, to_iso
from bot.core.messages import Choice, Incoming, Reply
from bot.routing import conversations, roles
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow
from handlers.menu import menu_button, with_menu

FLOW = "staff"
MAX_TEXT = compose.MAX_TEXT
ALL = compose.EVERYWHERE
MINE = compose.MINE
BUTTON = Button("staff", "action", "value")  # staff:camp:<id>, staff:area:<code>, staff:confirm…
FURTHEST = compose.FURTHEST


def allowed_areas(svc: Services, msg: Incoming) -> list[str] | None:
    """Area codes this person may send to (None: every area)."""
    # the environment's and the chat's; a code of before 2025 means its current unit(s)
    return compose.allowed_areas(svc.library.areas, roles.staff_areas(svc.settings, msg, svc.grants))


def _cancel(svc: Services, msg: Incoming) -> Choice:
    return Choice(svc.texts(msg).label("staff.cancel"), BUTTON.data(action="cancel"))


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    allowed = allowed_areas(svc, msg)
    if allowed == []:
        return with_menu(t, "staff_no_areas")
    now = svc.clock()
    week = iso_week(now.astimezone(VIETNAM))
    campaign = svc.library.campaigns.for_week(week)
    weekly = await svc.storage.read(lambda db: broadcasts.weekly_of(db, week))
    await svc.conversations.start(msg.conversation_key, FLOW, "source", {})
    choices = []
    if campaign is not None:
        choices.append(
            Choice(
                t.label("staff.this_week").format(title=campaign.title[:40]),
                BUTTON.data(action="camp", value=campaign.id),
            )
        )
    choices += [
        Choice(t.label("staff.other_campaign"), BUTTON.data(action="list")),
        Choice(t.label("staff.write"), BUTTON.data(action="write")),
        Choice(t.label("staff.override"), BUTTON.data(action="override")),
        _cancel(svc, msg),
    ]
    text = t.render("staff_start", week=week_span(week), weekly=_weekly(svc, weekly, now))
    return [Reply(text, choices=tuple(choices))]


def _weekly(svc: Services, weekly: broadcasts.Broadcast | None, now: datetime) -> dict[str, Any]:
    """Whether this week's campaign already went out (when, to how many), or when it will."""
    if weekly is not None:
        return {"state": weekly.status, "at": broadcasts.local_time(weekly.scheduled_for), "count": weekly.recipients,
                "finished": broadcasts.local_time(weekly.finished_at) if weekly.finished_at else None}  # fmt: skip
    settings = svc.settings
    if settings.weekly_day == "off":
        return {"state": "off"}
    due = broadcasts.weekly_time(now, settings.weekly_day, settings.weekly_hour_minute)
    # Past its hour and not created: the bot was not running then; it goes out when it runs.
    return {"state": "due" if due > now else "late", "at": due.strftime("%H:%M %d/%m/%Y")}


def _campaign_choices(svc: Services, prefix: str) -> tuple[Choice, ...]:
    return tuple(
        Choice(c.title[:60], BUTTON.data(action=prefix, value=c.id)) for c in svc.library.campaigns.by_id.values()
    )


def _area_choices(svc: Services, msg: Incoming, prefix: str) -> tuple[Choice, ...]:
    t = svc.texts(msg)
    areas = svc.library.areas
    allowed = allowed_areas(svc, msg)
    if allowed is None:
        return (Choice(t.label("staff.all_areas"), BUTTON.data(action=prefix, value=ALL)),) + tuple(
            Choice(areas.get(code).name, BUTTON.data(action=prefix, value=code)) for code in areas.roots
        )
    choices = tuple(Choice(areas.full_name(code)[:60], BUTTON.data(action=prefix, value=code)) for code in allowed)
    return (
        (Choice(t.label("staff.my_areas"), BUTTON.data(action=prefix, value=MINE)),) if len(allowed) > 1 else ()
    ) + choices


def _targets(svc: Services, msg: Incoming, value: str) -> list[str] | None:
    """The areas a target button stands for; [] means every area; None if not allowed."""
    return compose.target(svc.library.areas, allowed_areas(svc, msg), value)


def _draft(state: dict[str, Any], now: datetime) -> broadcasts.Broadcast:
    return compose.draft(campaign_id=state.get("campaign_id"), text=state.get("text"), areas=state["areas"],
                         at=state.get("at"), now=now)  # fmt: skip


async def _preview(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    """The message exactly as the first target area's citizens will see it, and who gets it."""
    t = svc.texts(msg)
    renderer = svc.broadcast_renderer()
    draft = _draft(state, svc.clock())
    areas = svc.library.areas
    # The same functions the real send uses: areas, the areas inside them, and topics.
    shown = await svc.storage.read(lambda db: compose.preview(db, renderer, draft))
    if shown is None:
        await svc.conversations.end(msg.conversation_key)
        return with_menu(t, "stale_choice")
    at = broadcasts.local_time(state["at"]) if state.get("at") else None
    target = t.label("staff.all_areas") if not state["areas"] else ", ".join(areas.get(c).name for c in state["areas"])
    audience = shown.audience
    why = audience.why_none() if not audience.count else None
    # How long it takes at each platform's pace, and what Telegram's paid broadcasts would cost.
    estimate = pace.estimate(svc.settings, audience.per_channel)
    hours, minutes = estimate.hours_minutes
    head = Reply(t.render("staff_preview", target=target, count=audience.count, when=at, why=why,
                          hours=hours, minutes=minutes, stars=estimate.stars))  # fmt: skip
    confirm = Choice(t.label("staff.confirm_later" if at else "staff.confirm_now"), BUTTON.data(action="confirm"))
    later = () if at else (Choice(t.label("staff.later"), BUTTON.data(action="later")),)
    return [head, Reply(shown.body), Reply(t.render("staff_confirm"), choices=(confirm, *later, _cancel(svc, msg)))]


async def _save_step(svc: Services, msg: Incoming, state: dict[str, Any], step: str) -> None:
    await svc.conversations.start(msg.conversation_key, FLOW, step, state)


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    pressed, conversation, instead = await flow.pressed(msg, svc, BUTTON, FLOW)
    if conversation is None:
        return instead
    action, value = pressed["action"], pressed["value"]
    state = dict(conversation.data)
    if action == "list":
        return [Reply(t.render("staff_pick_campaign"), choices=(*_campaign_choices(svc, "camp"), _cancel(svc, msg)))]
    if action == "override":
        choices = (
            *_campaign_choices(svc, "ocamp"),
            Choice(t.label("staff.skip_week"), BUTTON.data(action="ocamp", value="skip")),
        )
        return [Reply(t.render("staff_pick_campaign"), choices=(*choices, _cancel(svc, msg)))]
    if action == "write":
        await _save_step(svc, msg, state, "text")
        return [Reply(t.render("staff_write", limit=MAX_TEXT), choices=(_cancel(svc, msg),))]
    if action in ("camp", "ocamp"):
        if value != "skip" and svc.library.campaigns.get(value) is None:
            return with_menu(t, "stale_choice")
        state = {"campaign_id": value} if action == "camp" else {"override": value}
        await _save_step(svc, msg, state, "target")
        prefix = "area" if action == "camp" else "oarea"
        return [Reply(t.render("staff_pick_area"), choices=(*_area_choices(svc, msg, prefix), _cancel(svc, msg)))]
    if action in ("area", "oarea"):
        targets = _targets(svc, msg, value)
        if targets is None:
            return with_menu(t, "stale_choice")
        if action == "oarea":
            return await _override(svc, msg, state, targets)
        state["areas"] = targets
        await _save_step(svc, msg, state, "preview")
        return await _preview(svc, msg, state)
    if action == "later":
        await _save_step(svc, msg, state, "when")
        return [_ask_when(svc, msg, None)]
    if action == "confirm" and "areas" in state:
        return await _confirm(svc, msg, state)
    return with_menu(t, "stale_choice")


async def _override(svc: Services, msg: Incoming, state: dict[str, Any], targets: list[str]) -> list[Reply]:
    """This week's campaign for these areas becomes another one (or none)."""
    t = svc.texts(msg)
    week = iso_week(svc.clock().astimezone(VIETNAM))
    codes = targets or list(svc.library.areas.roots)
    now = svc.clock()

    def write(db) -> None:
        for code in codes:
            campaigns.set_override(db, code, week, state["override"], roles.actor(msg), now)
        conversations.end_in(db, msg.conversation_key)

    await svc.storage.write(write)
    campaign = svc.library.campaigns.get(state["override"])
    names = ", ".join(svc.library.areas.get(code).name for code in codes)
    text = t.render("staff_overridden", week=week_span(week), areas=names, title=campaign.title if campaign else None)
    return [Reply(text, choices=menu_button(t))]


def _ask_when(svc: Services, msg: Incoming, problem: str | None) -> Reply:
    """The time step's question; `problem`: why the last answer was not taken ("unclear", "past",
    "far"). Its example is computed, so it is never a time already gone."""
    t = svc.texts(msg)
    example = when.example(svc.clock()).strftime("%H:%M %d/%m")
    return Reply(t.render("staff_when", problem=problem, example=example, days=FURTHEST.days),
                 choices=(_cancel(svc, msg),))  # fmt: skip


def _read_when(text: str, now: datetime) -> tuple[datetime | None, str | None]:
    """(the moment, None), or (None, why not): unclear, already past, or too far ahead."""
    return compose.read_when(text, now)


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed steps of the flow: the message text, the time."""
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state = dict(conversation.data)
    if conversation.step == "text":
        if not msg.text or not msg.text.strip():
            return [Reply(t.render("staff_write", limit=MAX_TEXT), choices=(_cancel(svc, msg),))]
        state["text"] = msg.text.strip()[:MAX_TEXT]
        await _save_step(svc, msg, state, "target")
        return [Reply(t.render("staff_pick_area"), choices=(*_area_choices(svc, msg, "area"), _cancel(svc, msg)))]
    if conversation.step == "when":
        moment, problem = _read_when(msg.text or "", svc.clock())
        if moment is None:
            return [_ask_when(svc, msg, problem)]
        state["at"] = to_iso(moment)
        await _save_step(svc, msg, state, "preview")
        return await _preview(svc, msg, state)
    return [Reply(t.render("staff_confirm"), choices=(_cancel(svc, msg),))]


async def _confirm(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    at = from_iso(state["at"]) if state.get("at") else None

    def create(db) -> int:
        broadcast_id = broadcasts.create(
            db, created_by=roles.actor(msg), now=svc.clock(), at=at, campaign_id=state.get("campaign_id"),
            text=state.get("text"), areas=state["areas"],
        )  # fmt: skip
        conversations.end_in(db, msg.conversation_key)
        return broadcast_id

    broadcast_id = await svc.storage.write(create)
    moment = broadcasts.local_time(state["at"]) if state.get("at") else None
    sending = svc.sending()  # False in the terminal chat while no `canhgiac run` serves the database
    text = t.render("staff_sent", id=broadcast_id, when=moment, sending=sending)
    return [Reply(text, choices=menu_button(t))]
