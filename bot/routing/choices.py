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
Options are numbered from 1 across all the replies of a turn, never per reply (`number`), and
shown one way (`present`), with the "how to pick" words from content labels (`choices.*`).
Messages the bot starts (notices, broadcasts) do not go through the router: they leave a chat's
numbers alone.

Writes: `offered_choices`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

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

_LEADING_SYMBOLS = re.compile(r"^\W+")

Offered = list[tuple[str, str]]  # (label, value) of the options a chat was shown, in number order


def number(replies: Iterable[Reply]) -> list[tuple[Reply, list[tuple[int, Choice]]]]:
    """Each reply with its choices numbered from 1 across the whole turn."""
    numbered, counter = [], 0
    for reply in replies:
        items = []
        for choice in reply.choices:
            counter += 1
            items.append((counter, choice))
        numbered.append((reply, items))
    return numbered


def offered_in(replies: Iterable[Reply]) -> list[Choice]:
    """Every option of a turn, in number order (option n is item n - 1)."""
    return [choice for reply in replies for choice in reply.choices]


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
    """Each reply with its options block, numbered across the turn: the one way every channel
    without buttons shows choices."""
    return [(reply, options_block(items, t)) for reply, items in number(replies)]


def pick(text: str, options: Offered) -> str | None:
    """The value of the option a text names: its number, or its words (accents optional)."""
    stripped = text.strip().rstrip(".)")
    index = ascii_int(stripped)
    if index is not None:
        return options[index - 1][1] if 1 <= index <= len(options) else None
    key = phrase_key(text)
    for label, value in options:
        if key and key == phrase_key(_LEADING_SYMBOLS.sub("", label)):
            return value
    return None


def offered(db: sqlite_utils.Database, chat: ChatKey) -> Offered:
    row = db.execute(
        "SELECT choices FROM offered_choices WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    return [(label, value) for label, value in json.loads(row[0])] if row else []


def typed_choice(db: sqlite_utils.Database, msg: Incoming) -> tuple[str | None, bool]:
    """For a channel without buttons: the value of the option a typed text names, if any, and
    whether the chat has options on record (the router then knows a turn must replace them)."""
    if msg.buttons:
        return None, False
    options = offered(db, msg.chat)
    if msg.choice is not None or not msg.text or not options:
        return None, bool(options)
    return pick(msg.text, options), True


def remember(db: sqlite_utils.Database, chat: ChatKey, choices: list[Choice], now: datetime) -> None:
    """The options just shown replace the previous ones (none shown: numbers mean nothing now)."""
    forget(db, chat)
    if choices:
        payload = json.dumps([[c.label, c.value] for c in choices], ensure_ascii=False)
        db["offered_choices"].insert(
            {"channel": chat.channel, "chat_id": chat.chat_id, "choices": payload, "offered_at": to_iso(now)}
        )


def forget(db: sqlite_utils.Database, chat: ChatKey) -> int:
    """No number means anything in this chat any more (a new terminal session; erasing a chat)."""
    return db.execute(
        "DELETE FROM offered_choices WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).rowcount
