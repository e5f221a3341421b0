"""`serve()` (the code path of `canhgiac run`) in a background task, against a fake Bot API
(Telegram's or Zalo's: it waits until the bot polls, or sets its webhook, on the fake it is given)."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from bot.app.serve import serve
from bot.app.wiring import wire
from bot.core.settings import Settings
from bot.services import build_services
from handlers import build_router
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
CHAT = 501


class RunningBot:
    """`serve()` in a background task, stopped the way SIGTERM stops it."""

    def __init__(
        self,
        settings: Settings,
        fake: FakeTelegram,
        router=None,
        webhook_url: str | None = None,
        zalo_webhook_url: str | None = None,
        services=None,
    ):
        """`services`: already built ones (e.g. on a Storage with a short busy timeout); they are
        closed with the bot all the same."""
        self.settings, self.fake = settings, fake
        self.webhook_url, self.zalo_webhook_url = webhook_url, zalo_webhook_url
        self.router = router or build_router()
        self.given_services = services

    async def __aenter__(self) -> RunningBot:
        self.services = self.given_services or build_services(self.settings, library=SHARED["library"])
        app = wire(self.settings, services=self.services)
        app = dataclasses.replace(app, router=self.router)
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(
            serve(
                app,
                stop=self.stop_event,
                webhook_url=self.webhook_url,
                zalo_webhook_url=self.zalo_webhook_url,
            )
        )
        wanted = "setWebhook" if self.webhook_url or self.zalo_webhook_url else "getUpdates"
        deadline = time.monotonic() + 10
        while not any(method == wanted for method, _ in self.fake.requests):
            if self.task.done():
                self.task.result()
            assert time.monotonic() < deadline, "the bot did not start"
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop_event.set()
        await asyncio.wait_for(self.task, 15)
        self.services.close()


SHARED: dict = {}


def private_update(update_id: int, text: str) -> dict:
    """A raw update as Telegram sends it, for delivering the same one twice or by webhook."""
    person = {"id": CHAT, "first_name": "Lan"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": int(time.time()), "text": text,
            "chat": {**person, "type": "private"}, "from": {**person, "is_bot": False},
        },
    }  # fmt: skip


def keyboard_of(message: dict) -> list[list[dict]]:
    return (message.get("reply_markup") or {}).get("inline_keyboard", [])


def texts_of(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)
