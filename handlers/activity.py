"""/ghinhan: staff record one session held off-line (a village meeting, a loudspeaker broadcast,
posters handed out, a school or company session, a contest), in at most six steps: kind → day →
commune (skipped for a staff member of one commune) → village → people reached → a note or none;
then a summary to confirm. Counts only: the prompts say never to write attendees' names. The
first step also opens the sessions already recorded, to change or delete one (`activity_edit`).

Every step re-asks on what it cannot take (a day to come, "-5" people, 4,000 characters) and the
flow's cancel works at each; the row is committed, with the flow's end, before the bot says it was
recorded. The router lets only the staff role in (`handlers/__init__.py`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.activity import inputs, periods
from bot.activity import log as activity_log
from bot.core.clock import VIETNAM
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import clean_input
from bot.routing import conversations, roles
from bot.routing.choices import Button
from bot.services import Services
from handlers import activity_edit, flow, staff_area
from handlers.menu import menu_button, with_menu

FLOW = "activity"
BUTTON = Button("act", "action", "value")  # act:kind:meeting, act:day:today, act:area:x-02647, act:confirm


def _cancel(svc: Services, msg: Incoming) -> Choice:
    return Choice(svc.texts(msg).label("activity.cancel"), BUTTON.data(action="cancel"))


def _today(svc: Services) -> date:
    return svc.clock().astimezone(VIETNAM).date()


def _ask(
    svc: Services, msg: Incoming, step: str, problem: str | None = None, *, choices=(), typed: bool = False, **values
) -> list[Reply]:
    """The question of `step`, with its choices and the flow's cancel. `typed`: the answer is typed
    (a bare number is the answer there, never an option's number, on a channel without buttons)."""
    t = svc.texts(msg)
    text = t.render("activity_step", step=step, problem=problem, typed=typed, **values)
    return [Reply(text, choices=(*choices, _cancel(svc, msg)), free_text=typed, fresh_numbers=step == "kind")]


async def _save(svc: Services, msg: Incoming, step: str, state: dict[str, Any]) -> None:
    await svc.conversations.start(msg.conversation_key, FLOW, step, state)


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    if staff_area.held(svc, msg) == []:
        return with_menu(t, "staff_no_areas")
    await _save(svc, msg, "kind", {})
    return _ask_kind(svc, msg)


def _ask_kind(svc: Services, msg: Incoming) -> list[Reply]:
    t = svc.texts(msg)
    kinds = tuple(
        Choice(t.label(f"activity.kinds.{kind}"), BUTTON.data(action="kind", value=kind)) for kind in activity_log.KINDS
    )
    return _ask(svc, msg, "kind", choices=(*kinds, activity_edit.review_button(t)))


def _ask_day(svc: Services, msg: Incoming, problem: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    days = (
        Choice(t.label("activity.today"), BUTTON.data(action="day", value="today")),
        Choice(t.label("activity.yesterday"), BUTTON.data(action="day", value="yesterday")),
    )
    example = (_today(svc) - timedelta(days=2)).strftime("%d/%m")  # computed: always a day gone
    return _ask(svc, msg, "date", problem, choices=days, example=example)


async def _after_day(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    """The commune step, or straight to the village for a staff member of one commune."""
    allowed = staff_area.held(svc, msg)
    only = staff_area.only(svc, allowed)
    if only is not None:
        state["area"] = only
        await _save(svc, msg, "village", state)
        return _ask_village(svc, msg, state)
    await _save(svc, msg, "area", state)
    buttons = staff_area.buttons(svc, allowed, lambda code: BUTTON.data(action="area", value=code))
    return _ask(svc, msg, "area", choices=buttons or (), typed=buttons is None)


def _ask_village(svc: Services, msg: Incoming, state: dict[str, Any], problem: str | None = None) -> list[Reply]:
    return _ask(svc, msg, "village", problem, typed=True, area=staff_area.name(svc, state["area"]),
                limit=activity_log.MAX_VILLAGE)  # fmt: skip


def _ask_note(svc: Services, msg: Incoming, problem: str | None = None) -> list[Reply]:
    skip = Choice(svc.texts(msg).label("activity.skip_note"), BUTTON.data(action="nonote"))
    return _ask(svc, msg, "note", problem, choices=(skip,), typed=True, limit=activity_log.MAX_NOTE)


def _summary(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    text = t.render(
        "activity_summary", kind=t.label(f"activity.kinds.{state['kind']}"),
        on=date.fromisoformat(state["on"]).strftime("%d/%m/%Y"), area=staff_area.name(svc, state["area"]),
        village=state["village"], people=state["people"], note=state.get("note"),
    )  # fmt: skip
    confirm = Choice(t.label("activity.confirm"), BUTTON.data(action="confirm"))
    return [Reply(text, choices=(confirm, _cancel(svc, msg)))]


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    pressed, conversation, instead = await flow.pressed(msg, svc, BUTTON, FLOW)
    if conversation is None:
        return instead
    action, value = pressed["action"], pressed["value"]
    state = dict(conversation.data)
    if action == "kind" and value in activity_log.KINDS:
        state["kind"] = value
        await _save(svc, msg, "date", state)
        return _ask_day(svc, msg)
    if action == "day" and value in ("today", "yesterday") and "kind" in state:
        state["on"] = (_today(svc) - timedelta(days=value == "yesterday")).isoformat()
        return await _after_day(svc, msg, state)
    if action == "area" and "on" in state and staff_area.may(svc, staff_area.held(svc, msg), value):
        state["area"] = value
        await _save(svc, msg, "village", state)
        return _ask_village(svc, msg, state)
    if action == "nonote" and "people" in state:
        state["note"] = None
        await _save(svc, msg, "confirm", state)
        return _summary(svc, msg, state)
    if action == "confirm" and "people" in state and "note" in state:
        return await _confirm(svc, msg, state)
    return await flow.stale(msg, svc)


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed steps: a day, a commune's name, the village, the number of people, the note."""
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state, step = dict(conversation.data), conversation.step
    text = msg.text or ""
    if step == "date":
        day, problem = inputs.read_day(text, _today(svc))
        if day is None:
            return _ask_day(svc, msg, problem)
        state["on"] = day.isoformat()
        return await _after_day(svc, msg, state)
    if step == "area":
        allowed = staff_area.held(svc, msg)
        found = staff_area.find(svc, allowed, text)
        if not found:
            buttons = staff_area.buttons(svc, allowed, lambda code: BUTTON.data(action="area", value=code))
            return _ask(svc, msg, "area", "not_found", choices=buttons or (), typed=buttons is None)
        choices = tuple(
            Choice(staff_area.name(svc, code)[:60], BUTTON.data(action="area", value=code)) for code in found
        )
        return _ask(svc, msg, "area", "pick", choices=choices)
    if step == "village":
        village = clean_input(text)
        if not activity_log.village_key(village) or len(village) > activity_log.MAX_VILLAGE:
            return _ask_village(svc, msg, state, "long" if activity_log.village_key(village) else "empty")
        state["village"] = village
        await _save(svc, msg, "people", state)
        return _ask(svc, msg, "people", typed=True, max=activity_log.MAX_PEOPLE)
    if step == "people":
        people, problem = inputs.read_people(text)
        if people is None:
            return _ask(svc, msg, "people", problem, typed=True, max=activity_log.MAX_PEOPLE)
        state["people"] = people
        await _save(svc, msg, "note", state)
        return _ask_note(svc, msg)
    if step == "note":
        note = clean_input(text)
        if len(note) > activity_log.MAX_NOTE:
            return _ask_note(svc, msg, "long")
        if not note:
            return _ask_note(svc, msg, "empty")
        state["note"] = note
        await _save(svc, msg, "confirm", state)
        return _summary(svc, msg, state)
    if step == "confirm":
        return _summary(svc, msg, state)
    return _ask_kind(svc, msg)  # words that name no kind: the kinds again


async def _confirm(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    if not staff_area.may(svc, staff_area.held(svc, msg), state["area"]):
        await svc.conversations.end(msg.conversation_key)  # the role was taken back meanwhile
        return with_menu(t, "stale_choice")
    now, on = svc.clock(), date.fromisoformat(state["on"])
    month = periods.containing("month", on)

    def write(db) -> tuple[int, int]:
        activity_id = activity_log.record(
            db, area_code=state["area"], kind=state["kind"], held_on=on, village=state["village"],
            people=state["people"], note=state.get("note"), recorded_by=roles.actor(msg), now=now,
        )  # fmt: skip
        conversations.end_in(db, msg.conversation_key)
        counts = activity_log.summary(db, month.start, month.end, [state["area"]])
        return activity_id, sum(count.sessions for count in counts)

    activity_id, sessions = await svc.storage.write(write)
    text = t.render("activity_done", id=activity_id, area=staff_area.name(svc, state["area"]),
                    month=on.strftime("%m/%Y"), sessions=sessions)  # fmt: skip
    return [Reply(text, choices=menu_button(t))]
