"""/baocao: a guided report of a suspicious number, link or account, with choices at every step.

Steps: what → identifier (→ bank → holder, for accounts; → platform, for a profile named without
one) → via → who they claimed to be → when → money lost → description → evidence photo → area
(without a subscription) → consent → contact (with consent) → summary → filed. The identifier
may be a social-media profile (a name, a handle, a profile link), or nothing at all: the
identifier step always offers "no number or link", and for "Khác" a story typed there is taken as
the description; without an identifier the story cannot be skipped. From the summary, "Sửa" lists
the answers: the one chosen is asked again (same step, same checks), then the summary comes back
with the others kept.
The report's commune or ward is the chat's subscription's, when it has one; otherwise one optional
question, just before consent (so the consent text can name the police who will read it), asks
"Bạn ở xã/phường nào?": a typed name (an old one too) offers the closest current units
(`handlers/area_step.py`), a province its communes or the whole province; skipped, the report
keeps the deployment's locality, as before.
Every optional step has a skip button; every invalid answer gets a kind re-ask of the same step.
The draft lives in the conversation state (SQLite), so the flow resumes after a restart, and
/huy leaves it at any step. Nothing is stored as a report until the citizen confirms, and the
reference code is shown only after the report is committed. A code whose answer never arrived
(the bot stopped between the commit and the send) stays owed: pressing send again tells it, and
otherwise the router tells it with the chat's next reply.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.broadcast import subscriptions
from bot.broadcast.areas import AreaMatch
from bot.core.messages import Choice, Incoming, Photo, Reply
from bot.core.money import MILLION, format_vnd, parse_amount
from bot.core.textnorm import phrase_key
from bot.identifiers import (
    PLATFORMS,
    BankAccount,
    Identifier,
    Link,
    PhoneNumber,
    Profile,
    citizen_ids_in,
    display,
    extract_identifiers,
    parse_identifier,
    parse_phone,
    parse_profile,
    profile_from_link,
)
from bot.identifiers import banks as bank_registry
from bot.images import ocr, read_picture
from bot.reporting import evidence, reports
from bot.routing import choices, conversations
from bot.routing.choices import Button
from bot.services import Services
from handlers import area_step, flow
from handlers.menu import menu_button, with_menu

log = logging.getLogger("canhgiac.report")

FLOW = "report"
# report:<step>:<value> (report:what:call, report:id:<identifier>, whose value may hold ":"), report:skip…
BUTTON = Button("report", "step", "value", open_end=True)
MAX_DESCRIPTION = 1500
MAX_EVIDENCE_TEXT = 4000  # a long chat screenshot's words; police see the photo for the rest
MAX_HOLDER = 80

# Which identifier kinds answer the identifier step of each kind of report.
ACCEPTS = {
    "call": ("phone",),
    "sms": ("phone", "url"),
    "link": ("url",),
    "bank_account": ("bank_account",),
    "social": ("profile", "url", "phone"),
    "other": ("phone", "url", "bank_account", "profile"),
}
VIA = ("phone_call", "ott_call", "sms", "zalo", "facebook", "telegram", "website", "in_person", "other")
# The contact channel a profile's platform already says (the via step is then not asked).
PLATFORM_VIA = {"facebook": "facebook", "zalo": "zalo", "telegram": "telegram"}
# A story typed at the identifier step of "Khác" (no number, link or profile in it): at least this many words.
STORY_WORDS = 4
# Answers the summary lets the citizen change, in its order; "holder" and "platform" only where they apply.
EDITABLE = ("what", "identifier", "platform", "holder", "via", "claimed", "happened", "amount", "description",
            "evidence", "area", "consent")  # fmt: skip
# Steps asked even while an edit goes back to the summary: they complete the answer just changed.
COMPLETING = ("bank", "holder", "platform", "contact")
HAPPENED = ("today", "yesterday", "this_week", "this_month", "earlier")
CONSENT = ("contact", "updates", "none")
POPULAR_BANKS = ("VCB", "BIDV", "ICB", "VBA", "MB", "TCB", "ACB", "VPB")
AREA_PAGE = 30  # units of a province per message, as at /dangky
_KINDS: dict[str, type] = {"phone": PhoneNumber, "url": Link, "bank_account": BankAccount, "profile": Profile}


# --- the draft in the conversation state ---


def _dump(identifier: Identifier | None) -> dict[str, Any] | None:
    return {"kind": identifier.kind, **dataclasses.asdict(identifier)} if identifier is not None else None


def _load(data: dict[str, Any] | None) -> Identifier | None:
    """The draft's identifier; None when the citizen had none to give (or has not given it yet)."""
    if not data:
        return None
    fields = dict(data)
    return _KINDS[fields.pop("kind")](**fields)


