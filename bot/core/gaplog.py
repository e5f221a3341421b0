"""What the two gap logs share (questions the FAQ could not answer, `bot/knowledge/gaps.py`;
messages the classifier was unsure of, `bot/checking/message_gaps.py`): masking what citizens wrote
before it is stored, and grouping similar texts so the commonest gap comes first.

`redact_identifiers` takes out links, phone and account numbers and amounts; the normaliser of the
FAQ uses the same patterns to drop them from a question. Every pattern reads a long text in linear
time (labels and groups are bounded: an attempt that starts inside "a.a.a…" or "1.1.1…" and fails
reads a bounded part of it, not all the rest).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from rapidfuzz import fuzz

T = TypeVar("T")

URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){0,15}\.(?:vn|com|net|org|info|xyz|top|"
    r"club|online|site|shop|app|io|co|me|cc|tk|ml|ga|cf|gq|ly|gl|link|click|vip|asia|biz)(?:/\S*)?\b",
    re.IGNORECASE,
)
# 8+ digits with optional + and separators: phone and account numbers alike.
NUMBER = re.compile(r"(?<![\w])\(?\+?\d[\d\s.\-()]{6,}\d(?![\w])")
AMOUNT = re.compile(r"\b\d+(?:[.,]\d+){0,15}\s*(?:k|tr|triệu|trieu|nghìn|nghin|ngàn|ngan|đ|đồng|dong|vnd|vnđ|củ|cu)\b")

SIMILAR = 80  # token-set similarity (0-100) at which two texts count as the same gap


def redact_identifiers(text: str) -> str:
    """The text with links, phone/account numbers and amounts replaced by a marker (for storing)."""
    text = URL.sub("[link]", text)
    text = AMOUNT.sub("[số tiền]", text)
    return NUMBER.sub("[số]", text)


def group_similar(items: Iterable[T], key: Callable[[T], str], similar: int = SIMILAR) -> list[list[T]]:
    """Items whose keys are alike (token-set similarity from `similar`), each group compared by its
    first item's key; groups in order of their first item, largest first (a stable sort, so give the
    items most recent first to have the most recent group first among equals)."""
    groups: list[tuple[str, list[T]]] = []
    for item in items:
        text = key(item)
        found = next((members for first, members in groups if fuzz.token_set_ratio(first, text) >= similar), None)
        if found is None:
            groups.append((text, [item]))
        else:
            found.append(item)
    return sorted((members for _, members in groups), key=len, reverse=True)
