"""`canhgiac zalo-oa link|status`: link a commune's Zalo Official Account (OAuth v4 with PKCE) and
see the state of its tokens. Tokens are never printed."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

import typer

from bot.cli.common import _database, _settings, zalo_oa_app
from bot.core.settings import Settings, SettingsError


def _oauth(settings: Settings, http):
    from bot.channels.zalo_oa_api import ZaloOAuth

    if not settings.zalo_oa_configured:
        raise SettingsError("set ZALO_OA_ID, ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY first")
    secret = settings.zalo_oa_app_secret.get_secret_value() if settings.zalo_oa_app_secret else ""
    return ZaloOAuth(settings.zalo_oa_app_id or "", secret, base_url=settings.zalo_oauth_base_url, http=http)


@zalo_oa_app.command("link")
def link(
    redirect_uri: Annotated[
        str | None, typer.Option(help="The callback URL registered for the app on developers.zalo.me (step 1).")
    ] = None,
    callback: Annotated[
        str | None, typer.Option(help="The whole address Zalo sent the browser back to, with ?code=…&state=… (step 2).")
    ] = None,
) -> None:
    """Step 1 (--redirect-uri): print the consent address for the OA's owner. Step 2 (--callback):
    exchange the code Zalo sent back for tokens and keep them (within 10 minutes of step 1)."""
    import httpx

    from bot.channels.zalo_oa_api import OAError
    from bot.channels.zalo_oa_tokens import begin_link, store, take_link

    settings = _settings(level="WARNING")
    if (redirect_uri is None) == (callback is None):
        raise SettingsError("give --redirect-uri (step 1) or --callback (step 2)")

    async def run() -> str:
        async with httpx.AsyncClient(timeout=15.0) as http:
            oauth = _oauth(settings, http)
            with _database(settings) as storage:
                if redirect_uri is not None:
                    return await storage.write(lambda db: begin_link(db, oauth, redirect_uri))
                query = parse_qs(urlsplit(callback or "").query)
                code, state = query.get("code", [""])[0], query.get("state", [""])[0]
                oa_id = query.get("oa_id", [settings.zalo_oa_id or ""])[0]
                if oa_id != settings.zalo_oa_id:
                    raise SettingsError(f"Zalo linked OA {oa_id}, but ZALO_OA_ID is {settings.zalo_oa_id}")
                verifier = await storage.write(lambda db: take_link(db, state)) if code and state else None
                if verifier is None:
                    raise SettingsError("no pending link for this address (or older than 10 minutes): run step 1 again")
                try:
                    tokens = await oauth.exchange(code, verifier)
                except OAError as error:
                    raise SettingsError(f"Zalo refused the code: {error.description}") from None
                await storage.write(lambda db: store(db, settings.zalo_oa_id or "", tokens))
                until = f"{tokens.expires_at:%Y-%m-%d %H:%M} UTC"
                return f"linked: OA {settings.zalo_oa_id}, access token valid until {until}"

    result = asyncio.run(run())
    if redirect_uri is not None:
        typer.echo("Open this address logged in as the OA's admin, allow the app, then run step 2 with the")
        typer.echo("address the browser lands on (within 10 minutes):")
    typer.echo(result)


@zalo_oa_app.command("status")
def status() -> None:
    """Whether the OA is linked, until when its access token holds, and whether it must be linked again."""
    from bot.channels.zalo_oa_tokens import status as linked

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        rows = storage.read_sync(linked)
    if not rows:
        typer.echo("not linked: canhgiac zalo-oa link --redirect-uri URL")
    for row in rows:
        state = "LINK AGAIN (Zalo refused the refresh token)" if row["relink_needed"] else "linked"
        typer.echo(f"OA {row['oa_id']}: {state}; access token until {row['expires_at']}; refreshed {row['updated_at']}")
