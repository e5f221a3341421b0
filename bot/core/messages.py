"""Channel-neutral messages: what a citizen sent (`Incoming`) and what the bot answers (`Reply`).

Adapters translate platform updates into `Incoming` and render `Reply` for their platform, so
handlers never see Telegram, Zalo or the terminal.

`Reply.text` is a small HTML subset, the one Telegram understands: `<b>`, `<i>`, `<u>`, `<s>`,
`<code>`, `<pre>`, `<blockquote>` and `<a href>`. Content templates produce it with every variable
escaped; adapters of platforms without formatting strip it. `Reply.document` is a file sent before
the text (Telegram uploads it, the Zalo OA takes a DOCX, the terminal writes it to a folder); an
adapter that cannot send it sends its `Document.instead` words. `Reply` is the public contract
between handlers and adapters: a field added here must be rendered by every adapter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple

CALLBACK_DATA_MAX_BYTES = 64  # Telegram's limit for a button's data


class ChatKey(NamedTuple):
    """A conversation is identified per channel: the same number may exist on Telegram and Zalo."""

    channel: str
    chat_id: str


class ConversationKey(NamedTuple):
    """Whose multi-step flow: in a group each member has their own (user_id: the member); in a
    private chat the chat is the person (user_id: the chat's id, whatever user the platform names)."""

    channel: str
    chat_id: str
    user_id: str

    @classmethod
    def of(cls, chat: ChatKey | ConversationKey) -> ConversationKey:
        """A private chat's key from its ChatKey (a ConversationKey is returned as it is)."""
        return chat if isinstance(chat, ConversationKey) else cls(chat.channel, chat.chat_id, chat.chat_id)


@dataclass(frozen=True)
class Photo:
    """A picture a citizen sent; `ref` is the platform's file id (Telegram) or URL (Zalo).

    `fetch` downloads its bytes (the channel adapter sets it: only the adapter knows how), raising
    `bot.images.PictureTooLarge` past the size limit; None where the channel cannot fetch.
    `lasting`: whether `ref` still reaches the picture later (a Telegram file id does; a Zalo image
    URL expires, so a photo kept as evidence must be downloaded at once)."""

    ref: str
    caption: str | None = None
    fetch: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False, repr=False)
    lasting: bool = True


@dataclass(frozen=True)
class Contact:
    """A phone number a citizen chose to share with the platform's contact button."""

    phone_number: str
    user_id: str | None = None


@dataclass(frozen=True)
class Incoming:
    channel: str
    chat_id: str
    user_id: str
    display_name: str = ""
    text: str | None = None
    choice: str | None = None  # the value of a button (or numbered option) the citizen picked
    photo: Photo | None = None
    contact: Contact | None = None
    unsupported: str | None = None  # a kind of message we cannot read: "sticker", "voice", …
    update_id: str | None = None  # the platform's id, for skipping repeated deliveries
    is_group: bool = False
    # The platform says the citizen forwarded this message from someone else (Telegram): a message
    # they received, to be judged, not a question they wrote.
    forwarded: bool = False
    language: str = ""  # the chat's stored language; filled in by the router
    # False on platforms that show choices as numbered options (Zalo, the terminal): the router
    # reads a typed number as the choice it names (`bot/routing/choices.py`).
    buttons: bool = True

    @property
    def chat(self) -> ChatKey:
        return ChatKey(self.channel, self.chat_id)

    @property
    def conversation_key(self) -> ConversationKey:
        """Whose flow this message belongs to: the member's in a group, the chat's otherwise."""
        return ConversationKey(self.channel, self.chat_id, self.user_id if self.is_group else self.chat_id)


@dataclass(frozen=True)
class Choice:
    label: str
    value: str
    # Undoes something (cancels a report, erases data, revokes a role): on a channel without
    # buttons a bare number never picks it, its words do, and a number asks first
    # (`bot/routing/choices.py`).
    destructive: bool = False

    def __post_init__(self) -> None:
        size = len(self.value.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"choice value must be 1-{CALLBACK_DATA_MAX_BYTES} bytes, got {size}")


@dataclass(frozen=True)
class Document:
    """A file the bot sends (a report for the authorities): its bytes, the name the recipient sees,
    its MIME type and a short plain-text `caption` shown with it (Telegram keeps 1,024 characters).

    `instead`: the reply's own words (the HTML subset of `Reply.text`) for a channel that cannot
    send this file (no way to send files, a type it refuses, a file over its size limit): where
    else to get it. Every adapter sends either the file or these words, never nothing."""

    content: bytes = field(repr=False)
    name: str
    mime: str
    caption: str = ""
    instead: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    columns: int = 1  # how many choices per row where the platform shows buttons
    photo: str | None = None  # a file id or public URL shown before the text
    # A file sent before the text (the text may then be empty: the file alone). Part of the public
    # contract of replies: every channel adapter sends it, or its `instead` words where it cannot.
    document: Document | None = None
    # A button that shares the citizen's own phone number (Telegram's contact button), with this
    # label; platforms without one ask the citizen to type the number, which the step accepts too.
    request_contact: str | None = None
    # This reply takes away the keyboard a `request_contact` reply left under the typing field
    # (it stays there when the citizen typed the number instead of pressing its button).
    remove_keyboard: bool = False
    # The question this reply asks is answered by typing (an amount, a phone number, an account):
    # on a channel without buttons a bare number is that answer, never an option's number.
    free_text: bool = False
    # The first question of a flow (a report, a quiz, /dangky, /kiemtra): on a channel without
    # buttons its options are numbered from 1 and the options shown before no longer answer, so a
    # "1" typed at the new question never picks an item of the menu it was started from.
    fresh_numbers: bool = False
    # Set by the router on a channel without buttons: the number its first choice is shown with,
    # since numbers continue across the messages of a turn and of the turns before (0: from 1).
    first_number: int = 0


class DeliveryError(Exception):
    """A message the bot started (a notice, a broadcast) was not delivered; adapters raise it.

    `blocked`: the chat blocked the bot or no longer exists (stop writing to it); `permanent`:
    retrying cannot help; `retry_after`: the platform asked to wait this many seconds (429).
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, blocked: bool = False, retry_after: float | None = None
    ):
        super().__init__(reason)
        self.permanent = permanent or blocked
        self.blocked = blocked
        self.retry_after = retry_after
