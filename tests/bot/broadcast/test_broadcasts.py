"""Broadcasts: who gets what, the weekly campaign once per week, progress and the summary."""

from __future__ import annotations

from datetime import datetime

from bot.broadcast import broadcasts, subscriptions
from bot.broadcast.areas import Areas
from bot.broadcast.campaigns import Calendar, Campaign, Campaigns
from bot.core import outbox
from bot.core.clock import VIETNAM
from bot.core.messages import ChatKey
from tests.bot.broadcast.test_areas_campaigns import TREE

CAMPAIGNS = Campaigns(
    {
        "w01": Campaign("w01", "job-scam", "Việc nhẹ lương cao", "Ở {{ area.name }}, gọi {{ hotlines.police }}."),
        "w02": Campaign("w02", "loan-shark", "Vay nhanh", "Cẩn thận vay qua app."),
    },
    Calendar(start="2026-W48", sequence=("w01", "w02"), weeks={}),
)


def renderer(services) -> broadcasts.Renderer:
    return broadcasts.Renderer(services.content.texts("vi"), Areas(TREE), CAMPAIGNS)


def seed(services, clock, people: dict[str, str], topics: dict[str, tuple] | None = None) -> None:
    def write(db):
        for chat, area in people.items():
            subscriptions.subscribe(db, ChatKey("telegram", chat), area, clock(), (topics or {}).get(chat, ()))

    services.storage.write_sync(write)


def deliveries(services, broadcast_id):
    return services.storage.read_sync(
        lambda db: {
            r["chat_id"]: r for r in db.query("SELECT * FROM deliveries WHERE broadcast_id = ?", [broadcast_id])
        }
    )


def send(services, clock, **fields) -> int:
    def write(db):
        broadcast_id = broadcasts.create(db, created_by="telegram:9", now=clock(), **fields)
        for due in broadcasts.due(db, clock()):
            broadcasts.enqueue(db, due, renderer(services), clock())
        return broadcast_id

    return services.storage.write_sync(write)


def test_a_targeted_broadcast_reaches_the_area_and_what_is_inside_it(services, clock):
    seed(services, clock, {"1": "coc-leu", "2": "bac-cuong", "3": "da-nang", "4": "lao-cai"})
    broadcast_id = send(services, clock, campaign_id="w01", areas=["tp-lao-cai"])
    rows = deliveries(services, broadcast_id)
    assert set(rows) == {"1", "2"}
    assert "Ở phường Cốc Lếu, gọi 113." in rows["1"]["text"] and "Ở phường Bắc Cường" in rows["2"]["text"]
    assert "/huydangky" in rows["1"]["text"]  # every broadcast says how to stop


def test_staff_text_is_escaped_and_topics_filter_only_campaigns(services, clock):
    seed(services, clock, {"1": "coc-leu", "2": "coc-leu"}, topics={"2": ("loan-shark",)})
    text_id = send(services, clock, text="<b>Khẩn</b> {{ 7*7 }}")
    rows = deliveries(services, text_id)
    assert set(rows) == {"1", "2"} and "&lt;b&gt;Khẩn&lt;/b&gt; {{ 7*7 }}" in rows["1"]["text"]
    campaign_id = send(services, clock, campaign_id="w01")
    assert set(deliveries(services, campaign_id)) == {"1"}  # 2 chose loan sharks only


def test_stopped_and_moved_subscribers(services, clock):
    seed(services, clock, {"1": "coc-leu", "2": "coc-leu"})
    services.storage.write_sync(lambda db: subscriptions.stop(db, ChatKey("telegram", "1"), "user", clock()))
    seed(services, clock, {"2": "da-nang"})
    assert deliveries(services, send(services, clock, text="x", areas=["coc-leu"])) == {}
    seed(services, clock, {"1": "coc-leu"})  # subscribing again re-activates
    assert set(deliveries(services, send(services, clock, text="x", areas=["lao-cai"]))) == {"1"}


def test_the_weekly_campaign_is_created_once_when_due_even_after_downtime(services, clock):
    seed(services, clock, {"1": "coc-leu", "2": "da-nang"})
    services.storage.write_sync(
        lambda db: db["week_overrides"].insert(
            {"area_code": "tp-lao-cai", "iso_week": "2026-W48", "campaign_id": "w02", "set_by": "x", "set_at": "x"}
        )
    )
    clock.now = datetime(2026, 11, 23, 7, 59, tzinfo=VIETNAM)  # Monday of 2026-W48, before 08:00

    def tick(db):
        created = broadcasts.ensure_weekly(db, clock(), "mon", (8, 0))
        for due in broadcasts.due(db, clock()):
            broadcasts.enqueue(db, due, renderer(services), clock())
        return created

    assert services.storage.write_sync(tick) is False
    clock.now = datetime(2026, 11, 25, 15, 0, tzinfo=VIETNAM)  # the bot was down until Wednesday
    assert services.storage.write_sync(tick) is True
    assert services.storage.write_sync(tick) is False  # once per week
    [weekly] = services.storage.read_sync(lambda db: broadcasts.recent(db))
    rows = deliveries(services, weekly.id)
    assert weekly.iso_week == "2026-W48" and "Vay nhanh" in rows["1"]["text"] and "Việc nhẹ" in rows["2"]["text"]


