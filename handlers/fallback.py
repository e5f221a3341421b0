"""Answers for what no feature handles: empty text, media, unknown commands, stale buttons, failures.

Each still protects: a citizen who gets no answer is told not to trust the message yet and what to
do, and is shown the menu.
"""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.services import Services
from handlers.menu import with_menu


async def empty(msg: Incoming, svc: Services) -> list[Reply]:
    return with_menu(svc.texts(msg), "empty")


async def media(msg: Incoming, svc: Services) -> list[Reply]:
    # A contact shared outside a flow that asked for it is not stored: we did not ask for it.
    kind = "contact" if msg.contact else "photo" if msg.photo else "other"
    return with_menu(svc.texts(msg), "media", kind=kind)


async def unknown_command(msg: Incoming, svc: Services) -> list[Reply]:
    return with_menu(svc.texts(msg), "unknown_command")


async def stale_choice(msg: Incoming, svc: Services) -> list[Reply]:
    return with_menu(svc.texts(msg), "stale_choice")


async def failure(msg: Incoming, svc: Services) -> list[Reply]:
    """After a handler raised: apologise. Must not fail itself, so it touches nothing but content."""
    return with_menu(svc.texts(msg), "failure")


async def not_saved(msg: Incoming, svc: Services) -> list[Reply]:
    """A write failed (database locked, disk full): nothing was done, so ask to send again.
    Touches nothing but content, and offers no buttons: their numbers could not be saved either."""
    return [Reply(svc.texts(msg).render("not_saved"))]
