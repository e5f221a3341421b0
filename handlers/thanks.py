"""A thank-you, an "ok" or a lone "?" deserve a one-line answer, not a trip to the FAQ and its
refusal with the whole menu."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.core.textnorm import clean_input
from bot.services import Services
from handlers.menu import menu_button


async def thanks(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    return [Reply(t.render("thanks"), choices=menu_button(t))]


async def acknowledge(msg: Incoming, svc: Services) -> list[Reply]:
    """ "ok", "vâng", "uh", "👍", "?": one line and the way back to the menu."""
    t = svc.texts(msg)
    kind = "question" if set(clean_input(msg.text or "").strip()) <= set("?？ ") else "ack"
    return [Reply(t.render("acknowledged", kind=kind), choices=menu_button(t))]
