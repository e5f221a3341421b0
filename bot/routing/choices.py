"""Choices: what a button's data says (`Button`), and numbered options for channels without buttons.

**Button data** is a prefix and fields joined by ":" (`police:confirmed:12`). The prefix routes
the press (`Router.choice`), the fields say what it means. One `Button` spec per kind writes the
data (`.data(...)`, which refuses data over Telegram's 64 bytes or a field holding ":") and reads
it back (`.parse(...)`, None for data it did not write: a modified client can send anything, and a
handler answers None with the stale-choice reply, never a crash).

**Numbered options.** A channel without buttons says so on each message (`Incoming.buttons =
False`: Zalo, the terminal, `canhgiac ask`). For those the router, in the write that begins a turn,
turns a typed number or an option's own words into `Incoming.choice` (`typed_choice`), and after
the turn remembers the numbers its replies showed (`remember`, the `offered_choices` table), so a
reply of "2" means what the chat was shown, even after a restart, and adapters hold no such logic.
Options are shown one way (`present`), with the "how to pick" words from content labels (`choices.*`).

- *Numbers continue* across the messages of a turn and across turns, like buttons on earlier
  messages that can still be pressed: `/hangdoi` shows one message per item, and an officer can
  act on the 1st item, then the 3rd. A pick drops the options of the message it was picked from
  (that question is answered); a typed answer to the chat's flow drops the options the last turn
  showed; the rest stay answerable. Anything else (a command, a question outside a flow, a menu
  word) moves the conversation on: the options on record are replaced and numbers start at 1. So
  does the first question of a flow (`Reply.fresh_numbers`), even when an option started it: a "1"
  typed at a new report is its first choice, never an option of the message before.
  The router writes each reply's first number on it (`Reply.first_number`) for `present`.
- *Words*: an option answers to its label typed with or without accents and case ("lao cai"),
  inside a few more words ("tỉnh Lào Cai" for "Lào Cai", labels of two words or more), to a
  prefix of its words ("lao" for "Tỉnh Lào Cai") and, when nothing else matched, to a close typo
  (rapidfuzz). Words that name several options get those options shown again (`Typed.unclear`),
  never a silent pick; words that name none go on to the handler as text.
- *Free-text steps*: a reply that asks for a typed answer (an amount, a phone number, an account)
  says so (`Reply.free_text`), stored with the options: while it is the last question, a bare
  number is the answer, never an option's number, and options answer only to their exact words.
- *Destructive options* (`Choice.destructive`: cancel a report, erase my data, revoke a role)
  never answer to a bare number: a number that names one asks first (`Typed.confirm`; the router
  shows "yes, <option>" and "no, go on"), and they answer to their own words, never to a prefix
  or a typo.

**With buttons** (Telegram), in a private chat, the options are on record too, and typing a
button's words answers as pressing it would (same tiers as above; no numbers, since none are
shown: a typed "3" stays text, unless "3" is the button's own label, as in the quiz). That costs
one write per turn that shows buttons. In a group with buttons nothing is recorded: members talk
among themselves there.

Messages the bot starts (notices, broadcasts) do not go through the router: they leave a chat's
numbers alone.

Writes: `offered_choices`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from bot.core.clock import to_iso
from bot.core.messages import CALLBACK_DATA_MAX_BYTES, ChatKey, Choice, Incoming, Reply
from bot.core.textnorm import ascii_int, phrase_key

if TYPE_CHECKING:
    import sqlite_utils

    from bot.core.content import Texts

SEPARATOR = ":"


def prefix_of(value: str) -> str:
    """The prefix a button's data is routed by: `police` for `police:confirmed:12`."""
    return value.split(SEPARATOR, 1)[0]


