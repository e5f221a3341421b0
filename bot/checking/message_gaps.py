"""Messages the scam classifier was unsure of (`MessageVerdict.unsure`), kept so staff can see new
tricks (`canhgiac messages gaps`).

Only the words of the trick are kept, masked (`mask`): no links, numbers, amounts, e-mail addresses
or names of people, and never who received or forwarded it (the table has no chat or user). Besides
the text: when, the verdict's risk, score and topic, and the codes of the red flags (their quotes
are the message's own words, which may hold a name: they are not kept).

Writes: `message_gaps`. Imports: core, checking.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from bot.checking.message_verdict import MessageVerdict
from bot.core.clock import to_iso
from bot.core.gaplog import group_similar, redact_identifiers
from bot.core.textnorm import phrase_key

MAX_TEXT = 500
NAME = "[tên]"
MAX_NAME_WORDS = 4  # Vietnamese names are 2 to 4 words: longer capitalised runs are shouting
# The commonest Vietnamese family names, folded: inside a long capitalised run ("CHUYEN KHOAN CHO
# NGUYEN VAN A") one of them starts a name, which takes it and up to three words after it.
SURNAMES = frozenset(
    {
        "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho",
        "ngo", "duong", "ly", "dinh", "trinh", "truong", "lam", "doan", "luong", "cao", "ha", "mai", "to",
        "ta", "chau", "luu", "quach", "la", "thai", "kieu", "tang", "vuong", "trieu",
    }
)  # fmt: skip

# Local part and labels bounded: an attempt at every position of a long run of letters stops soon.
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters
_SPACES = re.compile(r"[ \t]+")


def mask(text: str) -> str:
    """The message without what could tell whose it is: e-mails, links, amounts, numbers (every
    digit), and people's names → markers; cut to MAX_TEXT characters."""
    text = unicodedata.normalize("NFC", text)
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    text = _DIGITS.sub("[số]", redact_identifiers(text))
    return _mask_names(text)[:MAX_TEXT]


def _mask_names(text: str) -> str:
    """Runs of capitalised words ("Nguyễn Văn Hùng", "TRAN VAN HAI") → NAME. The message's first
    word is left alone: that is where a sender tag sits ("VCB", "Vietcombank"), and a single word is
    never taken for a name."""
    pieces, done = [], 0
    for start, end in (span for run in _capitalised_runs(text) for span in _names_in(run)):
        pieces += [text[done:start], NAME]
        done = end
    return "".join([*pieces, text[done:]])


def _capitalised_runs(text: str) -> list[list[re.Match[str]]]:
    """Capitalised words that follow each other with only spaces between, the first word excepted."""
    runs: list[list[re.Match[str]]] = []
    previous: re.Match[str] | None = None
    for index, word in enumerate(_WORD.finditer(text)):
        capitalised = index > 0 and word.group()[0].isupper()
        if capitalised and previous is not None and _SPACES.fullmatch(text[previous.end() : word.start()]):
            runs[-1].append(word)
        elif capitalised:
            runs.append([word])
        previous = word if capitalised else None
    return [run for run in runs if len(run) >= 2]


def _names_in(run: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Where the names are in a run: all of a short run; in a long one, from each family name on."""
    if len(run) <= MAX_NAME_WORDS:
        return [(run[0].start(), run[-1].end())]
    spans, i = [], 0
    while i < len(run) - 1:
        if phrase_key(run[i].group()) in SURNAMES:
            last = min(i + MAX_NAME_WORDS, len(run)) - 1
            spans.append((run[i].start(), run[last].end()))
            i = last + 1
        else:
            i += 1
    return spans


def record(db: sqlite_utils.Database, verdict: MessageVerdict, now: datetime) -> None:
    """Keep a verdict the classifier was unsure of, masked; others are not kept."""
    if not verdict.unsure:
        return
    db["message_gaps"].insert(
        {
            "recorded_at": to_iso(now),
            "text": mask(verdict.text),
            "risk": verdict.risk,
            "score": round(verdict.score, 3),
            "topic": verdict.topic,
            "flags": " ".join(dict.fromkeys(f.code for f in verdict.flags)),
        }
    )


def recorded_since(db: sqlite_utils.Database, stamp: str) -> list[dict]:
    """Every message recorded from `stamp` on (an ISO time), for `group`."""
    return list(db.query("SELECT * FROM message_gaps WHERE recorded_at >= ?", [stamp]))


@dataclass
class MessageGap:
    example: str  # the most recent message of the group, masked
    count: int
    last_recorded: str
    risks: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)  # the tricks the alarms looked like
    flags: dict[str, int] = field(default_factory=dict)


def group(rows: list[dict]) -> list[MessageGap]:
    """Similar messages together (their folded words); most frequent first, then most recent."""
    recent_first = sorted(rows, key=lambda r: r["recorded_at"], reverse=True)
    return [
        MessageGap(
            example=members[0]["text"],
            count=len(members),
            last_recorded=members[0]["recorded_at"],
            risks=dict(Counter(r["risk"] for r in members)),
            topics=dict(Counter(r["topic"] for r in members if r["topic"])),
            flags=dict(Counter(code for r in members for code in (r["flags"] or "").split())),
        )
        for members in group_similar(recent_first, key=lambda r: phrase_key(r["text"]))
    ]
