"""A printable A4 poster for a commune, with a QR code that subscribes a phone to its weekly warnings.

Communes put posters up where people wait (the commune office, the market, the health station);
scanning the QR opens the Telegram bot with a deep link such as ``https://t.me/<bot>?start=dk-<area>``.
When the bot is also on Zalo, a second code for the Zalo bot's link stands beside it, each under the
app's name, since many people have only Zalo; two codes share the width, so each shrinks a little
(never under 6 cm, never to modules under 0.6 mm) rather than the page growing.
The poster is drawn as one 300 dpi image so the PNG and the PDF look the same and nothing depends on
fonts installed on the printing computer. Text uses the DejaVu TrueType fonts shipped in
``data/fonts`` (Pillow's bitmap default has no Vietnamese letters), is NFC-normalised so stacked
diacritics (ế, ộ) come from single precomposed glyphs, and is wrapped and shrunk to fit its box, so
a long commune name or rule can never run off the page or over the QR code. The header is red
with white text and the footer yellow with black text, which stay readable when a commune prints
in black and white.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import segno
from PIL import Image, ImageDraw, ImageFont

from bot.broadcast.areas import Areas
from bot.core.content import Texts
from bot.core.paths import fonts_dir

DPI = 300
PAGE_W, PAGE_H = 2480, 3508  # A4 portrait: 210 × 297 mm at 300 dpi
MARGIN = 130  # 11 mm: office printers leave the outer 4–6 mm blank
CONTENT_W = PAGE_W - 2 * MARGIN

QR_MIN_PX = math.ceil(7.5 / 2.54 * DPI)  # the symbol alone is at least 7.5 cm wide when printed
QR_PAIR_MIN_PX = math.ceil(6 / 2.54 * DPI)  # two side by side: each at least 6 cm, scanned from ~60 cm
QR_MIN_MODULE_PX = 7  # 0.6 mm: smaller modules blur on office printers and old phone cameras
QR_QUIET = 4  # modules of white around the symbol, as the QR standard requires

HEADER_H = 420
AREA_H = 250
FOOTER_H = 150
CTA_H = 230
URL_H = 60
URL_PAIR_H = 110  # half the width: a long link may need two lines
LABEL_H = 110  # the app's name above each of two codes
GAP = 45
MIN_FONT_PX = 36  # about 9 pt; text that needs less is refused rather than printed unreadably

WHITE = (255, 255, 255)
INK = (25, 25, 25)
RED = (183, 28, 28)
NAVY = (13, 43, 82)
GREY = (95, 95, 95)
YELLOW = (255, 214, 0)


@dataclass(frozen=True)
class PosterText:
    heading: str  # e.g. "CẢNH GIÁC LỪA ĐẢO QUA MẠNG"
    area_name: str  # e.g. "phường Cốc Lếu"
    warning: list[str]  # 3–5 short lines, each one rule
    call_to_action: str  # e.g. "Quét mã để nhận cảnh báo lừa đảo mỗi tuần qua Telegram"
    footer: str  # e.g. "Khẩn cấp gọi 113 · Báo tin nhắn rác: 5656"


@dataclass(frozen=True)
class PosterCode:
    """One QR code: the link it holds, and the app's name drawn above it when there are two codes."""

    url: str
    label: str = ""


@dataclass(frozen=True)
class QrLayout:
    """The QR code for a URL and where its symbol (quiet zone excluded) sits on the page."""

    code: segno.QRCode
    left: int
    top: int
    module_px: int

    @property
    def size_px(self) -> int:
        return self.code.symbol_size(scale=self.module_px, border=0)[0]


def qr_layout(url: str) -> QrLayout:
    """The layout of a poster with one code: see qr_layouts."""
    return qr_layouts([url])[0]


