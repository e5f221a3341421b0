"""`canhgiac web`: the web console alone, on the bot's database (an office machine's console)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import _library, _opening_database, _settings, app
from bot.core.settings import SettingsError


@app.command()
def web(
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port instead of CANHGIAC_WEB_PORT.")] = None,
) -> None:
    """Serve the web console for staff and police (log in with /dangnhap in the bot); nothing else.

    It takes no serving lock: it sends nothing, and its writes (logins, sessions) are transactions
    SQLite serialises with those of a `canhgiac run` on the same database."""
    from bot.app.wiring import check_role_areas
    from bot.services import build_services
    from bot.web.server import run_until_signal

    settings = _settings()
    port = port if port is not None else settings.web_port
    if port is None:
        raise SettingsError("CANHGIAC_WEB_PORT is not set: set it (or give --port) to serve the web console")
    library = _library(settings)
    check_role_areas(settings, library.areas)  # the console scopes by the same role entries as the bot
    with _opening_database(settings):
        services = build_services(settings, library=library)
    try:
        typer.echo(f"web console on http://{settings.web_host}:{port} (Ctrl+C to stop)")
        run_until_signal(services, port=port)
    finally:
        services.close()
