"""Checking what a citizen received: /kiemtra, the menu entry, or simply sending a number, a link
or a whole message.

Free text nothing else claimed comes here before the FAQ. A message the citizen received (a
forward, a pasted SMS, "is this a scam: …": `handlers/message.py` tells) gets the verdict on its
words and on each number and link in it. A number, link or account sent alone, or with a few words,
is checked (up to `identifier_items.MAX_CHECKED`). A question that mentions a number still gets its FAQ answer after
the check; a story the FAQ cannot answer gets the verdict. Inside /kiemtra, which invites pasting a
whole message, any text of a few words that is not a question is judged; a question leaves the
flow and is answered as outside it. Reading, matching and judging run off the event loop
(`svc.compute`, the storage's readers): a long pasted message must not stall every other chat.
"""

from __future__ import annotations

import dataclasses
import re

from bot.core.messages import Incoming, Reply
from bot.core.textnorm import clean_input, phrase_key
from bot.identifiers import Identifier, citizen_ids_in, extract_identifiers, parse_identifier
from bot.knowledge.matcher import Result
from bot.knowledge.normalize import normalize
from bot.routing.router import command_of
from bot.services import Services
from handlers import fallback, faq, message, picture, thanks
from handlers.identifier_items import check_replies
from handlers.menu import menu_button, with_menu

FLOW = "check"
# A message with this many words besides its identifiers is a question or a story, not a lookup.
STORY_WORDS = 4
# With a number or link in it, a text of this many words (with a letter in them) is a message to
# judge, in /kiemtra: "stk 1027845566 MB Nguyen Van A" is a value to check, not a message.
MESSAGE_WORDS_WITH_VALUES = 6
# In the flow, text with no identifier that still holds these is a value typed wrong, not a question:
# a run of 4+ digits (separators allowed) or something shaped like an address.
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){3,}")
_LINKISH = re.compile(r"https?:|www\.|[/@]|\w\.[a-z]{2,}\b|\w-\w+$", re.IGNORECASE)


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
        if message.words(argument) >= MESSAGE_WORDS_WITH_VALUES:  # "/kiemtra <a whole message>"
            await svc.conversations.end(msg.conversation_key)
            pasted = await svc.compute(_message_in, msg, svc, argument)
            return await message.verdict_replies(msg, svc, pasted or argument)
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


def _told_words(text: str) -> int:
    """Words besides numbers, links, amounts and fillers (the FAQ's normaliser)."""
    return len(normalize(text).words)


def _asks(msg: Incoming, svc: Services, text: str) -> bool:
    """Worded as a question: a "?" or a question word (`check.question` in phrases.yaml)."""
    if "?" in text or "？" in text:
        return True
    key = f" {phrase_key(text)} "
    return any(f" {marker} " in key for marker in svc.texts(msg).phrases("check.question"))


async def _is_question(msg: Incoming, svc: Services, text: str) -> bool:
    """A question rather than a value or a message: worded as one, or words the FAQ answers outright."""
    if _asks(msg, svc, text):
        return True
    result = await svc.compute(svc.matcher(msg).match, text)
    return result.outcome == "answer"