def qr_layouts(urls: Sequence[str]) -> list[QrLayout]:
    """Whole-pixel modules (crisp edges), just above the URL line(s) at the bottom of the page: one
    code centred, or two side by side, each centred in its half with its whole quiet zone inside it.
    ValueError if a link needs a code too small or too dense to scan."""
    if not 1 <= len(urls) <= 2:
        raise ValueError(f"a poster has 1 or 2 QR codes, got {len(urls)}")
    codes = [_qr(url) for url in urls]
    slot = PAGE_W if len(codes) == 1 else CONTENT_W // 2  # one code may put its quiet zone in the margin
    url_h = URL_H if len(codes) == 1 else URL_PAIR_H
    sizes = []
    smallest = QR_MIN_PX if len(codes) == 1 else QR_PAIR_MIN_PX
    for url, code in zip(urls, codes, strict=True):
        modules = code.symbol_size(border=0)[0]
        module_px = min(math.ceil(QR_MIN_PX / modules), slot // (modules + 2 * QR_QUIET))
        if module_px < QR_MIN_MODULE_PX or modules * module_px < smallest:
            raise ValueError(f"a link of {len(url)} characters is too long for a QR code scanned from a poster")
        sizes.append((modules, module_px))
    bottom = PAGE_H - MARGIN - FOOTER_H - GAP - CTA_H - GAP - url_h - max(QR_QUIET * px for _, px in sizes)
    layouts = []
    for index, (code, (modules, module_px)) in enumerate(zip(codes, sizes, strict=True)):
        slot_left = 0 if len(codes) == 1 else MARGIN + slot * index
        side = modules * module_px
        layouts.append(QrLayout(code, slot_left + (slot - side) // 2, bottom - side, module_px))
    return layouts


def _qr(url: str) -> segno.QRCode:
    try:
        return segno.make_qr(url, error="m")
    except segno.DataOverflowError:
        raise ValueError(f"the link is too long for a QR code ({len(url)} characters)") from None


def render_poster(
    text: PosterText, codes: str | Sequence[PosterCode], path: Path, fmt: Literal["png", "pdf"] | None = None
) -> Path:
    """Write the poster with its QR code(s) (a link, or one or two codes) to path as PNG or PDF (fmt None:
    from path's suffix); ValueError if it cannot."""
    fmt = _format(path, fmt)
    if not 3 <= len(text.warning) <= 5:
        raise ValueError(f"a poster has 3 to 5 warning lines, got {len(text.warning)}")
    codes = [PosterCode(codes)] if isinstance(codes, str) else list(codes)
    layouts = qr_layouts([code.url for code in codes])
    page = Image.new("RGB", (PAGE_W, PAGE_H), WHITE)
    draw = ImageDraw.Draw(page)

    y = MARGIN
    draw.rectangle((MARGIN, y, PAGE_W - MARGIN - 1, y + HEADER_H - 1), fill=RED)
    _centred(draw, "heading", text.heading, y + 50, HEADER_H - 100, 150, True, WHITE, CONTENT_W - 120)
    y += HEADER_H + GAP
    _centred(draw, "area_name", text.area_name, y, AREA_H, 170, True, NAVY)
    y += AREA_H + GAP
    pair = len(layouts) == 2
    tops = [qr.top - QR_QUIET * qr.module_px - (LABEL_H if pair else 0) for qr in layouts]
    _warnings(draw, text.warning, y, min(tops) - y - (GAP if pair else 0))
    url_h = URL_PAIR_H if pair else URL_H
    for code, qr, top in zip(codes, layouts, tops, strict=True):
        _paste_qr(page, qr)
        centre = qr.left + qr.size_px // 2 if pair else PAGE_W // 2
        width = CONTENT_W // 2 - 40 if pair else CONTENT_W
        if pair and code.label:
            _centred(draw, "label", code.label, top, LABEL_H, 80, True, NAVY, width, centre)
        below = qr.top + qr.size_px + QR_QUIET * max(q.module_px for q in layouts)
        _centred(draw, "url", code.url, below, url_h, 46, False, GREY, width, centre)
    y = PAGE_H - MARGIN - FOOTER_H - GAP - CTA_H
    _centred(draw, "call_to_action", text.call_to_action, y, CTA_H, 88, True, NAVY)
    y += CTA_H + GAP
    draw.rectangle((MARGIN, y, PAGE_W - MARGIN - 1, y + FOOTER_H - 1), fill=YELLOW)
    _centred(draw, "footer", text.footer, y + 25, FOOTER_H - 50, 72, True, INK, CONTENT_W - 80)

    if fmt == "png":
        page.save(path, "PNG", dpi=(DPI, DPI))
    else:  # JPEG inside the PDF: quality 95 without chroma subsampling keeps red-on-white edges sharp
        title = f"{text.heading} – {text.area_name}"
        page.save(path, "PDF", resolution=DPI, quality=95, subsampling=0, title=title)
    return path


def _format(path: Path, fmt: str | None) -> str:
    chosen = fmt if fmt is not None else path.suffix.lower().removeprefix(".")
    if chosen not in ("png", "pdf"):
        raise ValueError(f"a poster is written as png or pdf, not {chosen or 'a file without suffix'!r} ({path})")
    return chosen


def _paste_qr(page: Image.Image, qr: QrLayout) -> None:
    """One pixel per module, quiet zone included, then scaled up without smoothing."""
    rows = list(qr.code.matrix_iter(scale=1, border=QR_QUIET))
    pixels = bytes(0 if dark else 255 for row in rows for dark in row)
    side = len(rows) * qr.module_px
    symbol = Image.frombytes("L", (len(rows), len(rows)), pixels).resize((side, side), Image.Resampling.NEAREST)
    page.paste(symbol, (qr.left - QR_QUIET * qr.module_px, qr.top - QR_QUIET * qr.module_px))


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    # Basic layout: NFC Vietnamese needs no shaping, and it renders the same with or without libraqm.
    return ImageFont.truetype(str(fonts_dir() / name), size, layout_engine=ImageFont.Layout.BASIC)


def _line(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """How far below a line's top the ascender sits, and the line's height, for any Vietnamese text.

    Stacked accents on capitals (Ẫ, Ỗ) rise about 0.2 em above the font's ascent, so the font's own
    metrics would let them touch the line above or poke out of their box.
    """
    top, bottom = font.getbbox("ẪỖỮẴỄgjpqyỵ", anchor="la")[1::2]
    return -top, bottom - top


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word wider than a whole line is cut between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:
            cut = 1
            while font.getlength(word[: cut + 1]) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return [*lines, line] if line else lines


def _balanced(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The wrap with the fewest lines, at the narrowest width that keeps that count, so no line is an orphan."""
    count = len(_wrap(text, font, width))
    low, high = 1, width
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if len(_wrap(text, font, middle)) <= count else (middle + 1, high)
    return _wrap(text, font, high)


def _fit(
    what: str, paragraphs: list[str], max_px: int, bold: bool, width: int, height: int
) -> tuple[ImageFont.FreeTypeFont, list[list[str]]]:
    """The largest font size at which every paragraph, wrapped to width, fits in height."""
    paragraphs = [unicodedata.normalize("NFC", p) for p in paragraphs]
    for size in range(max_px, MIN_FONT_PX - 1, -2):
        font = _font(bold, size)
        wrapped = [_wrap(p, font, width) for p in paragraphs]
        if _block_px(font, wrapped) <= height:  # balancing keeps the line counts, so it still fits
            return font, [_balanced(p, font, width) for p in paragraphs]
    raise ValueError(f"{what} is too long to fit on the poster")


def _block_px(font: ImageFont.FreeTypeFont, wrapped: list[list[str]]) -> int:
    line_px = _line(font)[1]
    return sum(len(lines) for lines in wrapped) * line_px + (len(wrapped) - 1) * _paragraph_gap(font)


def _paragraph_gap(font: ImageFont.FreeTypeFont) -> int:
    return round(0.3 * _line(font)[1])


def _centred(
    draw: ImageDraw.ImageDraw,
    what: str,
    text: str,
    top: int,
    height: int,
    max_px: int,
    bold: bool,
    fill: tuple[int, int, int],
    width: int = CONTENT_W,
    centre: int = PAGE_W // 2,
) -> None:
    font, [lines] = _fit(what, [text], max_px, bold, width, height)
    ascender, line_px = _line(font)
    y = top + (height - _block_px(font, [lines])) // 2 + ascender
    for line in lines:
        draw.text((centre, y), line, font=font, fill=fill, anchor="ma")
        y += line_px


def _warnings(draw: ImageDraw.ImageDraw, rules: list[str], top: int, height: int) -> None:
    """One bulleted rule per paragraph with a hanging indent, one font size for all, centred in the box."""
    left, indent = MARGIN + 40, 80
    font, wrapped = _fit("warning", rules, 92, False, CONTENT_W - 2 * 40 - indent, height)
    bullet = _font(True, font.size)
    ascender, line_px = _line(font)
    y = top + (height - _block_px(font, wrapped)) // 2 + ascender
    for lines in wrapped:
        draw.text((left, y), "•", font=bullet, fill=RED, anchor="la")
        for line in lines:
            draw.text((left + indent, y), line, font=font, fill=INK, anchor="la")
            y += line_px
        y += _paragraph_gap(font)


def subscribe_link(bot_username: str, area_code: str) -> str:
    """The Telegram deep link a poster's QR code holds: it opens the bot subscribed to the area."""
    return f"https://t.me/{bot_username}?start=dk-{area_code}"


def for_area(
    texts: Texts, areas: Areas, area_code: str, bot_username: str, zalo_link: str | None
) -> tuple[PosterText, list[PosterCode]]:
    """An area's poster, as the CLI and the console make it: its full name (names repeat across
    provinces), the rules, and the subscribe code (and the Zalo bot's beside it when there is one;
    Zalo links carry no start payload: that code opens the bot, /dangky picks the commune)."""
    text = PosterText(
        heading=texts.label("poster.heading"),
        area_name=areas.full_name(area_code),
        warning=list(texts.labels("poster.rules").values()),
        call_to_action=texts.label("poster.call_to_action_zalo" if zalo_link else "poster.call_to_action"),
        footer=texts.label("poster.footer"),
    )
    codes = [PosterCode(subscribe_link(bot_username, area_code), texts.label("poster.apps.telegram"))]
    if zalo_link:
        codes.append(PosterCode(zalo_link, texts.label("poster.apps.zalo")))
    return text, codes


def qr_image(url: str, fmt: Literal["png", "svg"]) -> bytes:
    """A QR code alone, to print or paste in a document: the code posters carry, with its quiet zone."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind=fmt, scale=10, border=QR_QUIET)
    return buffer.getvalue()
