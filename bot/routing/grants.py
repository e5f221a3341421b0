"""Roles given from the chat: grants, and the one-time invite codes that create them.

An admin's `/moi` stores an invite (a role, a scope, an end of validity) under the hash of a random
code such as `CG-7KQ4-M2XD`; the person who sends that code to the bot gets a grant at once, no
restart. A scope is a list of area codes (communes, wards, provinces); [] means everywhere, which
only admin grants have. Roles seeded by the environment (`bot/routing/roles.py`) are not stored here.

Codes are 8 characters of Crockford's base 32 (40 random bits from `secrets`): no I, L, O or U, and
a typed o, i or l is read as 0, 1, 1, so a code read aloud or copied by hand still works. Only a
SHA-256 of the code is stored; a code is used once. A chat whose codes were refused `MAX_MISSES`
times within `MISS_WINDOW` is not even checked until the oldest of those refusals is that old: at
5 an hour, finding one live code among 2^40 takes longer than any code lives.

Owns the tables `grants`, `invites`, `invite_misses` (`forget` erases a person's grants and misses).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlite_utils

from bot.core.clock import from_iso, to_iso
from bot.core.messages import ChatKey

ROLES = ("police", "staff", "admin")
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 8  # 40 bits
PREFIX = "CG"
MAX_MISSES = 5
MISS_WINDOW = timedelta(hours=1)
# A message that is only a code, as the invited person pastes or types it: "CG-7KQ4-M2XD", "cg 7kq4m2xd".
CODE_TEXT = re.compile(r"^\s*cg[\s._-]*(?:[0-9a-z][\s._-]?){7}[0-9a-z]\s*$", re.IGNORECASE)
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})

Outcome = Literal["granted", "used", "expired", "unknown", "limited"]


@dataclass(frozen=True)
class Grant:
    id: int
    channel: str
    user_id: str
    role: str
    scope: tuple[str, ...]  # area codes; () = everywhere (admins)
    granted_by: str
    granted_at: str
    expires_at: str | None = None

    @property
    def who(self) -> str:
        """How the audit log and the role list name the holder: "telegram:123"."""
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True)
class Redeemed:
    outcome: Outcome
    grant: Grant | None = None
    retry_at: datetime | None = None  # "limited": when the next code will be checked


def new_code() -> str:
    """A fresh code as shown: "CG-7KQ4-M2XD"."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def canonical(text: str) -> str | None:
    """The code's 8 characters, whatever way it was written ("cg 7kq4-m2xd", "7KQ4M2XD"); None if
    it cannot be one."""
    folded = re.sub(r"[\s._-]+", "", text or "").upper()
    if len(folded) == CODE_LENGTH + len(PREFIX) and folded.startswith(PREFIX):
        folded = folded[len(PREFIX) :]
    folded = folded.translate(_TYPED)
    if len(folded) != CODE_LENGTH or any(c not in ALPHABET for c in folded):
        return None
    return folded


def _hash(code: str) -> str:
    return hashlib.sha256(f"canhgiac-invite:{code}".encode()).hexdigest()


def _grant(row: tuple) -> Grant:
    id_, channel, user_id, role, scope, granted_by, granted_at, expires_at = row
    return Grant(id_, channel, user_id, role, tuple(json.loads(scope)), granted_by, granted_at, expires_at)


_COLUMNS = "id, channel, user_id, role, scope, granted_by, granted_at, expires_at"
_LIVE = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"


def held(db: sqlite_utils.Database, channel: str, user_id: str, now: datetime) -> tuple[Grant, ...]:
    """The live grants of one person, oldest first (the router loads them once per update)."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM grants WHERE channel = ? AND user_id = ? AND {_LIVE} ORDER BY id",
        [channel, user_id, to_iso(now)],
    ).fetchall()
    return tuple(_grant(row) for row in rows)


def live(db: sqlite_utils.Database, now: datetime) -> list[Grant]:
    """Every live grant, for the admins' list."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM grants WHERE {_LIVE} ORDER BY id", [to_iso(now)]).fetchall()
    return [_grant(row) for row in rows]


