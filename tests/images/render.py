#!/usr/bin/env python
"""Render the picture evaluation set: phone screenshots of messages, and QR codes, with a manifest.

    python tests/images/render.py DIR            # 200 text screenshots + 60 QR pictures
    canhgiac images eval DIR                     # then measure the reading on them

The messages are those of `tests/eval/messages-eval.tsv` (held out from every model) in the
styles people screenshot: SMS, chat (Zalo/Messenger-like bubbles) and e-mail, drawn as a phone
shows them (status bar, header with the sender, bubbles, light and dark themes), then spoiled the
way forwarding spoils them: scaled down, slightly blurred, JPEG-compressed. The QR codes are
VietQR transfer codes (banks and BINs from data/reference/banks.yaml) and links, shown as a
payment poster, inside a chat, or photographed (turned, blurred, on a textured background).
Everything is drawn from a fixed seed, so a set is the same on every machine.

manifest.tsv columns: file, kind (text|qr), theme, style, sender (drawn above the message: a name,
a number or an e-mail's From line), label (scam|genuine), expected (the message text, or the QR
payload), with line breaks written as \\n.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import segno  # noqa: E402

from bot.identifiers.banks import all_banks  # noqa: E402
from bot.identifiers.vietqr import build  # noqa: E402

MESSAGES = ROOT / "tests" / "eval" / "messages-eval.tsv"
FONT = ROOT / "data" / "fonts" / "DejaVuSans.ttf"
BOLD = ROOT / "data" / "fonts" / "DejaVuSans-Bold.ttf"
STYLES = {"sms": "sms", "sms-brand": "sms", "no-diacritics": "sms", "chat": "chat", "email": "email"}
THEMES = {
    "light": {
        "bg": "#ffffff",
        "bar": "#f2f2f2",
        "ink": "#111111",
        "mute": "#777777",
        "them": "#e9e9eb",
        "me": "#0068ff",
    },
    "dark": {
        "bg": "#000000",
        "bar": "#1c1c1e",
        "ink": "#f2f2f2",
        "mute": "#9a9a9a",
        "them": "#2c2c2e",
        "me": "#0a84ff",
    },
}
SENDERS = ["Viettel", "0912 345 678", "Mẹ", "VCB", "Anh Tuấn", "+84 867 214 593", "Shopee", "Chị Lan"]


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(BOLD if bold else FONT), size)


def status_bar(draw: ImageDraw.ImageDraw, width: int, theme: dict, rng: random.Random) -> int:
    draw.text((40, 22), f"{rng.randint(6, 22)}:{rng.randint(0, 59):02d}", font=font(34, True), fill=theme["ink"])
    for i in range(4):  # signal bars and a battery
        draw.rectangle((width - 260 + i * 18, 52 - i * 8, width - 248 + i * 18, 58), fill=theme["ink"])
    draw.rectangle((width - 150, 28, width - 70, 58), outline=theme["ink"], width=3)
    draw.rectangle((width - 146, 32, width - 146 + rng.randint(20, 72), 54), fill=theme["ink"])
    return 80


def header(draw: ImageDraw.ImageDraw, width: int, top: int, title: str, theme: dict) -> int:
    draw.rectangle((0, top, width, top + 130), fill=theme["bar"])
    draw.text((40, top + 40), "‹", font=font(56), fill=theme["me"])
    draw.text((110, top + 42), title, font=font(40, True), fill=theme["ink"])
    return top + 160


def wrap(text: str, chars: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, chars) or [""])
    return lines


def bubble(draw: ImageDraw.ImageDraw, top: int, text: str, theme: dict, width: int, size: int) -> int:
    lines = wrap(text, max(18, int(width * 0.68 / (size * 0.55))))
    line_height = int(size * 1.32)
    height = line_height * len(lines) + 44
    right = int(width * 0.78)
    draw.rounded_rectangle((36, top, right, top + height), radius=34, fill=theme["them"])
    for i, line in enumerate(lines):
        draw.text((66, top + 22 + i * line_height), line, font=font(size), fill=theme["ink"])
    return top + height + 30


def screenshot(text: str, style: str, theme_name: str, rng: random.Random) -> Image.Image:
    return screenshot_with_header(text, style, theme_name, rng)[0]


def screenshot_with_header(text: str, style: str, theme_name: str, rng: random.Random) -> tuple[Image.Image, str]:
    """The screenshot, and the text drawn above the message (the sender, or the e-mail's From)."""
    theme = THEMES[theme_name]
    width = 1080
    image = Image.new("RGB", (width, 2400), theme["bg"])
    draw = ImageDraw.Draw(image)
    top = status_bar(draw, width, theme, rng)
    size = rng.choice([36, 40, 44])
    if style == "email":
        top = header(draw, width, top, "Hộp thư đến", theme)
        sender = "Từ: " + rng.choice(["no-reply@thongbao-vn.com", "hotro@dichvu.vn"])
        draw.text(
            (40, top),
            sender,
            font=font(32),
            fill=theme["mute"],
        )
        top += 70
        for line in wrap(text, int(width * 0.9 / (size * 0.55))):
            draw.text((40, top), line, font=font(size), fill=theme["ink"])
            top += int(size * 1.4)
    else:
        sender = rng.choice(SENDERS)
        top = header(draw, width, top, sender, theme)
        draw.text(
            (width // 2 - 90, top),
            f"Hôm nay {rng.randint(7, 21)}:{rng.randint(0, 59):02d}",
            font=font(28),
            fill=theme["mute"],
        )
        top += 70
        parts = [p for p in text.split("\n") if p.strip()] if style == "chat" else [text]
        for part in parts:
            top = bubble(draw, top, part, theme, width, size)
    image = image.crop((0, 0, width, min(2400, max(top + 120, 1200))))
    return spoil(image, rng), sender


def spoil(image: Image.Image, rng: random.Random) -> Image.Image:
    """What forwarding does: scaled (a phone that sends 720 px), a little blur, JPEG."""
    scale = rng.choice([1.0, 0.9, 0.75])
    if scale != 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.choice([0.5, 0.8])))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.choice([60, 75, 90]))
    return Image.open(io.BytesIO(out.getvalue()))


