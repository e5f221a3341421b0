"""Seeing, changing and deleting sessions already recorded with /ghinhan ("Xem, sửa hoạt động đã
ghi" on its first step): the latest sessions of the staff member's areas, ten at a time; one of
them opens with its day, place, people and note, and buttons to change the number of people, the
day or the note, or to delete it. Every change is shown before → after and saved only on "Lưu thay
đổi"; a deletion asks once more. Both are audited (`bot.activity.changes`).

Buttons that name a session carry its id and read it again, so one from an old message works, or
says in one line that the session is gone (deleted) or not theirs; the write checks the area
again (`bot.activity.log.change`, `remove`). The typed value and the confirmation are a flow.
The router lets only the staff role in (`handlers/__init__.py`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.activity import inputs, scope
from bot.activity import log as activity_log
from bot.activity.scope import Reach, Refused
from bot.core.clock import VIETNAM
from bot.core.content import Texts
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import clean_input
from bot.routing import conversations, roles
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow, staff_area
from handlers.menu import menu_button, with_menu

FLOW = "activity_edit"
BUTTON = Button("acted", "action", "item")  # acted:list:0, acted:item:12, acted:people:12, acted:save:12
PAGE = 10
FIELDS = ("people", "date", "note")


def _today(svc: Services) -> date:
    return svc.clock().astimezone(VIETNAM).date()


def _reach(svc: Services, msg: Incoming) -> Reach:
    return scope.reach(svc.library.areas, staff_area.held(svc, msg))


def _button(t: Texts, label: str, action: str, item: object = "") -> Choice:
    fields = {"action": action, **({"item": item} if item != "" else {})}  # "acted:cancel", not "acted:cancel:"
    return Choice(t.label(f"activity.{label}"), BUTTON.data(**fields))


def review_button(t: Texts) -> Choice:
    """The way in, offered on /ghinhan's first step."""
    return _button(t, "review", "list", 0)


def _shown(svc: Services, t: Texts, activity: activity_log.Activity) -> dict[str, Any]:
    return {"id": activity.id, "kind": t.label(f"activity.kinds.{activity.kind}"),
            "on": activity.held_on.strftime("%d/%m/%Y"), "village": activity.village,
            "area": staff_area.name(svc, activity.area_code), "people": activity.people,
            "note": activity.note}  # fmt: skip


def _render(svc: Services, msg: Incoming, step: str, choices=(), *, typed: bool = False, **values) -> list[Reply]:
    t = svc.texts(msg)
    values = {"problem": None, **values}
    return [Reply(t.render("activity_edit", step=step, **values), choices=tuple(choices), free_text=typed)]


def _refused(svc: Services, msg: Incoming, reason: str) -> list[Reply]:
    t = svc.texts(msg)
    step = reason if reason in ("gone", "scope") else "gone"
    return _render(svc, msg, step, (_button(t, "back", "list", 0), *menu_button(t)))


async def _list(svc: Services, msg: Incoming, offset: int) -> list[Reply]:
    t = svc.texts(msg)
    if staff_area.held(svc, msg) == []:
        return with_menu(t, "staff_no_areas")
    reach = _reach(svc, msg)
    rows = await svc.storage.read(lambda db: activity_log.recent(db, reach.inside, limit=PAGE + 1, offset=offset))
    items, choices = [], []
    for number, activity in enumerate(rows[:PAGE], offset + 1):
        shown = _shown(svc, t, activity)
        items.append({**shown, "number": number})
        label = f"{number}. {activity.held_on.strftime('%d/%m')} {activity.village}: {activity.people}"
        choices.append(Choice(label[:60], BUTTON.data(action="item", item=activity.id)))
    if len(rows) > PAGE:
        choices.append(_button(t, "more", "list", offset + PAGE))
    return _render(svc, msg, "list", (*choices, *menu_button(t)), items=items)


async def _item(svc: Services, msg: Incoming, activity_id: int, step: str = "item") -> list[Reply]:
    t = svc.texts(msg)
    found = await svc.storage.read(lambda db: activity_log.get(db, activity_id))
    if found is None:
        return _refused(svc, msg, "gone")
    if not _reach(svc, msg).owns(found.area_code):
        return _refused(svc, msg, "scope")
    choices = (
        _button(t, "change_people", "people", found.id), _button(t, "change_date", "date", found.id),
        _button(t, "change_note", "note", found.id), _button(t, "delete", "delete", found.id),
        _button(t, "back", "list", 0), *menu_button(t),
    )  # fmt: skip
    return _render(svc, msg, step, choices, item=_shown(svc, t, found))


def _example(svc: Services) -> str:
    return (_today(svc) - timedelta(days=2)).strftime("%d/%m")  # computed: always a day gone


