"""A loopback fake of the Telegram Bot API HTTP server, for tests.

`FakeTelegram` serves ``/bot<token>/<method>`` with tornado on 127.0.0.1 (ephemeral port), on the
asyncio loop that called :meth:`FakeTelegram.start`. Point the real python-telegram-bot at it::

    async with FakeTelegram() as tg:
        app = (ApplicationBuilder().token(tg.token).base_url(f"{tg.url}/bot")
               .base_file_url(f"{tg.url}/file/bot").build())

What it fakes: getMe, getUpdates (offset confirmation + long polling), set/delete/getWebhookInfo
(bookkeeping only), sendMessage/sendPhoto/sendDocument with Telegram-like validation (HTML entity parsing,
length limits, callback_data size), editMessageText/editMessageReplyMarkup, deleteMessage,
answerCallbackQuery, bot commands/descriptions, sendChatAction, close/logOut; error replies with
the same JSON shape and HTTP status as the real API, scripted faults (`fail_next`, and outages
of a few seconds with `fail_for`) and blocked chats (`block_chat`). Tests inject updates with
``push_*`` and assert on ``requests``/``sent``/...

Files: a document the bot uploads (sendDocument, multipart) is kept in `documents` with its name,
size and bytes, so a test can open it; over `max_upload` (50 MB, as for real bots) it is refused
with HTTP 413. A photo or document pushed with `data` is served by getFile and ``/file/bot<token>/<path>``
(getFile refuses files over 20 MB, as the real one does); other file ids answer getFile with
"Bad Request: invalid file_id".

What it deliberately does NOT fake: webhook delivery (setWebhook only stores the URL),
groups/channels beyond `my_chat_member` and migration updates pushed raw, inline mode, payments,
media other than photos and documents, MarkdownV2 validation (only HTML is parsed), message entities in
returned messages (``text`` is stored verbatim as the bot sent it), and flood limits other than those
scripted with `fail_next` or switched on with `rate_limit`.

Paid broadcasts: a sendMessage/sendPhoto with ``allow_paid_broadcast`` is counted in `paid_sent`
(its `sent` snapshot says ``"paid": True``) and, under `rate_limit`, is held to the paid limit
(1,000/s) instead of the free one (30/s), as Telegram bills instead of refusing it.

`count_only=True` (benchmarks of hundreds of thousands of sends, in a process of their own:
`tests/fakes/telegram_process.py`): sendMessage is counted per chat in `received` and nothing of
it is kept (no `requests`, `sent`, stored message or HTML check); the `fakeStats` method answers
the counts.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import itertools
import json
import re
import time
from typing import Any

from tests.fakes.common import ApiError, ApiHandler, FakeBotApi

MAX_TEXT, MAX_CAPTION = 4096, 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile's limit for bots
MAX_UPLOAD = 50 * 1000 * 1000  # sendDocument's limit for bots (multipart upload)
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)
DEFAULT_ERRORS = {
    400: "Bad Request: simulated error",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# Form fields that are always plain strings (never JSON-decoded, even if they look like JSON).
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "description",
        "short_description",
        "url",
        "secret_token",
        "callback_query_id",
        "photo",
        "action",
        "language_code",
        "inline_message_id",
        "ip_address",
        "name",
    }
)
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
        "tg-emoji",
    }
)
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def injected_error(status: int, retry_after: int, description: str | None) -> ApiError:
    """The error a fault or an outage answers: a 429 carries `retry_after`, as a flood wait does."""
    if description is None and status == 429:
        description = f"Too Many Requests: retry after {retry_after}"
    elif description is None:
        description = DEFAULT_ERRORS.get(status, f"Error {status}")
    return ApiError(status, description, retry_after if status == 429 else None)


def html_visible_text(text: str) -> str:
    """Parse Telegram-flavoured HTML like the Bot API: return the visible text or raise ApiError."""
    out, stack, i = [], [], 0
    where = lambda pos: f"at byte offset {len(text[:pos].encode())}"  # noqa: E731
    while i < len(text):
        if text[i] == "<":
            m = TAG_RE.match(text, i)
            if not m:
                raise bad(f"can't parse entities: Unsupported start tag {where(i)}")
            closing, name, attrs = m.group(1), m.group(2).lower(), (m.group(3) or "").strip()
            if name not in ALLOWED_TAGS:
                raise bad(f'can\'t parse entities: Unsupported start tag "{name}" {where(i)}')
            if closing:
                if attrs or not stack or stack[-1] != name:
                    raise bad(f"can't parse entities: Unexpected end tag {where(i)}")
                stack.pop()
            else:
                if name == "span" and not re.fullmatch(r'class\s*=\s*"tg-spoiler"', attrs):
                    raise bad(f'can\'t parse entities: Unsupported start tag "span" {where(i)}')
                stack.append(name)
            i = m.end()
            continue
        m = ENTITY_RE.match(text, i) if text[i] == "&" else None
        if m:
            ref = m.group(1)
            code = int(ref[2:], 16) if ref.startswith("#x") else int(ref[1:]) if ref[0] == "#" else None
            out.append(NAMED_ENTITIES[ref] if code is None else chr(min(code, 0x10FFFF)))
            i = m.end()
            continue
        out.append(text[i])
        i += 1
    if stack:
        raise bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def decode_field(key: str, value: Any) -> Any:
    """Form values are strings; PTB JSON-encodes ints, bools, lists and dicts. Undo that."""
    if not isinstance(value, str) or key in TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _ApiHandler(ApiHandler):
    """Query, form (PTB JSON-encodes non-string values), multipart or JSON parameters; GET too."""

    def _params(self) -> dict:
        req, params = self.request, {}
        for key, values in itertools.chain(req.query_arguments.items(), req.body_arguments.items()):
            params[key] = decode_field(key, values[-1].decode("utf-8", "replace"))
        for key, files in req.files.items():
            params[key] = {"upload": files[0].filename, "size": len(files[0].body), "data": files[0].body}
        if req.headers.get("Content-Type", "").startswith("application/json") and req.body:
            body = json.loads(req.body)
            params.update({k: decode_field(k, v) for k, v in body.items()})
        return params

    get = ApiHandler.post


class FakeTelegram(FakeBotApi):
    """Fake Bot API server (errors: HTTP status == ``error_code``, as the real Bot API does)."""

    handler = _ApiHandler

    @staticmethod
    def chat_of(message: dict):
        return message["chat"]["id"]

    def __init__(
        self, token: str = "123456:TEST-token", bot_username: str = "canhgiac_test_bot", *, count_only: bool = False
    ):
        super().__init__(token)
        self.count_only = count_only
        self.keep_requests = not count_only
        self.received: collections.Counter[int] = collections.Counter()  # sendMessage per chat (count_only)
        self.paid_sent = 0  # messages sent with allow_paid_broadcast
        self.bot_username = bot_username
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Canh Giác",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        # `sent`: a snapshot of each message the bot created (+ "parse_mode").
        self.edits: list[dict] = []  # params of each successful edit call
        self.callback_answers: list[dict] = []  # params of each successful answerCallbackQuery
        self.commands: list[dict] | None = None  # last setMyCommands of the default scope (None: never set)
        self.allowed_updates: set[str] = set(DEFAULT_ALLOWED_UPDATES)
        # Every scope's and language's commands: (scope as JSON, language code or "") -> commands
        self.scoped_commands: dict[tuple[str, str], list[dict]] = {}
        self.profile_sets = 0  # set* calls of the profile: Telegram limits them, the bot skips unchanged ones
        self.description = self.short_description = ""
        self._pending: list[dict] = []  # {"update", "repeat", "delivered"}
        self._next_update_id, self._seen_update_ids = 1, set()
        self._messages: dict[tuple[int, int], dict] = {}  # current state of the bot's messages
        self._migrated: dict[int, int] = {}  # groups upgraded to supergroups: old id -> new id
        self._last_message_id: dict[int, int] = {}
        self._names: dict[int, str] = {}
        self._callback_ids: set[str] = set()
        self._file_data: dict[str, bytes] = {}  # file_id -> bytes of files users sent
        self._limits: tuple[float, float, float] | None = None  # (free/s, paid/s, per chat/s), see rate_limit
        # Sends of the last second, free and paid, and per chat (both), for the rate limit.
        self._sends = {False: collections.deque(), True: collections.deque()}
        self._in_window: collections.Counter[int] = collections.Counter()
        self.throttled = 0  # 429s answered by the rate limit
        # Paid sends let through (under `rate_limit`): the most within a second, the first's and last's time.
        self.busiest_paid_second = 0
        self.paid_first_at = self.paid_last_at = 0.0
        self.paid_marks: list[float] = []  # when each thousandth paid send was let through
        self._paid_through = 0
        # Files the bot uploaded with sendDocument: chat_id, file_name, size, data (bytes), caption.
        self.documents: list[dict] = []
        self.max_upload = MAX_UPLOAD  # lower it to see an upload refused as too large (HTTP 413)
        handlers = {
            "getMe": lambda p: self.bot_user,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback,
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda p: copy.deepcopy(self.scoped_commands.get(_scope_key(p), [])),
            "deleteMyCommands": self._delete_commands,
            "setMyDescription": self._set_description,
            "getMyDescription": lambda p: {"description": self.description},
            "setMyShortDescription": self._set_short_description,
            "getMyShortDescription": lambda p: {"short_description": self.short_description},
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "fakeStats": self._stats,
            "close": lambda p: True,
            "logOut": lambda p: True,
        }
        self._methods = {name.lower(): (name, fn) for name, fn in handlers.items()}

    # ----------------------------------------------------------------- injecting updates
    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Lan",
        forwarded_from: str | None = None,
    ) -> int:
        """A private text message from the user; "/cmd ..." gets a bot_command entity.
        `forwarded_from`: the user forwarded it from someone who hides their account (the
        `forward_origin` of type hidden_user, as Telegram sends for most people)."""
        msg = self._user_message(chat_id, user_id, first_name)
        msg["text"] = text
        if forwarded_from is not None:
            origin = {"type": "hidden_user", "date": msg["date"] - 60, "sender_user_name": forwarded_from}
            msg["forward_origin"] = origin
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])}]
        return self.push_raw({"message": msg})

    def push_callback(self, chat_id: int, data: str, *, message_id: int, user_id: int | None = None) -> int:
        """A button press on bot message `message_id` (its current text/markup is included; an
        unknown message becomes an InaccessibleMessage with date 0, as Telegram sends)."""
        user = self._user(chat_id if user_id is None else user_id, self._names.get(chat_id, "Lan"))
        message = copy.deepcopy(self._messages.get((chat_id, message_id))) or {
            "message_id": message_id,
            "chat": self._chat(chat_id),
            "date": 0,
        }
        query_id = str(9_000_000 + next(self._counter))
        self._callback_ids.add(query_id)
        return self.push_raw(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                }
            }
        )

    def push_photo(
        self,
        chat_id: int,
        *,
        file_id: str = "AgACAgQAAxk-photo",
        caption: str | None = None,
        user_id: int | None = None,
        data: bytes | None = None,
    ) -> int:
        """A private photo message from the user; with `data`, its largest size is that file."""
        msg = self._user_message(chat_id, user_id, self._names.get(chat_id, "Lan"))
        msg["photo"] = self._photo_sizes(file_id)
        if data is not None:
            msg["photo"][-1]["file_size"] = len(data)
            self._file_data[file_id] = data
        if caption is not None:
            msg["caption"] = caption
        return self.push_raw({"message": msg})

    def push_document(
        self, chat_id: int, data: bytes, *, mime_type: str, file_name: str = "file", user_id: int | None = None
    ) -> int:
        """A file sent "as a document" (uncompressed), e.g. a screenshot."""
        msg = self._user_message(chat_id, user_id, self._names.get(chat_id, "Lan"))
        file_id = f"BQACAgQ-doc-{next(self._counter)}"
        self._file_data[file_id] = data
        msg["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self.push_raw({"message": msg})

    def push_contact(self, chat_id: int, phone_number: str, *, user_id: int | None = None) -> int:
        """The user shares a contact (by default their own, as a request_contact button does)."""
        msg = self._user_message(chat_id, user_id, self._names.get(chat_id, "Lan"))
        msg["contact"] = {
            "phone_number": phone_number,
            "first_name": msg["from"]["first_name"],
            "user_id": msg["from"]["id"],
        }
        return self.push_raw({"message": msg})

    def push_raw(self, update: dict) -> int:
        """Queue an update dict. Without "update_id" the next id is assigned; an already used
        update_id is delivered again even if it was confirmed (Telegram repeating an update)."""
        update = copy.deepcopy(update)
        update.setdefault("update_id", self._next_update_id)
        uid = update["update_id"]
        repeat = uid in self._seen_update_ids
        self._seen_update_ids.add(uid)
        self._next_update_id = max(self._next_update_id, uid + 1)
        self._pending.append({"update": update, "repeat": repeat, "delivered": False})
        self._notify("_update_signal")
        return uid

    def migrate_group(self, old: int, new: int) -> None:
        """The group `old` was upgraded to the supergroup `new`: sends to `old` are refused with
        `migrate_to_chat_id` from now on, as Telegram does."""
        self._migrated[old] = new

    # ----------------------------------------------------------------- observing
    def message(self, chat_id: int, message_id: int) -> dict | None:
        """Current state (after edits) of a message the bot sent, or None."""
        return copy.deepcopy(self._messages.get((chat_id, message_id)))

    def clear(self) -> None:
        """Forget recorded requests/sent/edits/callback answers. Server state (stored messages,
        pending updates, commands, webhook, faults, blocked chats) is kept."""
        super().clear()
        self.edits.clear()
        self.callback_answers.clear()

    # ----------------------------------------------------------------- fault injection
    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, description: str | None = None, times: int = 1
    ) -> None:
        """Make the next `times` calls of `method` fail with HTTP/error_code `status`."""
        self._script(method, injected_error(status, retry_after, description), times=times)

    def fail_for(
        self, method: str, seconds: float, *, status: int = 500, retry_after: int = 1, description: str | None = None
    ) -> None:
        """An outage: every call of `method` fails with `status` for the next `seconds` (a 429 carries
        `retry_after`, as a flood wait does). Counted in `faulted`, as `fail_next`'s faults are."""
        self._script(method, injected_error(status, retry_after, description), seconds=seconds)

    def rate_limit(
        self, per_second: float = 30, per_chat_per_second: float = 1, *, paid_per_second: float = 1000
    ) -> None:
        """Answer 429 (retry_after 1) to sendMessage beyond these rates over the last second, as
        Telegram does to bots that flood: `per_second` free messages, `paid_per_second` sent with
        allow_paid_broadcast (counted apart), `per_chat_per_second` to one chat either way."""
        self._limits = (per_second, paid_per_second, per_chat_per_second)

    def _check_rate(self, chat_id: int, paid: bool = False) -> None:
        if self._limits is None:
            return
        now = time.monotonic()
        for window in self._sends.values():
            while window and now - window[0][0] > 1.0:
                _, old = window.popleft()
                self._in_window[old] -= 1
                if not self._in_window[old]:
                    del self._in_window[old]
        free, paid_limit, per_chat = self._limits
        if len(self._sends[paid]) >= (paid_limit if paid else free) or self._in_window[chat_id] >= per_chat:
            self.throttled += 1
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        self._sends[paid].append((now, chat_id))
        self._in_window[chat_id] += 1
        if paid:
            self.busiest_paid_second = max(self.busiest_paid_second, len(self._sends[True]))
            self.paid_first_at, self.paid_last_at = self.paid_first_at or now, now
            self._paid_through += 1
            if self._paid_through % 1000 == 0:
                self.paid_marks.append(now - self.paid_first_at)

    def _stats(self, p: dict) -> dict:
        """What a benchmark in another process reads: sends, chats reached, duplicates, paid, 429s."""
        return {"sent": sum(self.received.values()) if self.count_only else len(self.sent),
                "chats": len(self.received), "doubled": sum(n - 1 for n in self.received.values()),
                "paid": self.paid_sent, "throttled": self.throttled, "busiest_paid_second": self.busiest_paid_second,
                "paid_seconds": self.paid_last_at - self.paid_first_at, "paid_marks": self.paid_marks}  # fmt: skip

    # ----------------------------------------------------------------- internals
    def _lookup(self, method: str):
        return self._methods.get(method.lower(), (method, None))  # method names are case-insensitive

    async def _get_updates(self, p: dict, closed: asyncio.Event | None = None) -> list[dict]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = p.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        if allowed:  # as Telegram: kept until changed; the default leaves out chat_member and reactions
            self.allowed_updates = set(allowed)
        # Updates of a kind the bot did not ask for are never delivered (Telegram drops them).
        self._pending = [e for e in self._pending if _kind(e["update"]) in self.allowed_updates]
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        if offset > 0:  # confirm: forget everything below offset (repeats only once delivered)
            self._pending = [
                e for e in self._pending if e["update"]["update_id"] >= offset or (e["repeat"] and not e["delivered"])
            ]
        deadline = asyncio.get_running_loop().time() + max(float(p.get("timeout") or 0), 0.0)
        if not await self._wait_for_update(deadline, closed):
            return []
        if self._stopping:
            return []
        batch = sorted(self._pending, key=lambda e: e["update"]["update_id"])[:limit]
        for entry in batch:
            entry["delivered"] = True
        return [copy.deepcopy(e["update"]) for e in batch]

    def _set_webhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = (
            {k: p.get(k) for k in ("url", "secret_token", "allowed_updates", "max_connections")}
            if p.get("url")
            else None
        )
        return True

    def _delete_webhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    def _get_webhook_info(self, p: dict) -> dict:
        return {
            "url": (self.webhook or {}).get("url") or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _chat_id(self, p: dict) -> int:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise bad("chat_id is empty")
        try:
            return int(chat_id)
        except (TypeError, ValueError):
            raise bad("chat not found") from None

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        if chat_id in self._migrated:  # what Telegram answers a send to a group that became a supergroup
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self._migrated[chat_id],
            )

    @staticmethod
    def _check_text(text: Any, parse_mode: Any, *, limit: int, empty: str | None, too_long: str) -> None:
        if text is not None and not isinstance(text, str):
            text = str(text)
        mode = (parse_mode or "").lower()
        if mode not in ("", "html", "markdown", "markdownv2"):
            raise bad("unsupported parse_mode")
        visible = html_visible_text(text or "") if mode == "html" else (text or "")
        if empty and not visible.strip():
            raise bad(empty)
        if len(visible) > limit:
            raise bad(too_long)

    @staticmethod
    def _check_markup(markup: Any) -> dict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
        return markup

    def _chat(self, chat_id: int) -> dict:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": self._names.get(chat_id, "Lan")}

    def _user(self, user_id: int, first_name: str) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}

    def _new_message(self, chat_id: int, sender: dict) -> dict:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return {
            "message_id": self._last_message_id[chat_id],
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }

    def _user_message(self, chat_id: int, user_id: int | None, first_name: str) -> dict:
        self._names[chat_id] = first_name
        return self._new_message(chat_id, self._user(chat_id if user_id is None else user_id, first_name))

    def _get_file(self, p: dict) -> dict:
        file_id = str(p["file_id"])
        data = self._file_data.get(file_id)
        if data is None:
            raise self.bad("invalid file_id")
        if len(data) > MAX_DOWNLOAD:
            raise self.bad("file is too big")
        path = f"photos/file_{abs(hash(file_id)) % 10**6}.jpg"
        self.files[path] = data
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "file_path": path}

    def _photo_sizes(self, file_id: str) -> list[dict]:
        return [
            {
                "file_id": fid,
                "file_unique_id": f"u{abs(hash(fid)) % 10**8}",
                "width": side,
                "height": side,
                "file_size": side * 100,
            }
            for fid, side in ((f"{file_id}-s", 90), (f"{file_id}-m", 320), (file_id, 800))
        ]

    def _store(self, msg: dict, markup: dict | None, p: dict) -> dict:
        if markup and "inline_keyboard" in markup:  # Telegram only echoes inline keyboards
            msg["reply_markup"] = markup
        self._messages[(msg["chat"]["id"], msg["message_id"])] = msg
        snapshot = copy.deepcopy(msg)
        if markup is not None:
            snapshot["reply_markup"] = copy.deepcopy(markup)
        snapshot["parse_mode"] = p.get("parse_mode")
        snapshot["paid"] = bool(p.get("allow_paid_broadcast"))
        self.sent.append(snapshot)
        self._notify("_sent_signal")
        return copy.deepcopy(msg)

    def _check_message_text(self, p: dict) -> None:
        self._check_text(
            p.get("text"),
            p.get("parse_mode"),
            limit=MAX_TEXT,
            empty="message text is empty",
            too_long="message is too long",
        )

    def _send_message(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        self._check_blocked(chat_id)
        paid = bool(p.get("allow_paid_broadcast"))
        self._check_rate(chat_id, paid)
        self.paid_sent += paid
        if self.count_only:
            self.received[chat_id] += 1
            self._last_message_id[chat_id] = message_id = self._last_message_id.get(chat_id, 0) + 1
            return {"message_id": message_id, "chat": {"id": chat_id, "type": "private"}, "date": int(time.time()),
                    "text": str(p["text"])}  # fmt: skip
        self._check_message_text(p)
        markup = self._check_markup(p.get("reply_markup"))
        msg = self._new_message(chat_id, self.bot_user)
        msg["text"] = str(p["text"])
        return self._store(msg, markup, p)

    def _send_photo(self, p: dict) -> dict:
        chat_id = self._chat_id(p)
        self._check_blocked(chat_id)
        self.paid_sent += bool(p.get("allow_paid_broadcast"))
        photo = p.get("photo")
        if not photo:
            raise bad("there is no photo in the request")
        self._check_text(
            p.get("caption"), p.get("parse_mode"), limit=MAX_CAPTION, empty=None, too_long="message caption is too long"
        )
        markup = self._check_markup(p.get("reply_markup"))
        is_file_id = isinstance(photo, str) and not photo.startswith(("http://", "https://", "attach://"))
        msg = self._new_message(chat_id, self.bot_user)
        msg["photo"] = self._photo_sizes(photo if is_file_id else f"AgACAgFake-{next(self._counter)}")
        if p.get("caption"):
            msg["caption"] = str(p["caption"])
        return self._store(msg, markup, p)

    def _send_document(self, p: dict) -> dict:
        """A file uploaded (multipart) or resent by its file id; the uploaded bytes are kept."""
        chat_id = self._chat_id(p)
        self._check_blocked(chat_id)
        self.paid_sent += bool(p.get("allow_paid_broadcast"))
        document = p.get("document")
        if not document:
            raise bad("there is no document in the request")
        self._check_text(
            p.get("caption"), p.get("parse_mode"), limit=MAX_CAPTION, empty=None, too_long="message caption is too long"
        )
        markup = self._check_markup(p.get("reply_markup"))
        if isinstance(document, dict) and "upload" in document:
            if document["size"] > self.max_upload:
                raise ApiError(413, "Request Entity Too Large")
            file_id = f"BQACAgFake-doc-{next(self._counter)}"
            self._file_data[file_id] = document["data"]
            name, size = document["upload"], document["size"]
        elif isinstance(document, str) and document in self._file_data:
            file_id, name, size = document, "file", len(self._file_data[document])
        else:
            raise bad("wrong file identifier/HTTP URL specified")
        msg = self._new_message(chat_id, self.bot_user)
        msg["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name, "file_size": size}
        if p.get("caption"):
            msg["caption"] = str(p["caption"])
        self.documents.append({"chat_id": chat_id, "file_name": name, "size": size,
                               "data": self._file_data[file_id], "caption": p.get("caption")})  # fmt: skip
        return self._store(msg, markup, p)

    def _editable(self, p: dict) -> dict:
        if p.get("inline_message_id"):
            raise bad("inline messages are not supported by FakeTelegram")
        chat_id = self._chat_id(p)
        self._check_blocked(chat_id)
        msg = self._messages.get((chat_id, int(p.get("message_id") or 0)))
        if msg is None:
            raise bad("message to edit not found")
        return msg

    def _finish_edit(self, msg: dict, markup: dict | None, p: dict) -> dict:
        if markup and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        else:
            msg.pop("reply_markup", None)
        msg["edit_date"] = int(time.time())
        self.edits.append(p)
        return copy.deepcopy(msg)

    def _edit_text(self, p: dict) -> dict:
        msg = self._editable(p)
        if "text" not in msg:
            raise bad("there is no text in the message to edit")
        self._check_message_text(p)
        markup = self._check_markup(p.get("reply_markup"))
        inline = markup if markup and "inline_keyboard" in markup else None
        if msg["text"] == str(p["text"]) and msg.get("reply_markup") == inline:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg["text"] = str(p["text"])
        return self._finish_edit(msg, markup, p)

    def _edit_markup(self, p: dict) -> dict:
        msg = self._editable(p)
        markup = self._check_markup(p.get("reply_markup"))
        inline = markup if markup and "inline_keyboard" in markup else None
        if msg.get("reply_markup") == inline:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._finish_edit(msg, markup, p)

    def _delete_message(self, p: dict) -> bool:
        if self._messages.pop((self._chat_id(p), int(p.get("message_id") or 0)), None) is None:
            raise bad("message to delete not found")
        return True

    def _answer_callback(self, p: dict) -> bool:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._callback_ids:  # unknown or already answered
            raise bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_ids.discard(query_id)
        self.callback_answers.append(p)
        return True

    def _set_commands(self, p: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("BOT_COMMAND_INVALID")
        for cmd in commands:
            if not (
                isinstance(cmd, dict)
                and COMMAND_RE.fullmatch(str(cmd.get("command", "")))
                and 1 <= len(str(cmd.get("description", ""))) <= 256
            ):
                raise bad("BOT_COMMAND_INVALID")
        listed = [{"command": c["command"], "description": c["description"]} for c in commands]
        self.scoped_commands[_scope_key(p)] = listed
        if _scope_key(p) == _DEFAULT_SCOPE:
            self.commands = listed
        self.profile_sets += 1
        return True

    def _delete_commands(self, p: dict) -> bool:
        self.scoped_commands.pop(_scope_key(p), None)
        if _scope_key(p) == _DEFAULT_SCOPE:
            self.commands = []
        return True

    def _set_description(self, p: dict) -> bool:
        if len(p.get("description") or "") > 512:
            raise bad("BOT_DESCRIPTION_INVALID")
        self.description = p.get("description") or ""
        self.profile_sets += 1
        return True

    def _set_short_description(self, p: dict) -> bool:
        if len(p.get("short_description") or "") > 120:
            raise bad("BOT_SHORT_DESCRIPTION_INVALID")
        self.short_description = p.get("short_description") or ""
        self.profile_sets += 1
        return True

    def _send_chat_action(self, p: dict) -> bool:
        self._check_blocked(self._chat_id(p))
        if not p.get("action"):
            raise bad("wrong parameter action in request")
        return True


_DEFAULT_SCOPE = ('{"type": "default"}', "")


def _scope_key(p: dict) -> tuple[str, str]:
    """A command list's key: its scope (default when absent) and language code ("" for all)."""
    scope = p.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")


# What Telegram delivers when a bot never said: every kind but chat_member, message_reaction and
# message_reaction_count.
DEFAULT_ALLOWED_UPDATES = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "callback_query", "my_chat_member",
     "inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query", "poll", "poll_answer",
     "chat_join_request", "business_message"}
)  # fmt: skip


def _kind(update: dict) -> str:
    return next((key for key in update if key != "update_id"), "")
