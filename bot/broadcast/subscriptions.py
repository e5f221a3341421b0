"""Who receives the weekly warnings: one area per chat, optional topics, active or stopped.

Stopping keeps the row (inactive, with why), so a citizen who comes back is simply re-activated,
and a chat that blocked the bot is never written to again until it subscribes anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.broadcast import deliveries
from bot.core.clock import to_iso
from bot.core.messages import ChatKey

NOT_SUBSCRIBABLE = ("bot-help", "reporting-help")  # topics about the bot itself, never a warning's


def choosable(taxonomy) -> list[str]:
    """The topics a subscriber may choose (and a staff broadcast may name), in the taxonomy's order."""
    return [slug for slug in taxonomy if slug not in NOT_SUBSCRIBABLE]


@dataclass(frozen=True)
class Subscription:
    channel: str
    chat_id: str
    area_code: str
    topics: tuple[str, ...]
    active: bool
    stopped_reason: str | None


def get(db: sqlite_utils.Database, chat: ChatKey) -> Subscription | None:
    row = db.execute(
        "SELECT area_code, topics, active, stopped_reason FROM subscriptions WHERE channel = ? AND chat_id = ?",
        [chat.channel, chat.chat_id],
    ).fetchone()
    if row is None:
        return None
    topics = tuple(filter(None, (row[1] or "").split(",")))
    return Subscription(chat.channel, chat.chat_id, row[0], topics, bool(row[2]), row[3])


