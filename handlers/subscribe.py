"""Weekly warnings for one's area: /dangky (or a poster's QR code), topics of interest, /huydangky.

Choosing an area: the citizen types their commune or ward in their own words (an old name too) and
taps one of the closest units (`handlers/area_step.py`), or walks the registry
(`bot/broadcast/areas.py`) with buttons: a province, then one of its communes (a page at a time), or
"the whole of" the province. /dangky opens a flow so that typed text reaches the search. A poster's QR code opens
`/start dk-<area>`, which subscribes at once (a code printed before 2025 leads to its current unit,
or asks which part when its place was split) and offers to undo or change. Subscribing again moves
the chat to the new area; /huydangky stops everything at once, pending broadcast messages included.
"""

from __future__ import annotations

from bot.broadcast import subscriptions
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import shorten
from bot.routing import conversations
from bot.routing.choices import Button
from bot.routing.router import command_of
from bot.services import Services
from handlers import area_step, flow
from handlers.menu import menu_button, welcome, with_menu

FLOW = "subscribe"  # its one step, "area": a typed name is searched

DEEP_LINK_PREFIX = "dk-"
NO_AREA = "-"
BUTTON = Button("sub", "action", "value")  # sub:area:<code>, sub:topic:<slug>, sub:start…
PAGE = 30  # units of a province per message


def _area_choices(svc: Services, msg: Incoming, parent: str | None, page: int = 0) -> tuple[Choice, ...]:
    areas = svc.library.areas
    t = svc.texts(msg)
    codes = areas.roots if parent is None else areas.get(parent).children
    # A province has up to ~170 units: they come a page at a time (Telegram caps buttons per message).
    shown = codes if parent is None else codes[page * PAGE : (page + 1) * PAGE]
    choices = [Choice(areas.get(code).name, BUTTON.data(action="area", value=code)) for code in shown]
    if parent is not None and len(codes) > (page + 1) * PAGE:
        choices.append(Choice(t.label("buttons.more"), BUTTON.data(action="page", value=f"{parent}.{page + 1}")))
    if parent is not None:
        choices.insert(
            0,
            Choice(
                t.label("subscribe.whole").format(name=areas.get(parent).name), BUTTON.data(action="pick", value=parent)
            ),
        )
    return tuple(choices)


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    """/dangky and the menu entry: the provinces to choose from."""
    t = svc.texts(msg)
    if not len(svc.library.areas):
        return with_menu(t, "subscribe_no_areas")
    current = await svc.storage.read(lambda db: subscriptions.get(db, msg.chat))
    active = current.area_code if current and current.active and svc.library.areas.get(current.area_code) else None
    text = t.render("subscribe_choose", current=svc.library.areas.full_name(active) if active else None, level=None)
    await svc.conversations.start(msg.conversation_key, FLOW, "area", {})
    return [Reply(text, choices=(*_area_choices(svc, msg, None), *menu_button(t)), columns=1, fresh_numbers=True)]


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    """A commune or ward typed at /dangky: the closest current units to tap, or a kind re-ask."""
    conversation, instead = await flow.current(msg, svc, FLOW)
    if conversation is None:
        return instead
    t = svc.texts(msg)
    found = await svc.compute(area_step.find, svc, msg.text or "")
    choices = area_step.choices(svc, found, lambda code: BUTTON.data(action="pick", value=code))
    if found.problem == "province":  # the whole province, or its communes one page at a time
        name = svc.library.areas.get(found.province).name
        choices = (
            *choices,
            Choice(t.label("subscribe.whole").format(name=name), BUTTON.data(action="pick", value=found.province)),
            Choice(t.label("subscribe.browse").format(name=name), BUTTON.data(action="area", value=found.province)),
        )
    elif found.problem == "not_found":  # nothing close: the provinces, as at the start
        choices = _area_choices(svc, msg, None)
    text = t.render("subscribe_found", **area_step.values(svc, found))
    return [Reply(text, choices=(*choices, *menu_button(t)), columns=1)]


async def _subscribe(msg: Incoming, svc: Services, code: str, *, from_poster: bool) -> list[Reply]:
    t = svc.texts(msg)
    areas = svc.library.areas

    in_step = svc.conversation is not None and svc.conversation.flow == FLOW

    def save(db):
        if in_step:  # the area step is answered; another flow (a report) is left as it is
            conversations.end_in(db, msg.conversation_key)
        return subscriptions.subscribe(db, msg.chat, code, svc.clock())

    before = await svc.storage.write(save)
    previous = before.area_code if before and before.active and areas.get(before.area_code) else None
    text = t.render(
        "subscribe_done",
        area=areas.full_name(code),
        previous=areas.full_name(previous) if previous and previous != code else None,
        again=previous == code,
        from_poster=from_poster,
        weekday=t.labels("subscribe.weekdays").get(svc.settings.weekly_day),  # None when weekly sending is off
        time=svc.settings.weekly_time,
    )
    undo = Choice(t.label("subscribe.undo"), BUTTON.data(action="undo", value=previous or NO_AREA))
    choices = (
        Choice(t.label("subscribe.topics"), BUTTON.data(action="topics")),
        Choice(t.label("subscribe.change"), BUTTON.data(action="start")),
    )
    return [Reply(text, choices=((undo,) if from_poster else ()) + choices + menu_button(t))]


