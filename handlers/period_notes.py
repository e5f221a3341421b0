"""/baocaoky: staff write the free-text sections of a periodic report (difficulties,
recommendations) for a period (this month, this quarter, …) and one of their communes; each section
is saved when sent, and the document keeps it. "Xong" ends the flow with the report itself: the
Word document and its XLSX annex as files (`bot.periodic.build.in_memory`, the same files the
console and `canhgiac report periodic` make), on a worker thread; a channel that cannot send a file
sends its `instead` words (a link to the console's download, or who can make it).
(/hanbaocao: `handlers/deadline_calendar.py`.)

The router lets only the staff role in (`handlers/__init__.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from bot.activity import notes, periods
from bot.core.clock import VIETNAM
from bot.core.content import Texts
from bot.core.messages import Choice, Document, Incoming, Reply
from bot.core.textnorm import clean_input
from bot.periodic import periods as report_periods
from bot.routing import roles
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow, staff_area
from handlers.menu import menu_button, with_menu

FLOW = "notes"
BUTTON = Button("notes", "action", "value")  # notes:period:2026-Q4, notes:area:x-02647, notes:write:…


def _today(svc: Services) -> date:
    return svc.clock().astimezone(VIETNAM).date()


def _cancel(t: Texts) -> Choice:
    return Choice(t.label("notes.cancel"), BUTTON.data(action="cancel"))


async def _save(svc: Services, msg: Incoming, step: str, state: dict[str, Any]) -> None:
    await svc.conversations.start(msg.conversation_key, FLOW, step, state)


def _reply(
    svc: Services, msg: Incoming, step: str, choices=(), *, typed: bool = False, problem: str | None = None, **values
) -> list[Reply]:
    t = svc.texts(msg)
    if step == "area":
        values.setdefault("whole", False)  # True: the areas held are offered themselves (a province)
    text = t.render("period_notes", step=step, problem=problem, typed=typed, **values)
    return [Reply(text, choices=(*choices, _cancel(t)), free_text=typed, fresh_numbers=step == "period")]


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    if staff_area.held(svc, msg) == []:
        return with_menu(t, "staff_no_areas")
    await _save(svc, msg, "period", {})
    return _ask_period(svc, msg)


def _ask_period(svc: Services, msg: Incoming) -> list[Reply]:
    t = svc.texts(msg)
    choices = tuple(
        Choice(periods.label(t, p), BUTTON.data(action="period", value=p.key)) for p in periods.offered(_today(svc))
    )
    return _reply(svc, msg, "period", choices)


async def _menu(svc: Services, msg: Incoming, state: dict[str, Any], saved: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    await _save(svc, msg, "menu", state)
    written = await svc.storage.read(lambda db: notes.sections(db, state["period"], state["area"]))
    choices = tuple(
        Choice(t.label("notes.write").format(section=t.label(f"notes.sections.{key}")),
               BUTTON.data(action="write", value=key))
        for key in notes.SECTIONS
    ) + (Choice(t.label("notes.done"), BUTTON.data(action="done")),)  # fmt: skip
    period = periods.parse(state["period"])
    return _reply(svc, msg, "menu", choices, period=periods.label(t, period), area=staff_area.name(svc, state["area"]),
                  sections=written, saved=saved)  # fmt: skip


async def _after_period(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    allowed = staff_area.held(svc, msg)
    only = staff_area.only(svc, allowed)
    if only is not None:
        state["area"] = only
        return await _menu(svc, msg, state)
    await _save(svc, msg, "area", state)
    buttons = staff_area.buttons(svc, allowed, lambda code: BUTTON.data(action="area", value=code))
    if buttons is None and allowed and len(allowed) <= staff_area.MAX_BUTTONS:
        # A province's staff report on the province itself (a button) or on a commune inside (typed).
        whole = staff_area.held_buttons(svc, allowed, lambda code: BUTTON.data(action="area", value=code))
        return _reply(svc, msg, "area", whole, typed=True, whole=True)
    return _reply(svc, msg, "area", buttons or (), typed=buttons is None)


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    pressed, conversation, instead = await flow.pressed(msg, svc, BUTTON, FLOW)
    if conversation is None:
        return instead
    action, value = pressed["action"], pressed["value"]
    state = dict(conversation.data)
    if action == "period" and periods.parse(value) is not None:
        state["period"] = periods.parse(value).key
        return await _after_period(svc, msg, state)
    if action == "area" and "period" in state and staff_area.may_report(svc, staff_area.held(svc, msg), value):
        state["area"] = value
        return await _menu(svc, msg, state)
    if action == "write" and value in notes.SECTIONS and "area" in state:
        state["section"] = value
        await _save(svc, msg, "write", state)
        return _reply(svc, msg, "write", typed=True, section=t.label(f"notes.sections.{value}"), limit=notes.MAX_TEXT)
    if action == "done" and "area" in state:
        await svc.conversations.end(msg.conversation_key)
        return await _report(svc, msg, state["period"], state["area"])
    return await flow.stale(msg, svc)


async def _report(svc: Services, msg: Incoming, key: str, area: str) -> list[Reply]:
    """The report's two files, then a line on what they hold; one line instead of them for an area
    the staff member no longer holds or a period not begun (a button kept from an older message)."""
    # Here, not at the top: the document's libraries (python-docx, matplotlib, openpyxl) take about
    # 0.4 s to import, which every start of the bot would pay for a step few staff reach.
    from bot.periodic import build

    t = svc.texts(msg)
    label, place = periods.label(t, periods.parse(key)), staff_area.name(svc, area)
    if not staff_area.may_report(svc, staff_area.held(svc, msg), area):  # roles may have changed since the menu
        text = t.render("period_report", part="refused", problem="scope", period=label, area=place)
        return [Reply(text, choices=menu_button(t))]
    try:
        period = report_periods.parse(key, _today(svc))
    except report_periods.PeriodError:
        text = t.render("period_report", part="refused", problem="not_begun", period=label, area=place)
        return [Reply(text, choices=menu_button(t))]
    files = await svc.compute(build.in_memory, svc.storage, svc.library.areas, t, area, period)
    base = svc.settings.web_base_url

    def document(kind: str, content: bytes, name: str, mime: str) -> Document:
        query = urlencode({"period": key, "area": area, "part": kind})
        link = f"{base}/reports/periodic?{query}" if base else None
        caption = t.render("period_report", part="caption", kind=kind, period=label, area=place)
        instead = t.render("period_report", part="instead", kind=kind, name=name, link=link)
        return Document(content, name, mime, caption=caption, instead=instead)

    written = await svc.storage.read(lambda db: notes.sections(db, key, area))
    text = t.render("period_notes", step="done", period=label, area=place, written=any(written.values()),
                    empty=files.figures.empty)  # fmt: skip
    return [
        Reply("", document=document("docx", files.document, files.document_name, build.DOCX)),
        Reply(text, document=document("xlsx", files.annex, files.annex_name, build.XLSX), choices=menu_button(t)),
    ]


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Typed steps: a commune's name, a section's text."""
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    state, step = dict(conversation.data), conversation.step
    if step == "area":
        allowed = staff_area.held(svc, msg)
        found = staff_area.find(svc, allowed, msg.text or "")
        if not found:
            return _reply(svc, msg, "area", typed=True, problem="not_found")
        choices = tuple(Choice(staff_area.name(svc, c)[:60], BUTTON.data(action="area", value=c)) for c in found)
        return _reply(svc, msg, "area", choices, problem="pick")
    if step == "write":
        text = clean_input(msg.text)
        section = state["section"]
        label = t.label(f"notes.sections.{section}")
        raw = (msg.text or "").strip()
        if len(raw) > notes.MAX_TEXT:
            return _reply(svc, msg, "write", typed=True, section=label, limit=notes.MAX_TEXT, problem="long")
        if not text:
            return _reply(svc, msg, "write", typed=True, section=label, limit=notes.MAX_TEXT, problem="empty")
        now = svc.clock()

        def write(db) -> None:
            notes.set_section(db, state["period"], state["area"], section, text, roles.actor(msg), now)

        await svc.storage.write(write)  # committed before the bot says it was saved
        state.pop("section")
        return await _menu(svc, msg, state, saved=section)
    if step == "menu":
        return await _menu(svc, msg, state)
    return _ask_period(svc, msg)  # words that name no period: the periods again
