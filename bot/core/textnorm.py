"""Cleaning what citizens type, and a folded form for matching words typed with or without accents.

`clean_input` runs on every text before routing; it removes the invisible characters that make two
equal-looking texts differ (zero-width spaces, bidi controls pasted from scam messages), replaces
halves of surrogate pairs, reads full-width letters and digits as ASCII, and caps the length, so
nothing downstream meets them.
"""

from __future__ import annotations

import re
import unicodedata

# Longer texts are cut before routing: Telegram never sends more, and nothing we answer needs more.
MAX_INPUT_CHARS = 4096
# Cleaning reads no more than this (the terminal and Zalo have no limit, and cleaning runs on the
# event loop): room for invisible characters and runs of spaces that cleaning drops.
MAX_RAW_CHARS = 16 * MAX_INPUT_CHARS

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NOT_WORD = re.compile(r"[^\w\s]|_", re.UNICODE)
_REPEATS = re.compile(r"(\w)\1{2,}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Full-width ASCII ("０９１２", "５００ｋ"), as phone keyboards in CJK mode type it: the ASCII it shows.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def without_surrogates(text: str) -> str:
    """Halves of surrogate pairs (JSON's "\\ud800" decodes to one) cannot be encoded as UTF-8, so
    SQLite, logs and every platform would fail on them: pairs are joined, lone halves become U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def fold_width(text: str) -> str:
    """'５００ｋ' -> '500k': full-width forms to ASCII (what NFKC does, but nothing else: '²' stays)."""
    return text.translate(_FULLWIDTH)


def ascii_int(text: str, max_digits: int = 6) -> int | None:
    """The number a short answer is ("2", "２"), or None. Only ASCII digits count: str.isdigit() is
    also true for '²' and '①', which int() refuses, and int() reads '٣' or '𝟗' as numbers nobody typed
    here; a bound on length keeps int() away from huge strings."""
    text = fold_width(text)
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def clean_input(text: str | None) -> str:
    if not text:
        return ""
    text = fold_width(unicodedata.normalize("NFC", without_surrogates(text[:MAX_RAW_CHARS])))
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


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters for a button, with "…": at the last comma if that
    keeps half of it (Vietnamese words are several syllables: "đặt phòng", "huy động"), else between
    syllables, so a label never ends in half a syllable ("…ngâ"). One overlong word is cut inside."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    clause = max(head.rfind(mark) for mark in ",;:")
    if text[limit - 1] in ",;:":
        clause = limit - 1
    if clause >= limit // 2:
        head = head[:clause]
    elif text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]  # the syllable that did not fit goes whole
    return head.rstrip(" ,;:/-–") + "…"
