"""`canhgiac run`: serve every channel whose token is configured, in one process, until stopped.

SIGINT and SIGTERM stop it gracefully: pollers stop fetching, updates in hand are finished and
their replies sent, then the database is closed.

The background loops (outbox, housekeeping, the broadcast senders) survive any error, a database
locked by another process past the busy timeout included: they log it (never a text or a chat)
and try again after a capped backoff. One process serves a database: `bot/app/instance.py`.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.broadcast import broadcasts
from bot.broadcast.sender import Backoff, Sender, Stopped, describe, stopped_within, write_until_done
from bot.channels import ChannelStartError
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.core import outbox
from bot.core.messages import DeliveryError, Reply
from bot.core.settings import Settings, SettingsError
from bot.reporting import digest
from bot.routing import handled_updates, roles
from bot.routing.router import Router
from bot.services import Services

log = logging.getLogger("canhgiac.serve")

HOUSEKEEPING_INTERVAL_SECONDS = 6 * 3600
HOUSEKEEPING_RETRY_SECONDS = (1.0, 600.0)  # after a failed housekeeping: first wait, longest
OUTBOX_INTERVAL_SECONDS = 2.0
OUTBOX_RETRY_MAX_SECONDS = 60.0


def no_channel_message() -> str:
    return (
        "no channel to serve: set TELEGRAM_BOT_TOKEN (from @BotFather) or ZALO_BOT_TOKEN, "
        "or talk to the bot without one: canhgiac chat"
    )


Channel = TelegramChannel | ZaloChannel


def build_channels(
    settings: Settings,
    services: Services,
    router: Router,
    commands: tuple[str, ...],
    *,
    webhook_url: str | None,
    zalo_webhook_url: str | None = None,
) -> list[Channel]:
    channels: list[Channel] = []
    if settings.telegram_bot_token is not None:
        channels.append(TelegramChannel(settings, services, router, commands, webhook_url=webhook_url))
    if settings.zalo_bot_token is not None:
        channels.append(ZaloChannel(settings, services, router, webhook_url=zalo_webhook_url))
    if not channels:
        raise SettingsError(no_channel_message())
    return channels


def broadcast_pace(settings: Settings, channel: str) -> float:
    return settings.zalo_broadcast_per_second if channel == "zalo" else settings.telegram_broadcast_per_second


async def housekeeping(services: Services) -> None:
    """Forget handled update ids past their retention and expired conversations."""
    now = services.clock()
    pruned = await services.storage.write(
        lambda db: (handled_updates.prune(db, now), services.conversations.purge_expired(db))
    )
    log.info("housekeeping handled_updates_pruned=%d conversations_expired=%d", *pruned)


async def drain_outbox(services: Services, channels: dict[str, Channel], stop: asyncio.Event | None = None) -> int:
    """Send what the outbox holds for the running channels; return how many were sent.

    Once a message went out, its record is retried until it commits (or `stop`): a record given
    up would leave the row pending, and the message would be sent again."""
    stop = stop or asyncio.Event()
    items = await services.storage.read(lambda db: outbox.pending(db, list(channels)))
    sent = 0
    for item in items:
        try:
            await channels[item.channel].deliver(item.chat_id, [Reply(item.text)])
        except DeliveryError as error:
            log.warning("outbox send failed id=%d reason=%s permanent=%s", item.id, error, error.permanent)
            reason, permanent = str(error), error.permanent
            record = functools.partial(outbox.mark_failed, item_id=item.id, error=reason, permanent=permanent)
        else:
            record = functools.partial(outbox.mark_sent, item_id=item.id, now=services.clock())
            sent += 1
        try:
            await write_until_done(services.storage, record, stop=stop, what=f"outbox record id={item.id}")
        except Stopped:
            break  # stopping with the database still failing: the row is sent again at the next start
    return sent


async def queue_digest(services: Services) -> bool:
    """Queue the police digest when it is due (a no-op without CANHGIAC_POLICE_CHAT_ID)."""
    settings = services.settings
    if not settings.police_chat_id:
        return False
    t = services.content.texts(settings.default_language)
    return await services.storage.write(
        lambda db: digest.queue_if_due(db, settings.police_chat_id, services.clock(), settings.digest_hour, t)
    )


async def schedule_broadcasts(services: Services) -> None:
    """Create the week's campaign when due, write the deliveries of due broadcasts, close finished ones."""
    settings, now = services.settings, services.clock()
    renderer = services.broadcast_renderer()

    def tick(db) -> None:
        if settings.weekly_day != "off":
            broadcasts.ensure_weekly(db, now, settings.weekly_day, settings.weekly_hour_minute)
        for broadcast in broadcasts.due(db, now):
            count = broadcasts.enqueue(db, broadcast, renderer, now)
            log.info("broadcast enqueued id=%d kind=%s recipients=%d", broadcast.id, broadcast.kind, count)
        broadcasts.finish(db, now, lambda b: _summary_chats(settings, b), renderer.texts)

    await services.storage.write(tick)


