"""A commune's targets: how many villages (thôn, bản, tổ dân phố) it has, and the share of them it
aims to reach with at least one session in a period. Set by its staff (`canhgiac report target`);
`log.coverage` compares the villages reached against them.

Owns `activity_targets`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso

MAX_VILLAGES = 500  # the largest communes after the 2025 merger have about 150 villages


@dataclass(frozen=True)
class Target:
    area_code: str
    villages: int
    share: float  # 0 < share <= 1


def check(villages: int, share: float) -> str | None:
    """Why these numbers cannot be a target ("villages", "share"), or None."""
    if not 1 <= villages <= MAX_VILLAGES:
        return "villages"
    if not 0 < share <= 1:
        return "share"
    return None


def set_target(
    db: sqlite_utils.Database, area_code: str, villages: int, share: float, actor: str, now: datetime
) -> None:
    problem = check(villages, share)
    if problem is not None:
        raise ValueError(f"bad target: {problem}")
    db.execute(
        "INSERT INTO activity_targets (area_code, villages, share, updated_by, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(area_code) DO UPDATE SET villages = excluded.villages, share = excluded.share, "
        "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        [area_code, villages, share, actor, to_iso(now)],
    )


def get(db: sqlite_utils.Database, area_code: str) -> Target | None:
    row = db.execute(
        "SELECT area_code, villages, share FROM activity_targets WHERE area_code = ?", [area_code]
    ).fetchone()
    return Target(*row) if row else None


def forget(db: sqlite_utils.Database, actor: str) -> None:
    """The target stays (it is the commune's); who set it is no longer said."""
    db.execute("UPDATE activity_targets SET updated_by = '' WHERE updated_by = ?", [actor])
