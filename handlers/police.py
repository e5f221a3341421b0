"""The police review queue, in chat: /hangdoi lists identifiers with new reports, most reporters first.

Under each: confirm as a scam, mark forwarded for handling, reject, or see the reports. A decision
asks for an optional note (a flow step, so it survives restarts), then is recorded with its audit
row and the reporters' notices in one transaction (`bot.reporting.reports.decide`). Only holders of the
police role get here: the router checks roles in one place (`handlers/__init__.py`).

An officer sees and decides within their scope (`roles.areas_for`): a commune officer the reports
filed in their communes, a province officer every unit of the province plus reports without an
area; an identifier with no report there is refused, on the button and again when the decision is
written. A decision still applies to the identifier everywhere: it is one number, link or account.
"""

from __future__ import annotations

from bot.checking.verdict import allow_list, official_stored
from bot.core.clock import from_iso, local_date
from bot.core.messages import Choice, Incoming, Reply
from bot.core.money import format_vnd
from bot.core.textnorm import ascii_int
from bot.identifiers import display_stored
from bot.reporting import decisions, digest, reports
from bot.routing import conversations, roles
from bot.routing.choices import Button
from bot.routing.router import command_of
from bot.services import Services
from handlers import area_step, flow
from handlers.menu import menu_button, with_menu

FLOW = "police_note"
QUEUE_SIZE = 5
DETAIL_REPORTS = 10
BUTTON = Button("police", "action", "item")  # police:confirmed:12, police:note:skip, police:queue
SKIP_NOTE = BUTTON.data(action="note", item="skip")


def _scope(svc: Services, msg: Incoming) -> reports.Scope | None:
    """The reports this officer answers for; None: every report (an admin, a police id without areas)."""
    return digest.scope_of(svc.library.areas, roles.areas_for(svc.settings, msg, "police", svc.grants))


async def _refused(svc: Services, msg: Incoming, identifier_id: int) -> list[Reply] | None:
    """The answer to a button about an identifier outside the officer's scope (a crafted or
    outdated one), or None to go on."""
    scope = _scope(svc, msg)
    if scope is None:
        return None
    if await svc.storage.read(lambda db: reports.queue_item(db, identifier_id, scope=scope)) is not None:
        return None
    return with_menu(svc.texts(msg), "police_not_in_scope")


def _item_reply(svc: Services, msg: Incoming, item: reports.QueueItem) -> Reply:
    t = svc.texts(msg)
    topics = t.labels("report.claimed")
    text = t.render(
        "police_item",
        value=display_stored(item.kind, item.normalized),
        kind=t.labels("police.kinds")[item.kind],
        status=t.labels("police.statuses")[item.status],
        reporters=item.reporters,
        new_reports=item.new_reports,
        first=local_date(from_iso(item.first_reported)),
        last=local_date(from_iso(item.last_reported)),
        topics=[topics.get(slug, slug) for slug in item.topics],
        areas=sorted({svc.library.areas.name_of(area) for area in item.areas}),
        amount=format_vnd(item.amount_lost) if item.amount_lost else None,
        # Reports alone do not change what citizens see for an official identifier: only a decision here.
        official=official_stored(item.kind, item.normalized, svc.library.brands, allow_list(svc.settings)),
    )
    labels = t.labels("police.actions")
    choices = tuple(
        Choice(labels[action], BUTTON.data(action=action, item=item.identifier_id))
        for action in ("confirmed", "forwarded", "rejected", "detail")
    )
    return Reply(text, choices=choices, columns=2)


def narrowed(svc: Services, scope: reports.Scope | None, typed: str) -> tuple[reports.Scope | None, str | None, str]:
    """`/hangdoi <commune, province or code>`: (the reports of that area within `scope`, its code,
    "") or (None, None, why not: "not_found" or "not_in_scope")."""
    areas = svc.library.areas
    found = area_step.find(svc, typed)
    code = found.province if found.problem == "province" else found.matches[0].code if found.matches else None
    if code is None:
        return None, None, "not_found"
    units = frozenset(areas.within(code))
    if scope is not None and not units <= scope.areas:  # outside the officer's communes or province
        return None, code, "not_in_scope"
    return reports.Scope(units), code, ""


