"""One-time logins to the web console, created by `/dangnhap` in a private chat with the bot.

A login is a link (`<base URL>/login/<token>`, 256 random bits) and a 6-digit code for the login
page, both for the same row: valid `VALID_FOR`, used once (either one uses both). Only their
SHA-256 is stored, so a copy of the database opens no console. A 6-digit code's hash could be
reversed by trying a million codes; what protects a code is its short life and the limit on wrong
codes per client address (`MAX_MISSES` within `MISS_WINDOW`; over it, even a right code is not
checked, as for invite codes in `bot/routing/grants.py`). A new `/dangnhap` ends the person's
unused logins: only the last link or code works.

The row records who logs in (channel and user id) and the roles and areas the bot knew them with
(`roles.held_roles`); the console checks them again on every request (`bot/web/identity.py`).

Owns the tables `web_logins` and `web_login_misses` (`forget` erases a person's logins; misses
name a client address, never a chat).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlite_utils

from bot.core.clock import from_iso, to_iso
from bot.core.messages import ChatKey

VALID_FOR = timedelta(minutes=10)
CODE_DIGITS = 6
MAX_MISSES = 5
MISS_WINDOW = timedelta(minutes=15)

Outcome = Literal["ok", "used", "expired", "unknown", "limited"]


@dataclass(frozen=True)
class Created:
    token: str  # shown once, in the link
    code: str  # shown once, for the login page
    expires_at: datetime


@dataclass(frozen=True)
class Used:
    outcome: Outcome
    channel: str = ""
    user_id: str = ""
    roles: dict[str, list[str] | None] | None = None  # role -> area codes (None: everywhere)
    retry_at: datetime | None = None  # "limited": when a code is checked again


def _hash(kind: str, secret: str) -> str:
    return hashlib.sha256(f"canhgiac-web-{kind}:{secret}".encode()).hexdigest()


def create(
    db: sqlite_utils.Database,
    *,
    channel: str,
    user_id: str,
    roles: dict[str, list[str] | None],
    now: datetime,
    valid_for: timedelta = VALID_FOR,
) -> Created:
    """A new login for this person; their earlier unused ones end now."""
    stamp = to_iso(now)
    db.execute(
        "UPDATE web_logins SET used_at = ? WHERE channel = ? AND user_id = ? AND used_at IS NULL",
        [stamp, channel, user_id],
    )
    while True:  # two live logins never share a code (a code alone says whose login it is)
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        taken = db.execute(
            "SELECT 1 FROM web_logins WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
            [_hash("code", code), stamp],
        ).fetchone()
        if taken is None:
            break
    token = secrets.token_urlsafe(32)
    expires = now + valid_for
    db.execute(
        "INSERT INTO web_logins (token_hash, code_hash, channel, user_id, roles, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [_hash("token", token), _hash("code", code), channel, user_id, json.dumps(roles), stamp, to_iso(expires)],
    )
    return Created(token, code, expires)


def _use(db: sqlite_utils.Database, column: str, digest: str, now: datetime) -> Used:
    row = db.execute(
        f"SELECT id, channel, user_id, roles, expires_at, used_at FROM web_logins WHERE {column} = ? "
        "ORDER BY id DESC LIMIT 1",
        [digest],
    ).fetchone()
    if row is None:
        return Used("unknown")
    login_id, channel, user_id, roles, expires_at, used_at = row
    if used_at is not None:
        return Used("used")
    if expires_at <= to_iso(now):
        return Used("expired")
    db.execute("UPDATE web_logins SET used_at = ? WHERE id = ?", [to_iso(now), login_id])
    return Used("ok", channel, user_id, json.loads(roles))


def use_token(db: sqlite_utils.Database, token: str, now: datetime) -> Used:
    """The login of a link's token, used now (in the caller's transaction)."""
    return _use(db, "token_hash", _hash("token", token), now)


def _limited(db: sqlite_utils.Database, address: str, now: datetime) -> datetime | None:
    """When `address` may try a code again, if it has used up its wrong codes of the window."""
    db.execute("DELETE FROM web_login_misses WHERE at <= ?", [to_iso(now - MISS_WINDOW)])
    misses = [row[0] for row in db.execute("SELECT at FROM web_login_misses WHERE address = ? ORDER BY at", [address])]
    if len(misses) < MAX_MISSES:
        return None
    return from_iso(misses[-MAX_MISSES]) + MISS_WINDOW


def use_code(db: sqlite_utils.Database, code: str, address: str, now: datetime) -> Used:
    """The login of a code typed on the login page from `address`, used now. A client over its
    wrong codes is not checked at all; any code refused counts as one."""
    retry_at = _limited(db, address, now)
    if retry_at is not None:
        return Used("limited", retry_at=retry_at)
    typed = "".join(ch for ch in code if not ch.isspace())
    found = (
        _use(db, "code_hash", _hash("code", typed), now)
        if len(typed) == CODE_DIGITS and typed.isascii() and typed.isdigit()
        else Used("unknown")
    )
    if found.outcome != "ok":
        db.execute("INSERT INTO web_login_misses (address, at) VALUES (?, ?)", [address, to_iso(now)])
    return found


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """A person's erasure: their logins go (a role is held in a private chat, whose id is the user's)."""
    db.execute("DELETE FROM web_logins WHERE channel = ? AND user_id = ?", [chat.channel, chat.chat_id])
