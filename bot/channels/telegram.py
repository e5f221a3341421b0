"""Telegram adapter on python-telegram-bot 22: updates in, `Reply` out.

- Long polling by default. Webhook mode runs our own server (`bot/channels/webhook.py`) instead of
  python-telegram-bot's, which reads up to 100 MB of any request before it checks the secret-token
  header: ours answers 403 to a wrong secret before reading the body and 413 past 1 MB, and puts
  each update on the application's `update_queue`, as python-telegram-bot's server would.
- The Bot API base URL comes from settings, for self-hosted Bot API servers and for the loopback
  fake in the tests.
- `AIORateLimiter` paces all sends below Telegram's limits and retries after a 429; broadcast
  messages sent as paid broadcasts (`allow_paid_broadcast`, up to 1,000/s) are paced apart, so
  replies keep the free budget whole.
- Every text is Telegram's HTML subset, link previews off: python-telegram-bot's `Defaults`.
- The command menu (the router's `menu_commands`) and the descriptions are set in the background
  at each start, only where they changed; police, staff and admins see their role's commands too,
  in their private chats (`setMyCommands` with a chat scope).
- Updates of one chat are handled in order, different chats concurrently (`PerChatUpdateProcessor`).
- Choices become inline keyboards; a pressed button's message is edited to show what was chosen
  (and loses its keyboard, so a double press cannot answer twice); long texts are split under
  4,096 characters on paragraph boundaries.
- Conversation state is the router's (SQLite), never python-telegram-bot's persistence.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, FileSizeLimit, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
    ExtBot,
    TypeHandler,
)

from bot.broadcast import subscriptions
from bot.channels import ChannelStartError, Wiring
from bot.channels.retry import send_retrying
from bot.channels.telegram_broadcast import ConnectionPerSend, PaidBroadcasts
from bot.channels.telegram_updates import RawPolling
from bot.channels.telegram_workers import SendingProcesses
from bot.channels.webhook import BadUpdate, WebhookServer
from bot.core.messages import ChatKey, Contact, DeliveryError, Document, Incoming, Photo, Reply
from bot.core.richtext import split_html
from bot.images.picture import MAX_BYTES as MAX_PICTURE_BYTES
from bot.images.picture import PictureTooLarge
from bot.routing import grants, roles

CHANNEL = "telegram"
PROFILE_STOP_SECONDS = 5.0  # how long a stop waits for the profile being set
# my_chat_member: a citizen blocking or unblocking the bot is known at once, not at the next send.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
LEFT = {"kicked", "left"}  # statuses of the bot in a chat it can no longer write to
POLL_TIMEOUT_SECONDS = 30
GROUP_CHAT_TYPES = {"group", "supergroup"}
TYPING_AFTER_SECONDS = 1.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SET_WEBHOOK_ATTEMPTS = 6

log = logging.getLogger("canhgiac.telegram")


# --- Telegram → Incoming ---


def _is_image_file(document: Any) -> bool:
    return document is not None and (document.mime_type or "").startswith("image/")


def _fetcher(picture: Any) -> Callable[[], Awaitable[bytes]]:
    """Download `picture` (a PhotoSize or Document) through the Bot API; refuse past MAX_BYTES
    before downloading when Telegram tells the size, and after when it did not."""

    async def fetch() -> bytes:
        if picture.file_size and picture.file_size > MAX_PICTURE_BYTES:
            raise PictureTooLarge(picture.file_size)
        file = await picture.get_file()
        data = bytes(await file.download_as_bytearray())
        if len(data) > MAX_PICTURE_BYTES:
            raise PictureTooLarge(len(data))
        return data

    return fetch


def to_incoming(update: Update) -> Incoming | None:
    """The neutral form of an update, or None for kinds we do not handle (edits, channel posts …)."""
    query = update.callback_query
    message = query.message if query else update.message
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or (query is None and message is None):
        return None
    fields: dict[str, Any] = {}
    if query is not None:
        fields["choice"] = query.data or ""
    elif message.text is not None:
        fields["text"] = message.text
        fields["forwarded"] = message.forward_origin is not None
    elif message.photo or _is_image_file(message.document):
        # A document that is an image: a screenshot sent "as a file", uncompressed.
        picture = message.photo[-1] if message.photo else message.document
        fields["photo"] = Photo(ref=picture.file_id, caption=message.caption, fetch=_fetcher(picture))
    elif message.contact is not None:
        contact = message.contact
        fields["contact"] = Contact(
            phone_number=contact.phone_number, user_id=str(contact.user_id) if contact.user_id else None
        )
    else:
        attachment = message.effective_attachment
        fields["unsupported"] = type(attachment).__name__.lower() if attachment else "other"
    return Incoming(
        channel=CHANNEL,
        chat_id=str(chat.id),
        user_id=str(user.id),
        display_name=user.first_name or "",
        update_id=str(update.update_id),
        is_group=chat.type in GROUP_CHAT_TYPES,
        **fields,
    )


# --- Reply → Telegram ---


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """The reply's keyboard as the Bot API's JSON, built directly: python-telegram-bot's keyboard
    objects would only be turned back into it (issue 19: a tenth of the library's time per reply)."""
    if reply.remove_keyboard and not reply.choices:
        return {"remove_keyboard": True}
    if reply.request_contact:
        # Telegram cannot mix a contact button with inline buttons: the other choices become
        # keyboard buttons that send their label, which flows accept as typed words.
        rows = [[{"text": reply.request_contact, "request_contact": True}]]
        rows += [[{"text": c.label}] for c in reply.choices]
        return {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}
    if not reply.choices:
        return None
    buttons = [{"text": c.label, "callback_data": c.value} for c in reply.choices]
    columns = max(1, reply.columns)
    return {"inline_keyboard": [buttons[i : i + columns] for i in range(0, len(buttons), columns)]}


def _passing(error: Exception) -> float | None:
    """How long to wait before sending again after `error`, or None if that cannot help."""
    if isinstance(error, RetryAfter):  # a flood wait beyond what AIORateLimiter retries
        wait = error.retry_after
        return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return 0.0  # 5xx, a broken connection, a timeout
    return None


class RepliesBot(ExtBot):
    """The application's bot, with a leaner way to send a text or edit one: the same parameters
    (the application's `Defaults`), the same rate limiter (`AIORateLimiter` sees the same endpoint
    and chat: replies stay on the free budget), the same errors (`RetryAfter`, `Forbidden`,
    `BadRequest` …); only the answer, the sent message, is not turned into python-telegram-bot's
    objects, since nothing reads it (issue 19: a `Message` built per reply, a tenth of a
    millisecond of CPU)."""

    async def post_text(self, endpoint: str, data: dict[str, Any]) -> None:
        """`sendMessage` or `editMessageText` with `data` (a chat, a text, perhaps a keyboard)."""
        defaults = self.defaults
        if defaults is not None:
            data["parse_mode"] = defaults.parse_mode
            data["link_preview_options"] = defaults.link_preview_options
        await self._post(endpoint, data)


async def send_replies(
    bot: Any, chat_id: int | str, replies: list[Reply], *, retry: bool = False, paid: bool = False
) -> None:
    """Send each reply in order; the keyboard goes with the last part of a split text. `retry`:
    each call is sent again while the failure may pass (`bot/channels/retry.py`), for replies.
    `paid`: a broadcast message sent with `allow_paid_broadcast` (up to 1,000/s, charged in Stars;
    `AIORateLimiter` paces those apart from the free budget the replies use)."""
    extra = {"allow_paid_broadcast": True} if paid else {}

    async def call(send: Callable[[], Awaitable[Any]]) -> None:
        await (send_retrying(send, _passing, channel=CHANNEL) if retry else send())

    for reply in replies:
        if reply.photo:
            await call(lambda reply=reply: bot.send_photo(chat_id, reply.photo, **extra))
        if reply.document is not None:
            await _send_document(bot, chat_id, reply.document, retry=retry)
            if not reply.text:
                continue
        parts = split_html(reply.text, MessageLimit.MAX_TEXT_LENGTH)
        for index, part in enumerate(parts):
            markup = keyboard(reply) if index == len(parts) - 1 else None
            data = {"chat_id": chat_id, "text": part, "reply_markup": markup, **extra}
            await call(lambda data=data: bot.post_text("sendMessage", dict(data)))


def _too_large(error: Exception) -> bool:
    """An upload Telegram refused for its size (HTTP 413 "Request Entity Too Large", which
    python-telegram-bot raises as a NetworkError, or "file is too big"): sending it again cannot help."""
    text = error.message.lower() if isinstance(error, TelegramError) else ""
    return "too large" in text or "too big" in text


def _upload_passing(error: Exception) -> float | None:
    return None if _too_large(error) else _passing(error)


async def _send_document(bot: Any, chat_id: int | str, document: Document, *, retry: bool) -> None:
    """The file as an upload with its name; its `instead` words when Telegram would refuse it (over
    the 50 MB a bot may upload, or refused as too large all the same). `retry` as for texts."""

    async def call(send: Callable[[], Awaitable[Any]]) -> None:
        await (send_retrying(send, _upload_passing, channel=CHANNEL) if retry else send())

    if document.size <= FileSizeLimit.FILESIZE_UPLOAD:
        # A caption is HTML: cut, it could end inside a tag; too long, the file goes without it.
        caption = document.caption if 0 < len(document.caption) <= MessageLimit.CAPTION_LENGTH else None
        upload = InputFile(document.content, filename=document.name)
        try:
            await call(lambda: bot.send_document(chat_id, upload, caption=caption))
            return
        except TelegramError as error:
            if not _too_large(error):
                raise
    log.info("document not sent channel=%s reason=too_large size=%d", CHANNEL, document.size)
    for part in split_html(document.instead, MessageLimit.MAX_TEXT_LENGTH):
        await call(lambda part=part: bot.send_message(chat_id, part))


async def _mark_chosen(bot: RepliesBot, query: Any, chosen_sign: str) -> None:
    """Show the pressed button's label under its message and drop the keyboard."""
    message = query.message
    if not isinstance(message, Message) or message.text is None or message.reply_markup is None:
        return
    label = next(
        (b.text for row in message.reply_markup.inline_keyboard for b in row if b.callback_data == query.data), None
    )
    if label is None:
        return
    # Too old, too long or unchanged: the mark is a nicety, the answer was sent anyway.
    with contextlib.suppress(BadRequest):
        text = f"{message.text_html}\n\n{chosen_sign} <i>{html.escape(label)}</i>"
        # No reply_markup: the keyboard goes. The answer (the edited message) is not read.
        await bot.post_text(
            "editMessageText", {"chat_id": message.chat_id, "message_id": message.message_id, "text": text}
        )


# --- handling ---


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Handle updates of one chat strictly in order and different chats concurrently.

    python-telegram-bot's own concurrency ignores chats, so two quick messages of one citizen
    could race on that chat's conversation state. The base class caps tasks, our semaphore caps
    work: a chat waiting for its turn holds no worker, so one busy chat cannot stall the others.
    """

    def __init__(self, max_workers: int):
        super().__init__(max_concurrent_updates=max_workers * 64)
        self._workers = asyncio.Semaphore(max_workers)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._workers:
                await coroutine
            return
        lock = self._chat_locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock, self._workers:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._chat_locks[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class _TypingAfter:
    """Show "typing…" only when an answer is slow: a call per update would eat the send budget.
    A timer per update, and a task only for the slow ones (issue 19: a task per update that
    mostly sleeps and is cancelled cost the event loop more than the timer)."""

    __slots__ = ("_timer", "_call")

    def __init__(self, bot: Any, chat_id: int):
        self._call: asyncio.Task | None = None
        self._timer = asyncio.get_running_loop().call_later(TYPING_AFTER_SECONDS, self._start, bot, chat_id)

    def _start(self, bot: Any, chat_id: int) -> None:
        self._call = asyncio.ensure_future(self._show(bot, chat_id))

    @staticmethod
    async def _show(bot: Any, chat_id: int) -> None:
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat_id, ChatAction.TYPING)

    def cancel(self) -> None:
        self._timer.cancel()
        if self._call is not None:
            self._call.cancel()


async def _answer_query(query: Any) -> None:
    # A query past Telegram's answer window still gets its reply; only the spinner stays longer.
    with contextlib.suppress(BadRequest):
        await query.answer()


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    app: Wiring = context.application.bot_data["app"]
    router, services = app.router, app.services
    if update.my_chat_member is not None:
        await _membership_changed(update, services)
        return
    msg = to_incoming(update)
    if msg is None:
        return
    query = update.callback_query
    chat_id = update.effective_chat.id
    # Stopping the button's spinner runs alongside routing instead of delaying the answer.
    answering = asyncio.create_task(_answer_query(query)) if query is not None else None
    typing = _TypingAfter(context.bot, chat_id)
    try:
        replies = await router.handle(msg, services)
    finally:
        typing.cancel()
    try:
        await send_replies(context.bot, chat_id, replies, retry=True)
    except Forbidden:
        # The citizen blocked the bot or deleted their account: nothing to retry.
        log.info("chat unreachable channel=%s reason=forbidden", CHANNEL)
    else:
        await router.delivered(msg, replies, services)  # what a reply must not lose (a report's code) arrived
    if answering is not None:
        await answering
        if replies:
            # Off the chat's critical path: the next update of this chat need not wait for the edit.
            chosen = _mark_chosen(context.bot, query, services.texts(msg).label("chosen"))
            context.application.create_task(chosen, update=update)


async def _membership_changed(update: Update, services) -> None:
    """The bot was blocked (or removed from a group): stop writing there now; unblocked: a
    subscription stopped for the block goes on."""
    change = update.my_chat_member
    chat, now = ChatKey(CHANNEL, str(change.chat.id)), services.clock()
    if change.new_chat_member.status in LEFT:
        await services.storage.write(lambda db: subscriptions.stop(db, chat, "blocked", now))
        log.info("chat unreachable channel=%s reason=%s", CHANNEL, change.new_chat_member.status)
    else:
        await services.storage.write(lambda db: subscriptions.resume_unblocked(db, chat, now))


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Logged and dropped: the next update is served as usual. The formatter masks the token.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update failed channel=%s update=%s", CHANNEL, update_id, exc_info=context.error)


async def _set_profile(application: Application) -> None:
    """Set the command menus and descriptions, per language where Telegram can express it, each only
    when it differs from what Telegram has (Telegram limits these calls): everyone's menu, groups'
    (what works without typed answers), and in
    the private chat of each police officer, commune staff member and admin, theirs with their
    role's commands added."""
    app: Wiring = application.bot_data["app"]
    services, bot = app.services, application.bot
    for language in services.content.languages:
        t = services.content.texts(language)
        is_default = language == services.settings.default_language
        if not is_default and len(language) != 2:
            continue  # Telegram keys command menus by two-letter codes only
        code = None if is_default else language
        try:
            await _set_commands(bot, _menu(t, app.router.menu_commands), None, code)
            await _set_commands(bot, _menu(t, app.router.group_menu_commands), BotCommandScopeAllGroupChats(), code)
            if (await bot.get_my_description(language_code=code)).description != t.label("about.description"):
                await bot.set_my_description(t.label("about.description"), language_code=code)
            short = t.label("about.short_description")
            if (await bot.get_my_short_description(language_code=code)).short_description != short:
                await bot.set_my_short_description(short, language_code=code)
            if is_default:
                for chat_id, names in (await _role_menus(app)).items():
                    await _set_commands(bot, _menu(t, names), BotCommandScopeChat(chat_id), None)
        except TelegramError as error:
            # The bot still works without them; the next start tries again.
            log.warning("could not set the bot profile language=%s error=%s", language, type(error).__name__)


def _menu(t, names: list[str]) -> list[BotCommand]:
    return [BotCommand(name, t.label(f"commands.{name}")) for name in names]


async def _set_commands(bot, commands: list[BotCommand], scope, code: str | None) -> None:
    current = await bot.get_my_commands(scope=scope, language_code=code)
    if [(c.command, c.description) for c in current] != [(c.command, c.description) for c in commands]:
        await bot.set_my_commands(commands, scope=scope, language_code=code)


async def _role_menus(app: Wiring) -> dict[int, list[str]]:
    """Telegram private chat -> its menu: everyone's commands, then those of each role it holds."""
    services, router = app.services, app.router
    now = services.clock()
    live = await services.storage.read(lambda db: grants.live(db, now))
    menus: dict[int, list[str]] = {}
    held: dict[str, list[tuple[str, str]]] = {
        role: list(roles.holders(services.settings, live, role)) for role in ("police", "staff")
    }
    held["admin"] = [(a.split(":", 1)[0], a.split(":", 1)[1]) if ":" in a else (CHANNEL, a)
                     for a in services.settings.admin_ids]  # fmt: skip
    for role, chats in held.items():
        for channel, chat_id in chats:
            if channel == CHANNEL and chat_id.lstrip("-").isdigit():
                menu = menus.setdefault(int(chat_id), list(router.menu_commands))
                menu += [name for name in router.role_commands(role) if name not in menu]  # type: ignore[arg-type]
    return menus


def build_application(app: Wiring) -> Application:
    settings = app.settings
    if settings.telegram_bot_token is None:
        raise ChannelStartError("TELEGRAM_BOT_TOKEN is not set")
    bot = RepliesBot(
        settings.telegram_bot_token.get_secret_value().strip(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        # python-telegram-bot's HTTPXRequest, one per call in flight with one kept-alive connection
        # each, as paid broadcasts send: httpcore's pool checks every connection it holds on each
        # request and each answer (issue 19). As many connections as calls were ever in flight
        # at once: the workers' replies, their buttons' answers and edits, the outbox's sends.
        request=ConnectionPerSend(),
        get_updates_request=ConnectionPerSend(),
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        # No retries in the limiter: while it retries one flood-waited send it holds every other
        # send, so one 429 of a broadcast would stall all citizens' replies. Replies retry on
        # their own (`send_replies(retry=True)`), the outbox's sender pauses broadcasts only.
        # With CANHGIAC_UPDATE_PROCESSES = N, each of the N processes sends 1/N of the pace.
        rate_limiter=AIORateLimiter(
            overall_max_rate=settings.telegram_max_messages_per_second / settings.update_processes,
            overall_time_period=1,
            max_retries=0,
        ),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerChatUpdateProcessor(settings.max_concurrent_updates))
        .build()
    )
    application.bot_data["app"] = app
    application.add_handler(TypeHandler(Update, _on_update))
    application.add_error_handler(_on_error)
    return application


class TelegramChannel:
    """Starts and stops the Telegram side of `canhgiac run`."""

    name = CHANNEL

    def __init__(self, app: Wiring, *, webhook_url: str | None = None, updates: Any = None):
        self.settings = app.settings
        self.webhook_url = webhook_url
        # With CANHGIAC_UPDATE_PROCESSES ≥ 2: what hands each raw update to the process of its chat
        # (`bot/app/update_processes.py`: `start(here)`, `route(dict)`, `close()`); None: this process.
        self._updates = updates
        self._polling: RawPolling | None = None
        self.application = build_application(app)
        self._webhook: WebhookServer | None = None
        self._profile: asyncio.Task | None = None
        # Groups upgraded to supergroups (old id -> new): the police chat keeps its digest although
        # CANHGIAC_POLICE_CHAT_ID still names the old group. Learnt from the first refused send
        # after each start: one extra call, no state to go stale.
        self._moved: dict[str, str] = {}
        # Paid broadcast messages go their own, leaner way (`telegram_broadcast.py`).
        # With CANHGIAC_BROADCAST_PROCESSES ≥ 2, by child processes (`telegram_workers.py`).
        self._paid: PaidBroadcasts | SendingProcesses | None = None
        if self.settings.telegram_paid_broadcast and self.settings.telegram_bot_token is not None:
            token = self.settings.telegram_bot_token.get_secret_value().strip()
            base_url = self.settings.telegram_api_base_url
            processes = self.settings.broadcast_processes
            self._paid = (
                SendingProcesses(token, base_url, processes - 1) if processes > 1 else PaidBroadcasts(token, base_url)
            )

    async def start(self) -> None:
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:
            raise ChannelStartError(
                "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather (or run `canhgiac chat`)"
            ) from None
        except NetworkError as error:
            raise ChannelStartError(
                f"cannot reach the Telegram Bot API at TELEGRAM_API_BASE_URL ({type(error).__name__})"
            ) from None
        if self._updates is not None:
            await self._updates.start(self._enqueue)  # this process's own share of the chats
        if self.webhook_url:
            await self._start_webhook()
        elif self._updates is not None:
            self._polling = RawPolling(app.bot, self._updates.route, timeout=POLL_TIMEOUT_SECONDS,
                                       allowed_updates=ALLOWED_UPDATES)  # fmt: skip
            await self._polling.start()
        else:
            await app.updater.start_polling(
                timeout=POLL_TIMEOUT_SECONDS,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=5,
            )
        await app.start()
        # In the background: a slow or rate-limited Bot API must not delay the first answer.
        self._profile = asyncio.create_task(_set_profile(app))
        log.info("channel started channel=%s mode=%s", CHANNEL, "webhook" if self.webhook_url else "polling")

    async def _start_webhook(self) -> None:
        """Listen first, then tell Telegram where to deliver: the first update finds us ready."""
        configured = self.settings.telegram_webhook_secret
        secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
        server = WebhookServer(
            channel=CHANNEL,
            path=urlparse(self.webhook_url).path,
            secret_header=SECRET_HEADER,
            secret=secret,
            on_update=self._enqueue if self._updates is None else self._updates.route,
        )
        try:
            server.listen(self.settings.webhook_port, self.settings.webhook_listen)
        except OSError as error:
            raise ChannelStartError(
                f"cannot listen on {self.settings.webhook_listen}:{self.settings.webhook_port} ({error.strerror})"
            ) from None
        self._webhook = server
        try:
            await self._set_webhook(secret)
        except BaseException:
            await server.stop()
            self._webhook = None
            raise

    async def _set_webhook(self, secret: str) -> None:
        """`setWebhook`, retried on network trouble as python-telegram-bot's bootstrap does."""
        for attempt in range(1, SET_WEBHOOK_ATTEMPTS + 1):
            try:
                await self.application.bot.set_webhook(
                    url=self.webhook_url,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                    secret_token=secret,
                )
                return
            except InvalidToken:
                raise
            except RetryAfter as error:
                wait = error.retry_after
                delay = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            except TelegramError as error:
                if attempt == SET_WEBHOOK_ATTEMPTS:
                    raise ChannelStartError(f"Telegram did not accept the webhook ({type(error).__name__})") from None
                delay = 1.0
            log.warning("setWebhook failed, retrying channel=%s attempt=%d", CHANNEL, attempt)
            await asyncio.sleep(delay)
        raise ChannelStartError("Telegram kept asking to wait before setting the webhook")

    async def _enqueue(self, data: Any) -> None:
        """One update from the webhook, handed to the application as its own webhook server would."""
        if not isinstance(data, dict):
            raise BadUpdate("not an update")
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:  # python-telegram-bot raises anything on a malformed update
            raise BadUpdate(type(error).__name__) from None
        self.application.bot.insert_callback_data(update)
        await self.application.update_queue.put(update)

    async def deliver_broadcast(self, chat_id: str, replies: list[Reply]) -> None:
        """A broadcast message: as `deliver`, or as a paid broadcast when the owner turned those on
        (the lean path of `telegram_broadcast.py`: the sender paces it, not the application's limiter)."""
        paid = self._paid
        if paid is None:
            await self.deliver(chat_id, replies)
            return

        async def send(to: str) -> None:
            for reply in replies:
                await paid.send(to, reply.text)

        await self._delivering(chat_id, send)

    async def deliver(self, chat_id: str, replies: list[Reply], *, paid: bool = False) -> None:
        """Send a message the bot starts itself (outbox); raises `DeliveryError` when it fails."""
        await self._delivering(chat_id, lambda to: send_replies(self.application.bot, to, replies, paid=paid))

    async def _delivering(self, chat_id: str, send: Callable[[str], Awaitable[None]]) -> None:
        """`send` to the chat (or where its group moved); Telegram's refusals as `DeliveryError`."""
        try:
            await send(self._moved.get(chat_id, chat_id))
        except ChatMigrated as error:
            moved = self._moved[chat_id] = str(error.new_chat_id)  # keyed by the id the outbox names
            # A group's id is the deployment's setting, not a citizen's: said so it can be updated.
            log.warning("group became a supergroup channel=%s new_chat_id=%s: update the setting", CHANNEL, moved)
            await self._delivering(moved, send)
        except Forbidden:
            raise DeliveryError("Forbidden", blocked=True) from None  # the citizen blocked the bot
        except BadRequest as error:
            gone = "chat not found" in str(error).lower()
            raise DeliveryError(f"BadRequest: {error}", blocked=gone, permanent=True) from None
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise DeliveryError("RetryAfter", retry_after=seconds) from None
        except TelegramError as error:
            raise DeliveryError(type(error).__name__) from None

    async def stop(self) -> None:
        app = self.application
        if self._profile is not None:  # a profile half set is set again at the next start
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, TelegramError):
                await asyncio.wait_for(self._profile, PROFILE_STOP_SECONDS)
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self._polling is not None:
            await self._polling.stop()
            self._polling = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self._updates is not None:  # the updates in hand of other processes, answered first
            await self._updates.close()
        if app.running:
            await app.stop()
        await app.shutdown()
        if self._paid is not None:
            await self._paid.close()
        log.info("channel stopped channel=%s", CHANNEL)
