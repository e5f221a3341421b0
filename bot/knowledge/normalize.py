"""Normalising a citizen's question for matching: the way people really type Vietnamese.

Steps, in order: clean (NFC, invisible characters), case-fold, take out phone numbers, links and
amounts (they belong to the exact lane of the check feature, and would only add noise here),
expand chat abbreviations and regional words (`ko` → không, `stk` → số tài khoản, `tui` → tôi),
squeeze letters repeated for emphasis (after the abbreviation table had its chance: "cccd" is a word,
and digits are never squeezed), drop punctuation and emoji, drop filler words (particles, pronouns,
"cho hỏi"). Words that mean different things without diacritics are read in context
(`_ambiguous`): "ai" is "who" or AI, "vay" is "vậy" or "borrow", "tao" is "I" or "tạo", "ha" is
"hả" or "Hà". The result has two forms: `accented` keeps diacritics where the person typed
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
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # letters only: "2000" is a number
# "AI" typed in capitals inside a lower-case sentence is artificial intelligence, not "ai" (who).
_AI_CAPITALS = re.compile(r"\bA\.?I\b")
AI_WORD = "trituenhantao"

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
        "hen",
        "admin",
        "ad",
        "tôi",
        "tớ",
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
    text = _MARKUP.sub(" ", clean_input(text))
    if not _shouting(text):
        text = _AI_CAPITALS.sub(f" {AI_WORD} ", text)
    text = text.casefold()
    found = []
    for kind, pattern in (("link", _URL), ("amount", _AMOUNT), ("number", _NUMBER)):
        text, count = pattern.subn(" ", text)
        if count:
            found.append(kind)
    table = abbreviations()
    expanded = " ".join(_expand(word, table) for word in _NOT_WORD.sub(" ", text).split())
    expanded = _FILLER_PHRASES.sub(" ", expanded)
    words = _ambiguous([w for w in expanded.split() if w not in FILLER])
    accented = " ".join(words)
    return Normalized(accented=accented, plain=strip_diacritics(accented), identifiers=tuple(found))


def _expand(word: str, table: dict[str, str]) -> str:
    """A chat abbreviation's words; else the word with letters repeated for emphasis squeezed
    ("khôngggg"), looked up once more ("kooo" → "ko" → không)."""
    if word in table:
        return table[word]
    squeezed = _REPEATS.sub(r"\1", word)
    return table.get(squeezed, squeezed)


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


# Context for words that lose their meaning without diacritics. Only the plain spelling is
# ambiguous: "vậy", "tạo", "hả", "Hà" typed with marks say what they are.
_AI_BEFORE = frozenset({"dung", "dùng", "bang", "bằng", "nghe", "nghệ", "app", "chatbot", "ung", "ứng"})
_AI_AFTER = frozenset({"gia", "giả", "tao", "tạo", "ghep", "ghép", "deepfake", "nhai", "nhái", "fake", "cloning"})
_BORROW_AFTER = frozenset(
    {"tien", "tiền", "von", "vốn", "no", "nợ", "online", "nhanh", "nong", "nóng", "app", "tin", "chap", "chấp"}
    | {"tieu", "tiêu", "lai", "lãi", "qua", "gap", "gấp", "ngan", "ngân", "the", "thẻ", "trả", "tra", "góp", "gop"}
)
_BORROW_BEFORE = frozenset({"cho", "di", "đi", "app", "khoan", "khoản", "muon", "muốn", "can", "cần", "dang", "đang"})
_SO_AFTER = frozenset({"thi", "thì", "la", "là", "ha", "hả", "a", "ạ", "ta", "nha", "ne", "nè", "sao", "nen", "nên"})
_SO_BEFORE = frozenset({"the", "thế", "sao", "gi", "gì", "j", "nhu", "như", "nao", "nào", "roi", "rồi", "z"})
_CREATE_BEFORE = frozenset({"nhan", "nhân", "gia", "giả", "khoi", "khởi", "sang", "sáng", "cai", "cải"})
_CREATE_AFTER = frozenset(
    {"tai", "tài", "tk", "ra", "mat", "mật", "ma", "mã", "app", "link", "moi", "mới", "lap", "lập", "nick"}
    | {"qr", "video", "hinh", "hình", "anh", "ảnh", "giong", "giọng", "web", "trang", "don", "đơn"}
)
_HA_AFTER = frozenset({"noi", "nội", "nam", "tinh", "tĩnh", "giang", "long", "tien", "tiên", "dong", "đông", "huy"})


def _means_so(before: str, after: str) -> bool:
    """ "sao vay", "la gi vay", "vay thi": vậy; "vay tien", "cho vay": borrow."""
    if after in _BORROW_AFTER or before in _BORROW_BEFORE:
        return False
    return not after or after in _SO_AFTER or before in _SO_BEFORE


def _ambiguous(words: list[str]) -> list[str]:
    """Read "ai", "vay", "tao" and "ha" typed without diacritics from their neighbours: the
    meaning that is about scams stays, the particle or pronoun goes like any filler word."""
    kept = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word == "ai":
            if before in _AI_BEFORE or after in _AI_AFTER:
                kept.append(AI_WORD)
            continue  # "ai" = who: a question word, like "gì"
        if word == "vay" and _means_so(before, after):
            continue
        if word == "tao" and before not in _CREATE_BEFORE and after not in _CREATE_AFTER:
            continue  # the pronoun
        if word == "ha" and after not in _HA_AFTER:
            continue  # hả
        kept.append(word)
    return kept