@dataclass(frozen=True, init=False)
class Button:
    """The shape of one kind of button data: `Button("police", "action", "item")`.

    Trailing fields may be left out (`police:queue`): they read as "". With `open_end`, the last
    field takes the rest of the data, ":" included (a link with a port)."""

    prefix: str
    fields: tuple[str, ...]
    open_end: bool

    def __init__(self, prefix: str, *fields: str, open_end: bool = False) -> None:
        if not prefix or SEPARATOR in prefix:
            raise ValueError(f"bad button prefix {prefix!r}")
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "open_end", open_end)

    def data(self, **values: object) -> str:
        """`police:confirmed:12` from `action="confirmed", item=12`; raises ValueError when it cannot
        be read back (an unknown field, a ":" inside one, over 64 bytes)."""
        unknown = set(values) - set(self.fields)
        if unknown:
            raise ValueError(f"{self.prefix} buttons have no field {sorted(unknown)}")
        given = [self.fields.index(name) for name in values]
        parts = [str(values.get(name, "")) for name in self.fields[: max(given) + 1 if given else 0]]
        for index, part in enumerate(parts):
            last_open = self.open_end and index == len(self.fields) - 1
            if SEPARATOR in part and not last_open:
                raise ValueError(f"{self.prefix} button field {self.fields[index]!r} holds {SEPARATOR!r}")
        value = SEPARATOR.join([self.prefix, *parts])
        if len(value.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"button data over {CALLBACK_DATA_MAX_BYTES} bytes: {value[:20]}…")
        return value

    def fits(self, **values: object) -> bool:
        """Whether `data(**values)` can be written (a long link does not fit a button)."""
        try:
            self.data(**values)
        except ValueError:
            return False
        return True

    def parse(self, value: str | None) -> dict[str, str] | None:
        """The fields of data this spec wrote ({"action": "confirmed", "item": "12"}), or None."""
        if not value:
            return None
        parts = value.split(SEPARATOR, len(self.fields) if self.open_end else -1)
        if parts[0] != self.prefix or len(parts) - 1 > len(self.fields):
            return None
        found = parts[1:]
        return {name: found[i] if i < len(found) else "" for i, name in enumerate(self.fields)}

    def read(self, value: str | None) -> dict[str, str]:
        """`parse` for a handler the router gave this data: registered with this spec
        (`Router.choice(BUTTON, ...)`), the router answers unreadable data itself."""
        fields = self.parse(value)
        if fields is None:
            raise ValueError(f"not {self.prefix} button data: {value!r}")
        return fields


# --- numbered options ---

Offered = list[tuple[str, str]]  # (label, value) of the options a chat was shown, in number order

KEEP_GOING = "choices:keep"  # "no, go on" under the question a number for a destructive option asks
_EXTRA_WORDS = 2  # "tỉnh Lào Cai", "chọn Lào Cai": at most this many words around an option's label
_MIN_PREFIX = 2  # characters a typed prefix needs ("lao" for "Lào Cai"; "l" names nothing)
_FUZZY_MIN_CHARS = 4
_FUZZY_SCORE = 85  # rapidfuzz ratio: "lao cia" for "lao cai", not "ha noi" for "ha tinh"
# The keys of option labels: the same few hundred labels (menus, buttons, area names) are read
# back from the record and keyed on nearly every update in a private chat.
_label_key = functools.lru_cache(maxsize=1024)(phrase_key)


@dataclass(frozen=True)
class Option:
    """One option on record: the number it was shown with, and which message and turn showed it."""

    number: int
    label: str
    value: str
    message: int  # options of one message share it: a pick drops its message's options
    turn: int
    destructive: bool = False

    @property
    def key(self) -> str:
        return _label_key(self.label)

    def choice(self) -> Choice:
        return Choice(self.label, self.value, destructive=self.destructive)


@dataclass(frozen=True)
class Record:
    """What a chat's typed numbers and words are read against."""

    options: tuple[Option, ...] = ()
    turn: int = 0  # the turn that showed the last question
    free_text: bool = False  # the last question is answered by typing: a bare number is the answer

    @property
    def highest(self) -> int:
        return max((o.number for o in self.options), default=0)


@dataclass(frozen=True)
class Typed:
    """How the router reads a typed text against the options on record."""

    picked: Option | None = None  # the option the text names
    confirm: Option | None = None  # a bare number named a destructive option: ask first
    unclear: tuple[Option, ...] = ()  # words that name several options: show them again
    on_record: bool = False  # the chat has options on record (a turn must replace or keep them)

    @property
    def value(self) -> str | None:
        return self.picked.value if self.picked else None


