"""Questions the FAQ could not answer with confidence, kept so staff can see what to add.

Only the question is kept (identifiers redacted), its normalised form, the time and what the
matcher did: never who asked. `group` clusters similar questions so the most frequent gaps come
first in `canhgiac faq gaps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils
from rapidfuzz import fuzz

from bot.core.clock import to_iso
from bot.knowledge.matcher import Result
from bot.knowledge.normalize import redact_identifiers

SIMILAR = 80  # token-set similarity (0-100) at which two questions count as the same gap
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


def group(rows: list[dict]) -> list[Gap]:
    """Cluster gap rows by similar normalised text; most frequent first, then most recent."""
    gaps: list[Gap] = []
    for row in sorted(rows, key=lambda r: r["asked_at"], reverse=True):
        key = row["normalized"] or row["text"].casefold()
        gap = next((g for g in gaps if fuzz.token_set_ratio(g.normalized, key) >= SIMILAR), None)
        if gap is None:
            gap = Gap(example=row["text"], normalized=key, last_asked=row["asked_at"])
            gaps.append(gap)
        gap.count += 1
        gap.outcomes[row["outcome"]] = gap.outcomes.get(row["outcome"], 0) + 1
        if row["best_faq_id"]:
            gap.best_faq_ids[row["best_faq_id"]] = gap.best_faq_ids.get(row["best_faq_id"], 0) + 1
    return sorted(gaps, key=lambda g: -g.count)  # stable: among equals, the most recent first
