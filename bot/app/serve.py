"""`canhgiac run`: serve every channel whose token is configured, in one process, until stopped.

SIGINT and SIGTERM stop it gracefully: pollers stop fetching, updates in hand are finished and
their replies sent, then the database is closed.

The background loops (scheduling the digest and broadcasts, reminders of reporting deadlines,
housekeeping, one sender per channel draining the outbox and broadcast deliveries:
`bot/broadcast/sender.py`) survive any error, a database locked by another process past the busy
timeout included: they log it (never a text or a chat) and try again after a capped backoff. One
process serves a database: `bot/app/instance.py`; with `CANHGIAC_UPDATE_PROCESSES` ≥ 2 it hands the
Telegram updates of some chats to child processes of its own (`bot/app/update_processes.py`), which
only answer them.

With `CANHGIAC_WEB_PORT` set, the web console (`bot/web/`) is one more task on the same services,
stopped with the others.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.activity import deadlines, scope
from bot.app.update_processes import UpdateProcesses
from bot.app.wiring import App
from bot.broadcast import broadcasts, compose
from bot.broadcast.pace import broadcast_pace, paid
from bot.broadcast.sender import Backoff, Sender, describe, stopped_within
from bot.channels import ChannelStartError
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_oa import ZaloOAChannel
from bot.core import outbox
from bot.core.clock import VIETNAM, to_iso
from bot.core.settings import SettingsError
from bot.reporting import digest
from bot.routing import grants, handled_updates, roles
from bot.services import Services
from bot.web.server import serve_web

log = logging.getLogger("canhgiac.serve")

HOUSEKEEPING_INTERVAL_SECONDS = 6 * 3600
HOUSEKEEPING_RETRY_SECONDS = (1.0, 600.0)  # after a failed housekeeping: first wait, longest
# Delivery rows pruned per transaction: the writer (replies, the sender) waits at most one chunk.
PRUNE_CHUNK = 5000
SCHEDULE_INTERVAL_SECONDS = 2.0
SCHEDULE_RETRY_MAX_SECONDS = 60.0
# Reminders are per day: a look every few minutes sends one soon after REMIND_HOUR.
DEADLINE_INTERVAL_SECONDS = 600.0


def no_channel_message() -> str:
    return (
        "no channel to serve: set TELEGRAM_BOT_TOKEN (from @BotFather) or ZALO_BOT_TOKEN, "
        "or talk to the bot without one: canhgiac chat"
    )


Channel = TelegramChannel | ZaloChannel | ZaloOAChannel


def build_channels(app: App, *, webhook_url: str | None, zalo_webhook_url: str | None = None) -> list[Channel]:
    channels: list[Channel] = []
    if app.settings.telegram_bot_token is not None:
        # CANHGIAC_UPDATE_PROCESSES ≥ 2: updates handled by this process and children (`update_processes.py`).
        updates = UpdateProcesses(app.settings) if app.settings.update_processes > 1 else None
        channels.append(TelegramChannel(app, webhook_url=webhook_url, updates=updates))
    if app.settings.zalo_bot_token is not None:
        channels.append(ZaloChannel(app, webhook_url=zalo_webhook_url))
    if app.settings.zalo_oa_configured:
        channels.append(ZaloOAChannel(app))
    if not channels:
        raise SettingsError(no_channel_message())
    return channels


async def housekeeping(services: Services) -> None:
    """Forget handled update ids past their retention and expired conversations; prune the
    delivery rows of broadcasts summed up more than `CANHGIAC_DELIVERY_RETENTION_DAYS` ago (their
    counts stay), a chunk per transaction."""
    now = services.clock()
    pruned = await services.storage.write(
        lambda db: (handled_updates.prune(db, now), services.conversations.purge_expired(db))
    )
    before = to_iso(now - timedelta(days=services.settings.delivery_retention_days))
    deliveries = 0
    while (moved := await services.storage.write(lambda db: broadcasts.prune_deliveries(db, before, PRUNE_CHUNK))) > 0:
        deliveries += moved
        if moved < PRUNE_CHUNK:
            break
    log.info(
        "housekeeping handled_updates_pruned=%d conversations_expired=%d deliveries_pruned=%d", *pruned, deliveries
    )


async def queue_digest(services: Services) -> bool:
    """Queue the police digests when due: the police chat's (every report), and each officer's,
    of their own communes or province (`_digest_readers`); True if any was queued."""
    settings, now = services.settings, services.clock()
    t = services.content.texts(settings.default_language)
    queued = await services.storage.write(
        lambda db: digest.queue_all_if_due(
            db,
            lambda db: _digest_readers(services, db, now),
            now,
            settings.digest_hour,
            t,
            services.library.areas.name_of,
        )  # fmt: skip
    )
    return queued > 0


def _digest_readers(services: Services, db, now) -> list[digest.Recipient]:
    """CANHGIAC_POLICE_CHAT_ID, and every police officer in private: from CANHGIAC_POLICE_IDS
    ("123=x-02647|t-15": those areas; a bare id: every report) and from grants given in the chat.
    One person listed twice gets one digest, of all their areas."""
    settings, areas = services.settings, services.library.areas
    wanted = roles.holders(settings, grants.live(db, now), "police")
    readers = [digest.Recipient(*digest.target(settings.police_chat_id))] if settings.police_chat_id else []
    for (channel, chat_id), codes in wanted.items():
        if (channel, chat_id) in {(r.channel, r.chat_id) for r in readers}:
            continue  # the police chat is one of them: it has everything already
        title = ", ".join(areas.full_name(code) for code in codes if areas.get(code)) if codes else None
        scope = digest.scope_of(areas, codes)
        readers.append(digest.Recipient(channel, chat_id, scope, title or None, when_empty=False))
    return readers


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
        live = grants.live(db, now)
        broadcasts.finish(db, now, lambda b: _summary_chats(services, live, b), renderer)

    await services.storage.write(tick)


def _summary_chats(
    services: Services, live: list[grants.Grant], broadcast: broadcasts.Broadcast
) -> list[tuple[str, str]]:
    """Who hears that a broadcast is done: its maker, admins, staff of the areas it went to
    (from the environment and from grants given in the chat)."""
    areas = services.library.areas
    return roles.summary_chats(
        services.settings, live, broadcast.created_by, lambda codes: broadcasts.touches(areas, broadcast, codes)
    )


async def remind_deadlines(services: Services) -> int:
    """Queue the reminders due before reporting deadlines (`bot/activity/deadlines.py`) to the
    staff members, from the environment or a grant, of the areas each deadline applies to (a
    province's reaches its communes' staff; one hidden for an area does not); each deadline's
    occurrence is marked in the same transaction, so it is reminded once, across restarts too.
    Returns the messages queued. With no staff for it yet, nothing is marked: one named later still hears."""
    settings, now = services.settings, services.clock()
    presets = deadlines.presets_in(services.content.root)
    t = services.content.texts(settings.default_language)
    today = now.astimezone(VIETNAM).date()
    areas = services.library.areas

    def tick(db) -> int:
        deadlines.load_presets(db, presets, now)
        due = deadlines.due_reminders(db, now, settings.deadline_reminder_days)
        if not due:
            return 0
        holders = roles.holders(settings, grants.live(db, now), "staff")
        reaches = {
            chat: scope.reach(areas, compose.allowed_areas(areas, codes))
            for chat, codes in holders.items()
            if codes is None or codes  # a bare id holds no area yet
        }
        hidden = deadlines.hidden_for(db)
        queued = 0
        for item in due:
            here = hidden.get(item.deadline.id, set())
            chats = [chat for chat, reach in reaches.items() if deadlines.applies_within(item.deadline, reach, here)]
            if not chats:
                continue
            text = t.render(
                "deadline_reminder", note=item.deadline.note, kind=item.deadline.kind,
                on=item.on.strftime("%d/%m/%Y"), days=item.left(today),
            )  # fmt: skip
            for channel, chat_id in chats:
                outbox.enqueue(db, channel, chat_id, text, "deadline_reminder", now)
            deadlines.mark_reminded(db, item, len(chats), now)
            queued += len(chats)
        return queued

    queued = await services.storage.write(tick)
    if queued:
        log.info("deadline reminders queued=%d", queued)
    return queued


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


async def _schedule_loop(services: Services, stop: asyncio.Event) -> None:
    """Queue the digest and broadcasts when due; the senders send them."""

    async def one_round() -> None:
        await queue_digest(services)
        await schedule_broadcasts(services)

    backoff = Backoff(SCHEDULE_INTERVAL_SECONDS, SCHEDULE_RETRY_MAX_SECONDS)
    await _repeat("schedule", one_round, every=SCHEDULE_INTERVAL_SECONDS, backoff=backoff, stop=stop)


async def _deadline_loop(services: Services, stop: asyncio.Event) -> None:
    backoff = Backoff(SCHEDULE_INTERVAL_SECONDS, SCHEDULE_RETRY_MAX_SECONDS)
    await _repeat(
        "deadlines", lambda: remind_deadlines(services), every=DEADLINE_INTERVAL_SECONDS, backoff=backoff, stop=stop
    )


async def _housekeeping_loop(services: Services, stop: asyncio.Event) -> None:
    # A failed round is tried again soon: waiting the whole interval would leave expired data
    # (conversations past their idle time) for hours.
    backoff = Backoff(*HOUSEKEEPING_RETRY_SECONDS)
    await _repeat(
        "housekeeping", lambda: housekeeping(services), every=HOUSEKEEPING_INTERVAL_SECONDS, backoff=backoff, stop=stop
    )


async def serve(
    app: App, *, stop: asyncio.Event, webhook_url: str | None = None, zalo_webhook_url: str | None = None
) -> None:
    settings, services = app.settings, app.services
    channels = build_channels(app, webhook_url=webhook_url, zalo_webhook_url=zalo_webhook_url)
    started: list[Channel] = []
    scheduler = reminder = None
    web: asyncio.Task | None = None
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
        scheduler = asyncio.create_task(_schedule_loop(services, stop))
        reminder = asyncio.create_task(_deadline_loop(services, stop))
        senders = [
            asyncio.create_task(
                Sender(
                    services.storage,
                    channel.name,
                    channel.deliver,
                    # Telegram's paid broadcasts go another way than its notices (on the free budget).
                    bulk_deliver=getattr(channel, "deliver_broadcast", None),
                    rate=broadcast_pace(settings, channel.name),
                    paid=paid(settings, channel.name),  # near Telegram's hard limit: a 429 costs less
                    concurrency=settings.broadcast_concurrency,
                    clock=services.clock,
                ).run(stop)
            )
            for channel in started
        ]
        if settings.web_port is not None:
            # The console shares the services; a console that cannot start is logged, and the
            # channels go on (as one channel down does not take the others with it).
            web = asyncio.create_task(serve_web(services, stop))
            web.add_done_callback(_log_web_failure)
        # Start-up objects live as long as the process: keep them out of full GC passes, which
        # otherwise pause every reply for tens of milliseconds now and then.
        gc.collect()
        gc.freeze()
        await stop.wait()
    finally:
        stop.set()
        if scheduler is not None:
            await scheduler
        if reminder is not None:
            await reminder
        await asyncio.gather(*senders, return_exceptions=True)  # the messages in hand, before the channels close
        if web is not None:
            await asyncio.gather(web, return_exceptions=True)
        for channel in reversed(started):
            await channel.stop()
        await keeper


def _log_web_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("web console failed error=%s", task.exception())


def run_until_signal(app: App, *, webhook_url: str | None, zalo_webhook_url: str | None = None) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, stop=stop, webhook_url=webhook_url, zalo_webhook_url=zalo_webhook_url)

    asyncio.run(main())
