"""Who hears that a broadcast is done: its maker, admins, and staff whose areas it went to, those
of the environment and those given the role in the chat (issue 12)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app.serve import schedule_broadcasts
from bot.broadcast import broadcasts
from bot.core import outbox
from bot.core.clock import VIETNAM
from bot.core.messages import ChatKey
from bot.routing import grants


def give(services, user: str, role: str, scope: list[str]) -> None:
    now = services.clock()

    def write(db):
        code = grants.create_invite(
            db, role=role, scope=scope, created_by="telegram:1", now=now, valid_for=timedelta(days=1)
        )[1]
        grants.redeem(db, code, ChatKey("telegram", user), user, now)

    services.storage.write_sync(write)


async def test_summaries_reach_staff_of_the_area_from_both_sources(services, settings, clock):
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    settings.weekly_day = "off"
    settings.admin_ids = ["1"]
    settings.staff_ids = ["7002=x-02647", "7003=x-00070"]  # phường Lào Cai; a ward of Hà Nội
    give(services, "7301", "staff", ["t-15"])  # the province of Lào Cai: covers the ward
    give(services, "7302", "staff", ["x-00070"])  # Hà Nội: does not
    broadcast_id = services.storage.write_sync(
        lambda db: broadcasts.create(db, created_by="zalo:abc", now=clock(), text="Tin thử", areas=["x-02647"])
    )
    await schedule_broadcasts(services)
    rows = services.storage.read_sync(lambda db: outbox.pending(db, ["telegram", "zalo"]))
    assert {(row.channel, row.chat_id) for row in rows} == {
        ("zalo", "abc"),  # who made it
        ("telegram", "1"),  # the admin
        ("telegram", "7002"),  # staff of the ward, from the environment
        ("telegram", "7301"),  # staff of its province, given in the chat
    }
    assert services.storage.read_sync(lambda db: broadcasts.get(db, broadcast_id)).status == "done"