def _fits(state: dict[str, Any]) -> bool:
    """The draft's identifier answers its kind of report ("no identifier" answers every kind)."""
    if "identifier" not in state:
        return False
    identifier = _load(state["identifier"])
    return identifier is None or identifier.kind in ACCEPTS[state["what"]]


def _needed_while_editing(state: dict[str, Any], step: str) -> bool:
    """While an edit returns to the summary: a step that completes the answer just changed."""
    if step in COMPLETING:
        return True
    if step == "identifier":
        return not _fits(state)
    if step == "description":
        return _story_required(state) and not state.get("description")
    return False


async def _ask(svc: Services, msg: Incoming, state: dict[str, Any], step: str) -> list[Reply]:
    await svc.conversations.start(msg.conversation_key, FLOW, step, state)
    return [_prompt(svc, msg, step, state)]


async def _goto(svc: Services, msg: Incoming, state: dict[str, Any], step: str) -> list[Reply]:
    """On to `step`, or, while the citizen is changing one answer, back to the summary."""
    if state.get("editing") and step != "confirm" and not _needed_while_editing(state, step):
        # the answer changed may have left the report without identifier and without its story
        step = "description" if _story_required(state) and not state.get("description") else "confirm"
    if step == "confirm":
        state.pop("editing", None)
    return await _ask(svc, msg, state, step)


def _story_required(state: dict[str, Any]) -> bool:
    """Without a number, link or profile, the story is what the police have: it cannot be skipped."""
    return "identifier" in state and state["identifier"] is None


# --- prompts ---


def _options(svc: Services, msg: Incoming, group: str, values: tuple[str, ...]) -> tuple[Choice, ...]:
    labels = svc.texts(msg).labels(f"report.{group}")
    return tuple(Choice(labels[v], BUTTON.data(step=group, value=v)) for v in values)


def _skip(svc: Services, msg: Incoming) -> Choice:
    return Choice(svc.texts(msg).label("report.skip"), BUTTON.data(step="skip"))


def _claimed_choices(svc: Services, msg: Incoming) -> tuple[Choice, ...]:
    labels = svc.texts(msg).labels("report.claimed")
    return tuple(Choice(label, BUTTON.data(step="claimed", value=slug)) for slug, label in labels.items())


def _bank_choices(svc: Services, msg: Incoming) -> tuple[Choice, ...]:
    choices = []
    for code in POPULAR_BANKS:
        bank = bank_registry.bank_by_code(code)
        if bank is not None:
            choices.append(Choice(bank.name, BUTTON.data(step="bank", value=code)))
    return (*choices, _skip(svc, msg))


