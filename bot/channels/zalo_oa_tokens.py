"""The OA's tokens, kept in SQLite and refreshed before they expire.

Zalo gives an OA access token for about 25 hours and a refresh token for about 3 months, and each
refresh token works once: a refresh whose answer is lost loses the chain, and the OA's owner has to
link it again (`canhgiac zalo-oa link`). So:

- the new pair is written in one transaction, and only over the pair the refresh started from
  (compare-and-swap on the refresh token): two processes sharing the database (the bot and
  `canhgiac web`) never overwrite a newer pair with an older one;
- a refresh that Zalo refuses is first checked against the database: if another process refreshed
  meanwhile, its pair is used; only otherwise is the link marked broken and admins told, once;
- refreshes in this process are serialised, and done `REFRESH_BEFORE` ahead of expiry, so a
  broadcast does not meet an expired token mid-way (and one that does is refreshed and resumed).
What no code can prevent: a crash after Zalo answered a refresh and before the transaction
committed (milliseconds) loses the chain; the admins' alert then says to link again.

Tokens are stored as they are (the database file is the bot's secret store, like its `.env`), and
never logged: `Tokens.__repr__` shows only the expiry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import sqlite_utils

from bot.channels.zalo_oa_api import OAApiError, OAError, Tokens, ZaloOAuth, pkce_pair
from bot.core.clock import from_iso, to_iso, utc_now
from bot.core.storage import Storage

REFRESH_BEFORE = timedelta(hours=1)
LINK_VALID = timedelta(minutes=10)  # an authorisation code's life
RACE_WAITS = (0.0, 0.2, 0.5, 1.0)  # seconds: a refused refresh re-reads the database this often

log = logging.getLogger("canhgiac.zalo_oa")


class NotLinked(OAError):
    """No usable tokens: the OA must be linked (again) with `canhgiac zalo-oa link`."""

    def __init__(self, reason: str):
        super().__init__("tokens", reason)


def _row(db: sqlite_utils.Database, oa_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM zalo_oa_tokens WHERE oa_id = ?", [oa_id]))
    return rows[0] if rows else None


def _tokens(row: dict) -> Tokens:
    return Tokens(row["access_token"], row["refresh_token"], from_iso(row["expires_at"]))


def store(db: sqlite_utils.Database, oa_id: str, tokens: Tokens) -> None:
    """A newly linked pair (replaces any earlier one, and clears the broken-link mark)."""
    db["zalo_oa_tokens"].upsert(
        {
            "oa_id": oa_id,
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": to_iso(tokens.expires_at),
            "updated_at": to_iso(utc_now()),
            "relink_needed": 0,
        },
        pk="oa_id",
    )


def _swap(db: sqlite_utils.Database, oa_id: str, used: str, tokens: Tokens) -> bool:
    cursor = db.execute(
        "UPDATE zalo_oa_tokens SET access_token = ?, refresh_token = ?, expires_at = ?, updated_at = ?, "
        "relink_needed = 0 WHERE oa_id = ? AND refresh_token = ?",
        [tokens.access_token, tokens.refresh_token, to_iso(tokens.expires_at), to_iso(utc_now()), oa_id, used],
    )
    return cursor.rowcount == 1


def _mark_broken(db: sqlite_utils.Database, oa_id: str, used: str) -> bool:
    """True if this call marked it (so the alert goes out once)."""
    cursor = db.execute(
        "UPDATE zalo_oa_tokens SET relink_needed = 1, updated_at = ? "
        "WHERE oa_id = ? AND refresh_token = ? AND relink_needed = 0",
        [to_iso(utc_now()), oa_id, used],
    )
    return cursor.rowcount == 1


def status(db: sqlite_utils.Database) -> list[dict]:
    """Each linked OA: its id, until when its access token holds, when it was last refreshed and
    whether it must be linked again (never the tokens)."""
    return list(db.query("SELECT oa_id, expires_at, updated_at, relink_needed FROM zalo_oa_tokens"))


def begin_link(db: sqlite_utils.Database, oauth: ZaloOAuth, redirect_uri: str) -> str:
    """The consent URL for the OA's owner; its PKCE verifier waits here for the code."""
    verifier, challenge = pkce_pair()
    state = pkce_pair()[0][:24]
    now = utc_now()
    db.execute("DELETE FROM zalo_oa_links WHERE created_at < ?", [to_iso(now - LINK_VALID)])
    db["zalo_oa_links"].insert({"state": state, "verifier": verifier, "created_at": to_iso(now)})
    return oauth.permission_url(redirect_uri, challenge, state)


def take_link(db: sqlite_utils.Database, state: str) -> str | None:
    """The verifier of a pending link (used once), or None if unknown or older than 10 minutes."""
    rows = list(db.query("SELECT verifier, created_at FROM zalo_oa_links WHERE state = ?", [state]))
    db.execute("DELETE FROM zalo_oa_links WHERE state = ?", [state])
    if not rows or from_iso(rows[0]["created_at"]) < utc_now() - LINK_VALID:
        return None
    return rows[0]["verifier"]


class TokenKeeper:
    """The OA's current access token, refreshed ahead of expiry; `alert` tells admins when the OA
    must be linked again."""

    def __init__(
        self,
        storage: Storage,
        oauth: ZaloOAuth,
        oa_id: str,
        alert: Callable[[], Awaitable[None]] | None = None,
    ):
        self.storage, self.oauth, self.oa_id, self._alert = storage, oauth, oa_id, alert
        self._lock = asyncio.Lock()

    async def access(self) -> str:
        row = await self.storage.read(lambda db: _row(db, self.oa_id))
        if row is None or row["relink_needed"]:
            raise NotLinked("not linked" if row is None else "the link was lost")
        if from_iso(row["expires_at"]) - utc_now() > REFRESH_BEFORE:
            return row["access_token"]
        return await self.refresh(row["access_token"])

    async def refresh(self, stale: str) -> str:
        """A fresh access token instead of `stale` (which Zalo refused or which is about to expire)."""
        async with self._lock:
            row = await self.storage.read(lambda db: _row(db, self.oa_id))
            if row is None or row["relink_needed"]:
                raise NotLinked("not linked" if row is None else "the link was lost")
            fresh = from_iso(row["expires_at"]) - utc_now() > REFRESH_BEFORE
            if row["access_token"] != stale and fresh:
                return row["access_token"]  # refreshed meanwhile, here or by another process
            used = row["refresh_token"]
            try:
                tokens = await self.oauth.refresh(used)
            except OAApiError:
                return await self._refused(used)
            if not await self.storage.write(lambda db: _swap(db, self.oa_id, used, tokens)):
                # Another process refreshed with the same token first and won: take its pair.
                row = await self.storage.read(lambda db: _row(db, self.oa_id))
                return _tokens(row).access_token
            log.info("zalo oa token refreshed expires_at=%s", to_iso(tokens.expires_at))
            return tokens.access_token

    async def _refused(self, used: str) -> str:
        # Another process may have used the same token a moment earlier and be committing its new
        # pair now: look a few times before calling the link broken.
        for wait in RACE_WAITS:
            row = await self.storage.read(lambda db: _row(db, self.oa_id))
            if row is not None and row["refresh_token"] != used and not row["relink_needed"]:
                return row["access_token"]  # another process used it first: its new pair stands
            await asyncio.sleep(wait)
        if await self.storage.write(lambda db: _mark_broken(db, self.oa_id, used)):
            log.error("zalo oa refresh refused: the OA must be linked again (canhgiac zalo-oa link)")
            if self._alert is not None:
                await self._alert()
        raise NotLinked("the refresh token was refused")
