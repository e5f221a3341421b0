"""A picture a citizen sent: a screenshot of a message, a QR code, or both.

The picture is fetched from the platform (`Photo.fetch`, size-capped by the adapter), read off the
event loop (`bot.images.read_picture`: QR codes, then Vietnamese text by OCR), and then answered
as if its words had been pasted: the message verdict on the text, the check of each account and
link from its QR codes. The reply first says what was read (a few key lines, the transfer a QR
code would make), so a citizen can see a misreading. The picture itself is not kept: only the
report flow keeps a photo, as evidence (`handlers/report.py`).
"""

from __future__ import annotations

import logging

from bot.core.messages import Incoming, Reply
from bot.core.money import format_vnd
from bot.core.textnorm import shorten
from bot.identifiers import Identifier, bank_by_bin, extract_identifiers
from bot.identifiers.vietqr import DONG
from bot.images import Code, NotAPicture, PictureReading, PictureTooLarge, ocr, read_picture
from bot.services import Services
from handlers import fallback, message
from handlers.identifier_items import check_replies
from handlers.menu import menu_button, with_menu

log = logging.getLogger("canhgiac.picture")

MESSAGE_WORDS = 8  # words beside a QR code that make a message to judge, not the code's frame
KEY_LINES = 6  # lines quoted back: enough to recognise the message, short enough to read
LINE_CHARS = 120


def _key_lines(reading: PictureReading) -> list[str]:
    """The lines worth quoting, as the checks read them (wrapped lines joined, the phone's clock
    dropped): those with a few words or a number in them, not a name or a lone icon."""
    lines = [
        line for line in reading.text.splitlines() if len(line.split()) >= 3 or sum(ch.isdigit() for ch in line) >= 6
    ]
    return [shorten(line, LINE_CHARS) for line in lines[:KEY_LINES]]


def _payment(code: Code) -> dict:
    """A transfer code's fields as the template shows them (the bank by its BIN even when the
    account is none the check can look up, such as a payment gateway's virtual account)."""
    qr = code.payment
    bank = bank_by_bin(qr.bin)
    dong = qr.amount and qr.amount.isdigit() and qr.currency in (None, DONG)
    return {
        "bank": bank.name if bank else None,
        "account": qr.account_number,
        "amount": format_vnd(int(qr.amount)) if dong else qr.amount,
        "name": qr.name,
        "message": qr.message,
    }


def _problem(t, problem: str) -> list[Reply]:
    """A picture we could not use: say why, with the menu (the citizen can still type what they saw)."""
    return with_menu(t, "picture_read", problem=problem, lines=[], payments=[], logins=0)


def _read(data: bytes) -> tuple[PictureReading, bool]:
    """The reading, and whether its text could be read (without Tesseract, QR codes still are)."""
    readable = ocr.available()
    return read_picture(data, ocr=readable), readable


async def read(msg: Incoming, svc: Services) -> list[Reply]:
    """A photo outside any flow, or on the check screen."""
    photo = msg.photo
    if photo is None or photo.fetch is None:  # a contact, a sticker, or a channel that cannot fetch
        return await fallback.media(msg, svc)
    t = svc.texts(msg)
    try:
        data = await photo.fetch()
    except PictureTooLarge:
        return _problem(t, "too_big")
    except Exception:  # the platform did not give the file (network, expired URL): say so
        log.warning("picture fetch failed channel=%s", msg.channel, exc_info=True)
        return _problem(t, "download")
    try:
        reading, readable = await svc.compute(_read, data)
    except PictureTooLarge:
        return _problem(t, "too_big")
    except NotAPicture:
        return _problem(t, "unreadable")
    log.info(
        "picture read channel=%s codes=%d lines=%d ms=%.0f",
        msg.channel,
        len(reading.codes),
        len(reading.lines),
        reading.seconds * 1000,
    )
    text = "\n".join(
        part
        for part in (photo.caption or "", reading.message, *(c.text for c in reading.codes if c.kind == "text"))
        if part.strip()
    )
    checked: list[Identifier] = [c.payment.account for c in reading.codes if c.kind == "payment" and c.payment.account]
    checked += [c.link for c in reading.codes if c.kind == "link" and c.link]
    if not text.strip() and not reading.codes:
        return _problem(t, "nothing" if readable else "no_ocr")
    told = Reply(
        t.render(
            "picture_read",
            problem="" if readable else "no_ocr",
            lines=_key_lines(reading),
            payments=[_payment(c) for c in reading.codes if c.kind == "payment"],
            logins=sum(c.kind == "login" for c in reading.codes),
        )
    )
    replies = [told]
    # Beside a QR code, a few words ("Quét mã để chuyển khoản", a name) are its frame, not a message.
    if text.strip() and (not checked or message.words(text) >= MESSAGE_WORDS):
        replies += await message.verdict_replies(msg, svc, text)
    in_message = {identifier.key for identifier in extract_identifiers(text)}
    # The number or address the message came from, unless the message's own check covers it.
    checked += [i for i in extract_identifiers(reading.sender) if i.key not in in_message]
    if checked:
        replies += await check_replies(msg, svc, checked)
    if len(replies) == 1:
        replies[0] = Reply(told.text, choices=menu_button(t))
    return replies
