"""Messages sent per channel and calendar month (Vietnam time), for platforms with a monthly quota
(the Zalo Bot Platform's plan). Counts only: never who or what."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from bot.core.clock import VIETNAM


def month_of(now: datetime) -> str:
    return now.astimezone(VIETNAM).strftime("%Y-%m")


def next_month(now: datetime) -> datetime:
    """When the quota of `now`'s month is refilled: the first of the next month, Vietnam time."""
    local = now.astimezone(VIETNAM)
    first = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=VIETNAM)
    return first.astimezone(UTC)


def add(db: sqlite_utils.Database, channel: str, now: datetime, messages: int) -> None:
    db.execute(
        "INSERT INTO channel_usage (channel, month, messages) VALUES (?, ?, ?) "
        "ON CONFLICT (channel, month) DO UPDATE SET messages = messages + excluded.messages",
        [channel, month_of(now), messages],
    )


def used(db: sqlite_utils.Database, channel: str, now: datetime) -> int:
    row = db.execute(
        "SELECT messages FROM channel_usage WHERE channel = ? AND month = ?", [channel, month_of(now)]
    ).fetchone()
    return row[0] if row else 0
