"""Normalising a citizen's question for matching: the way people really type Vietnamese.

Steps, in order: clean (NFC, invisible characters), case-fold, take out phone numbers, links and
amounts (they belong to the exact lane of the check feature, and would only add noise here),
expand chat abbreviations and regional words (`ko` → không, `stk` → số tài khoản, `tui` → tôi),
squeeze letters repeated for emphasis, drop punctuation and emoji, drop filler words (particles,
pronouns, "cho hỏi"). The result has two forms: `accented` keeps diacritics where the person typed
them, `plain` has none, so a question typed either way meets the FAQ's phrasings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from bot.core import paths
from bot.core.gaplog import AMOUNT as _AMOUNT
from bot.core.gaplog import NUMBER as _NUMBER
from bot.core.gaplog import URL as _URL
from bot.core.gaplog import redact_identifiers as redact_identifiers  # the FAQ gap log's
from bot.core.textnorm import clean_input, strip_diacritics

_MARKUP = re.compile(r"</?[a-zA-Z][^<>]*>|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_NOT_WORD = re.compile(r"[^\w\s]|_")
_REPEATS = re.compile(r"(\w)\1{2,}")

# Words that carry no meaning for matching: particles, pronouns, polite openings.
FILLER = frozenset(
    {
        "ạ",
        "à",
        "ơi",
        "ờ",
        "ừ",
        "ah",
        "uh",
        "ui",
        "ôi",
        "hả",
        "hở",
        "nhé",
        "nhỉ",
        "vậy",
        "thế",
        "đấy",
        "đó",
        "kìa",
        "nè",
        "ha",
        "hen",
        "admin",
        "ad",
        "bot",
        "tôi",
        "tớ",
        "tao",
        "mày",
        "mình",
        "em",
        "anh",
        "chị",
        "bạn",
        "hỏi",
        "giúp",
        "với",
    }
)
_FILLER_PHRASES = re.compile(r"\b(?:cho (?:em|mình|tôi|tui)? ?hỏi|xin hỏi|làm ơn|giúp (?:em|mình|tôi)? ?với)\b")


@dataclass(frozen=True)
class Normalized:
    accented: str
    plain: str
    identifiers: tuple[str, ...]  # kinds taken out: "link", "number", "amount"

    @property
    def words(self) -> list[str]:
        return self.plain.split()


@cache
def abbreviations() -> dict[str, str]:
    table = yaml.safe_load((paths.reference_dir() / "vi_abbreviations.yaml").read_text(encoding="utf-8"))
    return {str(k).casefold(): str(v) for k, v in table.items()}


def normalize(text: str) -> Normalized:
    # Markup and template syntax pasted into a chat ("<b>", "{{ 7*7 }}") say nothing about the question.
    text = _MARKUP.sub(" ", clean_input(text)).casefold()
    found = []
    for kind, pattern in (("link", _URL), ("amount", _AMOUNT), ("number", _NUMBER)):
        text, count = pattern.subn(" ", text)
        if count:
            found.append(kind)
    text = _REPEATS.sub(r"\1", _NOT_WORD.sub(" ", text))
    table = abbreviations()
    expanded = " ".join(table.get(word, word) for word in text.split())
    expanded = _FILLER_PHRASES.sub(" ", expanded)
    words = [w for w in expanded.split() if w not in FILLER]
    accented = " ".join(words)
    return Normalized(accented=accented, plain=strip_diacritics(accented), identifiers=tuple(found))
