"""The welcome (/start, greetings) and the main menu every other reply leads back to."""

from __future__ import annotations

from bot.core.content import Texts
from bot.core.messages import Choice, Incoming, Reply
from bot.services import Services
from handlers import locality

# Menu entries in display order: (label key, choice value).
MAIN_MENU = (
    ("menu.methods", "methods"),
    ("menu.faq", "ask"),
    ("menu.check", "check"),
    ("menu.report", "report:start"),
    ("menu.subscribe", "sub:start"),
    ("menu.quiz", "quiz:start"),
    ("menu.hotlines", "hotlines"),
    ("menu.help", "help"),
)

MAX_NAME_CHARS = 40


def main_menu(t: Texts) -> tuple[Choice, ...]:
    return tuple(Choice(t.label(key), value) for key, value in MAIN_MENU)


def menu_button(t: Texts) -> tuple[Choice, ...]:
    """The way back that ends replies which are not a menu themselves."""
    return (Choice(t.label("buttons.menu"), "menu"),)


def with_menu(t: Texts, template: str, **values: object) -> list[Reply]:
    """A reply followed by the whole main menu: for dead ends, where the citizen needs a next step."""
    return [Reply(t.render(template, **values), choices=main_menu(t))]


async def welcome(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    await svc.conversations.end(msg.conversation_key)  # /start always starts over
    name = msg.display_name.strip()[:MAX_NAME_CHARS]
    # the name of the chat's commune, when an admin set one (/diaphuong)
    return with_menu(t, "welcome", name=name, locality=await locality.for_chat(msg, svc))


async def show_menu(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    await svc.conversations.end(msg.conversation_key)
    return with_menu(t, "menu")