def _prompt(svc: Services, msg: Incoming, step: str, state: dict[str, Any], problem: str = "") -> Reply:
    t = svc.texts(msg)
    if step == "confirm":
        return _summary(svc, msg, state)
    if step == "edit":
        return _edit_list(svc, msg, state)
    if step == "area":
        return _area_prompt(svc, msg, state, problem)
    values: dict[str, Any] = {"step": step, "what": state.get("what", ""), "problem": problem, "buttons": msg.buttons}
    if step == "description" and _story_required(state):
        values["required"] = True
    if step == "consent" and state.get("area"):
        values["area"] = svc.library.areas.full_name(state["area"])  # whose police read it
    text = t.render("report_prompt", **values)
    cancel = Choice(t.label("report.cancel"), "report:cancel", destructive=True)
    if step == "what":
        return Reply(text, choices=(*_options(svc, msg, "what", tuple(reports.WHAT)), cancel), columns=2)
    if step == "bank":
        return Reply(text, choices=(*_bank_choices(svc, msg), cancel), columns=2)
    if step == "via":
        return Reply(text, choices=(*_options(svc, msg, "via", VIA), cancel), columns=2)
    if step == "platform":
        return Reply(text, choices=(*_options(svc, msg, "platform", PLATFORMS), cancel), columns=2)
    if step == "claimed":
        return Reply(text, choices=(*_claimed_choices(svc, msg), cancel), columns=1)
    if step == "happened":
        return Reply(text, choices=(*_options(svc, msg, "happened", HAPPENED), cancel), columns=2)
    if step == "amount":
        no_loss = Choice(t.label("report.no_loss"), "report:amount:0")
        return Reply(text, choices=(no_loss, _skip(svc, msg), cancel), columns=2, free_text=True)  # "3": 3 triệu
    if step == "description" and _story_required(state):
        return Reply(text, choices=(cancel,))
    if step in ("holder", "description", "evidence"):
        return Reply(text, choices=(_skip(svc, msg), cancel), columns=2)
    if step == "consent":
        return Reply(text, choices=(*_options(svc, msg, "consent", CONSENT), cancel), columns=1)
    if step == "contact":
        # Only Telegram has a share-my-number button; elsewhere the prompt asks to type the number.
        share = t.label("report.share_contact") if msg.buttons else None
        return Reply(text, choices=(_skip(svc, msg), cancel), request_contact=share, free_text=True)
    # identifier: never a dead end, there is always a way on without one
    no_identifier = Choice(t.label("report.no_identifier"), BUTTON.data(step="noid"))
    return Reply(text, choices=(no_identifier, cancel), columns=1, free_text=True)  # a number is the identifier


def _area_prompt(svc: Services, msg: Incoming, state: dict[str, Any], problem: str) -> Reply:
    """The area question; after a typed name, the closest units (`area_offer` in the draft), or a
    province's communes a page at a time. Skipping is always offered."""
    t, areas = svc.texts(msg), svc.library.areas
    offer = state.get("area_offer") or {}
    tail = (_skip(svc, msg), Choice(t.label("report.cancel"), "report:cancel", destructive=True))
    if "browse" in offer:
        parent, page = offer["browse"], offer["page"]
        codes = areas.get(parent).children
        shown = codes[page * AREA_PAGE : (page + 1) * AREA_PAGE]
        units = [Choice(areas.get(c).name, BUTTON.data(step="area", value=c)) for c in shown]
        if len(codes) > (page + 1) * AREA_PAGE:
            units.append(Choice(t.label("buttons.more"), BUTTON.data(step="areas", value=f"{parent}.{page + 1}")))
        text = t.render("report_area", matches=[], problem="browse", province=areas.full_name(parent),
                        reask=problem, buttons=msg.buttons)  # fmt: skip
        return Reply(text, choices=(*units, *tail), columns=1)
    matches = tuple(AreaMatch(code, 100.0, old_name) for code, old_name in offer.get("matches", ()))
    found = area_step.Found(matches, offer.get("problem"), offer.get("province"))
    units = area_step.choices(svc, found, lambda code: BUTTON.data(step="area", value=code))
    if found.problem == "province":  # the whole province, or its communes one page at a time
        name = areas.get(found.province).name
        units = (
            *units,
            Choice(t.label("subscribe.whole").format(name=name), BUTTON.data(step="area", value=found.province)),
            Choice(
                t.label("subscribe.browse").format(name=name), BUTTON.data(step="areas", value=f"{found.province}.0")
            ),
        )
    text = t.render("report_area", reask=problem, buttons=msg.buttons, **area_step.values(svc, found))
    # Not a free-text step: a number picks an option ("1. Bỏ qua" while asking for a name; a unit
    # once units are offered); a numbered ward is found by its words ("phường 1").
    return Reply(text, choices=(*units, *tail), columns=1)


