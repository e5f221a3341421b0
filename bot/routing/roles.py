"""Who may do what, and where: police review reports, staff broadcast, admins do both and give
roles. One place decides.

Two sources, joined: the environment seeds roles (`CANHGIAC_POLICE_IDS`, `CANHGIAC_STAFF_IDS`,
`CANHGIAC_ADMIN_IDS`; the first admin at least), and admins give more from the chat (`/moi`; rows of
`bot/routing/grants.py`), which the router loads with the update's first write and passes here as
`held`. An id written bare ("123456") holds on every channel; "zalo:abc" holds on that channel only,
because Telegram and Zalo number their users independently. "123456=x-02647|t-15" limits a police
or staff entry to those areas (a bare police id: everywhere, a bare staff id: nowhere yet).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from bot.core.messages import Incoming
from bot.core.settings import Settings
from bot.routing.grants import Grant

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


def _seeded(settings: Settings, role: Role) -> list[str]:
    return settings.police_ids if role == "police" else settings.staff_ids if role == "staff" else settings.admin_ids


def has_role(settings: Settings, msg: Incoming, role: Role, held: Sequence[Grant] = ()) -> bool:
    """Admins hold every role. Group chats never act with a role: decisions are made in private.
    `held`: the writer's live grants, as the router loaded them for this update."""
    if msg.is_group or not msg.user_id:
        return False
    if _listed(settings.admin_ids, msg) or any(g.role == "admin" for g in held):
        return True
    if role == "admin":
        return False
    return _listed(_seeded(settings, role), msg) or any(g.role == role for g in held)


def areas_for(settings: Settings, msg: Incoming, role: Role, held: Sequence[Grant] = ()) -> list[str] | None:
    """The area codes this person holds `role` for, from both sources; None means every area (an
    admin, a bare police id, a grant without a scope)."""
    if _listed(settings.admin_ids, msg) or any(g.role == "admin" for g in held):
        return None
    codes: list[str] = []
    entry = _entry(_seeded(settings, role), msg)
    if entry is not None:
        if "=" not in entry and role == "police":
            return None
        codes += [code for code in entry.partition("=")[2].split("|") if code]
    for grant in held:
        if grant.role == role:
            if not grant.scope:
                return None
            codes += grant.scope
    return list(dict.fromkeys(codes))


ROLES: tuple[Role, ...] = ("police", "staff", "admin")


def held_roles(settings: Settings, msg: Incoming, held: Sequence[Grant] = ()) -> dict[Role, list[str] | None]:
    """Every role this person holds now, each with its area codes (None: everywhere), in the order
    of `ROLES`: what the web console logs them in with (`bot/routing/logins.py`). Empty for a
    citizen, and in a group."""
    return {role: areas_for(settings, msg, role, held) for role in ROLES if has_role(settings, msg, role, held)}


def actor(msg: Incoming) -> str:
    """How the audit log names a staff member: their platform and user id."""
    return f"{msg.channel}:{msg.user_id}"


CONSOLE = "console"


def console_actor(channel: str, user_id: str) -> str:
    """How the audit log names a staff member acting in the web console: "console:" before the
    chat's name for them (`actor`), the account their login came from."""
    return f"{CONSOLE}:{channel}:{user_id}"


def staff_areas(settings: Settings, msg: Incoming, held: Sequence[Grant] = ()) -> list[str] | None:
    """Areas this staff member may broadcast to; None means every area (admins)."""
    return areas_for(settings, msg, "staff", held)


def _chat_of(who: str) -> tuple[str, str]:
    """The private chat to write to for a settings id: "zalo:abc" on Zalo, a bare id on Telegram."""
    channel, sep, user = who.partition(":")
    return (channel, user) if sep else ("telegram", who)


def holders(settings: Settings, live: Sequence[Grant], role: Role) -> dict[tuple[str, str], list[str] | None]:
    """Everyone given `role` (admins aside), as the private chat to write to → the area codes they
    hold it for (None: everywhere: a bare police id, a grant without a scope; a bare staff id holds
    none yet), from the environment and the grants in force (`grants.live`). Listed twice: one
    entry, all their areas."""
    found: dict[tuple[str, str], list[str] | None] = {}

    def add(chat: tuple[str, str], codes: list[str] | None) -> None:
        if chat in found and found[chat] is None:
            return  # everywhere already
        found[chat] = None if codes is None else [*(found.get(chat) or []), *codes]

    for entry in _seeded(settings, role):
        who, scoped, listed = entry.partition("=")
        codes = [code for code in listed.split("|") if code]
        add(_chat_of(who), None if not scoped and role == "police" else codes)
    for grant in live:
        if grant.role == role:
            add((grant.channel, grant.user_id), list(grant.scope) or None)
    return found


def summary_chats(
    settings: Settings, live: Sequence[Grant], created_by: str, touches: Callable[[Sequence[str]], bool]
) -> list[tuple[str, str]]:
    """Who hears that a broadcast is done: whoever made it from a chat, every admin, and every
    staff member whose areas it `touches`, whether the environment or a grant in the chat gave
    them the role. `live`: the grants in force (`grants.live`)."""
    chats = []
    channel, sep, user = created_by.partition(":")
    if sep and user:
        chats.append((channel, user))
    chats += [_chat_of(entry.partition("=")[0]) for entry in settings.admin_ids]
    chats += [(grant.channel, grant.user_id) for grant in live if grant.role == "admin"]
    chats += [chat for chat, codes in holders(settings, live, "staff").items() if codes is None or touches(codes)]
    return list(dict.fromkeys(chats))
