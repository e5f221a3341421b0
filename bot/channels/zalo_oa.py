"""Zalo Official Account adapter: a commune's or police unit's OA answers its followers with the same
core as Telegram and the Zalo bot, and carries the weekly warnings to them.

- **Webhook only.** Zalo POSTs events (`user_send_text`, `user_send_link`, `user_send_image`,
  `follow`, `unfollow`, …) signed with ``X-ZEvent-Signature: mac=sha256(app id + body + timestamp +
  OA secret key)``. A body whose signature does not match is answered 403 and never read further;
  a good one is acknowledged at once and handled after (Zalo wants an answer within about 2 s and
  retries otherwise), in order within a follower's chat.
- **Replies** are consulting messages (`/v3.0/oa/message/cs`), rendered by the Zalo bot adapter's
  own renderer (`bot.channels.zalo.render`): no buttons, numbered choices, 2,000 characters. A
  reply's file (a periodic report) is uploaded (`upload/file`: PDF, DOC or DOCX up to 5 MB) and
  sent as a file message; one the API does not take (an XLSX annex, a bigger file) or whose upload
  failed is sent as its `instead` words (where to download it).
- **Follow** asks the new follower for their commune once (the subscription flow and its commune
  search), unless the OA's staff tagged them with an area (``dk-<area code>``, the code a poster's
  QR carries): then they are subscribed to it at once, with a way to undo. **Unfollow** stops their
  subscription: promotion messages reach followers only.
- **Messages the bot starts** (warnings, notices) go as consulting messages to those who wrote in
  the last 7 days, else as promotion messages, which count against the OA's promotion quota. The
  quota is read before each promotion and sending stops `zalo_oa_quota_reserve` messages before it
  runs out: the rest wait, pending, until the next month, and the broadcast's summary tells staff
  how many were delivered and how many wait.
- **Tokens** come from `TokenKeeper` (refreshed ahead of expiry; a call refused for an expired token
  is refreshed and made again once).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.broadcast import subscriptions
from bot.channels import ChannelStartError, Wiring, usage
from bot.channels.ordering import ChatOrder
from bot.channels.webhook import WebhookServer
from bot.channels.zalo import render
from bot.channels.zalo_oa_api import (
    OAError,
    OAFileTooLarge,
    OANotFollower,
    OAOutsideWindow,
    OAQuotaExceeded,
    OATokenInvalid,
    ZaloOAClient,
    ZaloOAuth,
    can_upload,
    signature_ok,
)
from bot.channels.zalo_oa_tokens import NotLinked, TokenKeeper
from bot.core import outbox
from bot.core.messages import ChatKey, DeliveryError, Document, Incoming, Photo, Reply
from bot.images.picture import MAX_BYTES as MAX_PICTURE_BYTES
from bot.images.picture import PictureTooLarge

CHANNEL = "zalo_oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
AREA_TAG = "dk-"  # a follower tagged "dk-<area code>" by the OA's staff lives there
TEXT_EVENTS = {"user_send_text", "user_send_link"}
QUOTA_CHECK_EVERY = 20  # promotions between two reads of the quota (each read costs a call)

log = logging.getLogger("canhgiac.zalo_oa")


def to_incoming(event: dict[str, Any]) -> Incoming | None:
    """A follower's message as the core reads it; None for events that are not theirs to answer
    (the OA's own messages, delivery receipts, follow and unfollow: handled by the channel)."""
    name = str(event.get("event_name", ""))
    sender = str((event.get("sender") or {}).get("id") or "")
    if not name.startswith("user_send_") or not sender:
        return None
    message = event.get("message") or {}
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    fields: dict[str, Any] = {}
    if name in TEXT_EVENTS:
        # A pasted link may come as an attachment beside (or instead of) the text: check it too.
        urls = [str((a.get("payload") or {}).get("url") or "") for a in attachments if a.get("type") == "link"]
        fields["text"] = "\n".join(part for part in (str(message.get("text") or ""), *urls) if part.strip())
    elif name == "user_send_image" and attachments:
        url = str((attachments[0].get("payload") or {}).get("url") or "")
        fields["photo"] = Photo(ref=url, caption=str(message.get("text") or "") or None, lasting=False)
    else:
        fields["unsupported"] = name.removeprefix("user_send_")
    return Incoming(
        channel=CHANNEL,
        chat_id=sender,
        user_id=sender,
        update_id=str(message.get("msg_id") or "") or None,
        buttons=False,
        **fields,
    )


class ZaloOAChannel:
    """Starts and stops the OA side of `canhgiac run`; sends replies and the bot's own messages."""

    name = CHANNEL

    def __init__(self, app: Wiring, *, http: httpx.AsyncClient | None = None):
        settings = app.settings
        if not settings.zalo_oa_configured:
            raise ChannelStartError(
                "the Zalo OA channel needs ZALO_OA_ID, ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY"
            )
        self.settings, self.services, self.router = settings, app.services, app.router
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(timeout=10.0)
        self.oauth = ZaloOAuth(
            settings.zalo_oa_app_id or "",
            settings.zalo_oa_app_secret.get_secret_value() if settings.zalo_oa_app_secret else "",
            base_url=settings.zalo_oauth_base_url,
            http=self.http,
        )
        self.client = ZaloOAClient(base_url=settings.zalo_oa_api_base_url, http=self.http)
        self.tokens = TokenKeeper(app.services.storage, self.oauth, settings.zalo_oa_id or "", alert=self._alert)
        self._order = ChatOrder(CHANNEL, settings.max_concurrent_updates)
        self._server: WebhookServer | None = None
        self._quota_left: int | None = None  # promotions we may still send, as last read
        self._promotions_since_read = 0

    # --- lifecycle ---

    async def start(self) -> None:
        secret = self.settings.zalo_oa_secret_key
        self._server = WebhookServer(
            channel=CHANNEL,
            path=self.settings.zalo_oa_webhook_path,
            secret_header=None,
            secret=secret.get_secret_value() if secret else "",
            on_update=self._on_event,
            answer={"error": 0},
            verify=self._signed,
        )
        try:
            self._server.listen(self.settings.zalo_oa_webhook_port, self.settings.webhook_listen)
        except OSError as error:
            self._server = None
            where = f"{self.settings.webhook_listen}:{self.settings.zalo_oa_webhook_port}"
            raise ChannelStartError(f"cannot listen on {where} ({error.strerror})") from None
        try:
            await self.tokens.access()
        except NotLinked:  # the webhook still answers; sending waits for `canhgiac zalo-oa link`
            log.error("zalo oa is not linked: run canhgiac zalo-oa link")
        log.info("channel started channel=%s mode=webhook", CHANNEL)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
        await self._order.drain()
        if self._owns_http:
            await self.http.aclose()
        log.info("channel stopped channel=%s", CHANNEL)

    # --- receiving ---

    def _signed(self, headers: Any, body: bytes) -> bool:
        try:
            timestamp = str(json.loads(body).get("timestamp") or "")
        except (ValueError, AttributeError):
            return False
        secret = self.settings.zalo_oa_secret_key
        return signature_ok(
            headers.get(SIGNATURE_HEADER),
            self.settings.zalo_oa_app_id or "",
            body,
            timestamp,
            secret.get_secret_value() if secret else "",
        )

    async def _on_event(self, event: Any) -> None:
        """Acknowledged as soon as this returns: the work runs after, in the follower's turn."""
        if not isinstance(event, dict):
            return
        name = event.get("event_name")
        if name in ("follow", "unfollow"):
            user = str((event.get("follower") or {}).get("id") or "")
            if user:
                work = self._followed if name == "follow" else self._unfollowed
                self._order.run(user, lambda: work(user))
            return
        msg = to_incoming(event)
        if msg is not None:
            self._order.run(msg.chat_id, lambda: self._answer(msg))

    async def _answer(self, msg: Incoming) -> None:
        if msg.photo is not None and msg.photo.ref:
            msg = dataclasses.replace(msg, photo=dataclasses.replace(msg.photo, fetch=self._fetcher(msg.photo.ref)))
        replies = await self.router.handle(msg, self.services)
        if replies:
            with contextlib.suppress(DeliveryError):
                await self._send(msg.chat_id, replies)
                await self.router.delivered(msg, replies, self.services)

    async def _followed(self, user: str) -> None:
        """Ask for the commune once, or subscribe at once to the area the OA's staff tagged."""
        area = await self._tagged_area(user)
        text = f"/start {AREA_TAG}{area}" if area else "/dangky"
        await self._answer(Incoming(channel=CHANNEL, chat_id=user, user_id=user, text=text, buttons=False))

    async def _tagged_area(self, user: str) -> str | None:
        try:
            tags = await self._with_token(lambda token: self.client.follower_tags(token, user))
        except OAError:
            return None  # no tags to go by: the follower is asked
        areas = self.services.library.areas
        for tag in tags:
            code = tag.strip().removeprefix(AREA_TAG)
            if areas.get(code) is not None:
                return code
        return None

    async def _unfollowed(self, user: str) -> None:
        chat = ChatKey(CHANNEL, user)
        now = self.services.clock()
        await self.services.storage.write(lambda db: subscriptions.stop(db, chat, "unfollowed", now))

    def _fetcher(self, url: str) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            try:
                return await self.client.download(url, MAX_PICTURE_BYTES)
            except OAFileTooLarge:
                raise PictureTooLarge(MAX_PICTURE_BYTES) from None

        return fetch

    # --- sending ---

    async def _with_token(self, call: Callable[[str], Awaitable[Any]]) -> Any:
        """`call` with the access token; once more with a refreshed one if Zalo says it expired."""
        token = await self.tokens.access()
        try:
            return await call(token)
        except OATokenInvalid:
            return await call(await self.tokens.refresh(token))

    async def deliver(self, chat_id: str, replies: list[Reply]) -> None:
        """A message the bot starts: consulting within the 7-day window, else a promotion, within
        the quota. Raises `DeliveryError` (`retry_after` until next month when the quota is spent)."""
        await self._send(chat_id, replies, promote=True)

    async def _send(self, chat_id: str, replies: list[Reply], *, promote: bool = False) -> None:
        t = self.services.content.texts(self.settings.default_language)
        try:
            for text, attachment in render(replies, t, files=True):
                if isinstance(attachment, Document):
                    if await self._sent_file(chat_id, attachment):
                        continue  # else its words, below, as any text
                elif attachment:
                    photo = attachment
                    await self._with_token(lambda token, photo=photo: self.client.send_image(token, chat_id, photo))
                    continue
                try:
                    await self._with_token(lambda token, text=text: self.client.send_text(token, chat_id, text))
                except OAOutsideWindow:
                    if not promote:
                        raise
                    await self._promote(chat_id, text)
        except NotLinked:
            raise DeliveryError("NotLinked", retry_after=3600.0) from None
        except OAQuotaExceeded:
            raise self._quota_spent() from None
        except OANotFollower:
            raise DeliveryError("OANotFollower", blocked=True) from None
        except OAError as error:
            raise DeliveryError(type(error).__name__, permanent=not error.retryable) from None

    async def _sent_file(self, chat_id: str, document: Document) -> bool:
        """Upload the file and send it; False when the API does not take it (its type, its size) or
        the upload failed: the officer gets the words on where to download it rather than nothing.
        A refused message (outside the 7-day window, …) raises as any other."""
        if not can_upload(document.name, document.size):
            return False
        try:
            file_token = await self._with_token(
                lambda token: self.client.upload_file(token, document.name, document.content, document.mime)
            )
        except OAError as error:
            log.warning("zalo oa upload failed, sending words instead error=%s", type(error).__name__)
            return False
        await self._with_token(lambda token: self.client.send_file(token, chat_id, file_token))
        return True

    async def _promote(self, chat_id: str, text: str) -> None:
        if self._quota_left is None or self._promotions_since_read >= QUOTA_CHECK_EVERY:
            quota = await self._with_token(self.client.promotion_quota)
            self._quota_left, self._promotions_since_read = quota.remaining, 0
        if self._quota_left <= self.settings.zalo_oa_quota_reserve:
            raise self._quota_spent()
        header, _, body = text.partition("\n")
        await self._with_token(lambda token: self.client.send_promotion(token, chat_id, header, body.strip() or header))
        self._quota_left -= 1
        self._promotions_since_read += 1

    def _quota_spent(self) -> DeliveryError:
        now = self.services.clock()
        self._quota_left = None  # read again when sending resumes
        wait = (usage.next_month(now) - now).total_seconds()
        log.warning("zalo oa promotion quota reached: the rest waits until next month")
        return DeliveryError("OAQuotaExceeded", retry_after=wait)

    async def _alert(self) -> None:
        """The refresh token was refused: tell the admins to link the OA again (through the outbox)."""
        t = self.services.content.texts(self.settings.default_language)
        text = t.render("zalo_oa_relink", oa_id=self.settings.zalo_oa_id)
        now = self.services.clock()
        admins = [a.split(":", 1) if ":" in a else ("telegram", a) for a in self.settings.admin_ids]

        def queue(db) -> None:
            for channel, chat_id in admins:
                outbox.enqueue(db, channel, chat_id, text, "zalo_oa_relink", now)

        await self.services.storage.write(queue)
