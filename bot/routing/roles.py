"""Who may do what: police review reports, staff broadcast, admins do both. One place decides.

Ids come from settings (`CANHGIAC_POLICE_IDS`, `CANHGIAC_STAFF_IDS`, `CANHGIAC_ADMIN_IDS`). An id
written bare ("123456") holds on every channel; "zalo:abc" holds on that channel only, because
Telegram and Zalo number their users independently.
"""

from __future__ import annotations

from typing import Literal

from bot.core.messages import Incoming
from bot.core.settings import Settings

Role = Literal["police", "staff", "admin"]


def _entry(ids: list[str], msg: Incoming) -> str | None:
    """The settings entry naming this user ("123", "zalo:abc", "123=coc-leu|…"), if any."""
    for entry in ids:
        who = entry.partition("=")[0]
        if who in (msg.user_id, f"{msg.channel}:{msg.user_id}"):
            return entry
    return None


def _listed(ids: list[str], msg: Incoming) -> bool:
    return _entry(ids, msg) is not None


def has_role(settings: Settings, msg: Incoming, role: Role) -> bool:
    """Admins hold every role. Group chats never act with a role: decisions are made in private."""
    if msg.is_group or not msg.user_id:
        return False
    if _listed(settings.admin_ids, msg):
        return True
    if role == "admin":
        return False
    return _listed(settings.police_ids if role == "police" else settings.staff_ids, msg)


def actor(msg: Incoming) -> str:
    """How the audit log names a staff member: their platform and user id."""
    return f"{msg.channel}:{msg.user_id}"


def staff_areas(settings: Settings, msg: Incoming) -> list[str] | None:
    """Areas this staff member may broadcast to; None means every area (admins)."""
    if _listed(settings.admin_ids, msg):
        return None
    entry = _entry(settings.staff_ids, msg)
    return [code for code in (entry or "").partition("=")[2].split("|") if code]


def staff_chats(settings: Settings) -> list[tuple[str, str]]:
    """Where staff and admins get summaries: their private chats (Telegram unless a channel is named)."""
    chats = []
    for entry in settings.staff_ids + settings.admin_ids:
        who = entry.partition("=")[0]
        channel, sep, user = who.partition(":")
        chats.append((channel, user) if sep else ("telegram", who))
    return list(dict.fromkeys(chats))
