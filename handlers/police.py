"""The police review queue, in chat: /hangdoi lists identifiers with new reports, most reporters first.

Under each: confirm as a scam, mark forwarded for handling, reject, or see the reports. A decision
asks for an optional note (a flow step, so it survives restarts), then is recorded with its audit
row and the reporters' notices in one transaction (`bot.reporting.reports.decide`). Only holders of the
police role get here: the router checks roles in one place (`handlers/__init__.py`).
"""

from __future__ import annotations

from bot.checking.verdict import allow_list, official_stored
from bot.core.clock import from_iso, local_date
from bot.core.messages import Choice, Incoming, Reply
from bot.core.money import format_vnd
from bot.core.textnorm import ascii_int
from bot.identifiers import display_stored
from bot.reporting import reports
from bot.routing import conversations, roles
from bot.services import Services
from handlers.menu import menu_button, with_menu

FLOW = "police_note"
QUEUE_SIZE = 5
DETAIL_REPORTS = 10
MAX_NOTE = 300


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
        areas=item.areas,
        amount=format_vnd(item.amount_lost) if item.amount_lost else None,
        # Reports alone do not change what citizens see for an official identifier: only a decision here.
        official=official_stored(item.kind, item.normalized, svc.library.brands, allow_list(svc.settings)),
    )
    labels = t.labels("police.actions")
    choices = tuple(
        Choice(labels[action], f"police:{action}:{item.identifier_id}")
        for action in ("confirmed", "forwarded", "rejected", "detail")
    )
    return Reply(text, choices=choices, columns=2)


async def show_queue(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    items = await svc.storage.read(lambda db: reports.queue(db, limit=QUEUE_SIZE))
    if not items:
        return [Reply(t.render("police_queue", count=0), choices=menu_button(t))]
    return [Reply(t.render("police_queue", count=len(items))), *(_item_reply(svc, msg, item) for item in items)]


async def show_detail(msg: Incoming, svc: Services, identifier_id: int) -> list[Reply]:
    t = svc.texts(msg)

    def load(db):
        item = reports.queue_item(db, identifier_id)
        rows = db.execute(
            "SELECT ref, created_at, via, claimed_topic, amount_lost, description, evidence, account_holder, "
            "contact_consent, contact_phone FROM reports WHERE identifier_id = ? ORDER BY created_at DESC LIMIT ?",
            [identifier_id, DETAIL_REPORTS],
        ).fetchall()
        return item, rows

    item, rows = await svc.storage.read(load)
    if item is None:
        return with_menu(t, "stale_choice")
    topics, via = t.labels("report.claimed"), t.labels("report.via")
    details = [
        {
            "ref": row[0],
            "day": local_date(from_iso(row[1])),
            "via": via.get(row[2] or "", ""),
            "claimed": topics.get(row[3] or "", ""),
            "amount": format_vnd(row[4]) if row[4] else None,
            "description": row[5],
            "evidence": bool(row[6]),
            "holder": row[7],
            "contact": row[9] if row[8] else None,  # a reporter's number only with their consent
        }
        for row in rows
    ]
    text = t.render(
        "police_detail", value=display_stored(item.kind, item.normalized), reports=details, total=item.new_reports
    )
    return [Reply(text), _item_reply(svc, msg, item)]


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    """`police:<action>:<identifier id>`, or `police:note:skip` at the note step."""
    t = svc.texts(msg)
    _, action, target = ((msg.choice or "") + "::").split(":")[:3]
    if action == "queue":
        return await show_queue(msg, svc)
    if action == "note":
        return await note(msg, svc)
    identifier_id = ascii_int(target, max_digits=18)  # a modified client can send any button data
    if identifier_id is None:
        return with_menu(t, "stale_choice")
    if action == "detail":
        return await show_detail(msg, svc, identifier_id)
    if action not in reports.DECISIONS:
        return with_menu(t, "stale_choice")
    await svc.conversations.start(msg.chat, FLOW, "note", {"identifier_id": identifier_id, "status": action})
    skip = Choice(t.label("police.no_note"), "police:note:skip")
    return [Reply(t.render("police_note", status=t.labels("police.statuses")[action]), choices=(skip,))]


async def note(msg: Incoming, svc: Services) -> list[Reply]:
    """The note step: a typed note or the "no note" button; then the decision is recorded."""
    t = svc.texts(msg)
    conversation = await svc.conversations.get(msg.chat, FLOW)
    if conversation is None:
        return with_menu(t, "stale_choice")
    if msg.choice != "police:note:skip" and not (msg.text and msg.text.strip()):
        skip = Choice(t.label("police.no_note"), "police:note:skip")
        status = t.labels("police.statuses")[conversation.data["status"]]
        return [Reply(t.render("police_note", status=status), choices=(skip,))]
    note_text = None if msg.choice == "police:note:skip" else msg.text.strip()[:MAX_NOTE]
    identifier_id, status = conversation.data["identifier_id"], conversation.data["status"]
    reporter_texts = svc.content.texts(svc.settings.default_language)

    def notice(ref: str, new_status: str) -> str:
        return reporter_texts.render("report_status_notice", ref=ref, status=new_status)

    def apply(db):
        outcome = reports.decide(
            db, identifier_id, status, note=note_text, actor=roles.actor(msg), now=svc.clock(), notice=notice
        )
        conversations.end_in(db, msg.chat)
        return outcome

    outcome = await svc.storage.write(apply)
    if outcome is None:
        return with_menu(t, "stale_choice")
    old, notified = outcome
    statuses = t.labels("police.statuses")
    text = t.render("police_decided", old=statuses[old], new=statuses[status], notified=notified, note=note_text)
    return [Reply(text, choices=(Choice(t.label("police.next"), "police:queue"), *menu_button(t)))]