async def _ask(svc: Services, msg: Incoming, field: str, item: dict, problem: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    choices = (_button(t, "clear_note", "nonote", item["id"]),) if field == "note" and item["note"] else ()
    return _render(svc, msg, field, (*choices, _button(t, "cancel", "cancel")), typed=True, problem=problem,
                   item=item, max=activity_log.MAX_PEOPLE, example=_example(svc),
                   limit=activity_log.MAX_NOTE)  # fmt: skip


async def _confirm(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    await svc.conversations.start(msg.conversation_key, FLOW, "confirm", state)
    item, field, value = state["item"], state["field"], state["value"]
    before = {"people": item["people"], "date": item["on"], "note": item["note"]}[field]
    after = date.fromisoformat(value).strftime("%d/%m/%Y") if field == "date" else value
    choices = (_button(t, "save", "save", item["id"]), _button(t, "cancel", "cancel"))
    return _render(svc, msg, "confirm", choices, item=item, field=field, before=before, after=after)


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    pressed = BUTTON.read(msg.choice)
    action, raw = pressed["action"], pressed["item"]
    number = int(raw) if raw.isdigit() and len(raw) < 12 else None
    if action == "cancel":
        return await flow.leave(msg, svc)
    if number is None:
        return await flow.stale(msg, svc)
    if action == "list":
        if svc.conversation is not None and svc.conversation.flow in ("activity", FLOW):
            await svc.conversations.end(msg.conversation_key)  # left /ghinhan's first step for the list
        return await _list(svc, msg, number)
    if action == "item":
        return await _item(svc, msg, number)
    if action in FIELDS or action == "delete":
        found = await svc.storage.read(lambda db: activity_log.get(db, number))
        if found is None or not _reach(svc, msg).owns(found.area_code):
            return _refused(svc, msg, "gone" if found is None else "scope")
        item = _shown(svc, t, found)
        await svc.conversations.start(msg.conversation_key, FLOW, action, {"item": item})
        if action == "delete":
            choices = (_button(t, "delete_yes", "delete_yes", number), _button(t, "cancel", "cancel"))
            return _render(svc, msg, "delete", choices, item=item)
        return await _ask(svc, msg, action, item)
    if action in ("save", "delete_yes", "nonote"):
        return await _decided(msg, svc, action, number)
    return await flow.stale(msg, svc)


async def _decided(msg: Incoming, svc: Services, action: str, activity_id: int) -> list[Reply]:
    """The confirmation pressed: the change or deletion in one write, the area checked in it."""
    t = svc.texts(msg)
    conversation = svc.conversation
    step = {"save": "confirm", "delete_yes": "delete", "nonote": "note"}[action]
    if (
        conversation is None or conversation.flow != FLOW or conversation.step != step
        or conversation.data.get("item", {}).get("id") != activity_id
    ):  # fmt: skip
        # An old button: say the session is gone if it is, else that the button is old.
        found = await svc.storage.read(lambda db: activity_log.get(db, activity_id))
        return _refused(svc, msg, "gone") if found is None else await flow.stale(msg, svc)
    state = dict(conversation.data)
    if action == "nonote":
        return await _confirm(svc, msg, {**state, "field": "note", "value": None})
    reach, now, actor = _reach(svc, msg), svc.clock(), roles.actor(msg)

    def write(db):
        if action == "delete_yes":
            found = activity_log.remove(db, reach, activity_id, actor=actor, now=now)
        else:
            field, value = state["field"], state["value"]
            # people or note (None: cleared) as given; a day as stored in the state
            changed = {"held_on": date.fromisoformat(value)} if field == "date" else {field: value}
            found = activity_log.change(db, reach, activity_id, actor=actor, now=now, **changed)[1]
        conversations.end_in(db, msg.conversation_key)
        return found

    try:
        found = await svc.storage.write(write)
    except Refused as refused:
        await svc.conversations.end(msg.conversation_key)
        return _refused(svc, msg, refused.reason)
    if action == "delete_yes":
        return _render(
            svc, msg, "deleted", (_button(t, "back", "list", 0), *menu_button(t)), item=_shown(svc, t, found)
        )
    return await _item(svc, msg, activity_id, "saved")


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed steps: the number of people, the day, the note."""
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state, step, text = dict(conversation.data), conversation.step, msg.text or ""
    item = state["item"]
    if step == "people":
        people, problem = inputs.read_people(text)
        if people is None:
            return await _ask(svc, msg, "people", item, problem)
        return await _confirm(svc, msg, {**state, "field": "people", "value": people})
    if step == "date":
        day, problem = inputs.read_day(text, _today(svc))
        if day is None:
            return await _ask(svc, msg, "date", item, problem)
        return await _confirm(svc, msg, {**state, "field": "date", "value": day.isoformat()})
    if step == "note":
        note = clean_input(text)
        if len(note) > activity_log.MAX_NOTE:
            return await _ask(svc, msg, "note", item, "long")
        if not note:
            return await _ask(svc, msg, "note", item, "empty")
        return await _confirm(svc, msg, {**state, "field": "note", "value": note})
    if step == "confirm":
        return await _confirm(svc, msg, state)
    if step == "delete":
        t = svc.texts(msg)
        choices = (_button(t, "delete_yes", "delete_yes", item["id"]), _button(t, "cancel", "cancel"))
        return _render(svc, msg, "delete", choices, item=item)
    return await flow.stale(msg, svc)
