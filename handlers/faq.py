"""Questions in the citizen's own words: answer, suggest the closest questions, or say honestly
that there is no answer (and still protect). Anything the router does not recognise comes here."""

from __future__ import annotations

from bot.core.content import Texts
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import shorten
from bot.knowledge import gaps
from bot.knowledge.catalog import FaqEntry
from bot.knowledge.matcher import Result
from bot.routing.choices import Button
from bot.services import Services
from handlers.menu import main_menu, menu_button, with_menu

BUTTON = Button("faq", "entry")  # faq:<entry id>, faq:none

MAX_LABEL = 60
NONE_OF_THESE = "none"
NOT_THESE_OFFERS = ("methods", "report:start")  # main-menu entries offered when no suggestion fits


def _label(entry: FaqEntry) -> str:
    return shorten(entry.question, MAX_LABEL)


def render_answer(t: Texts, entry: FaqEntry) -> list[Reply]:
    text = t.render("faq_answer", question=entry.question, answer=t.render_text(entry.answer))
    return [Reply(text, choices=menu_button(t))]


def replies_for(t: Texts, result: Result) -> list[Reply]:
    """What the chat says for a match result (also what `canhgiac ask` prints)."""
    if result.outcome == "answer":
        return render_answer(t, result.best.entry)
    if result.outcome == "suggest":
        choices = tuple(Choice(_label(m.entry), BUTTON.data(entry=m.entry.id)) for m in result.matches)
        none_of_these = Choice(t.label("buttons.not_these"), BUTTON.data(entry=NONE_OF_THESE))
        return [Reply(t.render("faq_suggest"), choices=(*choices, none_of_these))]
    return with_menu(t, "not_understood")


def not_these(t: Texts) -> list[Reply]:
    """None of the suggested questions fit: ask again in other words, or read the cards, or report."""
    offered = tuple(c for c in main_menu(t) if c.value in NOT_THESE_OFFERS)
    return [Reply(t.render("faq_not_these"), choices=offered + menu_button(t))]


# A match's outcome as the usage counters name it (`bot/core/tally.py`, kind "question").
COUNTED_AS = {"answer": "answered", "suggest": "suggested", "fallback": "unanswered"}


async def answered(msg: Incoming, svc: Services, text: str, result: Result) -> list[Reply]:
    """The replies for a question, after one write that counts it (anonymously: the outcome and
    the answer's topic) and keeps it in the gaps log when the FAQ had no sure answer. A tapped
    suggestion is not counted again: a question counts once, with its first outcome."""
    topic = result.best.entry.topic if result.outcome == "answer" else ""

    def keep(db) -> None:
        if result.outcome != "answer":
            gaps.record(db, text, result, svc.clock())
        svc.count_use(db, msg, "question", COUNTED_AS.get(result.outcome, result.outcome), topic)

    await svc.storage.write(keep)
    return replies_for(svc.texts(msg), result)


async def ask(msg: Incoming, svc: Services) -> list[Reply]:
    result = await svc.compute(svc.matcher(msg).match, msg.text or "")
    return await answered(msg, svc, msg.text or "", result)


async def show(msg: Incoming, svc: Services) -> list[Reply]:
    """A tapped question (`faq:<id>`), or `faq:none` when none of the suggestions fit."""
    entry_id = BUTTON.read(msg.choice)["entry"]
    entry = svc.knowledge(msg).entry(entry_id)
    if entry_id == NONE_OF_THESE:
        return not_these(svc.texts(msg))
    if entry is None:
        return with_menu(svc.texts(msg), "stale_choice")
    return render_answer(svc.texts(msg), entry)


async def intro(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    knowledge = svc.knowledge(msg)
    # Asked often (content: shown_first.yaml), shown as examples the citizen can tap.
    popular = [e for e in (knowledge.entry(i) for i in t.shown_first("faq")) if e is not None]
    choices = tuple(Choice(_label(e), BUTTON.data(entry=e.id)) for e in popular)
    return [Reply(t.render("faq_intro"), choices=choices + menu_button(t))]
