"""`canhgiac broadcast send|list|status|cancel`, `areas list`, `subscribers list` and `poster`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import (
    _database,
    _library,
    _settings,
    app,
    areas_app,
    broadcast_app,
    campaigns_app,
    subscribers_app,
)
from bot.core.settings import SettingsError
from bot.core.settings import bot_username as settings_bot_username


def _parse_at(text: str | None):
    """--at "2026-11-25 08:30" (Vietnam time) or an ISO time with its offset."""
    from datetime import datetime

    from bot.core.clock import VIETNAM, utc_now

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise SettingsError(f"--at must look like 2026-11-25 08:30 (Vietnam time), got {text[:30]!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)
    if moment <= utc_now():
        raise SettingsError("--at is in the past")
    return moment


def _current_areas(library, codes: list[str]) -> list[str]:
    """The current units these codes name. A code of before 2025 (printed on posters and in staff's
    notes: "coc-leu") leads to the unit its place went into, said in one line; one whose place was
    split among several units, or a code nobody knows, is refused with what to give instead."""
    current = []
    for code in codes:
        found = library.areas.resolve(code)
        if not found:
            raise SettingsError(f"unknown area {code!r}: see canhgiac areas list")
        if len(found) > 1:
            raise SettingsError(
                f"area {code!r} of before 2025 went into {len(found)} units, give one: {', '.join(found)}"
            )
        if found[0] != code:
            typer.echo(f"{code} → {found[0]} {library.areas.full_name(found[0])}")
        current.append(found[0])
    return list(dict.fromkeys(current))


@broadcast_app.command("send")
def broadcast_send(
    text: Annotated[
        str | None, typer.Option("--text", help="A message in your own words (sent as plain text).")
    ] = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="A campaign id (see canhgiac campaigns list).")
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="Target area code; repeat for more; none: all.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="When, e.g. '2026-11-25 08:30' (Vietnam time).")] = None,
) -> None:
    """Queue a broadcast; the running `canhgiac run` sends it (now, or at --at)."""
    from bot.broadcast import broadcasts
    from bot.core.clock import utc_now

    if (text is None) == (campaign is None):
        raise SettingsError("give exactly one of --text or --campaign")
    if text is not None and not text.strip():
        raise SettingsError("--text is empty")
    settings = _settings(level="WARNING")
    library = _library(settings)
    if campaign is not None and library.campaigns.get(campaign) is None:
        raise SettingsError(f"unknown campaign {campaign!r}: see canhgiac campaigns list")
    targets = _current_areas(library, area or [])
    moment = _parse_at(at)
    with _database(settings) as storage:
        broadcast_id = storage.write_sync(
            lambda db: broadcasts.create(
                db, created_by="cli", now=utc_now(), at=moment, campaign_id=campaign,
                text=text.strip() if text else None, areas=targets,
            )
        )  # fmt: skip
    typer.echo(f"broadcast {broadcast_id} queued" + (f" for {at}" if at else "") + "; `canhgiac run` sends it")


@broadcast_app.command("list")
def broadcast_list(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20) -> None:
    """Recent broadcasts: id, kind, status, when, recipients, what."""
    from bot.broadcast import broadcasts

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        rows = storage.read_sync(lambda db: broadcasts.recent(db, limit))
    for b in rows:
        what = b.campaign_id or (b.text or "")[:40] or f"weekly {b.iso_week}"
        where = ",".join(b.areas) or "all"
        when = broadcasts.local_time(b.scheduled_for)
        typer.echo(f"{b.id:>5}  {b.kind:<7} {b.status:<10} {when}  {b.recipients:>6} recipients  {where}  {what}")


def _progress_line(state, status: str) -> str:
    width = 30
    # No recipients is no progress: an empty bar, not a full one that reads as "all delivered".
    filled = int(width * state.done / state.total) if state.total else 0
    counts = ", ".join(f"{k} {v}" for k, v in sorted(state.counts.items()))
    resent = f", resent after a restart {state.resent}" if state.resent else ""
    bar = "#" * filled + "." * (width - filled)
    waiting = status in ("scheduled", "sending")  # recipients are counted when it starts
    nothing = "nothing yet" if waiting else "no recipients" if status == "done" else "nothing sent"
    return f"[{bar}] {state.done}/{state.total} {status}: {counts or nothing}{resent}"


@broadcast_app.command("status")
def broadcast_status(
    broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id (see broadcast list).")],
    watch: Annotated[bool, typer.Option(help="Keep a live progress bar while it is sending.")] = True,
) -> None:
    """Progress of a broadcast: delivered, blocked, failed, and how many may have arrived twice."""
    import time

    from bot.broadcast import broadcasts

    settings = _settings(level="WARNING")
    live = watch and sys.stdout.isatty()
    with _database(settings) as storage:
        try:
            while True:
                broadcast = storage.read_sync(lambda db: broadcasts.get(db, broadcast_id))
                if broadcast is None:
                    raise SettingsError(f"no broadcast {broadcast_id}")
                state = storage.read_sync(lambda db: broadcasts.progress(db, broadcast_id))
                line = _progress_line(state, broadcast.status)
                if not live or broadcast.status not in ("sending", "scheduled"):
                    typer.echo(("\r" if live else "") + line)
                    return
                typer.echo("\r" + line, nl=False)
                time.sleep(0.5)
        except KeyboardInterrupt:
            typer.echo("")


@broadcast_app.command("cancel")
def broadcast_cancel(broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id.")]) -> None:
    """Stop a broadcast: nothing more goes out (a message already in flight still arrives)."""
    from bot.broadcast import broadcasts

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        cancelled = storage.write_sync(lambda db: broadcasts.cancel(db, broadcast_id))
    if not cancelled:
        raise SettingsError(f"broadcast {broadcast_id} is not scheduled or sending")
    typer.echo(f"broadcast {broadcast_id} cancelled")


def _next_week(calendar, now, horizon: int = 160) -> dict[str, str]:
    """The next week (this one included) each campaign goes out by the calendar, as "2026-W49"."""
    from datetime import timedelta

    from bot.broadcast.campaigns import iso_week

    weeks: dict[str, str] = {}
    for offset in range(horizon):  # the sequence repeats: a few years cover every campaign in it
        week = iso_week(now + timedelta(weeks=offset))
        weeks.setdefault(calendar.campaign_id(week) or "", week)
    return weeks


@campaigns_app.command("list")
def campaigns_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False) -> None:
    """The weekly campaigns (ids for `broadcast send --campaign`): id, next week by the calendar, topic, title."""
    import json

    from bot.core.clock import VIETNAM, utc_now

    library = _library(_settings(level="WARNING"))
    next_week = _next_week(library.campaigns.calendar, utc_now().astimezone(VIETNAM).date())
    rows = [
        {"id": c.id, "next_week": next_week.get(c.id), "topic": c.topic, "title": c.title}
        for c in sorted(library.campaigns.by_id.values(), key=lambda c: c.id)
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['next_week'] or '-':<8}  {row['topic']}  {row['title']}")


@areas_app.command("list")
def areas_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False) -> None:
    """Every area of the registry (provinces and their communes): code, name, parent."""
    import json

    library = _library(_settings(level="WARNING"))
    rows = [{"code": a.code, "name": a.name, "parent": a.parent} for a in library.areas]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for area in library.areas:
        depth = len(library.areas.lineage(area.code)) - 1
        typer.echo(f"{'  ' * depth}{area.code}  {area.name}")


@subscribers_app.command("list")
def subscribers_list(
    area: Annotated[str | None, typer.Option(help="Only this area and the areas inside it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
) -> None:
    """Who receives warnings: chat, channel, area, active (never a name or a phone number)."""
    import json

    from bot.broadcast import subscriptions

    settings = _settings(level="WARNING")
    library = _library(settings)
    if area is not None:
        area = _current_areas(library, [area])[0]
    codes = library.areas.within(area) if area else None
    with _database(settings) as storage:
        rows = storage.read_sync(lambda db: subscriptions.listing(db, codes))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['channel']}:{row['chat']}  {row['area']}  {'active' if row['active'] else 'stopped'}")
    typer.echo(f"{sum(r['active'] for r in rows)} active of {len(rows)}")


@app.command()
def poster(
    area: Annotated[str, typer.Argument(help="Area code (see canhgiac areas list).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write: .png or .pdf (A4).")],
    bot_username: Annotated[
        str | None, typer.Option("--bot", help="The bot's Telegram username; default TELEGRAM_BOT_USERNAME.")
    ] = None,
) -> None:
    """A printable A4 poster for an area, with a QR code that subscribes the phone to its warnings (and
    one for the Zalo bot beside it when CANHGIAC_ZALO_BOT_LINK is set)."""
    from bot.broadcast.poster import for_area, render_poster

    settings = _settings(level="WARNING")
    if bot_username is not None:
        try:
            bot_username = settings_bot_username(bot_username)
        except ValueError as error:
            raise SettingsError(f"--bot {error} (got {bot_username[:40]!r})") from None
    username = bot_username or settings.telegram_bot_username
    if not username:
        raise SettingsError("give the bot's username: --bot canhgiac_bot (or set TELEGRAM_BOT_USERNAME)")
    if output.suffix.lower() not in (".png", ".pdf"):
        raise SettingsError("the poster is written as .png or .pdf")
    library = _library(settings)
    area = _current_areas(library, [area])[0]
    t = library.content.texts(settings.default_language)
    full_name = library.areas.full_name(area)
    text, codes = for_area(t, library.areas, area, username, settings.zalo_bot_link)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        render_poster(text, codes, output)
    except ValueError as error:
        raise SettingsError(f"cannot draw the poster: {error}") from None
    typer.echo(f"wrote {output}: {full_name} ({'; '.join(code.url for code in codes)})")
