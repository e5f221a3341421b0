"""What the bot keeps (/baomat) and erasing it (/xoadulieu), per the Law on Personal Data Protection (91/2025/QH15).

Erasing asks for confirmation first; that step is a flow, so the question survives a restart and
/cancel leaves it like any other (in a group, only the member who asked can confirm). Erasure
leaves nothing readable on disk: the write connection zeroes deleted content (secure_delete) and
a checkpoint right after empties the WAL, which still holds the old pages.
"""

from __future__ import annotations

import logging

from bot.broadcast import subscriptions
from bot.core import outbox
from bot.core.messages import ChatKey, Choice, Incoming, Reply
from bot.core.textnorm import phrase_key
from bot.reporting import reports
from bot.routing import chats
from bot.services import Services
from handlers.menu import menu_button, with_menu

log = logging.getLogger("canhgiac.privacy")

FLOW = "forget"
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "terminal": "Canh Giác"}
YES = {"co", "xoa", "dong y", "ok", "yes", "co xoa", "xoa het", "co xoa het"}
NO = {"khong", "ko", "k", "giu", "giu lai", "no", "khong xoa"}


async def show_privacy(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    text = t.render(
        "privacy",
        channel_name=CHANNEL_NAMES.get(msg.channel, msg.channel),
        idle_minutes=svc.settings.conversation_idle_minutes,
    )
    return [Reply(text, choices=menu_button(t))]


def _confirm_choices(svc: Services, msg: Incoming) -> tuple[Choice, ...]:
    t = svc.texts(msg)
    return (Choice(t.label("buttons.forget_yes"), "forget:yes"), Choice(t.label("buttons.forget_no"), "forget:no"))


def _erase(db, chat: ChatKey) -> None:
    """Everything that points to this chat goes; their reports stay, anonymised, for the police."""
    reports.forget_reporter(db, chat)
    subscriptions.forget(db, chat)
    outbox.forget_chat(db, chat.channel, chat.chat_id)
    chats.forget(db, chat)


async def ask(msg: Incoming, svc: Services) -> list[Reply]:
    await svc.conversations.start(msg.chat, FLOW, "confirm")
    return [Reply(svc.texts(msg).render("forget_confirm"), choices=_confirm_choices(svc, msg), columns=2)]


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """The confirm step: a button (forget:yes / forget:no) or the words "có" / "không"."""
    t = svc.texts(msg)
    conversation = await svc.conversations.get(msg.chat, FLOW)
    if conversation is None:
        return with_menu(t, "stale_choice")
    said = msg.choice.partition(":")[2] if msg.choice else phrase_key(msg.text or "")
    if said in ("yes", *YES):
        await svc.storage.write(lambda db: _erase(db, msg.chat))
        # The rows are gone, but old copies of their pages stay in the WAL until a checkpoint
        # (secure_delete already zeroes what is freed in the database file).
        if not await svc.storage.checkpoint():
            log.warning("checkpoint after erasure incomplete: a reader was busy; the next one completes it")
        return [Reply(t.render("forget_done"), choices=menu_button(t))]
    if said in ("no", *NO):
        await svc.conversations.end(msg.chat)
        return [Reply(t.render("forget_kept"), choices=menu_button(t))]
    return [Reply(t.render("forget_reask"), choices=_confirm_choices(svc, msg), columns=2)]
