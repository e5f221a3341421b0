""" "Is this a scam?" on a whole message a citizen forwards or pastes: telling it from a question,
and showing the verdict (`bot/checking/message_verdict.py` decides it).

A text is a message to judge, not a question to the FAQ, when:
- Telegram says it was forwarded (`Incoming.forwarded`);
- it starts with a sender tag the way brand-name SMS do ("VCB:", "[Viettel]");
- it has several lines, or MESSAGE_WORDS words or more, and asks nothing (no "?", no question
  words of `check.question`);
- it quotes a message and asks about it (`quoted_message`): "tin nhắn này có phải lừa đảo không:
  …", or the message first and the question on its own line, or the message in quotation marks;
  only the quoted part is judged.
Other text goes to the FAQ first (`handlers/check.py`), and gets the verdict when the FAQ has no
answer and the verdict finds something.
"""

from __future__ import annotations

import re

from bot.checking import message_gaps, verdict
from bot.checking.message_verdict import MessageVerdict
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import phrase_key
from bot.services import Services
from handlers import report
from handlers.identifier_items import item, report_choice
from handlers.menu import menu_button
from handlers.methods import TOPIC

MESSAGE_WORDS = 15  # this long, and asking nothing: a message received, not a question
QUOTED_WORDS = 5  # the quoted part of "is this a scam: …" is judged from this many words
MAX_REPORT_CHOICES = 2
_SENDER_TAG = re.compile(r"^\s*(?:\[[^\]\n]{2,24}\]|[A-Z0-9][A-Za-z0-9&.\-]{1,15}\s?:)")
_QUOTED = re.compile(r"[\"“«„]([^\"“”«»„]{12,})[\"”»“]")
_BREAK = re.compile(r":\s|\n")


def _has_phrase(text: str, phrases: tuple[str, ...] | list[str]) -> bool:
    key = f" {phrase_key(text)} "
    return any(f" {phrase} " in key for phrase in phrases)


def words(text: str) -> int:
    """Words with a letter in them: a run of numbers is no sentence."""
    return sum(any(ch.isalpha() for ch in word) for word in phrase_key(text).split())


def quoted_message(text: str, cues: list[str] | tuple[str, ...]) -> str | None:
    """The message inside "is this a scam: …" (or "…\\nis this a scam?", or a quote in quotation
    marks with a question around it); None when the text is not such a question."""
    quoted = max(_QUOTED.findall(text), key=len, default="")
    if words(quoted) >= QUOTED_WORDS and _has_phrase(text.replace(quoted, " "), cues):
        return quoted.strip()
    parts = _BREAK.split(text.strip(), maxsplit=1)
    if len(parts) == 2 and _has_phrase(parts[0], cues) and words(parts[1]) >= QUOTED_WORDS:
        return parts[1].strip()
    head, _, last = text.strip().rpartition("\n")
    if head and _has_phrase(last, cues) and words(head) >= QUOTED_WORDS:
        return head.strip()
    return None


def looks_like_message(msg: Incoming, text: str, question_words: list[str] | tuple[str, ...]) -> bool:
    """A message the citizen received rather than one they wrote to the bot (module docstring)."""
    if msg.forwarded or _SENDER_TAG.match(text):
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 and words(text) < MESSAGE_WORDS:
        return False
    return "?" not in text and "？" not in text and not _has_phrase(text, question_words)


async def judge(msg: Incoming, svc: Services, text: str) -> MessageVerdict:
    """The verdict on `text`; one the model was unsure of goes to the gaps log, masked."""
    allow = verdict.allow_list(svc.settings)
    judged = await svc.storage.read(lambda db: svc.library.messages.judge(db, text, allow))
    if judged.unsure:
        await svc.storage.write(lambda db: message_gaps.record(db, judged, svc.clock()))
    return judged


async def counted(msg: Incoming, svc: Services, judged: MessageVerdict) -> list[Reply]:
    """The verdict's replies, counted (anonymously) as a message checked: only a verdict the
    citizen is shown counts, not a story judged and then answered from the FAQ."""
    await svc.storage.write(lambda db: svc.count_use(db, msg, "message_check", judged.risk, judged.topic))
    return render(msg, svc, judged)


async def verdict_replies(msg: Incoming, svc: Services, text: str) -> list[Reply]:
    return await counted(msg, svc, await judge(msg, svc, text))


def render(msg: Incoming, svc: Services, judged: MessageVerdict) -> list[Reply]:
    """Risk, the trick it looks like, the red flags quoted, each number or link checked, what to
    do now; buttons to read about the trick and to report."""
    t = svc.texts(msg)
    why = t.labels("message_flags")
    # Flags are shown with an alarm only: "giục làm gấp" in a genuine notice is no reason to worry.
    shown = judged.flags if judged.risk != "low" else []
    flags = [{"code": f.code, "quote": f.quote, "why": why[f.code]} for f in shown]
    body = t.render(
        "message_verdict",
        risk=judged.risk,
        topic=t.labels("topics").get(judged.topic) if judged.topic else None,
        flags=flags,
        items=[item(svc, msg, r) for r in judged.identifiers],
        more=judged.more_identifiers,
    )
    choices = []
    card = svc.knowledge(msg).cards.get(judged.topic) if judged.topic else None
    if card is not None:
        choices.append(Choice(t.label("check.read_topic"), TOPIC.data(slug=judged.topic)))
    # In a message that looks like a scam, its numbers and links are the scammer's, whatever they
    # look like on their own; in one that does not, only those risky on their own are offered.
    risky = [r.identifier for r in judged.identifiers if judged.risk != "low" or r.risk != "low"]
    if risky:
        many = len(judged.identifiers) > 1
        choices += [report_choice(svc, msg, i, many) for i in risky[:MAX_REPORT_CHOICES]]
    elif judged.risk != "low":
        choices.append(Choice(t.label("check.report_message"), report.BUTTON.data(step="start")))
    choices.append(Choice(t.label("check.another_message"), "check"))
    return [Reply(body, choices=(*choices, *menu_button(t)))]
