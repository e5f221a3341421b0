"""Zalo adapter: the same bot on the Zalo Bot API, through our own httpx client (`zalo_api.py`).

How Zalo differs from Telegram, and what this adapter does about it:
- **No buttons.** Updates say so (`Incoming.buttons` False): choices become numbered options under
  the text ("Trả lời 1, 2 hoặc 3"), numbered across the turn; the router reads a reply of the
  number, or of the option's words, as the choice and keeps the numbers in SQLite
  (`bot/routing/choices.py`).
- **No formatting, 2,000 characters.** Replies are turned into plain text and split under 2,000.
- **Images by URL only.** A reply's photo is sent only when it is a public URL.
- **No files.** The Bot API has no way to send a document: a reply's file is sent as its
  `instead` words (where to download it); the OA adapter, whose API takes a DOCX, uploads it.
- **Polling gives one update per call, no offsets**, and says 408 when idle. Updates are
  deduplicated on `message_id` (or, without one, a hash of the event: `update_key`) by the
  router's repeated-update guard; errors back off.
- **Webhook mode** (`canhgiac run --zalo-webhook URL`) checks `X-Bot-Api-Secret-Token` on every
  request before reading its body, refuses bodies over 1 MB, and accepts the update bare or
  wrapped in `{ok, result}`.
One chat's updates are handled in order, different chats concurrently, as on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from bot.channels import ChannelStartError, Wiring, usage
from bot.channels.ordering import ChatOrder
from bot.channels.retry import send_retrying
from bot.channels.webhook import WebhookServer
from bot.channels.zalo_api import (
    FileTooLarge,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloRateLimited,
    ZaloUnauthorized,
)
from bot.core.messages import DeliveryError, Document, Incoming, Photo, Reply
from bot.core.richtext import split_html, to_plain
from bot.images.picture import MAX_BYTES as MAX_PICTURE_BYTES
from bot.images.picture import PictureTooLarge
from bot.routing import choices

if TYPE_CHECKING:
    from bot.core.content import Texts

CHANNEL = "zalo"
MAX_TEXT = 2000
POLL_TIMEOUT_SECONDS = 30
BACKOFF_MAX_SECONDS = 60.0
TYPING_AFTER_SECONDS = 1.0
BROADCAST_SHARE = 0.95  # of the monthly quota: messages the bot starts stop here, replies go on
SECRET_HEADER = "X-Bot-Api-Secret-Token"

log = logging.getLogger("canhgiac.zalo")


# --- Zalo → Incoming ---


# Fields that make up a message's content; who sent it, where and when are keyed separately.
_ENVELOPE = {"from", "chat", "message_id", "date"}


def update_key(update: dict[str, Any]) -> str | None:
    """The key the repeated-update guard claims: the message id, or a hash of the event.

    Some events come without a `message_id`. The same event delivered again is identical, so a
    hash of its name, sender, chat, time and content (hashed: the text is never stored) names it;
    the same words sent again later differ in their time. Without a time there is nothing to tell a
    repeat from a new message of the same words ("1" answered twice), so such an event is not
    deduplicated rather than risk ignoring a citizen.
    """
    message = update.get("message") or {}
    if message.get("message_id"):
        return str(message["message_id"])
    if not message.get("date"):
        return None
    content = {k: v for k, v in message.items() if k not in _ENVELOPE}
    parts = [
        update.get("event_name"),
        (message.get("from") or {}).get("id"),
        (message.get("chat") or {}).get("id"),
        message.get("date"),
        content,
    ]
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode())
    return "h:" + digest.hexdigest()[:40]  # "h:" keeps hashes apart from Zalo's own ids


def _text_of(message: dict[str, Any]) -> str:
    """The words and addresses of a message: its text, and a link's URL wherever the event puts it."""
    link = message.get("link")
    urls = [message.get("url"), link.get("url") if isinstance(link, dict) else link]
    parts = [str(message.get("text") or ""), *(str(u) for u in urls if isinstance(u, str) and u)]
    return "\n".join(part for part in parts if part.strip())


def to_incoming(update: dict[str, Any]) -> Incoming | None:
    """The neutral form of an update; the router reads a typed number as the option it names."""
    message = update.get("message") or {}
    sender, chat = message.get("from") or {}, message.get("chat") or {}
    if not chat.get("id") or sender.get("is_bot"):
        return None
    event = str(update.get("event_name", ""))
    fields: dict[str, Any] = {}
    written = _text_of(message)
    if event == "message.text.received" or (event != "message.image.received" and written):
        # A pasted link may come as `message.link.received`, its address in a field of its own:
        # any event that carries words or an address is read as text, so the link gets its check.
        fields = {"text": written}
    elif event == "message.image.received":
        url = message.get("photo_url") or message.get("photo") or ""
        fields["photo"] = Photo(ref=str(url), caption=message.get("caption"), lasting=False)
    elif event == "message.sticker.received":
        fields["unsupported"] = "sticker"
    else:
        fields["unsupported"] = "other"
    return Incoming(
        channel=CHANNEL,
        chat_id=str(chat["id"]),
        user_id=str(sender.get("id") or chat["id"]),
        display_name=str(sender.get("display_name") or ""),
        update_id=update_key(update),
        is_group=str(chat.get("chat_type", "")).upper() == "GROUP",
        buttons=False,
        **fields,
    )


