"""What a picture holds for the checks: its QR codes, read and classified, and its text.

A QR code is
- `payment`: a VietQR (NAPAS) transfer code, giving the bank and account (and amount, message);
- `login`: a code that signs a phone's Zalo account in somewhere else (Zalo's login service
  id.zalo.me, as the public Zalo web clients use it): whoever shows it gets the account;
- `link`: a web address, for the link check;
- `text`: anything else, read as text.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Literal

from bot.identifiers import Link, parse_identifier
from bot.identifiers.vietqr import NotVietQR, VietQR, looks_like_emvco, parse
from bot.images.ocr import read_paragraphs
from bot.images.picture import open_picture
from bot.images.qr import decode_qr

CodeKind = Literal["payment", "login", "link", "text"]
# Zalo's account service; a QR pointing there signs someone in with the scanning phone's account.
ZALO_LOGIN_HOSTS = ("id.zalo.me",)
OCR_SECONDS = 4.0  # a picture taking longer is answered from its QR codes alone
MIN_LINE_LETTERS = 2  # shorter OCR lines are specks and icons read as letters
MIN_SENTENCE_WORDS = 5  # a paragraph this long may go on in the next; a shorter one is a name or a number


@dataclass(frozen=True)
class Code:
    kind: CodeKind
    text: str
    payment: VietQR | None = None
    link: Link | None = None


@dataclass(frozen=True)
class PictureReading:
    paragraphs: tuple[tuple[str, ...], ...]  # the text read: paragraphs (a bubble, a header) of lines
    codes: tuple[Code, ...]
    seconds: float

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for paragraph in self.paragraphs for line in paragraph)

    @property
    def text(self) -> str:
        """The words of the picture for the checks, as a citizen would paste them: wrapped lines
        joined again (a link the screen broke after "shopee-" is whole), a paragraph that goes on
        in lower case joined to the one before, and the phone's own clock and date stamps dropped
        (they are not the message, and only add noise to its verdict)."""
        lines: list[str] = []
        for paragraph in self.paragraphs:
            line = _unchromed(_unwrap(paragraph))
            if not line:
                continue
            # A paragraph going on in lower case continues a sentence: a bubble Tesseract split.
            # Not after a short one: that is the sender's name or number above the message.
            goes_on = lines and line[0].islower() and len(lines[-1].split()) >= MIN_SENTENCE_WORDS
            if goes_on and not lines[-1].endswith((".", "!", "?")):
                lines[-1] += " " + line
            else:
                lines.append(line)
        return "\n".join(lines)

    @property
    def sender(self) -> str:
        """The short line above the message (a name, a number, a brand), when the text has one."""
        first, _, rest = self.text.partition("\n")
        short = len(first.split()) < MIN_SENTENCE_WORDS and not first.endswith((".", "!", "?", ":"))
        return first if short and rest.strip() else ""

    @property
    def message(self) -> str:
        """The text without its sender line. A sender's name is whatever the sender chose ("VCB",
        "Viettel" are easily spoofed on SMS), so it must not make a message look more genuine: the
        verdict reads the message alone, and the sender's number is checked on its own."""
        return self.text.partition("\n")[2] if self.sender else self.text

    @property
    def empty(self) -> bool:
        return not self.paragraphs and not self.codes


def classify(text: str) -> Code:
    if looks_like_emvco(text):
        try:
            return Code("payment", text, payment=parse(text))
        except NotVietQR:
            pass  # an EMVCo code of another network, or a damaged one: its text is all we have
    found = parse_identifier(text.strip()) if len(text) < 2000 else None
    if isinstance(found, Link):
        login = found.host in ZALO_LOGIN_HOSTS
        return Code("login" if login else "link", text, link=found)
    return Code("text", text)


# A chat's date stamps ("Hôm nay 13:57", "Thứ Hai 08:05") and the status bar's clock opening a
# line ("20:51 ‹ 0912 345 678"); a time with a date after it ("08:15 04/12") is a message's own.
_DAY_STAMP = re.compile(
    r"\b(?:hôm nay|hôm qua|hom nay|hom qua|thứ (?:hai|ba|tư|năm|sáu|bảy)|chủ nhật)\s+\d{1,2}:\d{2}(?![\d:])",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*\d{1,2}:\d{2}(?![\d:])(?!\s+\d{1,2}/\d)")
# Icons read as characters: the back arrow, battery and signal glyphs.
_ICONS = re.compile(r"(?:^|\s)[‹<>\[\]|©®°•·]+(?=\s|$)")


def _unchromed(line: str) -> str:
    """`line` without the phone's clock, the chat's date stamps and icons read as characters."""
    line = _CLOCK.sub(" ", _DAY_STAMP.sub(" ", line))
    return re.sub(r"\s+", " ", _ICONS.sub(" ", line)).strip()


def _unwrap(lines: tuple[str, ...]) -> str:
    text = ""
    for line in lines:
        # A screen breaks lines after a hyphen or slash inside a link; Vietnamese prose is not hyphenated.
        glue = "" if not text or text.endswith(("-", "/")) else " "
        text += glue + line
    return text


def _paragraphs(read: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    kept = []
    for paragraph in read:
        lines = tuple(
            line
            for line in (re.sub(r"\s+", " ", raw).strip() for raw in paragraph)
            if sum(ch.isalnum() for ch in line) >= MIN_LINE_LETTERS
        )
        if lines:
            kept.append(lines)
    return tuple(kept)


def read_picture(data: bytes, *, ocr: bool = True, ocr_seconds: float = OCR_SECONDS) -> PictureReading:
    """Open `data` (NotAPicture if it is none we open), decode its QR codes, read its text
    (OcrUnavailable when asked to and Tesseract is missing: the caller decides what to say)."""
    started = time.perf_counter()
    image = open_picture(data)
    codes = tuple(classify(text) for text in decode_qr(image))
    paragraphs = _paragraphs(read_paragraphs(image, ocr_seconds)) if ocr else ()
    return PictureReading(paragraphs, codes, time.perf_counter() - started)