def _edit_list(svc: Services, msg: Incoming, state: dict[str, Any]) -> Reply:
    """The answers the citizen may change, then back to the summary unchanged."""
    t = svc.texts(msg)
    labels = t.labels("report.edit_fields")
    identifier = _load(state.get("identifier"))
    shown = [
        field
        for field in EDITABLE
        if (field != "holder" or isinstance(identifier, BankAccount))
        and (field != "platform" or isinstance(identifier, Profile))
    ]
    choices = tuple(Choice(labels[field], BUTTON.data(step="edit", value=field)) for field in shown)
    back = Choice(t.label("report.back"), BUTTON.data(step="back"))
    return Reply(t.render("report_edit"), choices=(*choices, back), columns=2)


def _summary(svc: Services, msg: Incoming, state: dict[str, Any]) -> Reply:
    t = svc.texts(msg)
    identifier = _load(state["identifier"])
    claimed = state.get("claimed")
    text = t.render(
        "report_summary",
        what=t.labels("report.what")[state["what"]],
        identifier=display(identifier) if identifier is not None else None,
        identifier_kind=identifier.kind if identifier is not None else "none",
        holder=state.get("holder"),
        via=t.labels("report.via")[state["via"]],
        claimed=t.labels("report.claimed").get(claimed, "") if claimed else "",
        happened=t.labels("report.happened")[state["happened"]],
        area=svc.library.areas.full_name(state["area"]) if state.get("area") else None,
        amount=format_vnd(state["amount"]) if state.get("amount") is not None else None,
        description=state.get("description"),
        evidence=bool(state.get("evidence")),
        consent=state["consent"],
        contact_phone=state.get("contact_phone"),
    )
    choices = (
        Choice(t.label("report.send"), "report:confirm"),
        Choice(t.label("report.edit"), BUTTON.data(step="edit")),
        Choice(t.label("report.cancel"), "report:cancel", destructive=True),
    )
    return Reply(text, choices=choices, columns=2)


# --- entering the flow ---


async def _over_limit(svc: Services, msg: Incoming) -> bool:
    filed = await svc.storage.read(lambda db: reports.filed_recently(db, msg.chat, svc.clock()))
    return filed >= svc.settings.reports_per_day


async def _subscribed_area(svc: Services, msg: Incoming) -> str | None:
    """The current unit of the chat's active subscription, if any."""
    current = await svc.storage.read(lambda db: subscriptions.get(db, msg.chat))
    if current is None or not current.active or not current.area_code:
        return None
    found = svc.library.areas.resolve(current.area_code)
    return found[0] if len(found) == 1 else None


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    """/baocao, the menu entry, or "report this" under a check (`report:id:<value>`)."""
    t = svc.texts(msg)
    conversation = svc.conversation if svc.conversation and svc.conversation.flow == FLOW else None
    preset = _said(msg, "id")  # "report this" under a check: the identifier it checked
    if conversation is not None and preset is None:
        # Coming back to an unfinished report: carry on where the citizen was.
        return [
            Reply(t.render("report_resume"), fresh_numbers=True),
            _prompt(svc, msg, conversation.step, conversation.data),
        ]
    if await _over_limit(svc, msg):
        return with_menu(t, "report_limit", limit=svc.settings.reports_per_day)
    state: dict[str, Any] = {}
    subscribed = await _subscribed_area(svc, msg)
    if subscribed is not None:
        state["area"] = subscribed  # no question: the area the chat gets warnings for
    identifier = parse_identifier(preset) if preset else None
    if identifier is not None:
        state["preset"] = _dump(identifier)
    return [Reply(t.render("report_intro"), fresh_numbers=True), *await _goto(svc, msg, state, "what")]


# --- one step at a time ---


