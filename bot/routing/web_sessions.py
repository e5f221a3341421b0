"""Sessions of the web console, kept on the server.

The browser's cookie holds a random session id (256 bits); the table holds its SHA-256, so a copy
of the database lets no one in. Each session has its own CSRF token, which every form posts back.
A session ends after `idle` without a request (the setting `CANHGIAC_WEB_IDLE_MINUTES`), after
`MAX_AGE` whatever happens, at logout, and with the person's erasure.

Owns the table `web_sessions`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from bot.core.clock import from_iso, to_iso
from bot.core.messages import ChatKey

MAX_AGE = timedelta(hours=12)  # an office day: a session left open overnight is not reused
# A request refreshes `last_seen` only when it is older than this: pages do not each cost a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    csrf: str
    channel: str
    user_id: str
    roles: dict[str, list[str] | None]  # as at login; the console checks the live roles too


def _hash(session_id: str) -> str:
    return hashlib.sha256(f"canhgiac-web-session:{session_id}".encode()).hexdigest()


def open_session(
    db: sqlite_utils.Database, *, channel: str, user_id: str, roles: dict[str, list[str] | None], now: datetime
) -> tuple[str, Session]:
    """A new session; returns the id for the cookie (shown once: only its hash is kept)."""
    session_id = secrets.token_urlsafe(32)
    session = Session(secrets.token_urlsafe(32), channel, user_id, roles)
    db.execute(
        "INSERT INTO web_sessions (id_hash, csrf, channel, user_id, roles, created_at, last_seen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [_hash(session_id), session.csrf, channel, user_id, json.dumps(roles), to_iso(now), to_iso(now)],
    )
    return session_id, session


def current(db: sqlite_utils.Database, session_id: str, now: datetime, idle: timedelta) -> Session | None:
    """The live session of a cookie, its idle time restarted; None (and the row gone) if it expired."""
    digest = _hash(session_id)
    row = db.execute(
        "SELECT csrf, channel, user_id, roles, created_at, last_seen FROM web_sessions WHERE id_hash = ?", [digest]
    ).fetchone()
    if row is None:
        return None
    csrf, channel, user_id, roles, created_at, last_seen = row
    if from_iso(last_seen) + idle <= now or from_iso(created_at) + MAX_AGE <= now:
        db.execute("DELETE FROM web_sessions WHERE id_hash = ?", [digest])
        return None
    if from_iso(last_seen) + TOUCH_EVERY <= now:
        db.execute("UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?", [to_iso(now), digest])
    return Session(csrf, channel, user_id, json.loads(roles))


def close(db: sqlite_utils.Database, session_id: str) -> None:
    """Logout."""
    db.execute("DELETE FROM web_sessions WHERE id_hash = ?", [_hash(session_id)])


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """A person's erasure ends their sessions."""
    db.execute("DELETE FROM web_sessions WHERE channel = ? AND user_id = ?", [chat.channel, chat.chat_id])