def _summary_chats(settings: Settings, broadcast: broadcasts.Broadcast) -> list[tuple[str, str]]:
    """Who hears that a broadcast is done: whoever sent it from a chat, or all staff for the weekly one."""
    channel, sep, chat_id = broadcast.created_by.partition(":")
    if sep and chat_id:
        return [(channel, chat_id)]
    return roles.staff_chats(settings)


async def _repeat(
    name: str, one_round: Callable[[], Awaitable[object]], *, every: float, backoff: Backoff, stop: asyncio.Event
) -> None:
    """Run `one_round` every `every` seconds until `stop`. A failed round is logged (the error's
    type, never a text or a chat) and tried again after `backoff`'s wait instead."""
    while not stop.is_set():
        wait = every
        try:
            await one_round()
        except Exception as error:
            wait = backoff.failed()
            log.warning("%s failed error=%s retry_in=%.1fs", name, describe(error), wait)
        else:
            backoff.succeeded()
        await stopped_within(stop, wait)


async def _outbox_loop(services: Services, channels: list[Channel], stop: asyncio.Event) -> None:
    by_name = {channel.name: channel for channel in channels}

    async def one_round() -> None:
        await queue_digest(services)
        await schedule_broadcasts(services)
        await drain_outbox(services, by_name, stop)

    backoff = Backoff(OUTBOX_INTERVAL_SECONDS, OUTBOX_RETRY_MAX_SECONDS)
    await _repeat("outbox", one_round, every=OUTBOX_INTERVAL_SECONDS, backoff=backoff, stop=stop)


async def _housekeeping_loop(services: Services, stop: asyncio.Event) -> None:
    # A failed round is tried again soon: waiting the whole interval would leave expired data
    # (conversations past their idle time) for hours.
    backoff = Backoff(*HOUSEKEEPING_RETRY_SECONDS)
    await _repeat(
        "housekeeping", lambda: housekeeping(services), every=HOUSEKEEPING_INTERVAL_SECONDS, backoff=backoff, stop=stop
    )


async def serve(
    settings: Settings,
    services: Services,
    router: Router,
    commands: tuple[str, ...],
    *,
    stop: asyncio.Event,
    webhook_url: str | None = None,
    zalo_webhook_url: str | None = None,
) -> None:
    channels = build_channels(
        settings, services, router, commands, webhook_url=webhook_url, zalo_webhook_url=zalo_webhook_url
    )
    started: list[Channel] = []
    sender = None
    senders: list[asyncio.Task] = []
    keeper = asyncio.create_task(_housekeeping_loop(services, stop))
    try:
        for channel in channels:
            try:
                await channel.start()
            except ChannelStartError as error:
                if len(channels) == 1:
                    raise
                # One channel down must not take the others with it.
                log.error("channel failed to start channel=%s error=%s", channel.name, error)
                continue
            started.append(channel)
        if not started:
            raise ChannelStartError("no channel could start: see the errors above")
        sender = asyncio.create_task(_outbox_loop(services, started, stop))
        senders = [
            asyncio.create_task(
                Sender(
                    services.storage,
                    channel.name,
                    channel.deliver,
                    rate=broadcast_pace(settings, channel.name),
                    concurrency=settings.broadcast_concurrency,
                    clock=services.clock,
                ).run(stop)
            )
            for channel in started
        ]
        # Start-up objects live as long as the process: keep them out of full GC passes, which
        # otherwise pause every reply for tens of milliseconds now and then.
        gc.collect()
        gc.freeze()
        await stop.wait()
    finally:
        stop.set()
        if sender is not None:
            await sender  # finish the message in hand before the channels close
        await asyncio.gather(*senders, return_exceptions=True)
        for channel in reversed(started):
            await channel.stop()
        await keeper


def run_until_signal(
    settings: Settings,
    services: Services,
    router: Router,
    commands: tuple[str, ...],
    *,
    webhook_url: str | None,
    zalo_webhook_url: str | None = None,
) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(
            settings, services, router, commands, stop=stop, webhook_url=webhook_url, zalo_webhook_url=zalo_webhook_url
        )

    asyncio.run(main())
