"""Numbers to remember: 113, the locality's police (the chat's commune's, `handlers/locality.py`), 5656/156 for spam."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.services import Services
from handlers import locality
from handlers.menu import menu_button


async def show_hotlines(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    return [Reply(t.render("hotlines", locality=await locality.for_chat(msg, svc)), choices=menu_button(t))]
