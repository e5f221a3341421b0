"""Quiz scores: one row per finished quiz, with the chat (for nothing but its own erasure) and
the questions asked, so staff can see which questions people get wrong.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.messages import ChatKey


def record(db: sqlite_utils.Database, chat: ChatKey, score: int, question_ids: list[str], now: datetime) -> None:
    db["quiz_results"].insert(
        {
            "channel": chat.channel,
            "chat_id": chat.chat_id,
            "taken_at": to_iso(now),
            "score": score,
            "total": len(question_ids),
            "questions": json.dumps(question_ids),
        }
    )


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure: the chat's scores go."""
    db.execute("DELETE FROM quiz_results WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
