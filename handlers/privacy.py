"""What the bot keeps (/baomat) and erasing it (/xoadulieu), per the Law on Personal Data Protection (91/2025/QH15).

Erasing asks for confirmation first; that step is a flow, so the question survives a restart and
/cancel leaves it like any other (in a group, only the member who asked can confirm). Erasure
leaves nothing readable on disk: the write connection zeroes deleted content (secure_delete) and
a checkpoint right after empties the WAL, which still holds the old pages.
"""

from __future__ import annotations

import logging

from bot.broadcast import subscriptions
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import phrase_key
from bot.privacy import HELD, KEPT, erase_chat
from bot.routing import conversations
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow
from handlers.menu import menu_button

log = logging.getLogger("canhgiac.privacy")

FLOW = "forget"
BUTTON = Button("forget", "answer")  # forget:yes, forget:no
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "terminal": "Canh Giác"}


def _held(svc: Services, msg: Incoming, names: list[str]) -> list[dict[str, str]]:
    """The lines saying what is kept, one per name of `bot.privacy.HELD` (labels `privacy.held`)."""
    labels = svc.texts(msg).labels("privacy.held")
    values = {
        "channel_name": CHANNEL_NAMES.get(msg.channel, msg.channel),
        "idle_minutes": svc.settings.conversation_idle_minutes,
    }
    return [{"name": name, "text": labels[name].format(**values)} for name in names]


def _subscription(svc: Services, msg: Incoming, found: subscriptions.Subscription | None) -> dict | None:
    if found is None:
        return None
    t = svc.texts(msg)
    names = t.labels("topics")
    topics = [names[slug] for slug in found.topics if slug in names]
    return {"area": svc.library.areas.full_name(found.area_code), "topics": topics, "active": found.active}


async def show_privacy(msg: Incoming, svc: Services) -> list[Reply]:
    """Every kind of data erasure forgets (so this list cannot fall behind it), and the chat's own
    subscription: where and what it receives."""
    t = svc.texts(msg)
    found = await svc.storage.read(lambda db: subscriptions.get(db, msg.chat))
    text = t.render(
        "privacy",
        held=_held(svc, msg, [name for name, _ in HELD]),
        subscription=_subscription(svc, msg, found),
        channel_name=CHANNEL_NAMES.get(msg.channel, msg.channel),
        idle_minutes=svc.settings.conversation_idle_minutes,
    )
    return [Reply(text, choices=menu_button(t))]


def _confirm_choices(svc: Services, msg: Incoming) -> tuple[Choice, ...]:
    t = svc.texts(msg)
    return (
        Choice(t.label("buttons.forget_yes"), BUTTON.data(answer="yes"), destructive=True),
        Choice(t.label("buttons.forget_no"), BUTTON.data(answer="no")),
    )


async def ask(msg: Incoming, svc: Services) -> list[Reply]:
    """Name what goes (every kind of `HELD` whose rows are deleted, the subscription too) and what
    stays anonymised (`KEPT`), then ask."""
    t = svc.texts(msg)
    found = await svc.storage.read(lambda db: subscriptions.get(db, msg.chat))
    await svc.conversations.start(msg.conversation_key, FLOW, "confirm")
    kept_labels = t.labels("privacy.kept")
    text = t.render(
        "forget_confirm",
        held=_held(svc, msg, [name for name, _ in HELD if name not in KEPT]),
        kept=[{"name": name, "text": kept_labels[name]} for name in KEPT],
        subscribed=found is not None and found.active,
    )
    return [Reply(text, choices=_confirm_choices(svc, msg), columns=2)]


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """The confirm step: a button (forget:yes / forget:no) or its words typed (phrases.yaml:
    `forget.erase`, `forget.keep`)."""
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    said = BUTTON.read(msg.choice)["answer"] if msg.choice else phrase_key(msg.text or "")
    if said == "yes" or said in t.phrases("forget.erase"):

        def erase(db) -> None:
            erase_chat(db, msg.chat)
            # In a group, the asker's own flow: the other members' drafts are theirs and stay.
            conversations.end_in(db, msg.conversation_key)

        await svc.storage.write(erase)
        # The rows are gone, but old copies of their pages stay in the WAL until a checkpoint
        # (secure_delete already zeroes what is freed in the database file).
        if not await svc.storage.checkpoint():
            log.warning("checkpoint after erasure incomplete: a reader was busy; the next one completes it")
        return [Reply(t.render("forget_done"), choices=menu_button(t))]
    if said == "no" or said in t.phrases("forget.keep"):
        await svc.conversations.end(msg.conversation_key)
        return [Reply(t.render("forget_kept"), choices=menu_button(t))]
    return [Reply(t.render("forget_reask"), choices=_confirm_choices(svc, msg), columns=2)]
