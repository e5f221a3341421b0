"""A thank-you deserves a short answer, not a trip to the FAQ."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.services import Services
from handlers.menu import menu_button


async def thanks(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    return [Reply(t.render("thanks"), choices=menu_button(t))]
