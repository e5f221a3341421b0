"""Checking what a citizen received: /kiemtra, the menu entry, or simply sending a number or link.

Any free text that contains a phone number, link or bank account comes here before the FAQ: each
identifier (up to MAX_CHECKED) is checked, and a pasted scam message is also matched against the
FAQ to name the trick it looks like. A question that merely mentions a number still gets its FAQ
answer, after the check; inside /kiemtra, a question with nothing to check leaves the flow and is
answered the same way. Reading and matching run through `svc.compute`, off the event loop: a
long pasted message must not stall every other chat.
"""

from __future__ import annotations

import re

from bot.checking import verdict
from bot.checking.verdict import CheckResult
from bot.core.clock import from_iso, local_date
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import phrase_key, shorten
from bot.identifiers import (
    BankAccount,
    Identifier,
    PhoneNumber,
    citizen_ids_in,
    display,
    extract_identifiers,
    parse_identifier,
)
from bot.knowledge import gaps
from bot.routing.router import command_of
from bot.services import Services
from handlers import faq, report
from handlers.menu import menu_button, with_menu
from handlers.methods import TOPIC

FLOW = "check"
MAX_CHECKED = 5
# A message with this many words besides its identifiers is a question or a story, not a lookup.
STORY_WORDS = 4
# In the flow, text with no identifier that still holds these is a value typed wrong, not a question:
# a run of 4+ digits (separators allowed) or something shaped like an address.
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){3,}")
_LINKISH = re.compile(r"https?:|www\.|[/@]|\w\.[a-z]{2,}\b|\w-\w+$", re.IGNORECASE)


def _kind_label(svc: Services, msg: Incoming, identifier: Identifier) -> str:
    t = svc.texts(msg)
    if isinstance(identifier, PhoneNumber):
        kinds = t.labels("check.phone_types")
        label = kinds.get(identifier.number_type, kinds["unknown"])
        return f"{label} ({identifier.carrier})" if identifier.carrier else label
    if isinstance(identifier, BankAccount):
        name = identifier.bank_name or t.label("check.bank_unknown")
        return t.label("check.ewallet" if identifier.is_ewallet else "check.bank_account") + f" · {name}"
    return t.label("check.link")


def _day(stamp: str | None) -> str | None:
    return local_date(from_iso(stamp)) if stamp else None


def _reasons(svc: Services, msg: Incoming, result: CheckResult) -> list[str]:
    t = svc.texts(msg)
    texts = t.labels("reasons")
    countries = t.labels("countries")  # the chat language's names, from the content in use
    return [
        t.render_text(texts[s.code], **_in_language(s.params, countries)) for s in result.signals if s.code in texts
    ]


def _in_language(params: dict[str, str], countries: dict[str, str]) -> dict[str, str]:
    """A signal's params with its country (named in Vietnamese, for `--json`) named by the content."""
    region = params.get("region", "")
    return {**params, "country": countries[region]} if region in countries else dict(params)


def _item(svc: Services, msg: Incoming, result: CheckResult) -> dict:
    identifier = result.identifier
    return {
        "value": display(identifier),
        "kind": _kind_label(svc, msg, identifier),
        "risk": result.risk,
        "reporters": result.stats.reporters,
        "first": _day(result.stats.first_reported),
        "last": _day(result.stats.last_reported),
        "status": result.stats.status,
        "reasons": _reasons(svc, msg, result),
    }


def _report_choice(svc: Services, msg: Incoming, identifier: Identifier, many: bool) -> Choice:
    t = svc.texts(msg)
    if report.BUTTON.fits(step="id", value=identifier.normalized):
        value = report.BUTTON.data(step="id", value=identifier.normalized)
    else:
        value = report.BUTTON.data(step="start")  # too long for a button: the flow asks for it again
    label = t.label("check.report_this")
    return Choice(f"{label}: {shorten(display(identifier), 24)}" if many else label, value)


async def check_replies(
    msg: Incoming, svc: Services, identifiers: list[Identifier], topic: str | None = None
) -> list[Reply]:
    t = svc.texts(msg)
    shown = identifiers[:MAX_CHECKED]
    allow = verdict.allow_list(svc.settings)
    results = await svc.storage.read(lambda db: [verdict.check(db, i, svc.library.brands, allow=allow) for i in shown])
    card = svc.knowledge(msg).cards.get(topic) if topic else None
    text = t.render(
        "check_result",
        items=[_item(svc, msg, r) for r in results],
        more=len(identifiers) - len(shown),
        worst=verdict.risk_of([s for r in results for s in r.signals]),
        topic=card.title if card else None,
    )
    many = len(results) > 1
    choices = [_report_choice(svc, msg, r.identifier, many) for r in results if r.risk != "low" or not many][:3]
    if card is not None:
        choices.append(Choice(t.label("check.read_topic"), TOPIC.data(slug=topic)))
    choices.append(Choice(t.label("check.another"), "check"))
    return [Reply(text, choices=(*choices, *menu_button(t)))]