def test_progress_cancel_and_summary(services, clock, rendered):
    seed(services, clock, {str(n): "coc-leu" for n in range(5)})
    broadcast_id = send(services, clock, text="x")

    def mark(db):
        db.execute(
            "UPDATE deliveries SET status = 'sent' WHERE broadcast_id = ? AND chat_id IN ('0', '1')", [broadcast_id]
        )
        db.execute("UPDATE deliveries SET status = 'blocked' WHERE chat_id = '2'")

    services.storage.write_sync(mark)
    state = services.storage.read_sync(lambda db: broadcasts.progress(db, broadcast_id))
    assert (state.total, state.done, state.counts["pending"]) == (5, 3, 2)
    assert services.storage.write_sync(lambda db: broadcasts.cancel(db, broadcast_id)) is True
    finished = services.storage.write_sync(
        lambda db: broadcasts.finish(db, clock(), lambda b: [("telegram", "9")], renderer(services))
    )
    assert finished == [broadcast_id]
    [summary] = services.storage.read_sync(lambda db: outbox.pending(db, ["telegram"]))
    assert "2 / 5" in summary.text
    [values] = [v for name, v in zip(rendered, rendered.values, strict=True) if name == "broadcast_summary"]
    assert (values["total"], dict(values["counts"])) == (5, {"sent": 2, "blocked": 1, "cancelled": 2})


def finish(services, clock) -> list[int]:
    return services.storage.write_sync(
        lambda db: broadcasts.finish(db, clock(), lambda b: [("telegram", "9")], renderer(services))
    )


def summaries(services) -> list:
    return services.storage.read_sync(lambda db: outbox.pending(db, ["telegram"]))


def test_messages_held_for_weeks_are_summed_up_now_and_still_go_later(services, clock, rendered):
    """A Zalo OA's spent quota holds the rest until next month: staff hear now what went and what
    waits; the broadcast keeps sending, and ends without a second summary."""
    seed(services, clock, {str(n): "coc-leu" for n in range(4)})
    broadcast_id = send(services, clock, text="x")
    later = "2099-01-01T00:00:00.000000Z"

    def quota_spent(db):
        db.execute("UPDATE deliveries SET status = 'sent' WHERE chat_id IN ('0', '1')")
        db.execute("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'", [later])

    services.storage.write_sync(quota_spent)
    assert finish(services, clock) == [broadcast_id]
    [values] = [v for name, v in zip(rendered, rendered.values, strict=True) if name == "broadcast_summary"]
    assert values["held"] == 2 and values["resumes"] and dict(values["counts"]) == {"sent": 2, "pending": 2}
    status = lambda: services.storage.read_sync(  # noqa: E731
        lambda db: db.execute("SELECT status FROM broadcasts WHERE id = ?", [broadcast_id]).fetchone()[0]
    )
    assert status() == "sending"
    services.storage.write_sync(lambda db: db.execute("UPDATE deliveries SET status = 'sent'"))
    assert finish(services, clock) == [] and status() == "done"
    assert len(summaries(services)) == 1


def test_a_summary_of_nobody_says_why(services, clock, rendered):
    nobody = send(services, clock, text="x", areas=["da-nang"])
    seed(services, clock, {"1": "coc-leu"}, topics={"1": ("loan-shark",)})
    other_topic = send(services, clock, campaign_id="w01", areas=["coc-leu"])
    assert finish(services, clock) == [nobody, other_topic]
    assert len(summaries(services)) == 2
    whys = [v["why"] for name, v in zip(rendered, rendered.values, strict=True) if name == "broadcast_summary"]
    assert whys == [{"subscribers": 0, "other_topics": 0}, {"subscribers": 1, "other_topics": 1}]


def test_a_weekly_campaign_that_reached_nobody_sends_no_summary(services, clock):
    clock.now = datetime(2026, 11, 25, 15, 0, tzinfo=VIETNAM)  # a new deployment's first start, after the hour

    def tick(db):
        broadcasts.ensure_weekly(db, clock(), "mon", (8, 0))
        for due in broadcasts.due(db, clock()):
            broadcasts.enqueue(db, due, renderer(services), clock())

    services.storage.write_sync(tick)
    [weekly] = services.storage.read_sync(lambda db: broadcasts.recent(db))
    assert finish(services, clock) == [weekly.id]
    assert summaries(services) == []  # no "0 / 0"
    weekly = services.storage.read_sync(lambda db: broadcasts.weekly_of(db, "2026-W48"))
    assert (weekly.status, weekly.recipients, weekly.finished_at is not None) == ("done", 0, True)
