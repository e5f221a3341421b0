"""Reading pictures: safe opening, QR codes classified, text read from screenshots."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from bot.identifiers import vietqr
from bot.images import NotAPicture, OcrUnavailable, PictureTooLarge, ocr, read_picture
from bot.images.picture import MAX_BYTES, open_picture
from bot.images.reading import PictureReading, classify
from tests.images.pictures import jpeg, needs_ocr, qr_picture, sms_screenshot

SCAM_SMS = "VCB: Tai khoan cua Quy khach bi tam khoa. Xac thuc ngay tai vcb-xacthuc.top de tranh mat tien."


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"not a picture at all", b"%PDF-1.7 ...", _png_claiming(100_000, 100_000)],
    ids=["empty", "text", "pdf", "bomb"],
)
def test_what_is_not_a_picture_we_open_is_refused(data):
    with pytest.raises(NotAPicture):
        open_picture(data)


def test_too_many_bytes_are_refused_before_decoding():
    with pytest.raises(PictureTooLarge):
        open_picture(b"\xff\xd8" + b"\0" * MAX_BYTES)


def test_a_huge_screenshot_is_shrunk():
    image = open_picture(jpeg(Image.new("RGB", (1440, 6000), "white")))
    assert max(image.size) <= 2400


def test_codes_are_classified():
    payment = classify(vietqr.build("970436", "0123456789", amount="200000"))
    assert payment.kind == "payment" and payment.payment.account.bank_code == "VCB"
    link = classify("https://vietcombank-xacthuc.top/login")
    assert link.kind == "link" and link.link.host == "vietcombank-xacthuc.top"
    assert classify("https://id.zalo.me/account/authen?qr=abc").kind == "login"
    assert classify("WIFI:S:QuanCafe;T:WPA;P:12345678;;").kind == "text"
    damaged = vietqr.build("970436", "0123456789")[:-4] + "0000"
    assert classify(damaged).kind == "text"  # a wrong checksum is never read as an account


@pytest.mark.parametrize("how", ["poster", "chat", "photo"])
def test_qr_codes_are_decoded_in_every_scene(how):
    payload = vietqr.build("970422", "0911967363", amount="1500000", message="coc thue xe")
    reading = read_picture(qr_picture(payload, how), ocr=False)
    [code] = reading.codes
    assert code.kind == "payment" and code.text == payload and code.payment.amount == "1500000"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_screenshot_is_read_with_its_diacritics_and_its_link_whole(theme):
    needs_ocr()
    reading = read_picture(sms_screenshot(SCAM_SMS, theme))
    assert "vcb-xacthuc.top" in reading.text  # wrapped or not, the link comes back whole
    assert "Tai khoan cua Quy khach bi tam khoa" in reading.text
    accented = read_picture(sms_screenshot("Công an phường thông báo: đến trụ sở làm căn cước vào sáng thứ Hai."))
    assert "Công an phường thông báo" in accented.text and "căn cước" in accented.text


def test_a_blank_picture_reads_as_empty():
    needs_ocr()
    reading = read_picture(jpeg(Image.new("RGB", (800, 600), "#88aa55")))
    assert reading.empty


def test_missing_ocr_is_an_error_the_caller_can_answer(monkeypatch):
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrUnavailable):
        read_picture(sms_screenshot(SCAM_SMS))
    # QR codes are still read without it
    assert read_picture(qr_picture("https://vcb-xacthuc.top"), ocr=False).codes[0].kind == "link"


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (400, 200), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert open_picture(out.getvalue()).size == (200, 400)


@pytest.mark.parametrize(
    ("paragraphs", "sender"),
    [
        ((("VCB",), ("Tai khoan cua Quy khach bi tam khoa, xac thuc ngay.",)), "VCB"),
        ((("+84 912 345 678",), ("Con dang o benh vien, me chuyen tien gap.",)), "+84 912 345 678"),
        ((("Công an phường thông báo: đến trụ sở làm căn cước.",),), ""),  # one paragraph: no sender
        ((("Me oi con bi tai nan.",), ("Chuyen tien gap cho con nhe.",)), ""),  # a sentence, not a name
    ],
)
def test_a_short_line_above_the_message_is_its_sender(paragraphs, sender):
    reading = PictureReading(paragraphs, (), 0.1)
    assert reading.sender == sender
    assert reading.message == (reading.text.partition("\n")[2] if sender else reading.text)
