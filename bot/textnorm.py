"""Cleaning what citizens type, and a folded form for matching words typed with or without accents.

`clean_input` runs on every text before routing; it removes the invisible characters that make two
equal-looking texts differ (zero-width spaces, bidi controls pasted from scam messages) and caps
the length, so nothing downstream meets them.
"""

from __future__ import annotations

import re
import unicodedata

# Longer texts are cut before routing: Telegram never sends more, and nothing we answer needs more.
MAX_INPUT_CHARS = 4096

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NOT_WORD = re.compile(r"[^\w\s]|_", re.UNICODE)
_REPEATS = re.compile(r"(\w)\1{2,}")


def clean_input(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()[:MAX_INPUT_CHARS]


def strip_diacritics(text: str) -> str:
    """'Chào bạn, đồng chí' -> 'Chao ban, dong chi' (đ is a letter of its own, not an accent)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def phrase_key(text: str) -> str:
    """A key for short phrases such as greetings: folded case, no accents, punctuation or emoji,
    letters repeated for emphasis squeezed ('Alooo!!' and 'alo' are the same)."""
    folded = strip_diacritics(unicodedata.normalize("NFC", text).casefold())
    words = _NOT_WORD.sub(" ", folded).split()
    return _REPEATS.sub(r"\1", " ".join(words))