def area_of(db: sqlite_utils.Database, chat: ChatKey) -> str:
    """The area the chat told us it lives in ('' if it never subscribed): usage counts per area."""
    row = db.execute(
        "SELECT area_code FROM subscriptions WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    return (row[0] or "") if row else ""


def subscribe(
    db: sqlite_utils.Database, chat: ChatKey, area_code: str, now: datetime, topics: tuple[str, ...] = ()
) -> Subscription | None:
    """Subscribe or move the chat; returns what it had before (None if never subscribed)."""
    before = get(db, chat)
    stamp = to_iso(now)
    db.execute(
        "INSERT INTO subscriptions (channel, chat_id, area_code, topics, active, subscribed_at, updated_at) "
        "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (channel, chat_id) DO UPDATE SET area_code = excluded.area_code, "
        "topics = excluded.topics, active = 1, stopped_reason = NULL, updated_at = excluded.updated_at",
        [chat.channel, chat.chat_id, area_code, ",".join(topics), stamp, stamp],
    )
    return before


def set_topics(db: sqlite_utils.Database, chat: ChatKey, topics: tuple[str, ...], now: datetime) -> None:
    db.execute(
        "UPDATE subscriptions SET topics = ?, updated_at = ? WHERE channel = ? AND chat_id = ?",
        [",".join(topics), to_iso(now), chat.channel, chat.chat_id],
    )


def stop(db: sqlite_utils.Database, chat: ChatKey, reason: str, now: datetime) -> bool:
    """Stop everything for the chat, pending broadcast messages included; True if it was active."""
    cursor = db.execute(
        "UPDATE subscriptions SET active = 0, stopped_reason = ?, updated_at = ? "
        "WHERE channel = ? AND chat_id = ? AND active = 1",
        [reason, to_iso(now), chat.channel, chat.chat_id],
    )
    deliveries.cancel_chat(db, chat)
    return cursor.rowcount > 0


def resume_unblocked(db: sqlite_utils.Database, chat: ChatKey, now: datetime) -> bool:
    """The chat unblocked the bot: a subscription stopped only because it was blocked goes on."""
    cursor = db.execute(
        "UPDATE subscriptions SET active = 1, stopped_reason = NULL, updated_at = ? "
        "WHERE channel = ? AND chat_id = ? AND active = 0 AND stopped_reason = 'blocked'",
        [to_iso(now), chat.channel, chat.chat_id],
    )
    return cursor.rowcount > 0


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure: the subscription goes (its messages go with `deliveries.forget`, see `bot.privacy`)."""
    db.execute("DELETE FROM subscriptions WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])


def active_in(db: sqlite_utils.Database, area_codes: set[str] | None) -> Iterator[Subscription]:
    """Active subscriptions in these areas (None: in every area), read as they are used (a
    province's subscribers are never a list in memory)."""
    where, params = "active = 1", []
    if area_codes is not None:
        where += f" AND area_code IN ({', '.join('?' for _ in area_codes)})" if area_codes else " AND 0"
        params = sorted(area_codes)
    rows = db.execute(
        f"SELECT channel, chat_id, area_code, topics FROM subscriptions WHERE {where} ORDER BY channel, chat_id", params
    )
    chosen: dict[str | None, tuple[str, ...]] = {}  # few distinct lists: split each once (a province's preview)
    for channel, chat_id, area, topics in rows:
        if topics not in chosen:
            chosen[topics] = tuple(filter(None, (topics or "").split(",")))
        yield Subscription(channel, chat_id, area, chosen[topics], True, None)


def listing(db: sqlite_utils.Database, area_codes: set[str] | None) -> list[dict]:
    rows = db.execute(
        "SELECT channel, chat_id, area_code, active, topics, subscribed_at, updated_at, stopped_reason "
        "FROM subscriptions ORDER BY area_code, channel, chat_id"
    ).fetchall()
    keys = ("channel", "chat", "area", "active", "topics", "subscribed_at", "updated_at", "stopped_reason")
    return [
        {
            **dict(zip(keys, row, strict=True)),
            "active": bool(row[3]),
            "topics": [t for t in (row[4] or "").split(",") if t],
        }
        for row in rows
        if area_codes is None or row[2] in area_codes
    ]


# --- what staff see of their subscribers (counts only, never who) ---


def _in(column: str, area_codes: set[str] | None) -> tuple[str, list[str]]:
    """A condition on an area column for these areas (None: every area), and its parameters."""
    if area_codes is None:
        return "1", []
    if not area_codes:
        return "0", []
    return f"{column} IN ({', '.join('?' for _ in area_codes)})", sorted(area_codes)


def active_per_area(db: sqlite_utils.Database, area_codes: set[str] | None) -> dict[str, int]:
    """Active subscriptions per area code (index `active, area_code`)."""
    where, params = _in("area_code", area_codes)
    rows = db.execute(
        f"SELECT area_code, count(*) FROM subscriptions WHERE active = 1 AND {where} GROUP BY area_code", params
    ).fetchall()
    return dict(rows)


def active_per_topic(db: sqlite_utils.Database, area_codes: set[str] | None) -> tuple[dict[str, int], int]:
    """(active subscriptions following each topic by choice, those following every topic)."""
    where, params = _in("area_code", area_codes)
    per_topic: dict[str, int] = {}
    every = 0
    for topics, count in db.execute(
        f"SELECT topics, count(*) FROM subscriptions WHERE active = 1 AND {where} GROUP BY topics", params
    ):
        chosen = [t for t in (topics or "").split(",") if t]
        if not chosen:
            every += count
        for topic in chosen:
            per_topic[topic] = per_topic.get(topic, 0) + count
    return per_topic, every


def weekly_changes(
    db: sqlite_utils.Database, area_codes: set[str] | None, start: str, weeks: int
) -> dict[str, list[int]]:
    """Subscriptions started ("new") and stopped ("stopped") in each of `weeks` weeks from `start`
    (an ISO time: the first week's Monday 00:00). A chat that comes back keeps its first
    `subscribed_at`, so "new" counts first subscriptions; "stopped" counts those inactive now, by
    when they stopped. Uses the indexes `area_code, subscribed_at` and `active, area_code`."""
    where, params = _in("area_code", area_codes)
    found = {}
    for name, column, extra in (("new", "subscribed_at", ""), ("stopped", "updated_at", "active = 0 AND ")):
        per_week = [0] * weeks
        rows = db.execute(
            f"SELECT CAST((julianday({column}) - julianday(?)) / 7 AS INTEGER) AS week, count(*) "
            f"FROM subscriptions WHERE {extra}{where} AND {column} >= ? GROUP BY week",
            [start, *params, start],
        )
        for week, count in rows:
            if 0 <= week < weeks:
                per_week[week] = count
        found[name] = per_week
    return found


# --- aggregates for periodic reports (bot/periodic/figures.py) ---

# Vietnam's month of a stored UTC time: reports count by the month people there live in.
_MONTH = "strftime('%Y-%m', {}, '+7 hours')"


def _areas_clause(area_codes: list[str]) -> tuple[str, list[str]]:
    return (f"area_code IN ({', '.join('?' for _ in area_codes)})" if area_codes else "0"), list(area_codes)


def monthly_changes(db: sqlite_utils.Database, start: str, end: str, area_codes: list[str]) -> list[tuple]:
    """(month, area, new, stopped) for [start, end): subscriptions first made in the month, and
    subscriptions whose last change was a stop in the month (a chat that stopped twice counts once)."""
    where, params = _areas_clause(area_codes)
    new = db.execute(
        f"SELECT {_MONTH.format('subscribed_at')}, area_code, count(*) FROM subscriptions "
        f"WHERE subscribed_at >= ? AND subscribed_at < ? AND {where} GROUP BY 1, 2",
        [start, end, *params],
    ).fetchall()
    stopped = db.execute(
        f"SELECT {_MONTH.format('updated_at')}, area_code, count(*) FROM subscriptions "
        f"WHERE active = 0 AND updated_at >= ? AND updated_at < ? AND {where} GROUP BY 1, 2",
        [start, end, *params],
    ).fetchall()
    return [(m, a, n, 0) for m, a, n in new] + [(m, a, 0, n) for m, a, n in stopped]


def active_at(db: sqlite_utils.Database, end: str, area_codes: list[str]) -> dict[str, int]:
    """Per area, subscriptions active at `end`: made before it and active now, or stopped since."""
    where, params = _areas_clause(area_codes)
    rows = db.execute(
        f"SELECT area_code, count(*) FROM subscriptions WHERE subscribed_at < ? AND (active = 1 OR updated_at >= ?) "
        f"AND {where} GROUP BY 1",
        [end, end, *params],
    ).fetchall()
    return dict(rows)
