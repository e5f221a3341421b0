"""Scam-method cards: the list of tricks, a card per trick, and its "Xem thêm" page."""

from __future__ import annotations

from bot.core.messages import Choice, Incoming, Reply
from bot.routing.choices import Button
from bot.services import Services
from handlers.menu import menu_button, with_menu

TOPIC = Button("topic", "slug", "page")  # topic:<slug>, topic:<slug>:more


async def show_list(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    cards = svc.knowledge(msg).cards
    # The taxonomy lists the commonest tricks first; cards follow its order.
    ordered = [cards[slug] for slug in svc.content.taxonomy if slug in cards]
    choices = tuple(Choice(card.title, TOPIC.data(slug=card.topic)) for card in ordered)
    return [Reply(t.render("methods_list"), choices=choices + menu_button(t))]


async def show_card(msg: Incoming, svc: Services) -> list[Reply]:
    """`topic:<slug>` shows page 1; `topic:<slug>:more` the continuation."""
    t = svc.texts(msg)
    pressed = TOPIC.read(msg.choice)
    slug, page = pressed["slug"], pressed["page"]
    card = svc.knowledge(msg).cards.get(slug)
    if card is None:
        return with_menu(t, "stale_choice")
    others = Choice(t.label("buttons.methods"), "methods")
    if page == "more":
        body, choices = card.more, (others, *menu_button(t))
    else:
        more = Choice(t.label("buttons.more"), TOPIC.data(slug=slug, page="more"))
        body, choices = card.card, (more, others, *menu_button(t))
    return [Reply(t.render("topic_card", title=card.title, body=t.render_text(body)), choices=tuple(choices))]
