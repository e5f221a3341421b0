"""/muctieu: staff set their commune's target: how many villages it has, and the share of them to
reach with at least one session in a period (what `log.coverage` compares against). Commune (when
they hold several) → villages → share in percent → saved, committed before the bot says so.
The router lets only the staff role in (`handlers/__init__.py`)."""

from __future__ import annotations

from typing import Any

from bot.activity import inputs, targets
from bot.core.messages import Choice, Incoming, Reply
from bot.routing import conversations, roles
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow, staff_area
from handlers.menu import menu_button, with_menu

FLOW = "target"
BUTTON = Button("target", "action", "value")  # target:area:x-02647, target:cancel


def _ask(svc: Services, msg: Incoming, step: str, problem: str | None = None, *, choices=(), **values) -> list[Reply]:
    t = svc.texts(msg)
    typed = step in ("villages", "share") or not choices
    text = t.render("activity_target", step=step, problem=problem, typed=typed, **values)
    cancel = Choice(t.label("activity.cancel"), BUTTON.data(action="cancel"))
    return [Reply(text, choices=(*choices, cancel), free_text=typed)]


async def _save(svc: Services, msg: Incoming, step: str, state: dict[str, Any]) -> None:
    await svc.conversations.start(msg.conversation_key, FLOW, step, state)


async def _ask_villages(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    await _save(svc, msg, "villages", state)
    current = await svc.storage.read(lambda db: targets.get(db, state["area"]))
    return _ask(svc, msg, "villages", area=staff_area.name(svc, state["area"]), max=targets.MAX_VILLAGES,
                villages=current.villages if current else None,
                share=round(current.share * 100) if current else None)  # fmt: skip


def _area_buttons(svc: Services, allowed) -> tuple[Choice, ...]:
    return staff_area.buttons(svc, allowed, lambda code: BUTTON.data(action="area", value=code)) or ()


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    allowed = staff_area.held(svc, msg)
    if allowed == []:
        return with_menu(svc.texts(msg), "staff_no_areas")
    only = staff_area.only(svc, allowed)
    if only is not None:
        return await _ask_villages(svc, msg, {"area": only})
    await _save(svc, msg, "area", {})
    return _ask(svc, msg, "area", choices=_area_buttons(svc, allowed))


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    pressed, conversation, instead = await flow.pressed(msg, svc, BUTTON, FLOW)
    if conversation is None:
        return instead
    if pressed["action"] == "area" and staff_area.may(svc, staff_area.held(svc, msg), pressed["value"]):
        return await _ask_villages(svc, msg, {"area": pressed["value"]})
    return await flow.stale(msg, svc)


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state, step, text = dict(conversation.data), conversation.step, msg.text or ""
    if step == "area":
        allowed = staff_area.held(svc, msg)
        found = staff_area.find(svc, allowed, text)
        if not found:
            return _ask(svc, msg, "area", "not_found", choices=_area_buttons(svc, allowed))
        choices = tuple(Choice(staff_area.name(svc, c)[:60], BUTTON.data(action="area", value=c)) for c in found)
        return _ask(svc, msg, "area", "pick", choices=choices)
    if step == "villages":
        villages, problem = inputs.read_count(text, targets.MAX_VILLAGES)
        if villages is None:
            return _ask(svc, msg, "villages", problem, area=staff_area.name(svc, state["area"]),
                        max=targets.MAX_VILLAGES, villages=None, share=None)  # fmt: skip
        state["villages"] = villages
        await _save(svc, msg, "share", state)
        return _ask(svc, msg, "share", villages=villages)
    if step == "share":
        percent, problem = inputs.read_percent(text)
        if percent is None:
            return _ask(svc, msg, "share", problem, villages=state["villages"])
        return await _confirm(svc, msg, state, percent)
    return await flow.stale(msg, svc)


async def _confirm(svc: Services, msg: Incoming, state: dict[str, Any], percent: int) -> list[Reply]:
    t = svc.texts(msg)
    if not staff_area.may(svc, staff_area.held(svc, msg), state["area"]):
        await svc.conversations.end(msg.conversation_key)
        return with_menu(t, "stale_choice")
    now = svc.clock()

    def write(db) -> None:
        targets.set_target(db, state["area"], state["villages"], percent / 100, roles.actor(msg), now)
        conversations.end_in(db, msg.conversation_key)

    await svc.storage.write(write)
    text = t.render("activity_target", step="done", problem=None, typed=False,
                    area=staff_area.name(svc, state["area"]), villages=state["villages"], share=percent)  # fmt: skip
    return [Reply(text, choices=menu_button(t))]
