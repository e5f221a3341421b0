"""/hanbaocao: the reporting deadlines that apply to a staff member's areas, and changing them.

The list of the coming months has two buttons: add a deadline (title → day → which period it
reports on → the area, when they hold several: saved), and the whole calendar of their areas, where
each deadline opens with what they may do to it: rename, move, change its kind or delete one of
their areas' own (delete asks once more), hide a national one for their areas or show it again.

Buttons that name a deadline carry its id and act without a flow, so one pressed from an old
message works, or says in one line that the deadline is gone or not theirs: every write checks
the area in the write itself (`bot.activity.deadlines`). Typed steps (a title, a day) are a flow.
The router lets only the staff role in (`handlers/__init__.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.activity import deadlines, inputs, scope
from bot.activity.scope import Reach, Refused
from bot.core.clock import VIETNAM
from bot.core.content import Texts
from bot.core.messages import Choice, Incoming, Reply
from bot.routing import conversations, roles
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow, staff_area
from handlers.menu import menu_button, with_menu

FLOW = "deadline"
BUTTON = Button("dl", "action", "item", "value")  # dl:add, dl:item:12, dl:setkind:12:half, dl:kind::half
UPCOMING_DAYS = 120  # the list of the coming months: about four months
LISTED = 20  # buttons of the whole calendar (the national ones are 7)
MAX_AREA_BUTTONS = 8


def _today(svc: Services) -> date:
    return svc.clock().astimezone(VIETNAM).date()


def _reach(svc: Services, msg: Incoming) -> Reach:
    return scope.reach(svc.library.areas, staff_area.held(svc, msg))


def _button(t: Texts, label: str, action: str, item: object = "") -> Choice:
    fields = {"action": action, **({"item": item} if item != "" else {})}  # "dl:add", not "dl:add::"
    return Choice(t.label(f"deadlines.{label}"), BUTTON.data(**fields))


def _cancel(t: Texts) -> Choice:
    return _button(t, "cancel", "cancel")


def _shown(svc: Services, t: Texts, deadline: deadlines.Deadline, hidden: bool = False) -> dict[str, Any]:
    area = svc.library.areas.get(deadline.area_code) if deadline.area_code else None
    return {"id": deadline.id, "title": deadline.note, "on": deadline.day_text, "every_year": deadline.year is None,
            "kind": t.label(f"deadlines.kinds.{deadline.kind}"), "hidden": hidden,
            "area": svc.library.areas.full_name(area.code) if area else None,
            "province": area is not None and area.parent is None}  # fmt: skip


def _render(svc: Services, msg: Incoming, step: str, choices=(), *, typed: bool = False, **values) -> list[Reply]:
    t = svc.texts(msg)
    values = {"problem": None, **values}
    return [Reply(t.render("deadline_edit", step=step, **values), choices=tuple(choices), free_text=typed)]


def _refused(svc: Services, msg: Incoming, reason: str) -> list[Reply]:
    t = svc.texts(msg)
    return _render(svc, msg, "refused", (_button(t, "back", "manage"), *menu_button(t)), problem=reason)


async def show_deadlines(msg: Incoming, svc: Services) -> list[Reply]:
    """/hanbaocao: the deadlines of the coming months that apply to their areas, soonest first."""
    t = svc.texts(msg)
    if staff_area.held(svc, msg) == []:
        return with_menu(t, "staff_no_areas")
    today, now, reach = _today(svc), svc.clock(), _reach(svc, msg)
    presets = deadlines.presets_in(svc.content.root)

    def load(db) -> list[deadlines.Due]:
        deadlines.load_presets(db, presets, now)  # a chat before the first `canhgiac run` sees them too
        return deadlines.upcoming_for(db, reach, today, UPCOMING_DAYS)

    due = await svc.storage.write(load)
    items = [
        {"on": d.on.strftime("%d/%m/%Y"), "days": d.left(today), "note": d.deadline.note, "kind": d.deadline.kind}
        for d in due
    ]
    text = t.render("deadlines_upcoming", items=items, within=UPCOMING_DAYS,
                    remind=svc.settings.deadline_reminder_days)  # fmt: skip
    choices = (_button(t, "add", "add"), _button(t, "manage", "manage"), *menu_button(t))
    return [Reply(text, choices=choices)]


async def _manage(svc: Services, msg: Incoming) -> list[Reply]:
    t = svc.texts(msg)
    reach, today = _reach(svc, msg), _today(svc)
    listed = await svc.storage.read(lambda db: deadlines.listing(db, reach, today))
    items, choices = [], []
    for number, item in enumerate(listed[:LISTED], 1):
        shown = _shown(svc, t, item.deadline, item.hidden_here)
        items.append({**shown, "number": number})
        label = f"{number}. {item.deadline.day_text} {item.deadline.note or ''}".strip()
        choices.append(Choice(label[:60], BUTTON.data(action="item", item=item.deadline.id)))
    return _render(svc, msg, "list", (*choices, _button(t, "add", "add"), *menu_button(t)), items=items)


async def _item(svc: Services, msg: Incoming, deadline_id: int, step: str = "item", **extra) -> list[Reply]:
    t = svc.texts(msg)
    reach, today = _reach(svc, msg), _today(svc)
    listed = await svc.storage.read(lambda db: deadlines.listing(db, reach, today))
    found = next((item for item in listed if item.deadline.id == deadline_id), None)
    if found is None:
        exists = await svc.storage.read(lambda db: deadlines.get(db, deadline_id))
        return _refused(svc, msg, "gone" if exists is None else "scope")
    d = found.deadline
    choices = []
    if found.owned:
        choices += [
            _button(t, "title", "title", d.id),
            _button(t, "date", "date", d.id),
            _button(t, "kind", "kind", d.id),
        ]
        if not d.preset:
            choices.append(_button(t, "delete", "delete", d.id))
    everywhere = reach.held is None  # an admin: hiding turns a national deadline off for every area
    if d.area_code is None and found.hidden_here:
        choices.append(_button(t, "show", "show", d.id))
    elif d.area_code is None:
        choices.append(_button(t, "hide_all" if everywhere else "hide", "hide", d.id))
    choices += [_button(t, "back", "manage"), *menu_button(t)]
    return _render(svc, msg, step, choices, item=_shown(svc, t, d, found.hidden_here), everywhere=everywhere,
                   **extra)  # fmt: skip


def _kind_choices(t: Texts, action: str, item: object = "") -> list[Choice]:
    return [
        Choice(t.label(f"deadlines.kinds.{kind}"), BUTTON.data(action=action, item=item, value=kind))
        for kind in deadlines.KINDS
    ]


async def _write(svc: Services, msg: Incoming, act, *, end_flow: bool = False):
    """`act(db, reach)` in one write, with the reach of this moment; (its result, None) or
    (None, the reason it was refused)."""
    reach = _reach(svc, msg)

    def write(db):
        found = act(db, reach)
        if end_flow:
            conversations.end_in(db, msg.conversation_key)
        return found

    try:
        return await svc.storage.write(write), None
    except Refused as refused:
        return None, refused.reason


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    pressed = BUTTON.read(msg.choice)
    action, value = pressed["action"], pressed["value"]
    item = int(pressed["item"]) if pressed["item"].isdigit() and len(pressed["item"]) < 12 else None
    now, actor = svc.clock(), roles.actor(msg)
    if action == "cancel":
        return await flow.leave(msg, svc)
    if action == "manage":
        return await _manage(svc, msg)
    if action == "add":
        await svc.conversations.start(msg.conversation_key, FLOW, "title", {})
        return _ask_title(svc, msg)
    if action in ("kind_new", "area_new"):
        return await _add_step(svc, msg, action, value)
    if item is None:
        return await flow.stale(msg, svc)
    if action == "item":
        return await _item(svc, msg, item)
    if action in ("title", "date", "kind", "delete"):
        found = await svc.storage.read(lambda db: deadlines.get(db, item))
        if found is None or not _reach(svc, msg).owns(found.area_code):
            return _refused(svc, msg, "gone" if found is None else "scope")
    if action in ("title", "date"):
        await svc.conversations.start(msg.conversation_key, FLOW, f"re{action}", {"id": item})
        return _ask_title(svc, msg) if action == "title" else _ask_date(svc, msg)
    if action == "kind":
        return _render(svc, msg, "kind", (*_kind_choices(t, "setkind", item), _cancel(t)))
    if action == "setkind" and value in deadlines.KINDS:
        _, problem = await _write(
            svc, msg, lambda db, r: deadlines.change(db, r, item, actor=actor, now=now, kind=value)
        )
        return _refused(svc, msg, problem) if problem else await _item(svc, msg, item, "saved", done="changed")
    if action == "delete":
        choices = (_button(t, "delete_yes", "delete_yes", item), _button(t, "back", "manage"))
        return _render(svc, msg, "delete", choices, item=_shown(svc, t, found))
    if action == "delete_yes":
        removed, problem = await _write(svc, msg, lambda db, r: deadlines.remove(db, r, item))
        if problem:
            return _refused(svc, msg, problem)
        return _render(
            svc, msg, "deleted", (_button(t, "back", "manage"), *menu_button(t)), item=_shown(svc, t, removed)
        )
    if action in ("hide", "show"):
        change = deadlines.hide if action == "hide" else deadlines.show
        _, problem = await _write(svc, msg, lambda db, r: change(db, r, item, actor=actor, now=now))
        return (
            _refused(svc, msg, problem)
            if problem
            else await _item(svc, msg, item, "saved", done="hidden" if action == "hide" else "shown")
        )
    return await flow.stale(msg, svc)


def _ask_title(svc: Services, msg: Incoming, problem: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    return _render(svc, msg, "title", (_cancel(t),), typed=True, problem=problem, limit=deadlines.MAX_NOTE)


def _ask_date(svc: Services, msg: Incoming, problem: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    return _render(svc, msg, "date", (_cancel(t),), typed=True, problem=problem, year=_today(svc).year + 1)


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed steps: a new deadline's title and day; another title or day for one of theirs."""
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state, step = dict(conversation.data), conversation.step
    now, actor = svc.clock(), roles.actor(msg)
    if step in ("title", "retitle"):
        title, problem = inputs.read_title(msg.text)
        if title is None:
            return _ask_title(svc, msg, problem)
        if step == "retitle":
            return await _saved(svc, msg, state["id"], lambda db, r: deadlines.change(
                db, r, state["id"], actor=actor, now=now, note=title))  # fmt: skip
        await svc.conversations.start(msg.conversation_key, FLOW, "date", {"title": title})
        return _ask_date(svc, msg)
    if step in ("date", "redate"):
        when, problem = inputs.read_due_day(msg.text or "", _today(svc))
        if when is None:
            return _ask_date(svc, msg, problem)
        if step == "redate":
            return await _saved(svc, msg, state["id"], lambda db, r: deadlines.change(
                db, r, state["id"], actor=actor, now=now, when=when))  # fmt: skip
        await svc.conversations.start(msg.conversation_key, FLOW, "kind", {**state, "when": list(when)})
        return _render(svc, msg, "kind", (*_kind_choices(t, "kind_new"), _cancel(t)))
    return await flow.stale(msg, svc)