def number(replies: Iterable[Reply]) -> list[tuple[Reply, list[tuple[int, Choice]]]]:
    """Each reply with its choices numbered: from its `first_number` when the router set one,
    else from 1 across the whole turn."""
    numbered, counter = [], 0
    for reply in replies:
        if reply.first_number:
            counter = reply.first_number - 1
        items = []
        for choice in reply.choices:
            counter += 1
            items.append((counter, choice))
        numbered.append((reply, items))
    return numbered


def offered_in(replies: Iterable[Reply]) -> list[Choice]:
    """Every option of a turn, in the order shown."""
    return [choice for reply in replies for choice in reply.choices]


def numbered_from(replies: list[Reply], first: int) -> list[Reply]:
    """The replies with the numbers their options will be shown with, continuing after `first - 1`."""
    out, counter = [], first
    for reply in replies:
        if reply.choices:
            reply = dataclasses.replace(reply, first_number=counter)
            counter += len(reply.choices)
        out.append(reply)
    return out


def _joined(numbers: list[str], t: Texts) -> str:
    """ "1, 2 hoặc 3", with the joining words from content."""
    if len(numbers) == 1:
        return numbers[0]
    return t.label("choices.separator").join(numbers[:-1]) + t.label("choices.last_separator") + numbers[-1]


def options_block(items: list[tuple[int, Choice]], t: Texts) -> str:
    """The numbered options of one reply and how to pick one; "" for a reply without options."""
    if not items:
        return ""
    lines = [t.label("choices.option").format(number=n, label=choice.label) for n, choice in items]
    lines.append(t.label("choices.how_to_pick").format(numbers=_joined([str(n) for n, _ in items], t)))
    return "\n".join(lines)


def present(replies: Iterable[Reply], t: Texts) -> list[tuple[Reply, str]]:
    """Each reply with its options block: the one way every channel without buttons shows choices."""
    return [(reply, options_block(items, t)) for reply, items in number(replies)]


# --- reading a typed text ---


def _bare_number(text: str) -> int | None:
    return ascii_int(text.strip().rstrip(".)"))


def _prefix_run(words: list[str], label: list[str]) -> bool:
    """The typed words appear in the label in a row, the last one possibly cut ("lao c")."""
    n = len(words)
    for i in range(len(label) - n + 1):
        if label[i : i + n - 1] == words[:-1] and label[i + n - 1].startswith(words[-1]):
            return True
    return False


def _contains(words: list[str], label: list[str]) -> bool:
    n = len(label)
    return any(words[i : i + n] == label for i in range(len(words) - n + 1))


def _named(text: str, options: Iterable[Option], exact_only: bool = False) -> list[Option]:
    """The options a text names by their words (see the module docstring), best tier only."""
    key = phrase_key(text)
    if not key:
        return []
    options = list(options)
    exact = [o for o in options if o.key == key]
    if exact or exact_only:
        return exact
    words = key.split()
    found = []
    for option in options:
        label = option.key.split()
        if len(label) >= 2 and _contains(words, label) and len(words) - len(label) <= _EXTRA_WORDS:
            found.append(option)  # "tỉnh lào cai" for "Lào Cai"
        elif not option.destructive and len(key) >= _MIN_PREFIX and _prefix_run(words, label):
            found.append(option)  # "lao" for "Tỉnh Lào Cai"
    if found or len(key) < _FUZZY_MIN_CHARS:
        return found
    return [o for o in options if not o.destructive and fuzz.ratio(key, o.key) >= _FUZZY_SCORE]


def _distinct(found: list[Option]) -> list[Option]:
    """One option per value (the same option shown again counts once), latest shown first."""
    seen: dict[str, Option] = {}
    for option in sorted(found, key=lambda o: -o.number):
        seen.setdefault(option.value, option)
    return sorted(seen.values(), key=lambda o: o.number)


def read_typed(text: str, record: Record) -> Typed:
    """What a typed text means against the options on record."""
    on = bool(record.options)
    index = _bare_number(text)
    if index is not None:
        if record.free_text:
            return Typed(on_record=on)  # "3" at the amount step is 3 triệu, not option 3
        option = next((o for o in record.options if o.number == index), None)
        if option is not None and option.destructive:
            return Typed(confirm=option, on_record=on)
        return Typed(picked=option, on_record=on)
    return read_words(text, record)