def create_invite(
    db: sqlite_utils.Database,
    *,
    role: str,
    scope: list[str],
    created_by: str,
    now: datetime,
    valid_for: timedelta,
    grant_days: int | None = None,
    grant_until: datetime | None = None,
) -> tuple[int, str]:
    """Store an invite; return its id and the code to show (once: only its hash is kept). The role it
    gives lasts `grant_days` from when the code is used, or until `grant_until`; neither: no end."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not scope and role != "admin":
        raise ValueError("only admins may hold a role everywhere")
    while True:
        code = new_code()
        digest = _hash(canonical(code) or "")
        if db.execute("SELECT 1 FROM invites WHERE code_hash = ?", [digest]).fetchone() is None:
            break
    cursor = db.execute(
        "INSERT INTO invites (code_hash, role, scope, created_by, created_at, expires_at, grant_days, grant_until) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            digest,
            role,
            json.dumps(scope),
            created_by,
            to_iso(now),
            to_iso(now + valid_for),
            grant_days,
            to_iso(grant_until) if grant_until else None,
        ],  # fmt: skip
    )
    return cursor.lastrowid, code


def _limited(db: sqlite_utils.Database, chat: ChatKey, now: datetime) -> datetime | None:
    """When this chat may try a code again, if it has used up its refusals of the window."""
    since = to_iso(now - MISS_WINDOW)
    db.execute(
        "DELETE FROM invite_misses WHERE channel = ? AND chat_id = ? AND at <= ?", [chat.channel, chat.chat_id, since]
    )
    misses = [
        row[0]
        for row in db.execute(
            "SELECT at FROM invite_misses WHERE channel = ? AND chat_id = ? ORDER BY at", [chat.channel, chat.chat_id]
        )
    ]
    if len(misses) < MAX_MISSES:
        return None
    return from_iso(misses[-MAX_MISSES]) + MISS_WINDOW


def redeem(db: sqlite_utils.Database, text: str, chat: ChatKey, user_id: str, now: datetime) -> Redeemed:
    """Turn a code into a grant for (chat.channel, user_id), in the caller's transaction. A chat over
    its refusals is not checked at all; any refused code counts as one."""
    retry_at = _limited(db, chat, now)
    if retry_at is not None:
        return Redeemed("limited", retry_at=retry_at)
    code = canonical(text)
    found = (
        "SELECT id, role, scope, expires_at, used_at, created_by, grant_days, grant_until FROM invites "
        "WHERE code_hash = ?"
    )
    row = db.execute(found, [_hash(code)]).fetchone() if code else None
    stamp = to_iso(now)
    outcome: Outcome = "unknown" if row is None else "used" if row[4] else "expired" if row[3] <= stamp else "granted"
    if outcome != "granted":
        db.execute(
            "INSERT INTO invite_misses (channel, chat_id, at) VALUES (?, ?, ?)", [chat.channel, chat.chat_id, stamp]
        )
        return Redeemed(outcome)
    invite_id, role, scope, _, _, creator, days, until = row
    ends = to_iso(now + timedelta(days=days)) if days else until  # None: the role has no end
    db.execute("UPDATE invites SET used_at = ? WHERE id = ?", [stamp, invite_id])
    cursor = db.execute(
        "INSERT INTO grants (channel, user_id, role, scope, granted_by, granted_at, expires_at, invite_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [chat.channel, user_id, role, scope, creator, stamp, ends, invite_id],
    )
    grant = Grant(cursor.lastrowid, chat.channel, user_id, role, tuple(json.loads(scope)), creator, stamp, ends)
    return Redeemed("granted", grant)


def revoke(db: sqlite_utils.Database, grant_id: int, *, by: str, now: datetime) -> Grant | None:
    """End a live grant; None if there is none with that id (revoked already, expired, made up)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM grants WHERE id = ? AND {_LIVE}", [grant_id, to_iso(now)]).fetchone()
    if row is None:
        return None
    db.execute("UPDATE grants SET revoked_at = ?, revoked_by = ? WHERE id = ?", [to_iso(now), by, grant_id])
    return _grant(row)


def forget(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """A person's erasure: their grants (a role is held in a private chat, whose id is the user's) and
    their refused codes go; the audit log keeps that a role was given and taken."""
    db.execute("DELETE FROM grants WHERE channel = ? AND user_id = ?", [chat.channel, chat.chat_id])
    db.execute("DELETE FROM invite_misses WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])