def _identifiers_in(text: str) -> list[Identifier]:
    found = extract_identifiers(text)
    if not found:
        single = parse_identifier(text)
        found = [single] if single is not None else []
    return found


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    """/kiemtra [value] or the menu entry: check the value now, or ask for it."""
    command = command_of(msg)
    argument = command[1] if command else ""
    if argument:
        identifiers = await svc.compute(_identifiers_in, argument)
        if identifiers:
            await svc.conversations.end(msg.conversation_key)
            return await check_replies(msg, svc, identifiers)
        if citizen_ids_in(argument):
            await svc.conversations.end(msg.conversation_key)
            return with_menu(svc.texts(msg), "citizen_id_notice")
    await svc.conversations.start(msg.conversation_key, FLOW, "value")
    t = svc.texts(msg)
    problem = "invalid" if argument else ""
    return [Reply(t.render("check_prompt", problem=problem), choices=menu_button(t), fresh_numbers=True)]


def _looks_like_an_attempt(text: str) -> bool:
    """A number or link typed wrong (too few digits, a broken address): worth asking again for."""
    return bool(_DIGIT_RUN.search(text) or _LINKISH.search(text))


async def _is_question(msg: Incoming, svc: Services, text: str) -> bool:
    """A question or a story rather than a value: a "?", a question word (`check.question` in
    phrases.yaml), as many words as a story (STORY_WORDS), or words the FAQ answers outright."""
    if "?" in text or "？" in text:
        return True
    key = f" {phrase_key(text)} "
    if len(key.split()) >= STORY_WORDS:
        return True  # "công an gọi bắt chuyển tiền": told, not typed wrong; the FAQ or a kind "not understood"
    if any(f" {marker} " in key for marker in svc.texts(msg).phrases("check.question")):
        return True
    result = await svc.compute(svc.matcher(msg).match, text)
    return result.outcome == "answer"


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """The value the check flow asked for; a kind re-ask when it is not one. A question with
    nothing to check in it leaves the flow and goes where free text goes outside it."""
    t = svc.texts(msg)
    text = msg.text or ""
    identifiers = await svc.compute(_identifiers_in, text)
    if not identifiers and citizen_ids_in(text):
        await svc.conversations.end(msg.conversation_key)
        return with_menu(t, "citizen_id_notice")  # personal data: nothing to check, nothing kept
    if not identifiers:
        if text.strip() and not _looks_like_an_attempt(text) and await _is_question(msg, svc, text):
            await svc.conversations.end(msg.conversation_key)
            return await inbox(msg, svc)
        problem = "not_text" if (msg.photo or msg.contact or msg.unsupported) else "invalid"
        return [Reply(t.render("check_prompt", problem=problem), choices=menu_button(t))]
    await svc.conversations.end(msg.conversation_key)
    return await check_replies(msg, svc, identifiers)


async def inbox(msg: Incoming, svc: Services) -> list[Reply]:
    """Free text nothing else claimed: check its identifiers, answer its question."""
    text = msg.text or ""
    identifiers = await svc.compute(extract_identifiers, text)
    if not identifiers and citizen_ids_in(text):
        return with_menu(svc.texts(msg), "citizen_id_notice")
    if not identifiers:
        return await faq.ask(msg, svc)
    result = await svc.compute(svc.matcher(msg).match, text)
    if len(result.normalized.words) < STORY_WORDS:
        return await check_replies(msg, svc, identifiers)
    best = result.best
    topic = best.entry.topic if best is not None and result.outcome != "fallback" else None
    replies = await check_replies(msg, svc, identifiers, topic)
    if result.outcome == "answer":
        return replies + faq.render_answer(svc.texts(msg), best.entry)
    if result.outcome == "suggest":
        await svc.storage.write(lambda db: gaps.record(db, text, result, svc.clock()))
    return replies


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    if msg.choice == "check":
        return await start(msg, svc)
    return with_menu(svc.texts(msg), "stale_choice")
