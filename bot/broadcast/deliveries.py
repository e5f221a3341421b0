"""A broadcast's deliveries as a queue the sender drains (`bot/broadcast/sender.py`): one row per
recipient, written by `broadcasts.enqueue`; marked in flight (committed) before its send, then
sent, blocked or failed. Rows left in flight by a crash are sent again and marked `resent`. The
sender claims and records rows in batches (one transaction for many rows): at 1,000 messages a
second, a transaction per row and per record was where the time went.

The same functions, on the same row shape (`bot.core.outbox.Outgoing`, `Failure`), as the
outbox: the sender holds the policy, this module the SQL.

**Retention.** A row holds its recipient and text: a broadcast to 300,000 is about 110 MB, 52 a
year some 6 GB. Once a broadcast is summed up and `CANHGIAC_DELIVERY_RETENTION_DAYS` have passed,
its rows go (`sum_up`) and their counts per area and status, with how many were resent, stay in
`delivery_tallies`; `counts` and `per_area` (the console, the periodic report) read both, so their
figures do not change. Rows are moved in chunks, each chunk's counts and deletion in one
transaction: no moment counts a row twice or not at all, and the writer is never held for long.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

import sqlite_utils

from bot.core.clock import to_iso
from bot.core.messages import ChatKey
from bot.core.outbox import Failure, Outgoing

# The open rows' partial index (migration 26) serves a query whose WHERE names this very term.
OPEN_ROWS = "status IN ('pending', 'inflight')"


def recover(db: sqlite_utils.Database, channel: str) -> int:
    """At start: rows left in flight by a crash are sent again, and marked as possibly doubled."""
    return db.execute(
        "UPDATE deliveries SET status = 'pending', resent = 1 WHERE channel = ? AND status = 'inflight'", [channel]
    ).rowcount


def claim(db: sqlite_utils.Database, channel: str, now: datetime, busy: Collection[str]) -> Outgoing | None:
    """Take the oldest due row of a broadcast still sending, to a chat not in `busy`; mark it in flight."""
    items = claim_many(db, channel, now, busy, 1)
    return items[0] if items else None


def claim_many(
    db: sqlite_utils.Database, channel: str, now: datetime, busy: Collection[str], limit: int
) -> list[Outgoing]:
    """Up to `limit` oldest due rows of broadcasts still sending, one per chat, none to a chat in
    `busy`; all marked in flight in this transaction. `busy` goes as one JSON parameter: at a paid
    pace it names about a thousand chats (those sent to within the last second)."""
    rows = db.execute(
        "SELECT d.id, d.chat_id, d.text, d.attempts FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
        "WHERE d.status = 'pending' AND d.channel = ? AND d.next_attempt_at <= ? AND b.status = 'sending' "
        "AND d.chat_id NOT IN (SELECT value FROM json_each(?)) ORDER BY d.next_attempt_at, d.id LIMIT ?",
        [channel, to_iso(now), json.dumps(list(busy)), limit],
    ).fetchall()
    items = one_per_chat(rows)
    db.conn.executemany("UPDATE deliveries SET status = 'inflight' WHERE id = ?", [(item.id,) for item in items])
    return items


def one_per_chat(rows: list[tuple]) -> list[Outgoing]:
    """The first row of each chat: two messages to one chat in a batch would break its spacing."""
    seen: set[str] = set()
    items = []
    for row in rows:
        if row[1] not in seen:
            seen.add(row[1])
            items.append(Outgoing(*row))
    return items


def record_sent(db: sqlite_utils.Database, item_id: int, now: datetime) -> None:
    record_sent_many(db, [item_id], now)


def record_sent_many(db: sqlite_utils.Database, item_ids: Collection[int], now: datetime) -> None:
    stamp = to_iso(now)
    db.conn.executemany(
        "UPDATE deliveries SET status = 'sent', sent_at = ? WHERE id = ?", [(stamp, i) for i in item_ids]
    )


def release(db: sqlite_utils.Database, item_ids: Collection[int], not_before: str | None = None) -> None:
    """Rows claimed but never sent (the sender stopped, or paused, first): pending again, due no
    sooner than `not_before`, not counted as resent."""
    db.conn.executemany(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = max(next_attempt_at, coalesce(?, '')) "
        "WHERE id = ? AND status = 'inflight'",
        [(not_before, i) for i in item_ids],
    )


def record_failure(db: sqlite_utils.Database, item_id: int, failure: Failure) -> None:
    db.execute(
        "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
        [failure.status, failure.attempts, failure.next_attempt_at, failure.error, item_id],
    )


# --- written and read by broadcasts and subscriptions (one owner per table) ---


def add(db: sqlite_utils.Database, rows: Iterable[dict]) -> int:
    """A broadcast's rows, one per recipient (a recipient already holding one is skipped), taken
    from an iterator in chunks: 300,000 recipients are never a list in memory. Returns how many
    were offered."""
    count = 0

    def counted() -> Iterator[dict]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    db["deliveries"].insert_all(counted(), batch_size=500, ignore=True)
    return count


def counts(db: sqlite_utils.Database, broadcast_id: int) -> tuple[dict[str, int], int]:
    """(rows per status, rows sent again after a crash) of one broadcast, pruned rows included."""
    per_status = dict(
        db.execute(
            "SELECT status, sum(n) FROM (SELECT status, count(*) AS n FROM deliveries WHERE broadcast_id = ? "
            "GROUP BY status UNION ALL SELECT status, rows FROM delivery_tallies WHERE broadcast_id = ?) "
            "GROUP BY status",
            [broadcast_id, broadcast_id],
        ).fetchall()
    )
    resent = db.execute(
        "SELECT (SELECT count(*) FROM deliveries WHERE broadcast_id = ? AND resent = 1) + "
        "(SELECT coalesce(sum(resent), 0) FROM delivery_tallies WHERE broadcast_id = ?)",
        [broadcast_id, broadcast_id],
    ).fetchone()[0]
    return per_status, resent


def sum_up(db: sqlite_utils.Database, broadcast_id: int, limit: int) -> int:
    """Move up to `limit` rows of a finished broadcast into its counts (`delivery_tallies`) and
    delete them; how many were moved. Nothing is moved while a row of it is still to be sent."""
    still_open = db.execute(
        f"SELECT 1 FROM deliveries WHERE broadcast_id = ? AND {OPEN_ROWS} LIMIT 1", [broadcast_id]
    ).fetchone()
    if limit <= 0 or still_open:
        return 0
    rows = db.execute("SELECT id FROM deliveries WHERE broadcast_id = ? LIMIT ?", [broadcast_id, limit])
    ids = json.dumps([row[0] for row in rows])
    db.execute(
        "INSERT INTO delivery_tallies (broadcast_id, area_code, status, rows, resent) "
        "SELECT broadcast_id, coalesce(area_code, ''), status, count(*), sum(resent = 1) FROM deliveries "
        "WHERE id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2, 3 "
        "ON CONFLICT (broadcast_id, area_code, status) "
        "DO UPDATE SET rows = rows + excluded.rows, resent = resent + excluded.resent",
        [ids],
    )
    return db.execute("DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))", [ids]).rowcount


def to_send(db: sqlite_utils.Database, broadcast_id: int, before: str) -> bool:
    """Whether a row of the broadcast is in flight or pending and due before `before`: asked every
    few seconds while it sends, so a seek in the open rows' index, whatever the broadcast's size."""
    return bool(
        db.execute(
            f"SELECT EXISTS (SELECT 1 FROM deliveries WHERE broadcast_id = ? AND {OPEN_ROWS} AND status = 'inflight') "
            f"OR EXISTS (SELECT 1 FROM deliveries WHERE broadcast_id = ? AND {OPEN_ROWS} AND status = 'pending' "
            "AND next_attempt_at <= ?)",
            [broadcast_id, broadcast_id, before],
        ).fetchone()[0]
    )


def held(db: sqlite_utils.Database, broadcast_id: int, after: str) -> tuple[int, str | None]:
    """(pending rows not due before `after`, the earliest of them): messages a platform told us to
    hold for long, such as a Zalo OA's spent monthly quota."""
    count, first = db.execute(
        f"SELECT count(*), min(next_attempt_at) FROM deliveries WHERE broadcast_id = ? AND {OPEN_ROWS} "
        "AND status = 'pending' AND next_attempt_at > ?",
        [broadcast_id, after],
    ).fetchone()
    return count, first


