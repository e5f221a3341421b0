"""The `canhgiac` command line (also `python -m bot`).

    canhgiac                 serve Telegram if TELEGRAM_BOT_TOKEN is set, else open the terminal chat
    canhgiac run             serve every configured channel (--webhook URL for webhook mode)
    canhgiac chat            talk to the bot in this terminal; needs no token
    canhgiac db info         where the database is, its schema version and row counts
    canhgiac version

Configuration problems end with one line on stderr and exit code 2.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from bot import __version__
from bot.content import ContentError
from bot.migrations import SchemaTooNew, schema_version
from bot.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    add_completion=False, pretty_exceptions_enable=False, help="Canh Giác: a scam-awareness chatbot for Vietnam."
)
db_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help="The SQLite database.")
app.add_typer(db_app, name="db")

EXIT_CONFIG = 2


def _settings(*, level: str | None = None) -> Settings:
    from bot.logs import setup_logging

    settings = load_settings()
    setup_logging(level or settings.log_level, settings.secrets())
    return settings


def _core(settings: Settings):
    from bot.services import build_services
    from handlers import PUBLIC_COMMANDS, build_router

    return build_services(settings), build_router(), PUBLIC_COMMANDS


def _serve(settings: Settings, webhook_url: str | None) -> None:
    from bot.serve import build_channels, run_until_signal

    services, router, commands = _core(settings)
    try:
        build_channels(settings, services, router, commands, webhook_url=webhook_url)  # fail fast on config
        run_until_signal(settings, services, router, commands, webhook_url=webhook_url)
    finally:
        services.close()


def _chat(settings: Settings, user: str, name: str) -> None:
    import asyncio

    from bot.channels.terminal import chat as terminal_chat

    services, router, _ = _core(settings)
    try:
        asyncio.run(terminal_chat(router, services, user_id=user, display_name=name))
    finally:
        services.close()


@app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """With no command: serve Telegram when a token is set, otherwise chat in the terminal."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if settings.telegram_bot_token is not None:
        _serve(_settings(), webhook_url=None)
    else:
        _chat(_settings(level="WARNING"), user="local", name="")


@app.command()
def run(
    webhook: Annotated[
        str | None,
        typer.Option(help="Public HTTPS URL for Telegram to post updates to; listens on CANHGIAC_WEBHOOK_PORT."),
    ] = None,
) -> None:
    """Serve every channel whose token is configured (long polling unless --webhook)."""
    if webhook is not None and not webhook.startswith("https://"):
        raise SettingsError("--webhook must be an https:// URL (Telegram posts only to HTTPS)")
    _serve(_settings(), webhook_url=webhook)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Act as this user id (each id has its own state).")] = "local",
    name: Annotated[str, typer.Option(help="Display name the bot greets.")] = "",
) -> None:
    """Talk to the bot in this terminal: same handlers and database, no token needed."""
    _chat(_settings(level="WARNING"), user=user, name=name)


@db_app.command("info")
def db_info() -> None:
    """Show the database file, its schema version and how many rows each table holds."""
    from bot.storage import Storage

    settings = _settings(level="WARNING")
    storage = Storage(settings.db_path)
    try:

        def describe(db) -> list[str]:
            lines = [f"database: {storage.path.resolve()}", f"schema version: {schema_version(db)}"]
            lines += [f"{name}: {db[name].count}" for name in sorted(db.table_names())]
            return lines

        typer.echo("\n".join(storage.read_sync(describe)))
    finally:
        storage.close()


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"canhgiac {__version__}")


def main() -> None:
    from bot.channels.telegram import ChannelStartError

    try:
        app()
    except (SettingsError, ContentError, SchemaTooNew, ChannelStartError) as error:
        print(f"canhgiac: {error}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except Exception:
        # Through the redacting log formatter: a traceback must not carry a token to the terminal.
        logging.getLogger("canhgiac").exception("unexpected error")
        sys.exit(1)
