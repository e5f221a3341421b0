"""/help: how to use the bot."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.services import Services
from handlers.menu import menu_button


async def show_help(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    return [Reply(t.render("help"), choices=menu_button(t))]