def qr_image(payload: str, rng: random.Random) -> Image.Image:
    code = segno.make(payload, error="m")
    out = io.BytesIO()
    code.save(out, kind="png", scale=rng.choice([5, 7, 9]), border=4)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def qr_scene(payload: str, how: str, rng: random.Random) -> Image.Image:
    code = qr_image(payload, rng)
    if how == "poster":  # a shop's printed transfer code: a frame and some words around it
        canvas = Image.new("RGB", (code.width + 160, code.height + 360), "#ffffff")
        draw = ImageDraw.Draw(canvas)
        draw.rectangle((0, 0, canvas.width, 120), fill="#c8102e")
        draw.text((40, 36), "Quét mã để chuyển khoản", font=font(40, True), fill="#ffffff")
        canvas.paste(code, (80, 160))
        draw.text((40, code.height + 200), "NGUYEN VAN A", font=font(36, True), fill="#111111")
        return spoil(canvas, rng)
    if how == "chat":  # sent inside a conversation, dark or light
        theme = THEMES[rng.choice(list(THEMES))]
        canvas = Image.new("RGB", (1080, 1000), theme["bg"])  # room for the bar, the header and the code
        draw = ImageDraw.Draw(canvas)
        top = header(draw, 1080, status_bar(draw, 1080, theme, rng), rng.choice(SENDERS), theme)
        canvas.paste(code.resize((600, 600)), (60, top + 20))
        return spoil(canvas, rng)
    # "photo": a camera picture of a screen or paper: turned a few degrees on a grey ground
    turned = code.rotate(rng.uniform(-12, 12), expand=True, fillcolor="#8a8a8a")
    canvas = Image.new("RGB", (turned.width + 300, turned.height + 300), "#8a8a8a")
    canvas.paste(turned, (150, 150))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.choice([0.6, 1.0, 1.4])))
    return spoil(canvas, rng)


def payloads(rng: random.Random, count: int) -> list[str]:
    banks = [b for b in all_banks() if b.bin]
    links = [
        "https://vietcombank-xacthuc.top/login",
        "http://dichvucong-gov.vn.cc/cap-nhat",
        "https://zalo.me/g/abc123",
        "https://shopee-tri-an.xyz/nhan-qua",
        "https://vneid-capnhat.com/dang-nhap",
        "https://evn-thanhtoan.net/?ma=KH0912",
    ]
    out = []
    for i in range(count):
        if i % 5 in (0, 1, 2):
            bank = rng.choice(banks)
            number = str(rng.randint(10**8, 10**13 - 1))
            amount = rng.choice([None, str(rng.randint(1, 500) * 10000)])
            message = rng.choice([None, "chuyen tien coc", "phi xac minh ho so", "ung ho dong bao"])
            out.append(
                build(bank.bin or "", number, amount, message, rng.choice([None, "NGUYEN VAN B", "CONG TY ABC"]))
            )
        else:
            out.append(rng.choice(links).replace("abc123", f"g{i}"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--codes", type=int, default=60)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with MESSAGES.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["style"] in STYLES]
    rng.shuffle(rows)
    manifest = []
    for i, row in enumerate(rows[: args.texts]):
        theme = "dark" if i % 3 == 0 else "light"
        text = row["text"].replace("\\n", "\n")
        name = f"text-{i:03d}.jpg"
        image, sender = screenshot_with_header(text, STYLES[row["style"]], theme, rng)
        image.save(args.out / name)
        manifest.append((name, "text", theme, row["style"], sender, row["label"], row["text"]))
    for i, payload in enumerate(payloads(rng, args.codes)):
        how = ("poster", "chat", "photo")[i % 3]
        name = f"qr-{i:03d}.jpg"
        qr_scene(payload, how, rng).save(args.out / name)
        manifest.append((name, "qr", "", how, "", "", payload))
    with (args.out / "manifest.tsv").open("w", encoding="utf-8") as f:
        f.write("file\tkind\ttheme\tstyle\tsender\tlabel\texpected\n")
        for row in manifest:
            f.write("\t".join(row) + "\n")
    print(f"{len(manifest)} pictures in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