# --- Reply → Zalo ---


def _passing(error: Exception) -> float | None:
    """How long to wait before sending again after `error`, or None if that cannot help. A 429 is
    the month's quota, not a flood wait: waiting seconds cannot help."""
    if isinstance(error, ZaloRateLimited):
        return None
    return 0.0 if isinstance(error, ZaloError) and error.retryable else None


def blocked(error: ZaloForbidden) -> bool:
    """403 is documented as Zalo's internal error: only one that says so means the chat is gone."""
    return "block" in error.description.lower()


def render(replies: list[Reply], t: Texts, *, files: bool = False) -> list[tuple[str, str | Document | None]]:
    """Messages to send as (text, photo URL), choices numbered under their reply's text. A reply's
    file: with `files` (a channel that may send it), (its `instead` words, the Document), the words
    for when it cannot go after all; without, its `instead` words as a message of their own."""
    messages: list[tuple[str, str | Document | None]] = []
    for reply, block in choices.present(replies, t):
        photo = reply.photo if reply.photo and reply.photo.startswith(("http://", "https://")) else None
        if reply.document is not None:
            instead = [to_plain(part) for part in split_html(reply.document.instead, MAX_TEXT)]
            if files:
                messages.append(("\n\n".join(instead)[:MAX_TEXT], reply.document))
            else:
                messages += [(part, None) for part in instead if part.strip()]
        parts = [to_plain(part) for part in split_html(reply.text, MAX_TEXT)] if reply.text else [""]
        if block:
            if len(parts[-1]) + 2 + len(block) <= MAX_TEXT:
                parts[-1] = f"{parts[-1]}\n\n{block}".lstrip("\n")
            else:
                parts.append(block[:MAX_TEXT])
        if photo:
            messages.append(("", photo))
        messages += [(part, None) for part in parts if part.strip()]
    return messages


