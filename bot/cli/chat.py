"""`canhgiac` with no command, `canhgiac run` and `canhgiac chat`: serving the channels and the terminal chat."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import _library, _opening_database, _settings, app
from bot.core.settings import Settings, SettingsError, load_settings


def _wire(settings: Settings):
    """The bot's wiring (`bot/app/wiring.py`), with the database errors every command words alike."""
    from bot.app.wiring import wire

    library = _library(settings)
    with _opening_database(settings):
        return wire(settings, library=library)


def _serve(settings: Settings, webhook_url: str | None, zalo_webhook_url: str | None = None) -> None:
    from bot.app.instance import serving
    from bot.app.serve import build_channels, no_channel_message, run_until_signal

    if settings.telegram_bot_token is None and settings.zalo_bot_token is None:
        raise SettingsError(no_channel_message())  # at once, before the content and the model load
    # Only serving takes the database's lock, first, before anything is loaded or opened: a second
    # server would send the outbox and broadcasts again. `chat` and the other commands do not take
    # it: they only read, or write rows (a broadcast, a decision) that the running server sends, in
    # transactions SQLite serialises; staff use them while the bot serves.
    with serving(settings.db_path):
        bot = _wire(settings)
        urls = {"webhook_url": webhook_url, "zalo_webhook_url": zalo_webhook_url}
        try:
            build_channels(bot, **urls)  # fail fast on configuration
            run_until_signal(bot, **urls)
        finally:
            bot.close()


def _chat(settings: Settings, user: str, name: str) -> None:
    import asyncio

    from bot.app.instance import served
    from bot.channels.terminal import chat as terminal_chat

    bot = _wire(settings)
    # No sender runs here: what staff queue goes out only while a `canhgiac run` serves the database.
    bot.services.sending = lambda: served(settings.db_path)
    try:
        asyncio.run(terminal_chat(bot.router, bot.services, user_id=user, display_name=name))
    finally:
        bot.close()


@app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """With no command: serve Telegram when a token is set, otherwise chat in the terminal."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if settings.telegram_bot_token is not None or settings.zalo_bot_token is not None:
        _serve(_settings(), webhook_url=None)
    else:
        _chat(_settings(level="WARNING"), user="local", name="")


@app.command()
def run(
    webhook: Annotated[
        str | None,
        typer.Option(help="Public HTTPS URL for Telegram to post updates to; listens on CANHGIAC_WEBHOOK_PORT."),
    ] = None,
    zalo_webhook: Annotated[
        str | None,
        typer.Option(help="Public HTTPS URL for Zalo to post updates to; listens on CANHGIAC_ZALO_WEBHOOK_PORT."),
    ] = None,
) -> None:
    """Serve every channel whose token is configured, together (long polling unless a webhook is given)."""
    for option, url in (("--webhook", webhook), ("--zalo-webhook", zalo_webhook)):
        if url is not None and not url.startswith("https://"):
            raise SettingsError(f"{option} must be an https:// URL (the platforms post only to HTTPS)")
    _serve(_settings(), webhook_url=webhook, zalo_webhook_url=zalo_webhook)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Act as this user id (each id has its own state).")] = "local",
    name: Annotated[str, typer.Option(help="Display name the bot greets.")] = "",
) -> None:
    """Talk to the bot in this terminal: same handlers and database, no token needed."""
    _chat(_settings(level="WARNING"), user=user, name=name)
