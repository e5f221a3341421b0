"""Questions the FAQ could not answer with confidence, kept so staff can see what to add.

Only the question is kept (identifiers redacted), its normalised form, the time and what the
matcher did: never who asked. `group` clusters similar questions so the most frequent gaps come
first in `canhgiac faq gaps`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.gaplog import group_similar, redact_identifiers
from bot.core.messages import ChatKey
from bot.knowledge.matcher import Result

MAX_TEXT = 500


def record(db: sqlite_utils.Database, text: str, result: Result, now: datetime) -> None:
    best = result.best
    db["faq_gaps"].insert(
        {
            "asked_at": to_iso(now),
            "text": redact_identifiers(text)[:MAX_TEXT],
            "normalized": result.normalized.plain[:MAX_TEXT],
            "outcome": result.outcome,
            "best_faq_id": best.entry.id if best else None,
            "score": best.score if best else 0.0,
        }
    )


def asked_since(db: sqlite_utils.Database, stamp: str) -> list[dict]:
    """Every gap recorded from `stamp` on (an ISO time), for `group`."""
    return list(db.query("SELECT * FROM faq_gaps WHERE asked_at >= ?", [stamp]))


@dataclass
class Gap:
    example: str
    normalized: str
    count: int = 0
    last_asked: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)
    best_faq_ids: dict[str, int] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)  # (normalised question, when) of each member


def _key(row: dict) -> str:
    return row["normalized"] or row["text"].casefold()


def group(rows: list[dict]) -> list[Gap]:
    """Cluster gap rows by similar normalised text; most frequent first, then most recent."""
    recent_first = sorted(rows, key=lambda r: r["asked_at"], reverse=True)
    return [
        Gap(
            example=members[0]["text"],
            normalized=_key(members[0]),
            count=len(members),
            last_asked=members[0]["asked_at"],
            outcomes=dict(Counter(r["outcome"] for r in members)),
            best_faq_ids=dict(Counter(r["best_faq_id"] for r in members if r["best_faq_id"])),
            asked=[(_key(r), r["asked_at"]) for r in members],
        )
        for members in group_similar(recent_first, key=_key)
    ]


# --- staff mark a group handled (the web console): the `faq_gap_reviews` table ---


def mark_handled(db: sqlite_utils.Database, gap: Gap, handled_by: str, now: datetime) -> None:
    """Every question of the group, as asked until now, is handled (an FAQ entry added, or nothing to add)."""
    stamp = to_iso(now)
    db["faq_gap_reviews"].upsert_all(
        [
            {"normalized": key, "handled_at": stamp, "handled_by": handled_by}
            for key in dict.fromkeys(k for k, _ in gap.asked)
        ],
        pk="normalized",
    )


def reviews(db: sqlite_utils.Database) -> dict[str, str]:
    """Normalised question -> when it was last marked handled."""
    return dict(db.execute("SELECT normalized, handled_at FROM faq_gap_reviews").fetchall())


def is_handled(gap: Gap, handled: dict[str, str]) -> bool:
    """Handled when each of its questions was asked no later than it was marked handled: the same
    question asked again afterwards (the new FAQ entry did not answer it) brings the group back."""
    return all(key in handled and at <= handled[key] for key, at in gap.asked)


def newest_first(gaps: list[Gap]) -> list[Gap]:
    """The console's order: the group asked most recently first."""
    return sorted(gaps, key=lambda gap: gap.last_asked, reverse=True)


def forget_reviewer(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure of a role holder: the marks stay (the questions were handled), no longer saying by whom."""
    db.execute("UPDATE faq_gap_reviews SET handled_by = '' WHERE handled_by = ?", [f"{chat.channel}:{chat.chat_id}"])


def asked_between(db: sqlite_utils.Database, start: str, end: str) -> list[dict]:
    """Every gap recorded in [start, end) (ISO times), for `group`: periodic reports' themes."""
    return list(db.query("SELECT * FROM faq_gaps WHERE asked_at >= ? AND asked_at < ?", [start, end]))