class ZaloChannel:
    """Starts and stops the Zalo side of `canhgiac run`; sends replies and the bot's own messages."""

    name = CHANNEL

    def __init__(self, app: Wiring, *, webhook_url: str | None = None, client: ZaloClient | None = None):
        settings = app.settings
        self.settings, self.services, self.router = settings, app.services, app.router
        self.webhook_url = webhook_url
        token = settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""
        self.client = client or ZaloClient(token, base_url=settings.zalo_api_base_url)
        self._stopping = asyncio.Event()
        self._poller: asyncio.Task | None = None
        self._server: WebhookServer | None = None
        self._order = ChatOrder(CHANNEL, settings.max_concurrent_updates)
        secret = settings.zalo_webhook_secret
        self._secret = secret.get_secret_value() if secret else secrets.token_urlsafe(32)

    # --- lifecycle ---

    async def start(self) -> None:
        try:
            await self._connect()
        except BaseException:
            if self._server is not None:  # Zalo was not told about it: do not keep the port
                await self._server.stop()
                self._server = None
            raise
        if not self.webhook_url:
            self._poller = asyncio.create_task(self._poll())
        log.info("channel started channel=%s mode=%s", CHANNEL, "webhook" if self.webhook_url else "polling")

    async def _connect(self) -> None:
        try:
            await self.client.get_me()
            if self.webhook_url:
                self._serve_webhook()
                await self.client.set_webhook(self.webhook_url, self._secret)
            else:
                try:
                    await self.client.delete_webhook()  # polling and a webhook cannot both be on
                except ZaloError as error:  # polling says so itself if a webhook is still set
                    if isinstance(error, ZaloUnauthorized):
                        raise
                    log.warning("zalo deleteWebhook failed, polling anyway error=%s", type(error).__name__)
        except ZaloUnauthorized:
            raise ChannelStartError("Zalo refused ZALO_BOT_TOKEN: check it in the Zalo Bot Creator") from None
        except ZaloError as error:
            raise ChannelStartError(
                f"cannot reach the Zalo Bot API at ZALO_API_BASE_URL ({type(error).__name__})"
            ) from None

    async def stop(self) -> None:
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._server is not None:
            await self._server.stop()
        await self._order.drain()
        await self.client.aclose()
        log.info("channel stopped channel=%s", CHANNEL)

    # --- receiving ---

    async def _poll(self) -> None:
        """Poll until stopped, backing off on errors and when the API hands back the same update
        again and again (it has no offsets to confirm with): never a tight loop."""
        backoff, last = 1.0, None
        while not self._stopping.is_set():
            try:
                updates = await self.client.get_updates(timeout=POLL_TIMEOUT_SECONDS)
            except ZaloError as error:
                log.warning("zalo polling failed error=%s retry_in=%.0fs", type(error).__name__, backoff)
                await self._pause(backoff)
                backoff = min(BACKOFF_MAX_SECONDS, backoff * 2)
                continue
            keys = [update_key(update) for update in updates]
            if keys and all(key is not None and key == last for key in keys):
                await self._pause(backoff)  # the same update once more: handled once by the router
                backoff = min(BACKOFF_MAX_SECONDS, backoff * 2)
            else:
                backoff = 1.0
            for update in updates:
                self.accept(update)
            last = keys[-1] if keys else last

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def accept(self, update: dict[str, Any]) -> None:
        """Handle an update in the background: in order within its chat, concurrently across chats."""
        chat_id = str(((update.get("message") or {}).get("chat") or {}).get("id") or "")
        self._order.run(chat_id, lambda: self._answer(update, chat_id))

    async def _answer(self, update: dict[str, Any], chat_id: str) -> None:
        msg = to_incoming(update)
        if msg is None:
            return
        if msg.photo is not None and msg.photo.ref:
            msg = dataclasses.replace(msg, photo=dataclasses.replace(msg.photo, fetch=self._fetcher(msg.photo.ref)))
        typing = asyncio.create_task(self._typing_after(chat_id))
        try:
            replies = await self.router.handle(msg, self.services)
        finally:
            typing.cancel()
        if replies:  # the router has remembered what their numbers mean
            with contextlib.suppress(DeliveryError):
                await self._send(chat_id, replies, retry=True)
                await self.router.delivered(msg, replies, self.services)

    def _fetcher(self, url: str) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            try:
                return await self.client.download(url, MAX_PICTURE_BYTES)
            except FileTooLarge:
                raise PictureTooLarge(MAX_PICTURE_BYTES) from None

        return fetch

    async def _typing_after(self, chat_id: str) -> None:
        await asyncio.sleep(TYPING_AFTER_SECONDS)
        with contextlib.suppress(ZaloError):
            await self.client.send_chat_action(chat_id)

    # --- sending ---

    async def deliver(self, chat_id: str, replies: list[Reply]) -> None:
        """Send messages the bot starts (notices, broadcasts); raises `DeliveryError`.

        They leave the chat's numbered options alone: a warning arriving mid-conversation does
        not change what "2" means. They stop at `BROADCAST_SHARE` of the month's quota: the rest
        is for replies, and waits until the quota is refilled next month."""
        now = self.services.clock()
        sent = await self.services.storage.read(lambda db: usage.used(db, CHANNEL, now))
        if sent >= BROADCAST_SHARE * self.settings.zalo_monthly_quota:
            raise self._quota_spent()
        await self._send(chat_id, replies)

    def _quota_spent(self) -> DeliveryError:
        now = self.services.clock()
        log.warning("zalo monthly quota reached: messages the bot starts wait until next month")
        return DeliveryError("ZaloMonthlyQuota", retry_after=(usage.next_month(now) - now).total_seconds())

    async def _send(self, chat_id: str, replies: list[Reply], *, retry: bool = False) -> None:
        """`retry`: each message is sent again while the failure may pass (`bot/channels/retry.py`),
        for replies; the bot's own messages are retried by their senders."""
        t = self.services.content.texts(self.settings.default_language)
        messages = render(replies, t)

        async def call(send: Callable[[], Awaitable[Any]]) -> None:
            await (send_retrying(send, _passing, channel=CHANNEL) if retry else send())

        sent = 0
        try:
            for text, photo in messages:
                if photo:
                    await call(lambda photo=photo: self.client.send_photo(chat_id, photo))
                else:
                    await call(lambda text=text: self.client.send_message(chat_id, text))
                sent += 1
        except ZaloForbidden as error:
            raise DeliveryError("ZaloForbidden", blocked=blocked(error)) from None
        except ZaloRateLimited:
            raise self._quota_spent() from None
        except ZaloError as error:
            raise DeliveryError(type(error).__name__, permanent=not error.retryable) from None
        finally:
            if sent:  # counted against the month's quota, whatever happened after
                now = self.services.clock()
                await self.services.storage.write(lambda db: usage.add(db, CHANNEL, now, sent))

    # --- webhook ---

    def _serve_webhook(self) -> None:
        """The secret is checked before the body is read, and bodies over 1 MB are refused
        (`bot/channels/webhook.py`)."""
        self._server = WebhookServer(
            channel=CHANNEL,
            path=urlparse(self.webhook_url).path,
            secret_header=SECRET_HEADER,
            secret=self._secret,
            on_update=self._on_webhook,
            answer={"ok": True},
        )
        try:
            self._server.listen(self.settings.zalo_webhook_port, self.settings.webhook_listen)
        except OSError as error:
            self._server = None
            raise ChannelStartError(
                f"cannot listen on {self.settings.webhook_listen}:{self.settings.zalo_webhook_port} ({error.strerror})"
            ) from None

    async def _on_webhook(self, body: Any) -> None:
        update = body.get("result") if isinstance(body, dict) and "ok" in body else body
        if isinstance(update, dict):
            self.accept(update)