def cancel_broadcast(db: sqlite_utils.Database, broadcast_id: int) -> None:
    """Nothing more of this broadcast is sent (a row already in flight still arrives)."""
    db.execute(
        "UPDATE deliveries SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'", [broadcast_id]
    )


def cancel_chat(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """The chat stopped its subscription: nothing more is sent to it."""
    db.execute(
        "UPDATE deliveries SET status = 'cancelled' WHERE channel = ? AND chat_id = ? AND status = 'pending'",
        [chat.channel, chat.chat_id],
    )


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Erasure: every broadcast message to the chat goes."""
    db.execute("DELETE FROM deliveries WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])


def per_area(db: sqlite_utils.Database, broadcast_ids: list[int], area_codes: list[str]) -> list[tuple]:
    """(broadcast id, area, status, rows) of these broadcasts' deliveries in these areas, pruned rows included."""
    if not broadcast_ids or not area_codes:
        return []
    where = "broadcast_id IN (SELECT value FROM json_each(?)) AND area_code IN (SELECT value FROM json_each(?))"
    ids, areas = json.dumps(broadcast_ids), json.dumps(area_codes)
    return db.execute(
        f"SELECT broadcast_id, area_code, status, sum(n) FROM (SELECT broadcast_id, area_code, status, count(*) AS n "
        f"FROM deliveries WHERE {where} GROUP BY 1, 2, 3 UNION ALL SELECT broadcast_id, area_code, status, rows "
        f"FROM delivery_tallies WHERE {where}) GROUP BY 1, 2, 3",
        [ids, areas, ids, areas],
    ).fetchall()