def _said(msg: Incoming, group: str) -> str | None:
    """The value of a button of this step (`report:<group>:<value>`)."""
    pressed = BUTTON.parse(msg.choice)
    return pressed["value"] if pressed and pressed["step"] == group else None


def _typed_option(svc: Services, msg: Incoming, group: str, values: tuple[str, ...]) -> str | None:
    """A button's value, or the option named by typing its number or its words (as on Zalo)."""
    said = _said(msg, group)
    if said is None and msg.text:
        labels = svc.texts(msg).labels(f"report.{group}")
        said = choices.pick(msg.text, [(labels[value], value) for value in values if value in labels])
    return said if said in values else None


def _skipped(svc: Services, msg: Incoming) -> bool:
    if msg.choice == "report:skip":
        return True
    t = svc.texts(msg)
    said = phrase_key(msg.text or "")
    return bool(said) and (said == phrase_key(t.label("report.skip")) or said in t.phrases("report.skip"))


def _identifier_from(msg: Incoming, what: str) -> tuple[Identifier | None, str, str]:
    """(the one identifier the citizen sent for this kind of report, a remark or story that came
    with it, ""), or (None, "", why not). A story without identifier, for "Khác", is
    (None, the story, "story")."""
    text = msg.text or ""
    if not text.strip():
        return None, "", "invalid"  # nothing typed (a zero-width space): asked again, not told photos are unread
    found = extract_identifiers(text)
    if not found:
        single = parse_identifier(text)
        found = [single] if single is not None else []
    # A social site's profile link is the profile: grouped with the same profile named in words.
    found = [profile_from_link(i) or i if "profile" in ACCEPTS[what] else i for i in found]
    accepted = [i for i in found if i.kind in ACCEPTS[what]]
    if len(accepted) > 1:
        return None, "", "many"
    if accepted:
        return accepted[0], "", ""
    if citizen_ids_in(text):
        return None, "", "citizen_id"
    if found:
        return None, "", "wrong_kind"
    if "profile" in ACCEPTS[what]:
        profile, remark = parse_profile(text)
        # "Khác": a name counts only with its platform named; anything else told there is the story.
        if profile is not None and (what == "social" or profile.platform is not None):
            return profile, remark, ""
    if what == "other" and len(phrase_key(text).split()) >= STORY_WORDS:
        return None, text.strip()[:MAX_DESCRIPTION], "story"
    return None, "", "invalid"


async def _after_identifier(
    svc: Services, msg: Incoming, state: dict[str, Any], identifier: Identifier | None
) -> list[Reply]:
    state["identifier"] = _dump(identifier)
    if not isinstance(identifier, BankAccount):
        state.pop("holder", None)  # an account holder's name belongs to an account only
    if isinstance(identifier, BankAccount):
        return await _goto(svc, msg, state, "holder" if identifier.bank_code else "bank")
    if isinstance(identifier, Profile):
        if identifier.platform is None:
            return await _goto(svc, msg, state, "platform")
        return await _after_platform(svc, msg, state, identifier.platform)
    if state["what"] == "sms" and identifier is not None:
        state["via"] = "sms"
        return await _goto(svc, msg, state, "claimed")
    return await _goto(svc, msg, state, "via")


async def _after_platform(svc: Services, msg: Incoming, state: dict[str, Any], platform: str) -> list[Reply]:
    if platform in PLATFORM_VIA:
        state["via"] = PLATFORM_VIA[platform]
        return await _goto(svc, msg, state, "claimed")
    return await _goto(svc, msg, state, "via")


# Each step reads the answer to its own question: it moves the draft on, or returns a problem
# name for a kind re-ask of the same question ("reask" when there is nothing more specific to say).
Step = Callable[[Services, Incoming, dict[str, Any]], Awaitable["list[Reply] | str"]]


