"""/cancel, /huy or the word "hủy": leave whatever flow the chat is in, from any step."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.services import Services
from handlers.menu import with_menu


async def cancel(msg: Incoming, svc: Services) -> list[Reply]:
    was_active = await svc.conversations.end(msg.chat)
    return with_menu(svc.texts(msg), "cancelled", was_active=was_active)