async def _saved(svc: Services, msg: Incoming, deadline_id: int, act) -> list[Reply]:
    _, problem = await _write(svc, msg, act, end_flow=True)
    if problem in ("gone", "scope", "preset"):
        await svc.conversations.end(msg.conversation_key)
        return _refused(svc, msg, problem)
    if problem:
        return _ask_date(svc, msg, problem)  # a day the calendar refuses (a one-year 29/2)
    return await _item(svc, msg, deadline_id, "saved", done="changed")


async def _add_step(svc: Services, msg: Incoming, action: str, value: str) -> list[Reply]:
    """The kind, then the area (when they hold several), of a new deadline; then saved."""
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state = dict(conversation.data)
    if action == "kind_new" and conversation.step == "kind" and value in deadlines.KINDS:
        state["kind"] = value
        held = staff_area.held(svc, msg)
        if held is None or len(held) == 1:
            return await _add(svc, msg, state, held[0] if held else None)
        await svc.conversations.start(msg.conversation_key, FLOW, "area", state)
        areas = svc.library.areas
        choices = [
            Choice(areas.full_name(code)[:60], BUTTON.data(action="area_new", value=code))
            for code in held[:MAX_AREA_BUTTONS]
        ]
        return _render(svc, msg, "area", (*choices, _cancel(t)))
    if action == "area_new" and conversation.step == "area" and "kind" in state:
        return await _add(svc, msg, state, value)
    return await flow.stale(msg, svc)


async def _add(svc: Services, msg: Incoming, state: dict[str, Any], area_code: str | None) -> list[Reply]:
    now, actor = svc.clock(), roles.actor(msg)
    month, day, year = state["when"]

    def act(db, reach):
        return deadlines.add_for(db, reach, area_code=area_code, kind=state["kind"], month=month, day=day, year=year,
                                 note=state["title"], actor=actor, now=now)  # fmt: skip

    added, problem = await _write(svc, msg, act, end_flow=True)
    if problem:
        await svc.conversations.end(msg.conversation_key)
        return _refused(svc, msg, problem)
    return await _item(svc, msg, added, "saved", done="added")
