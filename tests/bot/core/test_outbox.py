"""The outbox: sent once the platform accepts, retried when it may help, dropped when it cannot."""

from __future__ import annotations

from bot.app.serve import drain_outbox
from bot.core import outbox
from bot.core.messages import DeliveryError


class Channel:
    name = "telegram"

    def __init__(self, failures: dict[str, DeliveryError]):
        self.failures, self.sent = failures, []

    async def deliver(self, chat_id, replies):
        if chat_id in self.failures:
            raise self.failures[chat_id]
        self.sent.append((chat_id, replies[0].text))


async def test_sent_retried_and_given_up(services, clock):
    def queue(db):
        for chat in ("ok", "blocked", "flaky"):
            outbox.enqueue(db, "telegram", chat, f"tin cho {chat}", "report_status", clock())
        outbox.enqueue(db, "zalo", "z", "chưa có kênh Zalo", "report_status", clock())

    await services.storage.write(queue)
    channel = Channel(
        {"blocked": DeliveryError("Forbidden", blocked=True), "flaky": DeliveryError("TimedOut", permanent=False)}
    )
    assert await drain_outbox(services, {"telegram": channel}) == 1
    assert channel.sent == [("ok", "tin cho ok")]
    for _ in range(outbox.MAX_ATTEMPTS):
        await drain_outbox(services, {"telegram": channel})
    rows = await services.storage.read(lambda db: {r["chat_id"]: r for r in db["outbox"].rows})
    assert rows["ok"]["status"] == "sent" and rows["ok"]["sent_at"]
    assert rows["blocked"]["status"] == "failed" and rows["blocked"]["attempts"] == 1
    assert rows["flaky"]["status"] == "failed" and rows["flaky"]["attempts"] == outbox.MAX_ATTEMPTS
    assert rows["z"]["status"] == "pending"  # waits for a running Zalo channel
    assert channel.sent == [("ok", "tin cho ok")]  # never twice
