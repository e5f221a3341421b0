"""The commune poster: A4 at 300 dpi, QR codes that are exactly the links (the Telegram deep link, and
the Zalo bot beside it when one is configured), Vietnamese text that fits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageDraw, ImageFont

from bot.broadcast import poster
from bot.broadcast.poster import PosterCode, PosterText, qr_layout, qr_layouts, render_poster
from bot.core import paths

URL = "https://t.me/CanhGiacBot?start=dk-x-02647"
ZALO = "https://zalo.me/2741837465902153847"
PAIR = [PosterCode(URL, "Telegram"), PosterCode(ZALO, "Zalo")]
TEXT = PosterText(
    heading="CẢNH GIÁC LỪA ĐẢO QUA MẠNG",
    area_name="phường Lào Cai, tỉnh Lào Cai",
    warning=[
        "Công an không gọi điện yêu cầu chuyển tiền hay cài ứng dụng.",
        "Không bấm vào đường link lạ gửi qua tin nhắn, Zalo, Facebook.",
        "Không đọc mã OTP cho bất kỳ ai, kể cả người xưng là ngân hàng.",
        "Việc nhẹ lương cao, đặt cọc trước để nhận việc: đều là lừa đảo.",
    ],
    call_to_action="Quét mã để nhận cảnh báo lừa đảo mỗi tuần qua Telegram",
    footer="Khẩn cấp gọi 113 · Báo tin nhắn rác: 5656",
)
LONG = PosterText(
    heading="CẢNH GIÁC VỚI MỌI THỦ ĐOẠN LỪA ĐẢO QUA MẠNG, QUA ĐIỆN THOẠI VÀ QUA MẠNG XÃ HỘI",
    area_name="phường Văn Miếu - Quốc Tử Giám, thành phố Hà Nội (tổ dân phố số 12 và khu tập thể Văn Chương)",
    warning=[
        "Công an, Viện kiểm sát, Tòa án không bao giờ gọi điện yêu cầu chuyển tiền, "
        "cung cấp mã OTP hay cài đặt ứng dụng lạ để “xác minh” hay “bảo vệ tài khoản”.",
        "Không bấm vào đường link lạ: https://vietcombank-xac-minh-tai-khoan-ngay-hom-nay.example/khuyen-mai",
        "Việc nhẹ lương cao, làm nhiệm vụ nhận hoa hồng, đặt cọc trước để nhận việc: đều là lừa đảo, "
        "dù người nhắn xưng là nhân viên sàn thương mại điện tử nổi tiếng.",
        "Người thân nhắn tin vay tiền gấp qua Zalo hay Facebook: hãy gọi lại bằng số điện thoại bạn đã biết.",
        "Đầu tư tiền ảo, chứng khoán quốc tế, “lãi 30% mỗi tháng” là dấu hiệu chắc chắn của lừa đảo.",
    ],
    call_to_action="Quét mã bằng camera điện thoại để nhận cảnh báo lừa đảo mới nhất ở địa phương "
    "mỗi tuần qua Telegram",
    footer="Khẩn cấp gọi 113 · Báo tin nhắn rác: 5656 · Đường dây nóng Công an tỉnh: 0214 3820 113",
)
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Image.Image:
    path = render_poster(TEXT, URL, tmp_path_factory.mktemp("poster") / "poster.png")
    return Image.open(path).convert("L")


def assert_qr_is_the_url(image: Image.Image, url: str, layout: poster.QrLayout | None = None) -> None:
    """Every module drawn where the layout says, dark exactly where segno's matrix is, with a white quiet zone."""
    layout = layout or qr_layout(url)
    expected = segno.make_qr(url, error="m").matrix
    s = layout.module_px
    drawn = [
        [image.getpixel((layout.left + c * s + s // 2, layout.top + r * s + s // 2)) < 128 for c in range(len(row))]
        for r, row in enumerate(expected)
    ]
    assert drawn == [[bool(bit) for bit in row] for row in expected]
    quiet = poster.QR_QUIET * s
    ring = image.crop((layout.left - quiet, layout.top - quiet, layout.left + layout.size_px + quiet,
                       layout.top + layout.size_px + quiet))  # fmt: skip
    ring.paste(255, (quiet, quiet, quiet + layout.size_px, quiet + layout.size_px))
    assert ring.getextrema() == (255, 255)


def assert_margins_blank(image: Image.Image) -> None:
    m = poster.MARGIN
    w, h = image.size
    for strip in ((0, 0, w, m), (0, h - m, w, h), (0, 0, m, h), (w - m, 0, w, h)):
        assert image.crop(strip).getextrema() == (255, 255), strip


def test_png_is_a4_at_300_dpi_with_the_deep_link_as_a_big_qr_code(page, tmp_path):
    assert page.size == (2480, 3508)
    info = Image.open(render_poster(TEXT, URL, tmp_path / "dpi.PNG")).info
    assert [round(d) for d in info["dpi"]] == [300, 300]
    assert_qr_is_the_url(page, URL)
    layout = qr_layout(URL)
    assert layout.code.error in ("M", "Q", "H")
    assert layout.size_px / 300 * 2.54 >= 7.0  # cm, quiet zone not counted
    assert_margins_blank(page)


def test_pdf_is_one_a4_page(tmp_path):
    data = render_poster(TEXT, URL, tmp_path / "poster.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    [box] = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert abs(float(box[0]) - 595.3) < 2 and abs(float(box[1]) - 841.9) < 2
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


def test_explicit_format_wins_over_the_suffix(tmp_path):
    assert render_poster(TEXT, URL, tmp_path / "poster.bin", fmt="pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("name", "fmt"), [("poster.jpg", None), ("poster", None), ("poster.png", "svg")])
def test_other_formats_are_refused_before_anything_is_written(tmp_path, name, fmt):
    with pytest.raises(ValueError, match="png or pdf"):
        render_poster(TEXT, URL, tmp_path / name, fmt=fmt)
    assert list(tmp_path.iterdir()) == []


def test_long_texts_are_wrapped_and_shrunk_inside_the_page_and_off_the_qr_code(tmp_path):
    image = Image.open(render_poster(LONG, URL, tmp_path / "long.png")).convert("L")
    assert_margins_blank(image)
    assert_qr_is_the_url(image, URL)


def test_text_that_cannot_fit_even_small_is_refused(tmp_path):
    with pytest.raises(ValueError, match="warning is too long"):
        render_poster(replace(TEXT, warning=["Không chuyển tiền cho người lạ. " * 40] * 3), URL, tmp_path / "x.png")


@pytest.mark.parametrize("count", [2, 6])
def test_a_poster_has_three_to_five_rules(tmp_path, count):
    with pytest.raises(ValueError, match="3 to 5"):
        render_poster(replace(TEXT, warning=["Không chuyển tiền cho người lạ."] * count), URL, tmp_path / "x.png")


def test_text_is_drawn_with_the_shipped_truetype_fonts_only(tmp_path, monkeypatch):
    loaded: list[Path] = []
    truetype = ImageFont.truetype

    def spy(font, *args, **kwargs):
        loaded.append(Path(font))
        return truetype(font, *args, **kwargs)

    monkeypatch.setattr(ImageFont, "truetype", spy)
    monkeypatch.setattr(ImageFont, "load_default", lambda *a, **k: pytest.fail("bitmap default font used"))
    render_poster(TEXT, URL, tmp_path / "poster.png")
    assert {p.name for p in loaded} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    assert all(p.parent == paths.fonts_dir() for p in loaded)
    assert (paths.fonts_dir() / "LICENSE-DejaVu.txt").is_file()


@pytest.mark.parametrize("name", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_every_vietnamese_letter_has_its_own_glyph(name):
    font = ImageFont.truetype(str(paths.fonts_dir() / name), 60)

    def drawn(char: str) -> bytes:
        image = Image.new("L", (120, 120))
        ImageDraw.Draw(image).text((30, 30), char, font=font, fill=255)
        return image.tobytes()

    missing = drawn("\u4e00")  # a CJK letter DejaVu Sans lacks: what a missing glyph looks like
    letters = VIETNAMESE + VIETNAMESE.upper()
    assert [c for c in letters if drawn(c) == missing] == []


def test_decomposed_accents_are_drawn_like_precomposed_letters(page, tmp_path):
    decomposed = PosterText(
        heading=unicodedata.normalize("NFD", TEXT.heading),
        area_name=unicodedata.normalize("NFD", TEXT.area_name),
        warning=[unicodedata.normalize("NFD", w) for w in TEXT.warning],
        call_to_action=unicodedata.normalize("NFD", TEXT.call_to_action),
        footer=unicodedata.normalize("NFD", TEXT.footer),
    )
    assert decomposed != TEXT
    image = Image.open(render_poster(decomposed, URL, tmp_path / "nfd.png")).convert("L")
    assert image.tobytes() == page.tobytes()


def test_with_a_zalo_link_both_codes_are_drawn_side_by_side(tmp_path):
    image = Image.open(render_poster(LONG, PAIR, tmp_path / "pair.png")).convert("L")
    telegram, zalo = qr_layouts([URL, ZALO])
    assert_qr_is_the_url(image, URL, telegram)
    assert_qr_is_the_url(image, ZALO, zalo)
    assert_margins_blank(image)
    # Side by side, the same height on the page, each with its own quiet zone, both big enough to scan.
    assert telegram.top + telegram.size_px == zalo.top + zalo.size_px
    assert telegram.left + telegram.size_px + poster.QR_QUIET * telegram.module_px <= (
        zalo.left - poster.QR_QUIET * zalo.module_px
    )
    assert telegram.left + telegram.size_px <= poster.PAGE_W // 2 <= zalo.left
    for layout in (telegram, zalo):
        assert layout.size_px / 300 * 2.54 >= 6.0  # cm, quiet zone not counted
        # The app's name is drawn just above its code.
        label = image.crop((layout.left, layout.top - poster.QR_QUIET * layout.module_px - poster.LABEL_H,
                            layout.left + layout.size_px, layout.top - poster.QR_QUIET * layout.module_px))  # fmt: skip
        assert label.getextrema()[0] < 128


def test_without_a_zalo_link_one_code_is_centred_and_no_label_is_drawn(page, tmp_path):
    [alone] = qr_layouts([URL])
    assert alone == qr_layout(URL)
    assert abs(2 * alone.left + alone.size_px - poster.PAGE_W) <= 1
    labelled = Image.open(render_poster(TEXT, [PosterCode(URL, "Telegram")], tmp_path / "one.png")).convert("L")
    assert labelled.tobytes() == page.tobytes()  # one code: the same poster as a bare link


def test_a_pdf_with_two_codes_is_one_a4_page(tmp_path):
    data = render_poster(TEXT, PAIR, tmp_path / "pair.pdf").read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) == 1


def test_a_link_too_long_for_a_scannable_code_is_refused_before_anything_is_written(tmp_path):
    long_link = "https://zalo.me/" + "9" * 2000  # fits a QR code only with modules too small to scan
    with pytest.raises(ValueError, match="too long"):
        render_poster(TEXT, [PosterCode(URL, "Telegram"), PosterCode(long_link, "Zalo")], tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("count", [0, 3])
def test_a_poster_has_one_or_two_codes(tmp_path, count):
    with pytest.raises(ValueError, match="1 or 2"):
        render_poster(TEXT, [PosterCode(URL, "Telegram")] * count, tmp_path / "x.png")
