"""The outbox as a queue: due rows of a channel claimed oldest first and marked in flight, busy
chats skipped, failures waiting for their time, rows left in flight by a crash sent again."""

from __future__ import annotations

from datetime import timedelta

from bot.core import outbox
from bot.core.clock import to_iso


def queue(services, clock, *chats: str, channel: str = "telegram") -> None:
    services.storage.write_sync(
        lambda db: [outbox.enqueue(db, channel, chat, f"tin cho {chat}", "report_status", clock()) for chat in chats]
    )


def claim(services, clock, busy=()):
    return services.storage.write_sync(lambda db: outbox.claim(db, "telegram", clock(), list(busy)))


def rows(services) -> dict[str, dict]:
    return services.storage.read_sync(lambda db: {r["chat_id"]: r for r in db["outbox"].rows})


def test_claimed_oldest_first_per_channel_skipping_busy_chats(services, clock):
    queue(services, clock, "a", "b")
    queue(services, clock, "z", channel="zalo")
    first = claim(services, clock, busy=["a"])
    assert (first.chat_id, first.text, first.attempts) == ("b", "tin cho b", 0)
    assert claim(services, clock).chat_id == "a"
    assert claim(services, clock) is None  # both in flight; the Zalo row waits for its channel
    assert {chat: row["status"] for chat, row in rows(services).items()} == {
        "a": "inflight",
        "b": "inflight",
        "z": "pending",
    }


def test_a_failure_waits_for_its_time_and_a_send_is_recorded(services, clock):
    queue(services, clock, "a")
    item = claim(services, clock)
    later = to_iso(clock() + timedelta(seconds=4))
    failure = outbox.Failure("pending", 1, later, "NetworkError")
    services.storage.write_sync(lambda db: outbox.record_failure(db, item.id, failure))
    assert claim(services, clock) is None
    clock.advance(seconds=4)
    again = claim(services, clock)
    assert (again.id, again.attempts) == (item.id, 1)
    services.storage.write_sync(lambda db: outbox.record_sent(db, item.id, clock()))
    row = rows(services)["a"]
    assert (row["status"], row["sent_at"], row["last_error"]) == ("sent", to_iso(clock()), "NetworkError")


def test_rows_left_in_flight_by_a_crash_are_sent_again_and_marked(services, clock):
    queue(services, clock, "a", "b")
    claim(services, clock)
    assert services.storage.write_sync(lambda db: outbox.recover(db, "zalo")) == 0
    assert services.storage.write_sync(lambda db: outbox.recover(db, "telegram")) == 1
    assert claim(services, clock).chat_id == "a"
    assert {chat: row["resent"] for chat, row in rows(services).items()} == {"a": 1, "b": 0}
