"""The HTML subset of `Reply.text`: splitting it for length limits and flattening it to plain text.

Splitting happens on paragraph boundaries first, then lines, then words; a tag or entity is never
cut, and formatting open across a cut is closed before it and reopened after it, so every part is
valid HTML on its own (Telegram refuses a message with unbalanced tags).
"""

from __future__ import annotations

import html
import re

_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n\n+|\n| +|[^<&\n ]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)[^>]*>")
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_ANY_TAG = re.compile(r"<[^<>]*>")

# Cut preferences, best first: a paragraph break, a line break, a space, anywhere.
_BREAK_RANK = {"para": 3, "line": 2, "space": 1}


def _kind(token: str) -> str | None:
    if token.startswith("\n\n"):
        return "para"
    if token == "\n":
        return "line"
    if token.startswith(" "):
        return "space"
    return None


def _apply_tag(stack: list[str], token: str) -> list[str]:
    """The open-tag stack after `token` (unchanged unless the token is a tag)."""
    match = _TAG.fullmatch(token)
    if not match:
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return [*stack, token]
    for i in range(len(stack) - 1, -1, -1):
        if _TAG.fullmatch(stack[i]).group(2).lower() == name:
            return stack[:i] + stack[i + 1 :]
    return stack


def _closers(stack: list[str]) -> str:
    return "".join(f"</{_TAG.fullmatch(tag).group(2)}>" for tag in reversed(stack))


def split_html(text: str, limit: int) -> list[str]:
    """Split `text` into parts of at most `limit` characters each, on the best boundary.

    A boundary in the second half of a part is preferred by rank (paragraph, line, space); a part
    is cut earlier only when no boundary at all falls in its second half.
    """
    if len(text) <= limit:
        return [text]
    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    stack: list[str] = []  # tags open at the start of the current part
    start = 0
    while start < len(tokens):
        prefix = "".join(stack)
        size, running, end = len(prefix), stack, start
        cuts: list[tuple[bool, int, int, list[str]]] = []  # (in second half, rank, end, open tags)
        while end < len(tokens):
            after = _apply_tag(running, tokens[end])
            if size + len(tokens[end]) + len(_closers(after)) > limit:
                break
            size += len(tokens[end])
            running, end = after, end + 1
            rank = _BREAK_RANK.get(_kind(tokens[end - 1]) or "", 0)
            if rank:
                cuts.append((size >= limit // 2, rank, end, running))
        if end >= len(tokens):
            cut, after = end, running
        elif cuts:
            _, _, cut, after = max(cuts)
        elif end > start:
            cut, after = end, running
        else:
            # One token longer than the whole limit: cut the word itself.
            room = max(1, limit - size - len(_closers(stack)))
            tokens[start : start + 1] = [tokens[start][:room], tokens[start][room:]]
            continue
        part = (prefix + "".join(tokens[start:cut])).rstrip() + _closers(after)
        if _ANY_TAG.sub("", part).strip():
            parts.append(part)
        stack, start = after, cut
        while start < len(tokens) and _kind(tokens[start]):
            start += 1  # a part never starts with blank space
    return parts


def to_plain(text: str) -> str:
    """For channels without formatting: links keep their address, tags go, entities decode."""
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) in m.group(2) else f"{m.group(2)} ({m.group(1)})", text)
    return html.unescape(_ANY_TAG.sub("", text))
