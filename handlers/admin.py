"""Admins give roles from the chat; the people they invite take them with a one-time code.

`/moi` (admins): role → scope (communes, wards or a province, typed as people type them or as a
code, picked from the closest units; admins have no scope) → how long the role lasts (no end, 30 or
90 days from when the code is used, or until 31/12) → how long the code is valid → the code, shown
once. `/nhanma CODE`, or the code sent alone ("CG-7KQ4-M2XD"): the role at once, no
restart. A code used twice, expired or made up is refused in one line; a chat refused too often
waits (`bot/routing/grants.py`). `/vaitro` (admins): who holds which role, where, with a button
to revoke each role given from the chat (roles seeded by the environment are listed, not revocable
here). `/diaphuong` (admins): a commune's, ward's or province's own police numbers and the name
greetings show (`bot/broadcast/area_settings.py`). Every invite, grant, revocation and setting
change is a line of the audit log.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from bot.broadcast import area_settings
from bot.core.clock import VIETNAM, from_iso, to_iso
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import ascii_int, shorten
from bot.reporting import reports
from bot.routing import conversations, grants, roles
from bot.routing.choices import Button
from bot.routing.router import command_of
from bot.services import Services
from handlers import area_step, flow
from handlers.menu import menu_button, with_menu

FLOW = "invite"
INVITE = Button("invite", "action", "value")  # invite:role:police, invite:area:x-02647, invite:valid:24
ROLES = Button("roles", "action", "grant")  # roles:revoke:12
VALIDITY = {"24": timedelta(hours=24), "168": timedelta(days=7)}  # button value: hours
TERMS = ("none", "30", "90", "eoy")  # how long the role lasts: no end, days from use, until 31/12
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


def _year_end(now: datetime) -> datetime:
    """The last second of this year in Vietnam (next year's, on 31/12 itself)."""
    local = now.astimezone(VIETNAM)
    year = local.year + (1 if (local.month, local.day) == (12, 31) else 0)
    return datetime(year, 12, 31, 23, 59, 59, tzinfo=VIETNAM)


def _term_labels(svc: Services, msg: Incoming) -> dict[str, str]:
    labels = svc.texts(msg).labels("admin.terms")
    return {**labels, "eoy": labels["eoy"].format(date=_year_end(svc.clock()).strftime("%d/%m/%Y"))}


def _ask_term(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    labels = _term_labels(svc, msg)
    choices = tuple(Choice(labels[term], INVITE.data(action="term", value=term)) for term in TERMS)
    text = t.render("admin_invite_term", role=t.labels("admin.roles")[state["role"]], areas=_names(svc, state["scope"]))
    return [Reply(text, choices=(*choices, _cancel(t)))]


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
    pressed, conversation, instead = await flow.pressed(msg, svc, INVITE, FLOW)
    if conversation is None:
        return instead
    action, value = pressed["action"], pressed["value"]
    state, step = dict(conversation.data), conversation.step
    if action == "role" and value in grants.ROLES and step == "role":
        state = {"role": value, "scope": []}
        if value == "admin":  # admins act everywhere: no scope to choose
            await _save(svc, msg, "term", state)
            return _ask_term(svc, msg, state)
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
        await _save(svc, msg, "term", state)
        return _ask_term(svc, msg, state)
    if action == "term" and step == "term" and value in TERMS:
        state["term"] = value
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
    if conversation.step == "term":
        return _ask_term(svc, msg, state)
    if conversation.step == "valid":
        return _ask_validity(svc, msg, state)
    return await start(msg, svc)


async def _create(msg: Incoming, svc: Services, state: dict[str, Any], valid_for: timedelta) -> list[Reply]:
    t = svc.texts(msg)
    now, actor = svc.clock(), roles.actor(msg)
    role, scope, term = state["role"], state["scope"], state.get("term", "none")
    days = int(term) if term.isdigit() else None
    until = _year_end(now) if term == "eoy" else None

    def create(db) -> str:
        invite_id, code = grants.create_invite(
            db, role=role, scope=scope, created_by=actor, now=now, valid_for=valid_for, grant_days=days,
            grant_until=until,
        )  # fmt: skip
        lasts = f"{days} days" if days else to_iso(until) if until else "no end"
        detail = (
            f"invite {invite_id}: {role} for {'|'.join(scope) or '*'}, valid until {to_iso(now + valid_for)}, "
            f"role lasts: {lasts}"
        )
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
        term_days=days,
        term_until=until.strftime("%d/%m/%Y") if until else None,
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
            detail = (
                f"{grant.role} for {'|'.join(grant.scope) or '*'}, invited by {grant.granted_by}, "
                f"until {grant.expires_at or 'no end'}"
            )
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
        ends=_day(grant.expires_at),
    )
    return [Reply(text, choices=menu_button(t))]


def _day(stamp: str | None) -> str | None:
    """When a role ends, as shown: "31/12/2026"; None: no end."""
    return from_iso(stamp).astimezone(VIETNAM).strftime("%d/%m/%Y") if stamp else None


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
            "ends": _day(grant.expires_at),
        }
        for grant in live
    ]
    seeded = [{**entry, "role_name": labels[entry["role"]]} for entry in _seeded(svc)]
    revoke = tuple(
        Choice(
            t.label("admin.revoke").format(who=grant.who, role=labels[grant.role])[:60],
            ROLES.data(action="revoke", grant=grant.id),
            destructive=True,
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


# --- A commune's own settings: /diaphuong ---------------------------------------------------------

LOCAL_FLOW = "locality"
LOCAL = Button("local", "action", "value")  # local:area:x-02647, local:edit:police, local:clear:name
MAX_NAME = 120
MAX_NUMBERS = 5
_NUMBER = re.compile(r"^\+?[0-9][0-9 .-]{1,18}[0-9]$")
_FIELDS = {"police": "police_hotlines", "name": "greeting_name"}


async def locality_start(msg: Incoming, svc: Services) -> list[Reply]:
    """/diaphuong: which commune, ward or province to set."""
    t = svc.texts(msg)
    await svc.conversations.start(msg.conversation_key, LOCAL_FLOW, "area", {})
    return [Reply(t.render("admin_locality", step="area", problem=None), choices=(_local_cancel(t),))]


def _local_cancel(t) -> Choice:
    return Choice(t.label("admin.cancel"), LOCAL.data(action="cancel"))


async def _show_area(msg: Incoming, svc: Services, code: str, saved: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    stored = (await svc.storage.read(lambda db: area_settings.get(db, [code]))).get(code, area_settings.Local())
    labels = t.labels("admin.locality")
    clear = [key for key, value in (("police", stored.police_hotlines), ("name", stored.greeting_name)) if value]
    choices = (
        Choice(labels["police"], LOCAL.data(action="edit", value="police")),
        Choice(labels["name"], LOCAL.data(action="edit", value="name")),
        *(Choice(labels[f"clear_{key}"], LOCAL.data(action="clear", value=key)) for key in clear),
        Choice(t.label("admin.done"), LOCAL.data(action="cancel")),
    )
    text = t.render(
        "admin_locality",
        step="menu",
        problem=None,
        area=svc.library.areas.full_name(code),
        police_hotlines=list(stored.police_hotlines or ()),
        content_hotlines=[vars(h) for h in svc.library.areas.police_hotlines(code)],
        greeting_name=stored.greeting_name,
        saved=saved,
    )
    return [Reply(text, choices=choices, columns=1)]


def parse_numbers(text: str, default_label: str) -> list[dict] | None:
    """ "Công an xã Tả Van = 0214 3871 113" per line (or the number alone); None if any line is no number."""
    found = []
    for line in re.split(r"[\n;]+", text.strip()[: MAX_TYPED * 4]):
        if not line.strip():
            continue
        label, sep, number = line.rpartition("=") if "=" in line else line.rpartition(":")
        label, number = (label.strip() if sep else default_label), number.strip()
        if not _NUMBER.match(number) or not 3 <= sum(c.isdigit() for c in number) <= 15 or len(label) > MAX_NAME:
            return None
        found.append({"label": label or default_label, "number": number})
    return found[:MAX_NUMBERS] or None


async def _save_local(msg: Incoming, svc: Services, code: str, key: str, value) -> list[Reply]:
    now, actor = svc.clock(), roles.actor(msg)
    field = _FIELDS[key]

    def save(db) -> None:
        area_settings.set_value(db, code, field, value, by=actor, now=now)
        shown = json.dumps(value, ensure_ascii=False) if value is not None else "(cleared)"
        reports.audit(db, actor=actor, event="area_setting", detail=f"{code} {field}: {shown}", now=now)

    await svc.storage.write(save)
    await svc.conversations.start(msg.conversation_key, LOCAL_FLOW, "menu", {"area": code})
    return await _show_area(msg, svc, code, saved=key)


async def on_locality_choice(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    pressed, conversation, instead = await flow.pressed(msg, svc, LOCAL, LOCAL_FLOW)
    if conversation is None:
        return instead
    action, value = pressed["action"], pressed["value"]
    state = dict(conversation.data)
    if action == "area" and svc.library.areas.get(value) is not None:
        await svc.conversations.start(msg.conversation_key, LOCAL_FLOW, "menu", {"area": value})
        return await _show_area(msg, svc, value)
    if action == "edit" and value in _FIELDS and state.get("area"):
        await svc.conversations.start(msg.conversation_key, LOCAL_FLOW, value, state)
        text = t.render("admin_locality", step=value, problem=None, area=svc.library.areas.full_name(state["area"]))
        return [Reply(text, choices=(_local_cancel(t),))]
    if action == "clear" and value in _FIELDS and state.get("area"):
        return await _save_local(msg, svc, state["area"], value, None)
    return with_menu(t, "stale_choice")


async def locality_answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed text in /diaphuong: the area's name, then the police numbers or the greeting name."""
    conversation, instead = await flow.current(msg, svc, LOCAL_FLOW)
    if conversation is None:
        return instead
    t = svc.texts(msg)
    if not roles.has_role(svc.settings, msg, "admin", svc.grants):  # revoked mid-flow
        await svc.conversations.end(msg.conversation_key)
        return await flow.stale(msg, svc)
    state, step, typed = dict(conversation.data), conversation.step, msg.text or ""
    if step == "area":
        found = await svc.compute(area_step.find, svc, typed)
        codes = ([found.province] if found.province else []) + [m.code for m in found.matches]
        choices = tuple(
            Choice(shorten(svc.library.areas.full_name(c), 60), LOCAL.data(action="area", value=c)) for c in codes
        )
        problem = None if codes else "not_found"
        return [Reply(t.render("admin_locality", step="area", problem=problem), choices=(*choices, _local_cancel(t)))]
    area = state.get("area")
    if step == "police" and area:
        default_label = t.label("admin.police_label").format(name=svc.library.areas.get(area).name)
        numbers = parse_numbers(typed, default_label)
        if numbers is None:
            text = t.render("admin_locality", step="police", problem="invalid", area=svc.library.areas.full_name(area))
            return [Reply(text, choices=(_local_cancel(t),))]
        return await _save_local(msg, svc, area, "police", numbers)
    if step == "name" and area:
        name = " ".join(typed.split())
        if not name or len(name) > MAX_NAME:
            text = t.render("admin_locality", step="name", problem="invalid", area=svc.library.areas.full_name(area))
            return [Reply(text, choices=(_local_cancel(t),))]
        return await _save_local(msg, svc, area, "name", name)
    if area:
        return await _show_area(msg, svc, area)
    return await locality_start(msg, svc)
