"""Admins give roles from the chat; the people they invite take them with a one-time code.

`/moi` (admins): role → scope (communes, wards or a province, typed as people type them or as a
code, picked from the closest units; admins have no scope) → how long the code is valid → the
code, shown once. `/nhanma CODE`, or the code sent alone ("CG-7KQ4-M2XD"): the role at once, no
restart. A code used twice, expired or made up is refused in one line; a chat refused too often
waits (`bot/routing/grants.py`). `/vaitro` (admins): who holds which role, where, with a button
to revoke each role given from the chat (roles seeded by the environment are listed, not revocable
here). Every invite, grant and revocation is a line of the audit log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.clock import VIETNAM, to_iso
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import ascii_int
from bot.reporting import reports
from bot.routing import conversations, grants, roles
from bot.routing.choices import Button
from bot.routing.router import command_of
from bot.services import Services
from handlers import flow
from handlers.menu import menu_button, with_menu

FLOW = "invite"
INVITE = Button("invite", "action", "value")  # invite:role:police, invite:area:x-02647, invite:valid:24
ROLES = Button("roles", "action", "grant")  # roles:revoke:12
VALIDITY = {"24": timedelta(hours=24), "168": timedelta(days=7)}  # button value: hours
OFFERED = 5  # closest units offered for a typed name
MAX_AREAS = 20
MAX_TYPED = 120


def _cancel(t) -> Choice:
    return Choice(t.label("admin.cancel"), INVITE.data(action="cancel"))


def _names(svc: Services, codes: list[str]) -> list[str]:
    return [svc.library.areas.full_name(code) for code in codes]


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    """/moi: which role to give."""
    t = svc.texts(msg)
    await svc.conversations.start(msg.conversation_key, FLOW, "role", {})
    labels = t.labels("admin.roles")
    choices = tuple(Choice(labels[role], INVITE.data(action="role", value=role)) for role in grants.ROLES)
    return [Reply(t.render("admin_invite_role"), choices=(*choices, _cancel(t)))]


def _ask_scope(
    svc: Services, msg: Incoming, state: dict[str, Any], matches: list[str] = (), problem: str | None = None
) -> list[Reply]:
    t = svc.texts(msg)
    offered = tuple(
        Choice(svc.library.areas.full_name(code)[:60], INVITE.data(action="area", value=code))
        for code in matches
        if code not in state["scope"]
    )
    done = (Choice(t.label("admin.done"), INVITE.data(action="done")),) if state["scope"] else ()
    text = t.render(
        "admin_invite_scope",
        role=t.labels("admin.roles")[state["role"]],
        added=_names(svc, state["scope"]),
        offered=bool(offered),
        problem=problem,
        full=len(state["scope"]) >= MAX_AREAS,
    )
    return [Reply(text, choices=(*offered, *done, _cancel(t)))]


def _ask_validity(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    labels = t.labels("admin.validity")
    choices = tuple(Choice(labels[value], INVITE.data(action="valid", value=value)) for value in VALIDITY)
    text = t.render(
        "admin_invite_valid", role=t.labels("admin.roles")[state["role"]], areas=_names(svc, state["scope"])
    )
    return [Reply(text, choices=(*choices, _cancel(t)))]


def places(svc: Services, text: str) -> list[str]:
    """The units (or province) a typed name or code may mean, closest first: the one place the scope
    step reads what an admin typed."""
    typed = text.strip()[:MAX_TYPED]
    areas = svc.library.areas
    exact = areas.resolve(typed.lower()) if typed else []
    if exact:
        return exact[:OFFERED]
    return [match.code for match in areas.search(typed, OFFERED)]


async def _save(svc: Services, msg: Incoming, step: str, state: dict[str, Any]) -> None:
    await svc.conversations.start(msg.conversation_key, FLOW, step, state)


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    """The invite's buttons: role, a unit offered, done, validity, cancel."""
    t = svc.texts(msg)
    pressed = INVITE.read(msg.choice)
    action, value = pressed["action"], pressed["value"]
    conversation, instead = await flow.current(msg, svc, FLOW, cancel=action == "cancel")
    if conversation is None:
        return instead
    state, step = dict(conversation.data), conversation.step
    if action == "role" and value in grants.ROLES and step == "role":
        state = {"role": value, "scope": []}
        if value == "admin":  # admins act everywhere: no scope to choose
            await _save(svc, msg, "valid", state)
            return _ask_validity(svc, msg, state)
        await _save(svc, msg, "scope", state)
        return _ask_scope(svc, msg, state)
    if action == "area" and step == "scope" and svc.library.areas.get(value) is not None:
        if value not in state["scope"] and len(state["scope"]) < MAX_AREAS:
            state["scope"] = [*state["scope"], value]
            await _save(svc, msg, "scope", state)
        return _ask_scope(svc, msg, state)
    if action == "done" and step == "scope":
        if not state["scope"]:
            return _ask_scope(svc, msg, state, problem="empty")
        await _save(svc, msg, "valid", state)
        return _ask_validity(svc, msg, state)
    if action == "valid" and step == "valid" and value in VALIDITY:
        return await _create(msg, svc, state, VALIDITY[value])
    return with_menu(t, "stale_choice")


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed text in the invite flow: a place at the scope step; elsewhere the step is asked again."""
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    if not roles.has_role(svc.settings, msg, "admin", svc.grants):  # revoked mid-flow
        await svc.conversations.end(msg.conversation_key)
        return await flow.stale(msg, svc)
    state = dict(conversation.data)
    if conversation.step == "scope":
        found = await svc.compute(places, svc, msg.text or "")
        return _ask_scope(svc, msg, state, found, problem=None if found else "not_found")
    if conversation.step == "valid":
        return _ask_validity(svc, msg, state)
    return await start(msg, svc)


async def _create(msg: Incoming, svc: Services, state: dict[str, Any], valid_for: timedelta) -> list[Reply]:
    t = svc.texts(msg)
    now, actor = svc.clock(), roles.actor(msg)
    role, scope = state["role"], state["scope"]

    def create(db) -> str:
        invite_id, code = grants.create_invite(
            db, role=role, scope=scope, created_by=actor, now=now, valid_for=valid_for
        )
        detail = f"invite {invite_id}: {role} for {'|'.join(scope) or '*'}, valid until {to_iso(now + valid_for)}"
        reports.audit(db, actor=actor, event="invite_created", detail=detail, now=now)
        conversations.end_in(db, msg.conversation_key)
        return code

    code = await svc.storage.write(create)
    text = t.render(
        "admin_invite_code",
        code=code,
        role=t.labels("admin.roles")[role],
        areas=_names(svc, scope),
        until=(now + valid_for).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y"),
    )
    return [Reply(text, choices=menu_button(t))]


# --- Taking a role with a code ---------------------------------------------------------------------


async def redeem_command(msg: Incoming, svc: Services) -> list[Reply]:
    """/nhanma CODE; without a code, what to send."""
    t = svc.texts(msg)
    if msg.is_group:  # roles act in private chats only; the code stays unspent
        return [Reply(t.render("redeem_in_private"))]
    command = command_of(msg)
    typed = command[1] if command else ""
    if not typed:
        return [Reply(t.render("redeem_ask"))]
    return await _redeem(msg, svc, typed)


async def redeem_text(msg: Incoming, svc: Services) -> list[Reply]:
    """A code sent alone ("CG-7KQ4-M2XD"; the router routes texts of that shape here)."""
    return await _redeem(msg, svc, msg.text or "")


async def _redeem(msg: Incoming, svc: Services, typed: str) -> list[Reply]:
    t = svc.texts(msg)
    now = svc.clock()

    def take(db) -> grants.Redeemed:
        redeemed = grants.redeem(db, typed[:MAX_TYPED], msg.chat, msg.user_id, now)
        if redeemed.grant is not None:
            grant = redeemed.grant
            detail = f"{grant.role} for {'|'.join(grant.scope) or '*'}, invited by {grant.granted_by}"
            reports.audit(db, actor=grant.who, event="role_granted", detail=detail, now=now)
        return redeemed

    redeemed = await svc.storage.write(take)
    if redeemed.grant is None:
        wait = None
        if redeemed.retry_at is not None:
            wait = max(1, -(-int((redeemed.retry_at - now).total_seconds()) // 60))  # minutes, rounded up
        return [Reply(t.render("redeem_refused", reason=redeemed.outcome, wait=wait))]
    grant = redeemed.grant
    text = t.render(
        "redeem_granted",
        role=grant.role,
        role_name=t.labels("admin.roles")[grant.role],
        areas=_names(svc, list(grant.scope)),
    )
    return [Reply(text, choices=menu_button(t))]


# --- Who holds which role ---------------------------------------------------------------------------


def _seeded(svc: Services) -> list[dict[str, Any]]:
    """Roles from the environment, as the list shows them."""
    settings, found = svc.settings, []
    for role, entries in (
        ("admin", settings.admin_ids),
        ("police", settings.police_ids),
        ("staff", settings.staff_ids),
    ):
        for entry in entries:
            who, _, codes = entry.partition("=")
            scope = [code for code in codes.split("|") if code]
            areas = [svc.library.areas.full_name(c) if svc.library.areas.get(c) else c for c in scope]
            found.append({"who": who, "role": role, "areas": areas})
    return found


async def show_roles(msg: Incoming, svc: Services) -> list[Reply]:
    """/vaitro: roles given from the chat, each with a revoke button, and the environment's."""
    t = svc.texts(msg)
    now = svc.clock()
    live = await svc.storage.read(lambda db: grants.live(db, now))
    labels = t.labels("admin.roles")
    granted = [
        {
            "who": grant.who,
            "role": grant.role,
            "role_name": labels[grant.role],
            "areas": _names(svc, list(grant.scope)),
            "by": grant.granted_by,
        }
        for grant in live
    ]
    seeded = [{**entry, "role_name": labels[entry["role"]]} for entry in _seeded(svc)]
    revoke = tuple(
        Choice(
            t.label("admin.revoke").format(who=grant.who, role=labels[grant.role])[:60],
            ROLES.data(action="revoke", grant=grant.id),
        )
        for grant in live
    )
    return [Reply(t.render("admin_roles", granted=granted, seeded=seeded), choices=(*revoke, *menu_button(t)))]


async def on_roles_choice(msg: Incoming, svc: Services) -> list[Reply]:
    """roles:revoke:<grant id>: ended at once, in the audit log."""
    t = svc.texts(msg)
    pressed = ROLES.read(msg.choice)
    grant_id = ascii_int(pressed["grant"], max_digits=18)
    if pressed["action"] != "revoke" or grant_id is None:
        return with_menu(t, "stale_choice")
    now, actor = svc.clock(), roles.actor(msg)

    def revoke(db) -> grants.Grant | None:
        grant = grants.revoke(db, grant_id, by=actor, now=now)
        if grant is not None:
            detail = f"{grant.role} for {'|'.join(grant.scope) or '*'} of {grant.who}"
            reports.audit(db, actor=actor, event="role_revoked", detail=detail, now=now)
        return grant

    grant = await svc.storage.write(revoke)
    if grant is None:
        return with_menu(t, "stale_choice")
    text = t.render("admin_revoked", who=grant.who, role_name=t.labels("admin.roles")[grant.role])
    return [Reply(text, choices=menu_button(t))]
