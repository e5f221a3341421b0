"""Who may do what: police review reports, staff broadcast, admins do both. One place decides.

Ids come from settings (`CANHGIAC_POLICE_IDS`, `CANHGIAC_STAFF_IDS`, `CANHGIAC_ADMIN_IDS`). An id
written bare ("123456") holds on every channel; "zalo:abc" holds on that channel only, because
Telegram and Zalo number their users independently.
"""

from __future__ import annotations

from typing import Literal

from bot.models import Incoming
from bot.settings import Settings

Role = Literal["police", "staff", "admin"]


def _listed(ids: list[str], msg: Incoming) -> bool:
    return msg.user_id in ids or f"{msg.channel}:{msg.user_id}" in ids


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