async def show_queue(msg: Incoming, svc: Services) -> list[Reply]:
    """/hangdoi, or `/hangdoi <commune, province or code>` for one area of the officer's scope."""
    t = svc.texts(msg)
    scope = _scope(svc, msg)
    command = command_of(msg)
    typed = command[1].strip() if command else ""
    area = None
    if typed:
        scope, code, problem = await svc.compute(narrowed, svc, scope, typed)
        if problem == "not_in_scope":
            return with_menu(t, "police_not_in_scope")
        if problem:
            return [Reply(t.render("police_queue", count=0, area=None, problem=problem), choices=menu_button(t))]
        area = svc.library.areas.full_name(code)
    items = await svc.storage.read(lambda db: reports.queue(db, limit=QUEUE_SIZE, scope=scope))
    if not items:
        return [Reply(t.render("police_queue", count=0, area=area, problem=None), choices=menu_button(t))]
    text = t.render("police_queue", count=len(items), area=area, problem=None)
    return [Reply(text), *(_item_reply(svc, msg, item) for item in items)]


async def show_detail(msg: Incoming, svc: Services, identifier_id: int) -> list[Reply]:
    t = svc.texts(msg)
    scope = _scope(svc, msg)

    def load(db):
        item = reports.queue_item(db, identifier_id, scope=scope)
        return item, reports.latest(db, identifier_id, DETAIL_REPORTS, scope=scope)

    item, rows = await svc.storage.read(load)
    if item is None:
        return with_menu(t, "stale_choice")
    details = [reports.as_shown(row, t) for row in rows]
    text = t.render(
        "police_detail", value=display_stored(item.kind, item.normalized), reports=details, total=item.new_reports
    )
    return [Reply(text), _item_reply(svc, msg, item)]


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    """`police:<action>:<identifier id>`, or `police:note:skip` at the note step."""
    t = svc.texts(msg)
    pressed = BUTTON.read(msg.choice)
    action, target = pressed["action"], pressed["item"]
    if action == "queue":
        return await show_queue(msg, svc)
    if action == "note":
        return await note(msg, svc)
    identifier_id = ascii_int(target, max_digits=18)  # a modified client can send any button data
    if identifier_id is None:
        return with_menu(t, "stale_choice")
    if action not in (*reports.DECISIONS, "detail"):
        return with_menu(t, "stale_choice")
    refused = await _refused(svc, msg, identifier_id)
    if refused is not None:
        return refused
    if action == "detail":
        return await show_detail(msg, svc, identifier_id)
    draft = {"identifier_id": identifier_id, "status": action}
    await svc.conversations.start(msg.conversation_key, FLOW, "note", draft)
    skip = Choice(t.label("police.no_note"), SKIP_NOTE)
    return [Reply(t.render("police_note", status=t.labels("police.statuses")[action]), choices=(skip,))]


async def note(msg: Incoming, svc: Services) -> list[Reply]:
    """The note step: a typed note or the "no note" button; then the decision is recorded."""
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    if msg.choice != SKIP_NOTE and not (msg.text and msg.text.strip()):
        skip = Choice(t.label("police.no_note"), SKIP_NOTE)
        status = t.labels("police.statuses")[conversation.data["status"]]
        return [Reply(t.render("police_note", status=status), choices=(skip,))]
    note_text = None if msg.choice == SKIP_NOTE else decisions.clean_note(msg.text)
    identifier_id, status = conversation.data["identifier_id"], conversation.data["status"]
    reporter_texts = svc.content.texts(svc.settings.default_language)
    scope = _scope(svc, msg)

    def apply(db):
        done = decisions.decide(
            db, [identifier_id], status, note=note_text, actor=roles.actor(msg), now=svc.clock(),
            texts=reporter_texts, scope=scope,
        )  # fmt: skip
        conversations.end_in(db, msg.conversation_key)
        if done.refused:
            return "out of scope"
        return (done.old[identifier_id], done.notified) if done.decided else None

    outcome = await svc.storage.write(apply)
    if outcome == "out of scope":
        return with_menu(t, "police_not_in_scope")
    if outcome is None:
        return with_menu(t, "stale_choice")
    old, notified = outcome
    statuses = t.labels("police.statuses")
    text = t.render(
        "police_decided",
        old=statuses[old],
        new=statuses[status],
        notified=notified,
        note=note_text,
        sending=svc.sending(),
    )
    return [Reply(text, choices=(Choice(t.label("police.next"), BUTTON.data(action="queue")), *menu_button(t)))]
