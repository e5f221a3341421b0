"""Menu entries whose feature is not built yet: say so politely and point to the hotline."""

from __future__ import annotations

from bot.models import Incoming, Reply
from bot.router import command_of
from bot.services import Services
from handlers.menu import with_menu

# Commands of features to come, and the feature each names.
COMMANDS = {
    "dangky": "subscribe",
    "huydangky": "subscribe",
}


def _feature(msg: Incoming) -> str:
    if msg.choice is not None:
        return msg.choice.partition(":")[2]
    command = command_of(msg)
    return COMMANDS.get(command[0], "") if command else ""


async def coming_soon(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    features = t.labels("features")
    feature = _feature(msg)
    if feature not in features:
        return with_menu(t, "stale_choice")
    return with_menu(t, "coming_soon", feature=features[feature])
