"""/cancel, /huy or the word "hủy": leave whatever flow one is in, from any step (in a group,
only one's own: `handlers.flow.leave`)."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.services import Services
from handlers import flow


async def cancel(msg: Incoming, svc: Services) -> list[Reply]:
    return await flow.leave(msg, svc)