async def _what(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    what = _typed_option(svc, msg, "what", reports.WHAT)
    if what is None:
        return "reask"
    state["what"] = what
    preset = state.pop("preset", None)
    if preset and preset["kind"] in ACCEPTS[what]:
        return await _after_identifier(svc, msg, state, _load(preset))
    return await _goto(svc, msg, state, "identifier")


async def _identifier(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    if _said(msg, "noid") is not None or msg.choice == BUTTON.data(step="noid"):
        return await _after_identifier(svc, msg, state, None)
    if msg.photo or msg.contact:
        return "not_text"
    identifier, told, problem = await svc.compute(_identifier_from, msg, state["what"])
    if problem == "story":
        state["description"] = told  # told already: the description step is not asked again
        return await _after_identifier(svc, msg, state, None)
    if told:
        state["remark"] = told  # "(tài khoản giả chị họ tôi)": the start of the story
    if identifier is None:
        return problem
    return await _after_identifier(svc, msg, state, identifier)


async def _platform(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    platform = _typed_option(svc, msg, "platform", PLATFORMS)
    if platform is None:
        return "reask"
    profile = _load(state["identifier"])
    state["identifier"] = _dump(Profile.of(platform, profile.name, profile.raw))
    return await _after_platform(svc, msg, state, platform)


async def _bank(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    if not _skipped(svc, msg):
        code = _said(msg, "bank")
        bank = bank_registry.bank_by_code(code) if code else bank_registry.find_bank(msg.text or "")
        if bank is None:
            return "reask"
        account = _load(state["identifier"])
        state["identifier"] = _dump(
            dataclasses.replace(account, bank_code=bank.code, bank_name=bank.name, is_ewallet=bank.is_ewallet)
        )
    return await _goto(svc, msg, state, "holder")


def _free_text(field: str, limit: int, next_step: str) -> Step:
    """An optional step answered in the citizen's own words (or skipped)."""

    async def step(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
        if not _skipped(svc, msg):
            if not msg.text or not msg.text.strip():
                return "reask"
            state[field] = msg.text.strip()[:limit]
        return await _goto(svc, msg, state, next_step)

    return step


def _option(group: str, values: tuple[str, ...] | None, next_step: str) -> Step:
    """A step answered with one of its buttons (or a button's words typed)."""

    async def step(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
        chosen = _typed_option(svc, msg, group, values or tuple(svc.texts(msg).labels(f"report.{group}")))
        if chosen is None:
            return "reask"
        state[group] = chosen
        return await _goto(svc, msg, state, next_step)

    return step


async def _amount(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    if not _skipped(svc, msg):
        amount = 0 if _said(msg, "amount") == "0" else parse_amount(msg.text or "", bare_unit=MILLION)
        if amount is None:
            return "reask"
        state["amount"] = amount
    told = _story_required(state) and state.get("description")  # the story typed at the identifier step
    return await _goto(svc, msg, state, "evidence" if told else "description")


async def _description(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    """The story: optional, except without an identifier; a remark given with the profile leads it."""
    remark = state.pop("remark", None)
    if _skipped(svc, msg):
        if _story_required(state):
            return "reask"
        if remark:
            state["description"] = remark
    elif msg.text and msg.text.strip():
        story = msg.text.strip()
        state["description"] = (f"{remark}. {story}" if remark else story)[:MAX_DESCRIPTION]
    else:
        return "reask"
    return await _goto(svc, msg, state, "evidence")


async def _kept_photo(svc: Services, photo: Photo) -> tuple[str, str | None] | None:
    """The photo kept as a file (`bot/reporting/evidence.py`) and the text read from it; the
    platform's reference when only that can be had and it lasts (a Telegram file id); None when
    the photo could not be kept (a Zalo image URL would expire before police open it)."""
    fallback = (photo.ref, None) if photo.lasting else None
    if photo.fetch is None:
        return fallback
    try:
        data = await photo.fetch()
        name = await svc.compute(evidence.keep, evidence.folder_for(svc.settings.db_path), data)
    except Exception as error:  # a download, a non-picture, a full disk: the citizen is told
        log.warning("evidence photo not kept error=%s", type(error).__name__)
        return fallback
    return name, await _evidence_text(svc, data)


async def _evidence_text(svc: Services, data: bytes) -> str | None:
    """The text of an evidence photo, for police to read and search; None when there is none or
    it cannot be read (the photo is evidence all the same)."""
    if not ocr.available():
        return None
    try:
        reading = await svc.compute(read_picture, data)
    except Exception as error:  # an OCR failure must not cost the citizen their report
        log.warning("evidence text not read error=%s", type(error).__name__)
        return None
    return reading.text[:MAX_EVIDENCE_TEXT] or None


async def _evidence(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    if msg.photo:
        kept = await _kept_photo(svc, msg.photo)
        if kept is None:
            return "photo_not_kept"
        state["evidence"], state["evidence_text"] = kept
    elif not _skipped(svc, msg):
        return "reask"
    return await _goto(svc, msg, state, "consent" if "area" in state else "area")


async def _area(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    """A unit picked, a province's page asked for, a name typed (searched), or the step skipped."""
    areas = svc.library.areas
    picked = _said(msg, "area")
    if picked is not None or _skipped(svc, msg):
        if picked is not None and areas.get(picked) is None:
            return "reask"  # a crafted or outdated button
        state.pop("area_offer", None)
        state["area"] = picked  # None: skipped, the report keeps the deployment's locality
        return await _goto(svc, msg, state, "consent")
    page = _said(msg, "areas")  # "t-15.1": a province's communes, second page
    if page is not None:
        parent, _, number = page.rpartition(".")
        if areas.get(parent) is None or not areas.get(parent).children or not number.isdigit():
            return "reask"
        state["area_offer"] = {"browse": parent, "page": int(number)}
        return await _ask(svc, msg, state, "area")
    if not msg.text or not msg.text.strip():
        return "reask"
    found = await svc.compute(area_step.find, svc, msg.text)
    state["area_offer"] = {
        "matches": [[m.code, m.old_name] for m in found.matches],
        "problem": found.problem,
        "province": found.province,
    }
    return await _ask(svc, msg, state, "area")


async def _consent(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    consent = _typed_option(svc, msg, "consent", CONSENT)
    if consent is None:
        return "reask"
    state["consent"] = consent
    return await _goto(svc, msg, state, "contact" if consent == "contact" else "confirm")


async def _contact(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    if _skipped(svc, msg):
        state["consent"] = "updates"  # no number, so the police cannot call: updates only
        return [*_contact_done(svc, msg, given=False), *await _goto(svc, msg, state, "confirm")]
    if msg.contact is not None and msg.contact.user_id != msg.user_id:
        # Someone else's card, or one that does not say whose it is (Telegram leaves the id out
        # of a phone-book contact): only the own-number button or typing proves it is theirs.
        return "not_own"
    phone = _contact_phone(msg)
    if phone is None:
        return "reask"
    state["contact_phone"] = phone
    return [*_contact_done(svc, msg, given=True), *await _goto(svc, msg, state, "confirm")]


def _contact_done(svc: Services, msg: Incoming, *, given: bool) -> list[Reply]:
    """Where the contact step showed a share-my-number keyboard, a line saying what was done takes
    it away (the summary's buttons are inline: one message cannot carry both)."""
    if not msg.buttons:
        return []
    return [Reply(svc.texts(msg).render("report_contact_done", given=given), remove_keyboard=True)]


async def _edit(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    """The answer chosen from the list is asked again; every later step returns to the summary."""
    if msg.choice == BUTTON.data(step="back"):
        return await _goto(svc, msg, state, "confirm")
    field = _said(msg, "edit")
    if field is None and msg.text:
        labels = svc.texts(msg).labels("report.edit_fields")
        field = choices.pick(msg.text, [(labels[value], value) for value in EDITABLE])
    if field not in EDITABLE:
        return "reask"
    state.pop("area_offer", None)  # the area is asked afresh
    state["editing"] = True
    return await _ask(svc, msg, state, field)


async def _confirm(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply] | str:
    if msg.choice == BUTTON.data(step="edit"):
        return await _ask(svc, msg, state, "edit")
    if msg.choice == "report:confirm" or (msg.text and phrase_key(msg.text) in svc.texts(msg).phrases("report.send")):
        return await _file(svc, msg, state)
    return "reask"


STEPS: dict[str, Step] = {
    "what": _what,
    "identifier": _identifier,
    "bank": _bank,
    "holder": _free_text("holder", MAX_HOLDER, "via"),
    "via": _option("via", VIA, "claimed"),
    "claimed": _option("claimed", None, "happened"),  # the topics offered are content
    "happened": _option("happened", HAPPENED, "amount"),
    "amount": _amount,
    "platform": _platform,
    "description": _description,
    "evidence": _evidence,
    "area": _area,
    "consent": _consent,
    "contact": _contact,
    "confirm": _confirm,
    "edit": _edit,
}


def _contact_phone(msg: Incoming) -> str | None:
    """The number shared with the contact button (checked to be the sender's own), or typed."""
    raw = msg.contact.phone_number if msg.contact is not None else msg.text or ""
    phone = parse_phone(raw)
    return phone.normalized if phone is not None and phone.valid and phone.number_type == "mobile" else None


async def _file(svc: Services, msg: Incoming, state: dict[str, Any]) -> list[Reply]:
    t = svc.texts(msg)
    if await _over_limit(svc, msg):
        await svc.conversations.end(msg.conversation_key)
        return with_menu(t, "report_limit", limit=svc.settings.reports_per_day)
    identifier = _load(state["identifier"])
    consent = state["consent"]
    draft = reports.Draft(
        identifier=identifier,
        what=state["what"],
        via=state["via"],
        claimed_topic=state["claimed"] if state["claimed"] != "unknown" else None,
        happened=state["happened"],
        amount_lost=state.get("amount"),
        bank_code=identifier.bank_code if isinstance(identifier, BankAccount) else None,
        account_holder=state.get("holder"),
        description=state.get("description") or state.get("remark"),
        evidence=state.get("evidence"),
        evidence_text=state.get("evidence_text"),
        contact_consent=consent == "contact",
        updates_consent=consent in ("contact", "updates"),
        contact_phone=state.get("contact_phone") if consent == "contact" else None,
        area_code=state.get("area") or svc.library.areas.code_for(svc.settings.locality_name),
    )

    def file_and_finish(db) -> reports.Filed:
        filed = reports.file(db, draft, msg.chat, svc.clock())
        conversations.end_in(db, msg.conversation_key)
        return filed

    filed = await svc.storage.write(file_and_finish)
    text = t.render("report_done", ref=filed.ref, reported_before=filed.reported_before, consent=consent)
    return [Reply(text, choices=menu_button(t))]


async def _already_sent(msg: Incoming, svc: Services) -> list[Reply]:
    """The send button pressed again after the report was filed but before its answer arrived
    (the bot stopped in between, or the send failed): tell the code rather than call the button
    old. Only a code still owed: a summary abandoned after an earlier report is just old."""
    t = svc.texts(msg)
    owed = await svc.storage.read(lambda db: reports.owed_refs(db, msg.chat))
    if not owed:
        return with_menu(t, "stale_choice")
    return [Reply(t.render("report_already_sent", ref=owed[-1]), choices=menu_button(t))]


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """Every message while the report flow is active, and every `report:` button."""
    t = svc.texts(msg)
    if msg.choice == BUTTON.data(step="start") or _said(msg, "id") is not None:
        return await start(msg, svc)
    cancel = msg.choice == "report:cancel" or bool(
        msg.text and phrase_key(msg.text) == phrase_key(t.label("report.cancel"))
    )
    otherwise = _already_sent if msg.choice == "report:confirm" else flow.stale
    conversation, instead = await flow.current(msg, svc, FLOW, cancel=cancel, otherwise=otherwise)
    if conversation is None:
        return instead
    state = dict(conversation.data)
    outcome = await STEPS[conversation.step](svc, msg, state)
    if isinstance(outcome, str):
        return [_prompt(svc, msg, conversation.step, conversation.data, outcome)]
    return outcome
