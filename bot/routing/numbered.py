"""Choices as numbered options, for platforms without buttons (Zalo): "Trả lời 1, 2 hoặc 3".

The options of one turn are numbered across all its replies, and the numbers are kept in SQLite
(`offered_choices`) until the chat is shown new options, so a reply of "2", or of the option's
own words, picks that option even after a restart. Any other text is just text.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.messages import ChatKey, Choice, Reply
from bot.core.textnorm import ascii_int, phrase_key

_LEADING_SYMBOLS = re.compile(r"^\W+")


def number(replies: list[Reply]) -> list[tuple[Reply, list[tuple[int, Choice]]]]:
    """Each reply with its choices numbered from 1 across the whole turn."""
    numbered, counter = [], 0
    for reply in replies:
        items = []
        for choice in reply.choices:
            counter += 1
            items.append((counter, choice))
        numbered.append((reply, items))
    return numbered


def remember(db: sqlite_utils.Database, chat: ChatKey, choices: list[Choice], now: datetime) -> None:
    """The options just shown replace the previous ones (none shown: numbers mean nothing now)."""
    db.execute("DELETE FROM offered_choices WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
    if choices:
        payload = json.dumps([[c.label, c.value] for c in choices], ensure_ascii=False)
        db["offered_choices"].insert(
            {"channel": chat.channel, "chat_id": chat.chat_id, "choices": payload, "offered_at": to_iso(now)}
        )


def offered(db: sqlite_utils.Database, chat: ChatKey) -> list[tuple[str, str]]:
    row = db.execute(
        "SELECT choices FROM offered_choices WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    return [tuple(item) for item in json.loads(row[0])] if row else []


def pick(text: str, options: list[tuple[str, str]]) -> str | None:
    """The value of the option a text names: its number, or its words (accents optional)."""
    stripped = text.strip().rstrip(".)")
    index = ascii_int(stripped)
    if index is not None:
        return options[index - 1][1] if 1 <= index <= len(options) else None
    key = phrase_key(text)
    for label, value in options:
        if key and key == phrase_key(_LEADING_SYMBOLS.sub("", label)):
            return value
    return None