def _message_in(msg: Incoming, svc: Services, text: str) -> str | None:
    """The message to judge in `text` when it is one (a forward, a pasted SMS, "is this a scam: …")."""
    t = svc.texts(msg)
    quoted = None if msg.forwarded else message.quoted_message(text, t.phrases("check.about_message"))
    if quoted:
        return quoted
    return text if message.looks_like_message(msg, text, t.phrases("check.question")) else None


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """What the check screen was sent: a message gets the verdict, a value its check, a question
    leaves the flow and goes where free text goes outside it; anything else a kind re-ask."""
    t = svc.texts(msg)
    if msg.photo is not None and msg.photo.fetch is not None:  # a screenshot of what they received
        await svc.conversations.end(msg.conversation_key)
        return await picture.read(msg, svc)
    text = msg.text or ""
    pasted = await svc.compute(_message_in, msg, svc, text) if text.strip() else None
    if pasted:
        await svc.conversations.end(msg.conversation_key)
        return await message.verdict_replies(msg, svc, pasted)
    identifiers = await svc.compute(_identifiers_in, text)
    if not identifiers and citizen_ids_in(text):
        await svc.conversations.end(msg.conversation_key)
        return with_menu(t, "citizen_id_notice")  # personal data: nothing to check, nothing kept
    if identifiers:
        await svc.conversations.end(msg.conversation_key)
        if message.words(text) >= MESSAGE_WORDS_WITH_VALUES:  # the screen invites pasting a whole message
            return await message.verdict_replies(msg, svc, text)
        return await check_replies(msg, svc, identifiers)
    if text.strip() and not _looks_like_an_attempt(text):
        if await _is_question(msg, svc, text):
            await svc.conversations.end(msg.conversation_key)
            return await inbox(msg, svc)
        if await svc.compute(_told_words, text) >= STORY_WORDS:
            await svc.conversations.end(msg.conversation_key)
            return await message.verdict_replies(msg, svc, text)
    problem = "not_text" if (msg.photo or msg.contact or msg.unsupported) else "invalid"
    return [Reply(t.render("check_prompt", problem=problem), choices=menu_button(t))]


@dataclasses.dataclass(frozen=True)
class _Inbox:
    """What free text is, read in one go off the event loop (one hand-over to a worker thread per
    text instead of three: each costs the event loop more than reading a short text does)."""

    pasted: str | None = None  # a message to judge
    citizen_ids: bool = False  # no identifier to check, but a citizen ID number: nothing is kept
    identifiers: list[Identifier] = dataclasses.field(default_factory=list)
    result: Result | None = None  # the FAQ's match


def _read_inbox(msg: Incoming, svc: Services, text: str) -> _Inbox:
    """In the order `inbox` decides: a message to judge, else identifiers or a citizen ID, else the
    FAQ's match (computed only when it is needed, as before)."""
    pasted = _message_in(msg, svc, text) if text.strip() else None
    if pasted:
        return _Inbox(pasted=pasted)
    identifiers = extract_identifiers(text)
    if not identifiers and citizen_ids_in(text):
        return _Inbox(citizen_ids=True)
    return _Inbox(identifiers=identifiers, result=svc.matcher(msg).match(text))


async def inbox(msg: Incoming, svc: Services) -> list[Reply]:
    """Free text nothing else claimed: judge a message, check a value, answer a question; a story
    the FAQ has no answer for gets the verdict when it finds something."""
    text = msg.text or ""
    t = svc.texts(msg)
    if not phrase_key(text):  # only emoji or punctuation ("👍", "?"); nothing typed at all is `empty`
        return await (thanks.acknowledge if clean_input(text).strip() else fallback.empty)(msg, svc)
    read = await svc.compute(_read_inbox, msg, svc, text)
    if read.pasted:
        return await message.verdict_replies(msg, svc, read.pasted)
    if read.citizen_ids:
        return with_menu(t, "citizen_id_notice")
    identifiers, result = read.identifiers, read.result
    told = len(result.normalized.words) >= STORY_WORDS
    if identifiers and not told:
        return await check_replies(msg, svc, identifiers)
    if result.outcome == "answer":
        checked = await check_replies(msg, svc, identifiers) if identifiers else []
        return checked + await faq.answered(msg, svc, text, result)
    if identifiers or (told and not _asks(msg, svc, text)):  # a question is the FAQ's, answered or not
        judged = await message.judge(msg, svc, text)
        if identifiers or judged.risk != "low":
            return await message.counted(msg, svc, judged)
    return await faq.answered(msg, svc, text, result)


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    if msg.choice == "check":
        return await start(msg, svc)
    return with_menu(svc.texts(msg), "stale_choice")