def read_words(text: str, record: Record) -> Typed:
    """What a typed text names by its words (never by a number shown beside the option)."""
    on = bool(record.options)
    found = _distinct(_named(text, record.options, exact_only=record.free_text))
    if len(found) == 1:
        return Typed(picked=found[0], on_record=on)
    return Typed(unclear=tuple(found), on_record=on)


def pick(text: str, options: Offered) -> str | None:
    """The value of the option a text names among (label, value) options numbered from 1: its
    number, or its words; None for none or several (a handler reading its own options)."""
    record = Record(tuple(Option(n, label, value, n, 0) for n, (label, value) in enumerate(options, 1)))
    return read_typed(text, record).value


# --- the record ---


def record(db: sqlite_utils.Database, chat: ChatKey) -> Record:
    row = db.execute(
        "SELECT choices FROM offered_choices WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    if not row:
        return Record()
    stored = json.loads(row[0])
    if isinstance(stored, list):  # written before numbers continued: [[label, value], ...]
        return Record(tuple(Option(n, label, value, 0, 0) for n, (label, value) in enumerate(stored, 1)))
    options = tuple(
        Option(n, label, value, message, turn, bool(d)) for n, label, value, message, turn, d in stored["options"]
    )
    return Record(options, stored["turn"], stored["free_text"])


def offered(db: sqlite_utils.Database, chat: ChatKey) -> Offered:
    """(label, value) of the options on record, in number order."""
    return [(o.label, o.value) for o in sorted(record(db, chat).options, key=lambda o: o.number)]


def highest(db: sqlite_utils.Database, chat: ChatKey) -> int:
    """The highest number a typed text can name in this chat (0: none)."""
    return record(db, chat).highest


def remembers(msg: Incoming) -> bool:
    """Whether this chat's options are on record: always without buttons; with buttons (Telegram)
    in a private chat only, where typing a button's words is how some people answer. In a group
    with buttons, members talk among themselves: their words are never read as a pick."""
    return not msg.buttons or not msg.is_group


def typed_choice(db: sqlite_utils.Database, msg: Incoming) -> tuple[Typed, Record]:
    """What a typed text names among the options on record, and the record (the router keeps or
    replaces it after the turn). With buttons, only words answer: no number is shown there."""
    if not remembers(msg):
        return Typed(), Record()
    found = record(db, msg.chat)
    if msg.choice is not None or not msg.text or not found.options or msg.text.lstrip().startswith("/"):
        return Typed(on_record=bool(found.options)), found  # a command is a command ("/baocao" ≈ "Báo cáo")
    if msg.buttons:
        return read_words(msg.text, found), found
    return read_typed(msg.text, found), found


def remember(
    db: sqlite_utils.Database,
    chat: ChatKey,
    replies: list[Reply],
    now: datetime,
    *,
    kept: Iterable[Option] = (),
    turn: int = 1,
    free_text: bool | None = None,
) -> list[Reply]:
    """Record the options these replies show, numbered after the `kept` ones (options of earlier
    messages that still answer); returns the replies with their first numbers set. `free_text`:
    whether the last question takes a typed answer (default: whether one of these replies asks so)."""
    kept = tuple(kept)
    numbered = numbered_from(replies, max((o.number for o in kept), default=0) + 1)
    message = max((o.message for o in kept), default=0)
    options = list(kept)
    for _reply, items in number(numbered):
        if items:
            message += 1
        options.extend(Option(n, c.label, c.value, message, turn, c.destructive) for n, c in items)
    forget(db, chat)
    if options:
        payload = {
            "turn": turn,
            "free_text": any(r.free_text for r in replies) if free_text is None else free_text,
            "options": [[o.number, o.label, o.value, o.message, o.turn, o.destructive] for o in options],
        }
        # A plain INSERT: sqlite-utils' `insert` builds its SQL and checks the table's columns on
        # each call, which costs more than the write itself, and this runs on nearly every update.
        db.execute(
            "INSERT INTO offered_choices (channel, chat_id, choices, offered_at) VALUES (?, ?, ?, ?)",
            [chat.channel, chat.chat_id, json.dumps(payload, ensure_ascii=False), to_iso(now)],
        )
    return numbered


def forget(db: sqlite_utils.Database, chat: ChatKey) -> int:
    """No number means anything in this chat any more (a new terminal session; erasing a chat)."""
    return db.execute(
        "DELETE FROM offered_choices WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).rowcount
