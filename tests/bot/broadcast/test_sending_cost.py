"""What the database does for a broadcast while it sends does not grow with the broadcast: at
1,000 messages a second the writer thread's claims, records and the scheduler's round every 2 s
must cost the same at 300,000 recipients as at 2,000 (issue 19: a round that counted every row
took 175 ms of the writer at 300,000, holding up the sender's claims). Counted in SQLite's own
steps (its progress handler), not in time: the same on a loaded machine."""

from __future__ import annotations

from datetime import timedelta

from bot.broadcast import broadcasts, deliveries
from bot.core.clock import to_iso, utc_now
from bot.core.storage import Storage


class Renderer:
    texts = None  # a round that finds nothing finished renders no summary


def broadcast_of(tmp_path, rows: int) -> Storage:
    """A broadcast to `rows` chats, half of them sent, the rest pending and due."""
    storage = Storage(tmp_path / f"{rows}.db")
    now = utc_now()

    def write(db):
        broadcast_id = broadcasts.create(db, created_by="test", now=now - timedelta(seconds=1), text="x")
        deliveries.add(db, ({"broadcast_id": broadcast_id, "channel": "telegram", "chat_id": str(n),
                             "area_code": "coc-leu", "text": "x", "status": "sent" if n % 2 else "pending",
                             "attempts": 0, "next_attempt_at": to_iso(now), "resent": 0}
                            for n in range(rows)))  # fmt: skip
        db.execute("UPDATE broadcasts SET status = 'sending' WHERE id = ?", [broadcast_id])

    storage.write_sync(write)
    return storage


def steps(storage: Storage, work) -> int:
    """SQLite virtual machine steps (in hundreds) that `work(db)` takes in a write transaction."""
    count = 0

    def counted(db):
        nonlocal count

        def step():
            nonlocal count
            count += 1

        db.conn.set_progress_handler(step, 100)
        try:
            work(db)
        finally:
            db.conn.set_progress_handler(None, 0)

    storage.write_sync(counted)
    return count


def sending_round(db) -> None:
    """What the writer does for a broadcast in a round of the sender at the paid pace, and the
    scheduler's check every 2 s: a claim, records, and whether the broadcast is finished."""
    later = utc_now() + timedelta(seconds=5)
    sent_last_second = [str(n) for n in range(1, 2000, 2)]  # a second of sends at the paid pace
    items = deliveries.claim_many(db, "telegram", later, sent_last_second, 256)
    for start in range(0, len(items), 64):
        deliveries.record_sent_many(db, [item.id for item in items[start : start + 64]], later)
    assert broadcasts.finish(db, later, lambda b: [], Renderer()) == []  # still sending


def test_a_sending_round_costs_the_same_at_20000_rows_as_at_2000(tmp_path):
    small, large = broadcast_of(tmp_path, 2000), broadcast_of(tmp_path, 20000)
    try:
        few, many = steps(small, sending_round), steps(large, sending_round)
    finally:
        small.close()
        large.close()
    assert many < few * 1.5, (few, many)  # counting the broadcast's rows would be ten times as many
