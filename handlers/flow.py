"""What every multi-step flow's handler does first: leave on "cancel", or take its step from the
flow the router loaded, or say the button is old.

The router loads the flow of the person who wrote once per update and hands it in
(`svc.conversation`); a handler never reads the conversations table itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.messages import Incoming, Reply
from bot.routing.choices import Button
from bot.routing.conversations import Conversation
from bot.services import Services
from handlers.menu import with_menu

Answer = Callable[[Incoming, Services], Awaitable[list[Reply]]]


async def leave(msg: Incoming, svc: Services) -> list[Reply]:
    """End the person's flow, whatever step or flow it is, and say whether there was one."""
    was_active = await svc.conversations.end(msg.conversation_key)
    return with_menu(svc.texts(msg), "cancelled", was_active=was_active)


async def stale(msg: Incoming, svc: Services) -> list[Reply]:
    """A button of a flow that is over (finished, cancelled, expired): the menu instead."""
    return with_menu(svc.texts(msg), "stale_choice")


async def current(
    msg: Incoming, svc: Services, flow: str, *, cancel: bool = False, otherwise: Answer = stale
) -> tuple[Conversation | None, list[Reply]]:
    """(the person's `flow`, []) to go on with, or (None, the answer to give instead): `cancel`
    (the flow's own cancel button or word) leaves it; no such flow active gets `otherwise`."""
    if cancel:
        return None, await leave(msg, svc)
    conversation = svc.conversation
    if conversation is None or conversation.flow != flow:
        return None, await otherwise(msg, svc)
    return conversation, []


async def pressed(
    msg: Incoming, svc: Services, button: Button, flow: str
) -> tuple[dict[str, str], Conversation | None, list[Reply]]:
    """A flow's button whose first field is an action ("cancel" leaves the flow): (its fields, the
    flow to go on with or None, the answer to give instead), as `current` says."""
    fields = button.read(msg.choice)
    conversation, instead = await current(msg, svc, flow, cancel=fields[button.fields[0]] == "cancel")
    return fields, conversation, instead