async def from_deep_link(msg: Incoming, svc: Services, payload: str) -> list[Reply]:
    """`/start dk-<area>` from a poster's QR code."""
    areas = svc.library.areas
    code = payload.removeprefix(DEEP_LINK_PREFIX)
    found = areas.resolve(code)  # a poster printed before 2025 leads to the unit(s) its place went into
    if not found:
        return await start(msg, svc)  # a mistyped poster: let them choose
    if len(found) == 1:
        return await _subscribe(msg, svc, found[0], from_poster=True)
    t = svc.texts(msg)  # the old place was split, or was a district: which part?
    old = areas.history.get(code)
    text = t.render("subscribe_choose", current=None, level=old.name[:1].lower() + old.name[1:])
    choices = tuple(Choice(areas.full_name(c)[:60], BUTTON.data(action="pick", value=c)) for c in found)
    return [Reply(text, choices=(*choices, *menu_button(t)), columns=1)]


def _topic_choices(svc: Services, msg: Incoming, chosen: tuple[str, ...]) -> tuple[Choice, ...]:
    t = svc.texts(msg)
    topics = subscriptions.choosable(svc.content.taxonomy)
    names = t.labels("topics")  # plain words for citizens, one per taxonomy slug (content check)
    choices = [
        Choice(("✅ " if slug in chosen else "▫️ ") + shorten(names[slug], 48), BUTTON.data(action="topic", value=slug))
        for slug in topics
    ]
    choices.insert(
        0,
        Choice(
            ("✅ " if not chosen else "▫️ ") + t.label("subscribe.all_topics"), BUTTON.data(action="topic", value="all")
        ),
    )
    return (*choices, Choice(t.label("subscribe.done"), BUTTON.data(action="topics_done")))


async def topics(msg: Incoming, svc: Services, toggle: str | None = None) -> list[Reply]:
    t = svc.texts(msg)
    current = await svc.storage.read(lambda db: subscriptions.get(db, msg.chat))
    if current is None or not current.active:
        return await start(msg, svc)
    chosen = current.topics
    if toggle == "all":
        chosen = ()
    elif toggle in svc.content.taxonomy:
        chosen = tuple(s for s in chosen if s != toggle) if toggle in chosen else (*chosen, toggle)
    if chosen != current.topics:
        await svc.storage.write(lambda db: subscriptions.set_topics(db, msg.chat, chosen, svc.clock()))
    return [Reply(t.render("subscribe_topics", count=len(chosen)), choices=_topic_choices(svc, msg, chosen))]


async def stop(msg: Incoming, svc: Services) -> list[Reply]:
    """/huydangky: everything stops at once, and the citizen is told so."""
    t = svc.texts(msg)
    was_active = await svc.storage.write(lambda db: subscriptions.stop(db, msg.chat, "user", svc.clock()))
    again = Choice(t.label("subscribe.again"), BUTTON.data(action="start"))
    return [Reply(t.render("subscribe_stopped", was_active=was_active), choices=(again, *menu_button(t)))]


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    """`sub:start`, `sub:area:<code>`, `sub:pick:<code>`, `sub:undo:<previous>`, `sub:topic:<slug>`…"""
    t = svc.texts(msg)
    pressed = BUTTON.read(msg.choice)
    action, value = pressed["action"], pressed["value"]
    areas = svc.library.areas
    if action == "start":
        return await start(msg, svc)
    if action == "area" and areas.get(value):
        if not areas.get(value).children:
            return await _subscribe(msg, svc, value, from_poster=False)
        text = t.render("subscribe_choose", current=None, level=areas.get(value).name)
        return [Reply(text, choices=(*_area_choices(svc, msg, value), *menu_button(t)), columns=1)]
    if action == "page" and areas.get(value.rpartition(".")[0]) and value.rpartition(".")[2].isdigit():
        parent, _, page = value.rpartition(".")
        text = t.render("subscribe_choose", current=None, level=areas.get(parent).name)
        choices = _area_choices(svc, msg, parent, int(page))
        return [Reply(text, choices=(*choices, *menu_button(t)), columns=1)]
    if action == "pick" and areas.get(value):
        return await _subscribe(msg, svc, value, from_poster=False)
    if action == "undo":
        if value == NO_AREA or not areas.get(value):
            return await stop(msg, svc)
        return await _subscribe(msg, svc, value, from_poster=False)
    if action == "topics":
        return await topics(msg, svc)
    if action == "topic":
        return await topics(msg, svc, toggle=value)
    if action == "topics_done":
        return [Reply(t.render("subscribe_topics_saved"), choices=menu_button(t))]
    if action == "stop":
        return await stop(msg, svc)
    return with_menu(t, "stale_choice")


async def welcome_or_subscribe(msg: Incoming, svc: Services) -> list[Reply]:
    """/start: the welcome, or with a poster's `dk-<area>` payload, the subscription it stands for."""
    command = command_of(msg)
    payload = command[1] if command else ""
    if payload.startswith(DEEP_LINK_PREFIX):
        await svc.conversations.end(msg.conversation_key)
        return await from_deep_link(msg, svc, payload)
    return await welcome(msg, svc)
