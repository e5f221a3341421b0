"""Routing an `Incoming` message to the one handler that answers it.

Order, first match wins:
1. a command (`/start`, `/huy@canhgiac_bot dk-123`): commands work everywhere, mid-flow too;
2. a button choice, by the prefix of its data (`menu:hotlines` → the "menu" handler; `choices.Button`);
   on a channel without buttons (`Incoming.buttons` False) a typed number or an option's words,
   and in a private chat with buttons an option's words, become the choice first, read against
   the options on record (`bot/routing/choices.py`): words
   that name several options get them shown again, a bare number for a destructive option asks
   first (the router answers both itself, the flow stays where it was); the numbers a turn's
   replies show are remembered before the adapter sends them, continuing those still answerable;
3. a global word ("hủy", "menu"), typed with or without accents;
4. the chat's active flow, if any, which gets text, photos and contacts alike;
5. other words (greetings), then texts of a registered shape (an invite code sent alone);
6. photos, contacts and stickers outside a flow; empty text;
7. everything else: the fallback (the FAQ matcher, once it exists).

Commands and buttons may be reserved for a role (police, staff, admin): for anyone else they do
not exist, so a citizen who types a staff command gets the ordinary unknown-command help.

In a group, only commands and button choices are answered: a bot that comments on every message
in a family group gets removed from it. Each member there has their own flow (conversations are
keyed by channel, chat and user), so two members can report at the same time. A press of a flow's
button (its data starts with the flow's name) by a member who has no such flow while another
member does is ignored: it is that member's button, the group sees no noise and the starter's
message keeps its buttons.

The flow of the person who wrote is loaded once, in the update's first write, and handed to the
handler on a per-update copy of the services (`services.conversation`): handlers do not read it again.
So are the roles admins gave them from the chat (`services.grants`, `bot/routing/grants.py`), which
`roles.has_role` joins with the ones the environment seeds.

Every update is handled inside one guard and always answered (except the silences above):
- a repeated update id is not handled again;
- a write that fails (a lock held past the busy timeout, a full disk) is answered with the "not
  saved, please send again" apology, which needs no database; nothing was acknowledged, since
  handlers acknowledge only what a returned (committed) write saved;
- any other exception of a handler is logged and answered with the general apology;
- a report's reference code that no delivered reply has shown yet (the process died or a send
  failed after the commit) is told with the chat's next reply, even to a repeated update; the
  adapter calls `delivered` once the replies are sent, which is when a code stops being owed;
- one log line records channel, handler, outcome and latency, never what the citizen wrote.

The router sits below the features: it knows the services and the owed codes only by the two
protocols below (`RouterServices`, `OwedCodes`), which `bot.services.Services` and `bot.reporting.reports`
satisfy; `handlers.build_router` plugs them in.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from bot.core.messages import ChatKey, Choice, Incoming, Reply
from bot.core.textnorm import clean_input, phrase_key
from bot.routing import chats, choices, grants, handled_updates, roles

if TYPE_CHECKING:
    import sqlite_utils

    from bot.core.clock import Clock
    from bot.core.content import Texts
    from bot.core.settings import Settings
    from bot.core.storage import Storage
    from bot.routing.conversations import Conversation, Conversations


class RouterServices(Protocol):
    """What the router uses of the services handlers get (`bot.services.Services` is the real one).

    The router hands a handler a copy holding the flow of the person who wrote, as loaded at the
    start of the update (`dataclasses.replace`): the services must be a dataclass with a
    `conversation` field."""

    settings: Settings
    storage: Storage
    conversations: Conversations
    conversation: Conversation | None
    grants: tuple[grants.Grant, ...]  # the writer's live grants, loaded with the update's first write
    clock: Clock

    def texts(self, msg: Incoming) -> Texts: ...


class OwedCodes(Protocol):
    """Where the reference codes a chat is owed are kept (the module `bot.reporting.reports`): codes committed
    that no delivered reply has shown yet."""

    REF: re.Pattern[str]  # a code, as it appears in a reply's text

    def owed_refs(self, db: sqlite_utils.Database, chat: ChatKey) -> list[str]: ...

    def mark_told(self, db: sqlite_utils.Database, chat: ChatKey, refs: Iterable[str]) -> int: ...


class _NothingOwed:
    """For a router without reports (tests of the routing table alone)."""

    REF = re.compile(r"(?!)")

    @staticmethod
    def owed_refs(db: sqlite_utils.Database, chat: ChatKey) -> list[str]:
        return []

    @staticmethod
    def mark_told(db: sqlite_utils.Database, chat: ChatKey, refs: Iterable[str]) -> int:
        return 0


NOTHING_OWED = _NothingOwed()

Handler = Callable[[Incoming, RouterServices], Awaitable[list[Reply]]]

log = logging.getLogger("canhgiac.router")

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def command_of(msg: Incoming) -> tuple[str, str] | None:
    """('start', 'dk-123') for '/start dk-123'; None if the text is not a command."""
    match = _COMMAND.match(msg.text or "")
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def handler_name(handler: Handler | None) -> str:
    return f"{handler.__module__}.{handler.__qualname__}" if handler is not None else "none"


@dataclasses.dataclass(frozen=True)
class _Turn:
    fresh: bool  # False: the update was handled before (a platform's repeated delivery)
    language: str | None
    owed: list[str]  # reference codes of the chat's reports that no delivered reply has shown
    typed: choices.Typed = choices.Typed()  # what a typed text names among the options (no buttons)
    record: choices.Record = choices.Record()  # the options on record, which this turn keeps or replaces
    # The chat's active flows by user id: the writer's own, and in a group the other members'.
    flows: dict[str, Conversation] = dataclasses.field(default_factory=dict)
    held: tuple[grants.Grant, ...] = ()  # the writer's roles given from the chat (none in groups)


class Router:
    def __init__(self, *, owed: OwedCodes = NOTHING_OWED) -> None:
        self._owed = owed
        self._commands: dict[str, Handler] = {}
        self._choices: dict[str, Handler] = {}
        self._buttons: dict[str, choices.Button] = {}
        self._global_words: dict[str, Handler] = {}
        self._words: dict[str, Handler] = {}
        self._shapes: list[tuple[re.Pattern[str], Handler]] = []
        self._flows: dict[str, Handler] = {}
        self._media: Handler | None = None
        self._empty: Handler | None = None
        self._fallback: Handler | None = None
        self._unknown_command: Handler | None = None
        self._stale_choice: Handler | None = None
        self._failure: Handler | None = None
        self._not_saved: Handler | None = None
        # A handler reserved for one role, or for whoever holds any of several (`/dangnhap`).
        self._roles: dict[Handler, roles.Role | tuple[roles.Role, ...]] = {}
        self._menu: list[str] = []
        self._group_menu: list[str] = []

    # --- registration (see handlers/__init__.py for the whole table) ---

    def command(
        self,
        handler: Handler,
        *names: str,
        role: roles.Role | tuple[roles.Role, ...] | None = None,
        menu: bool = False,
        group: bool = False,
    ) -> None:
        """`menu`: the first name goes in the platform's command menu (Telegram), in the order of
        registration; a role-reserved command is never advertised, so it cannot be in the menu.
        `group`: it is in the menu of groups too, where only commands and buttons are answered, so
        only commands that need no typed answer are. `role`: one role, or a tuple of roles of
        which any will do."""
        if menu and role is not None:
            raise ValueError(f"/{names[0]} is reserved for {role}: it cannot be in the menu")
        if group and not menu:
            raise ValueError(f"/{names[0]}: only a menu command can be in the groups' menu")
        for name in names:
            self._claim(self._commands, name.lower(), handler, "command")
        self._restrict(handler, role)
        if menu:
            self._menu.append(names[0].lower())
        if group:
            self._group_menu.append(names[0].lower())

    def choice(self, button: str | choices.Button, handler: Handler, *, role: roles.Role | None = None) -> None:
        """Presses whose data starts with this prefix go to `handler`. Given a `Button` spec, data
        it cannot read (a crafted or outdated callback) gets the stale-choice answer instead."""
        prefix = button if isinstance(button, str) else button.prefix
        self._claim(self._choices, prefix, handler, "choice prefix")
        if not isinstance(button, str):
            self._buttons[prefix] = button
        self._restrict(handler, role)

    def _restrict(self, handler: Handler, role: roles.Role | tuple[roles.Role, ...] | None) -> None:
        if role is not None:
            self._roles[handler] = role
        elif handler in self._roles:
            raise ValueError(
                f"{handler_name(handler)} is reserved for {self._roles[handler]}: register it with the role"
            )

    def _allowed(self, handler: Handler, msg: Incoming, services: RouterServices) -> bool:
        role = self._roles.get(handler)
        if role is None:
            return True
        wanted = role if isinstance(role, tuple) else (role,)
        return any(roles.has_role(services.settings, msg, one, services.grants) for one in wanted)

    def words(self, handler: Handler, *phrases: str, in_flows: bool = False) -> None:
        """Short phrases that trigger `handler`; `in_flows` ones also interrupt a flow."""
        table = self._global_words if in_flows else self._words
        for phrase in phrases:
            self._claim(table, phrase_key(phrase), handler, "phrase")

    def shape(self, handler: Handler, pattern: re.Pattern[str]) -> None:
        """A whole text matching `pattern`, outside a flow and outside groups, goes to `handler`
        (an invite code sent alone); anything else goes on to the fallback."""
        self._shapes.append((pattern, handler))

    def flow(self, name: str, handler: Handler) -> None:
        self._claim(self._flows, name, handler, "flow")

    def special(
        self,
        *,
        media: Handler,
        empty: Handler,
        fallback: Handler,
        unknown_command: Handler,
        stale_choice: Handler,
        failure: Handler,
        not_saved: Handler | None = None,
    ) -> None:
        """`failure` and `not_saved` (a write failed) must not touch the database."""
        self._media, self._empty, self._fallback = media, empty, fallback
        self._unknown_command, self._stale_choice, self._failure = unknown_command, stale_choice, failure
        self._not_saved = not_saved or failure

    @staticmethod
    def _claim(table: dict[str, Handler], key: str, handler: Handler, what: str) -> None:
        if table.get(key, handler) is not handler:
            raise ValueError(f"{what} {key!r} already goes to another handler")
        table[key] = handler

    @property
    def commands(self) -> list[str]:
        """Commands anyone may use (role-reserved ones are never advertised)."""
        return [name for name, handler in self._commands.items() if handler not in self._roles]

    @property
    def menu_commands(self) -> list[str]:
        """The commands of the platform's menu, in the order they were registered."""
        return [name for name in self._menu if self._commands[name] not in self._roles]

    @property
    def group_menu_commands(self) -> list[str]:
        """The menu of group chats: the menu commands that work there."""
        return list(self._group_menu)

    def role_commands(self, role: roles.Role) -> list[str]:
        """The commands reserved for `role`, each by its first name, for that role's own menu."""
        first: dict[Handler, str] = {}
        for name, handler in self._commands.items():
            reserved = self._roles.get(handler)
            if reserved == role or (isinstance(reserved, tuple) and role in reserved):
                first.setdefault(handler, name)
        return list(first.values())

    def answers_without_faq(self, text: str) -> bool:
        """True for a command or a phrase the router answers itself (greetings, thanks, menu words)."""
        cleaned = clean_input(text)
        key = phrase_key(cleaned)
        return bool(_COMMAND.match(cleaned)) or key in self._global_words or key in self._words

    # --- dispatch ---

    async def _select(self, msg: Incoming, services: RouterServices) -> Handler | None:
        command = command_of(msg)
        if command:
            handler = self._commands.get(command[0])
            return handler if handler and self._allowed(handler, msg, services) else self._unknown_command
        if msg.choice is not None:
            prefix = choices.prefix_of(msg.choice)
            handler, button = self._choices.get(prefix), self._buttons.get(prefix)
            readable = button is None or button.parse(msg.choice) is not None
            return handler if handler and readable and self._allowed(handler, msg, services) else self._stale_choice
        if msg.is_group:
            return None
        key = phrase_key(msg.text) if msg.text else ""
        if key in self._global_words:
            return self._global_words[key]
        conversation = services.conversation
        if conversation is not None and conversation.flow in self._flows:
            return self._flows[conversation.flow]
        if key in self._words:
            return self._words[key]
        shaped = next((handler for pattern, handler in self._shapes if msg.text and pattern.fullmatch(msg.text)), None)
        if shaped is not None:
            return shaped
        if msg.photo or msg.contact or msg.unsupported:
            return self._media
        if not msg.text:
            return self._empty
        return self._fallback

    @staticmethod
    def _foreign_button(msg: Incoming, flows: dict[str, Conversation]) -> bool:
        """In a group: a button of a flow another member has active, pressed by a member who has
        none of that name (the button is on the other member's message)."""
        if not msg.is_group or msg.choice is None:
            return False
        flow, user = choices.prefix_of(msg.choice), msg.conversation_key.user_id
        own = flows.get(user)
        return (own is None or own.flow != flow) and any(
            other != user and conversation.flow == flow for other, conversation in flows.items()
        )

    def _with_owed(self, msg: Incoming, services: RouterServices, owed: list[str], replies: list[Reply]) -> list[Reply]:
        """Put first a reminder of the codes still owed that these replies do not already show."""
        if not owed:
            return replies
        shown = {ref for reply in replies for ref in self._owed.REF.findall(reply.text)}
        untold = [ref for ref in owed if ref not in shown]
        if not untold:
            return replies
        return [Reply(services.texts(msg).render("report_owed", refs=untold)), *replies]

    async def handle(self, msg: Incoming, services: RouterServices) -> list[Reply]:
        """Answer one incoming message; never raises for a handler's fault or a failed write."""
        started = time.perf_counter()
        msg = dataclasses.replace(msg, text=clean_input(msg.text) if msg.text is not None else None)
        now = services.clock()

        def begin_turn(db) -> _Turn:
            owed = self._owed.owed_refs(db, msg.chat)
            if msg.update_id is not None and not handled_updates.claim(db, msg.channel, msg.update_id, now):
                return _Turn(False, chats.language_of(db, msg.chat), owed)
            language = chats.touch(db, msg.chat, now, services.settings.default_language)
            typed, record = choices.typed_choice(db, msg)
            flows = services.conversations.in_chat(db, msg.chat)
            # Roles act in private chats only: a group's turn loads none.
            held = () if msg.is_group or not msg.user_id else grants.held(db, msg.channel, msg.user_id, now)
            return _Turn(True, language, owed, typed, record, flows, held)

        handler: Handler | None = None
        asked: list[Reply] | None = None
        owed: list[str] = []
        turn: _Turn | None = None
        try:
            turn = await services.storage.write(begin_turn)
            owed = turn.owed
            msg = dataclasses.replace(msg, language=turn.language or "")
            if turn.typed.value is not None:  # "2" (no buttons) or an option's words: that option
                msg = dataclasses.replace(msg, choice=turn.typed.value, text=None)
            if not turn.fresh:
                log.info("duplicate channel=%s update=%s", msg.channel, msg.update_id)
                # Handled before, perhaps by a process that died before answering: the one thing
                # that answer must not lose, a report's code, is told now.
                return self._with_owed(msg, services, owed, [])
            services = dataclasses.replace(
                services, conversation=turn.flows.get(msg.conversation_key.user_id), grants=turn.held
            )
            asked = self._about_options(msg, services, turn)
            handler = None if asked is not None else await self._select(msg, services)
            if asked is not None:
                replies, outcome = asked, "ok"
            elif handler is None:
                return []
            elif self._foreign_button(msg, turn.flows):
                replies, outcome = [], "not_yours"
            else:
                replies, outcome = await handler(msg, services), "ok"
        except sqlite3.Error:
            outcome = "not_saved"
            log.exception("write failed channel=%s handler=%s", msg.channel, handler_name(handler))
            replies = await self._not_saved(msg, services)
        except Exception:
            outcome = "error"
            log.exception("handler failed channel=%s handler=%s", msg.channel, handler_name(handler))
            replies = await self._failure(msg, services)
        if replies:
            replies = self._with_owed(msg, services, owed, replies)
            # "Not saved, please send again": the numbers shown before keep their meaning for that.
            if choices.remembers(msg) and outcome != "not_saved":
                fresh = any(reply.fresh_numbers for reply in replies)
                kept = () if fresh else self._still_answering(msg, services, turn, handler)
                shown = turn is None or turn.typed.on_record
                replies = await self._remember_numbers(msg, services, replies, shown, kept, turn, asked is not None)
        log.info(
            "update channel=%s handler=%s outcome=%s replies=%d latency_ms=%.1f",
            msg.channel,
            handler_name(handler),
            outcome,
            len(replies),
            (time.perf_counter() - started) * 1000,
        )
        return replies

    @staticmethod
    def _about_options(msg: Incoming, services: RouterServices, turn: _Turn) -> list[Reply] | None:
        """The router's own answers about numbered options, which leave the flow where it was:
        words naming several options (shown again), a bare number naming a destructive option
        (asked first), and "no, go on" under that question."""
        t = services.texts(msg)
        if turn.typed.confirm is not None:
            option = turn.typed.confirm
            sure = (
                Choice(t.label("choices.confirm_yes"), option.value),  # a number may pick this one
                Choice(t.label("choices.confirm_no"), choices.KEEP_GOING),
            )
            return [Reply(t.render("choice_confirm", label=option.label), choices=sure)]
        if turn.typed.unclear and not msg.is_group:
            return [Reply(t.render("choice_unclear"), choices=tuple(o.choice() for o in turn.typed.unclear))]
        if msg.choice == choices.KEEP_GOING:
            return [Reply(t.render("choice_kept"))]
        return None

    def _still_answering(
        self, msg: Incoming, services: RouterServices, turn: _Turn | None, handler: Handler | None
    ) -> tuple[choices.Option, ...]:
        """The options on record that keep their numbers after this turn (`choices` docstring):
        all but the picked option's message after a pick, all after the router asked about them,
        all but the last question's after a typed answer to the chat's flow; none otherwise."""
        if turn is None:
            return ()
        record, typed = turn.record, turn.typed
        if typed.picked is not None:
            answered = {o.message for o in record.options if o.value == typed.picked.value}
            return tuple(o for o in record.options if o.message not in answered)
        if typed.confirm is not None or (typed.unclear and not msg.is_group):
            return record.options
        conversation = services.conversation
        in_flow = conversation is not None and handler is self._flows.get(conversation.flow)
        if in_flow and msg.choice is None and not command_of(msg):
            return tuple(o for o in record.options if o.turn != record.turn)
        return ()

    @staticmethod
    async def _remember_numbers(
        msg: Incoming,
        services: RouterServices,
        replies: list[Reply],
        shown: bool,
        kept: tuple[choices.Option, ...],
        turn: _Turn | None,
        asked: bool,
    ) -> list[Reply]:
        """The options these replies number are what a typed "2" means from now on: committed
        before the adapter sends them, so even the quickest answer is read against them. Returns
        the replies with the numbers they are shown with. The router's own question about the
        options (`asked`) belongs to the question it is about: same turn, same free-text flag."""
        if not choices.offered_in(replies) and not shown:
            return replies  # nothing was on record and nothing is shown: no write
        now = services.clock()
        record = turn.record if turn is not None else choices.Record()
        number, free_text = (record.turn, record.free_text) if asked else (record.turn + 1, None)
        try:
            numbered = await services.storage.write(
                lambda db: choices.remember(db, msg.chat, replies, now, kept=kept, turn=number, free_text=free_text)
            )
            return replies if msg.buttons else numbered  # buttons show no numbers
        except sqlite3.Error:
            # The database refuses writes (locked, full): the replies still go out; only their
            # numbers are not remembered.
            log.warning("could not remember numbered options channel=%s", msg.channel, exc_info=True)
            return replies

    async def delivered(self, msg: Incoming, replies: list[Reply], services: RouterServices) -> None:
        """Adapters call this once `replies` were sent: the codes they showed are owed no longer.

        Never raises; if the write fails, the code stays owed and is told once more."""
        refs = {ref for reply in replies for ref in self._owed.REF.findall(reply.text)}
        if not refs:
            return
        try:
            await services.storage.write(lambda db: self._owed.mark_told(db, msg.chat, refs))
        except Exception:
            log.warning("could not record a delivered code channel=%s", msg.channel, exc_info=True)
