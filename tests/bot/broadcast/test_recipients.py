"""One recipients function: the staff preview counts exactly whom the real send writes to,
topics included (a subscriber who chose other topics is neither counted nor sent to)."""

from __future__ import annotations

from datetime import datetime

from bot.broadcast import broadcasts, subscriptions
from bot.broadcast.campaigns import iso_week
from bot.core.clock import VIETNAM
from bot.core.messages import ChatKey
from tests.conftest import Chat

STAFF = "7002"


async def test_the_preview_counts_whom_the_send_reaches(router, services, settings, clock, library, values):
    settings.staff_ids = [f"{STAFF}=x-02647"]
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    campaign = library.campaigns.for_week(iso_week(clock.now))
    other_topic = next(slug for slug in library.content.taxonomy if slug != campaign.topic)
    for chat_id in ("1", "2", "3"):
        await Chat(router, services, chat_id=chat_id).press("sub:pick:x-02647")
    # Subscriber 2 wants warnings about another topic only.
    services.storage.write_sync(lambda db: subscriptions.set_topics(db, ChatKey("test", "2"), (other_topic,), clock()))

    staff = Chat(router, services, chat_id=STAFF)
    await staff.send("/phatcanhbao")
    await staff.press(f"staff:camp:{campaign.id}")
    await staff.press("staff:area:x-02647")
    [preview] = values("staff_preview")
    await staff.press("staff:confirm")

    [draft] = await services.storage.read(lambda db: broadcasts.recent(db))
    sent = services.storage.write_sync(lambda db: broadcasts.enqueue(db, draft, services.broadcast_renderer(), clock()))
    assert sent == 2
    assert preview["count"] == sent
