"""The registry of Vietnam's current units, old codes and names that lead to them, and name search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.broadcast.areas import AreaError, Areas
from bot.core import paths

EVAL = Path(__file__).resolve().parents[2] / "eval"
# Every code the content/areas.yaml of before 2025 shipped: printed in QR codes as /start dk-<code>.
_OLD_CODES = (
    "lao-cai tp-lao-cai coc-leu kim-tan phuong-lao-cai duyen-hai bac-cuong bac-lenh binh-minh-lao-cai "
    "pom-han thong-nhat-lao-cai xuan-tang dong-tuyen van-hoa-lao-cai hop-thanh-lao-cai ta-phoi quang-tri "
    "tp-dong-ha dong-giang-dong-ha dong-le dong-luong dong-thanh-dong-ha tx-quang-tri huong-hoa khe-sanh "
    "lao-bao vinh-linh ho-xa cua-tung gio-linh tt-gio-linh cua-viet lai-chau tp-lai-chau "
    "doan-ket-lai-chau dong-phong-lai-chau quyet-thang-lai-chau quyet-tien-lai-chau tan-phong-lai-chau "
    "san-thang sung-phai tam-duong tt-tam-duong binh-lu than-uyen tt-than-uyen tan-uyen tt-tan-uyen "
    "sin-ho tt-sin-ho muong-te tt-muong-te hai-phong an-lao tt-an-lao tt-truong-son-an-lao an-thai-an-lao "
    "an-thang-an-lao an-tho-an-lao an-tien-an-lao bat-trang-an-lao chien-thang-an-lao my-duc-an-lao "
    "quang-hung-an-lao quang-trung-an-lao quoc-tuan-an-lao tan-dan-an-lao tan-vien-an-lao thai-son-an-lao "
    "truong-thanh-an-lao truong-tho-an-lao hong-bang ngo-quyen le-chan kien-an da-nang hai-chau "
    "thach-thang phuoc-ninh binh-hien hoa-cuong-bac hoa-cuong-nam son-tra an-hai-bac an-hai-dong "
    "an-hai-tay man-thai nai-hien-dong phuoc-my tho-quang lien-chieu hoa-khanh-bac hoa-khanh-nam hoa-minh "
    "hoa-hiep-bac hoa-hiep-nam thanh-khe ngu-hanh-son cam-le hoa-vang hoa-bac hoa-lien hoa-ninh "
    "hoa-son-hoa-vang hoa-nhon hoa-phu-hoa-vang hoa-phong-hoa-vang hoa-chau hoa-tien-hoa-vang hoa-phuoc "
    "hoa-khuong "
)
OLD_CODES = _OLD_CODES.split()


@pytest.fixture(scope="module")
def areas() -> Areas:
    return Areas.load(paths.content_dir() / "areas.yaml")


def test_every_province_and_unit_has_a_code_a_name_a_type_and_a_province(areas):
    provinces = [area for area in areas if area.parent is None]
    units = [area for area in areas if area.parent is not None]
    assert (len(provinces), len(units)) == (34, 3321)
    assert sorted(areas.roots) == sorted(p.code for p in provinces)
    assert {p.kind for p in provinces} == {"tỉnh", "thành phố"}
    assert {u.kind for u in units} == {"xã", "phường", "đặc khu"}
    for unit in units:
        assert unit.name.startswith(unit.kind + " ") and len(unit.name) > len(unit.kind) + 1
        assert areas.get(unit.parent).parent is None and unit.code in areas.get(unit.parent).children
        assert unit.province == unit.parent and areas.lineage(unit.code)[0].code == unit.parent
    codes = [area.code for area in areas]
    assert len(set(codes)) == len(codes) == 3355
    assert all(re.fullmatch(r"[a-z0-9-]{2,64}", code) and code.isascii() for code in codes)
    assert all(re.fullmatch(r"t-\d\d", p.code) for p in provinces)
    assert all(re.fullmatch(r"x-\d{5}", u.code) for u in units)


def test_names_read_as_content_writes_them(areas):
    assert areas.full_name("x-00070") == "phường Hoàn Kiếm, thành phố Hà Nội"
    assert areas.full_name("x-03037") == "xã Tả Van, tỉnh Lào Cai"
    assert areas.get("t-15").name == "tỉnh Lào Cai" and areas.within("t-15") >= {"t-15", "x-02647", "x-03037"}
    assert areas.name_of("x-26732") == "đặc khu Côn Đảo" and areas.name_of("phường Cũ") == "phường Cũ"
    assert areas.code_for("phường Hoàn Kiếm") == "x-00070"
    assert areas.code_for("phường Cốc Lếu, tỉnh Lào Cai") == "x-02647"  # an old name: where it went
    assert areas.code_for("xã Trường Sơn") is None  # several


def test_every_code_printed_before_2025_leads_to_current_units(areas):
    assert len(OLD_CODES) == len(set(OLD_CODES)) == 111
    for code in OLD_CODES:
        found = areas.resolve(code)
        assert found and all(areas.get(new) for new in found), code
    assert areas.resolve("coc-leu") == ["x-02647"]  # phường Cốc Lếu is now part of phường Lào Cai
    assert areas.resolve("lao-cai") == ["t-15"] and areas.resolve("hai-phong") == ["t-31"]
    assert len(areas.resolve("tt-truong-son-an-lao")) == 2  # split: the bot asks which
    assert len(areas.resolve("huong-hoa")) > 2  # a district: its communes now
    assert areas.resolve("x-00070") == ["x-00070"] and areas.resolve("nowhere") == [] and areas.resolve("") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("phuong hoan kiem", "x-00070"),
        ("p. Hoàn Kiếm", "x-00070"),
        ("P.HOAN KIEM", "x-00070"),
        ("xã Tả Van", "x-03037"),
        ("x ta van", "x-03037"),
        ("hoan kiem ha noi", "x-00070"),
        ("tan phu dong nai", "x-26116"),
        ("Thống Nhất, Đồng Nai", "x-26299"),
        ("tt khe sanh", "x-19429"),
        ("ĐK Côn Đảo", "x-26732"),
        ("phuong hoan kiam", "x-00070"),  # a typo
        ("Ea Hleo", "x-24184"),  # Ea H'Leo without its apostrophe
    ],
)
def test_names_are_found_however_they_are_typed(areas, text, code):
    assert areas.search(text)[0].code == code


def test_an_old_name_leads_to_the_unit_it_went_into_and_says_so(areas):
    match = areas.search("Cốc Lếu")[0]
    assert match.code == "x-02647" and match.old_name == "phường Cốc Lếu, thành phố Lào Cai, tỉnh Lào Cai"
    assert areas.search("phường Hoàn Kiếm")[0].old_name is None
    split = [m.code for m in areas.search("Trường Sơn, An Lão")[:2]]  # old district named: its commune's parts
    assert split == areas.resolve("tt-truong-son-an-lao")


@pytest.mark.parametrize(
    ("text", "code"), [("Lào Cai", "t-15"), ("tinh dong nai", "t-75"), ("tp hcm", "t-79"), ("Yên Bái", "t-15")]
)
def test_a_province_alone_finds_the_province(areas, text, code):
    assert areas.search(text)[0].code == code


def test_yen_bai_is_named_as_the_old_province(areas):
    assert areas.search("tỉnh Yên Bái")[0].old_name == "tỉnh Yên Bái"


@pytest.mark.parametrize(
    "text", ["", "   ", "🙂🙂", "x" * 500, "'; DROP TABLE subscriptions; --", "123456", "ạ" * 5000]
)
def test_bad_input_gives_a_short_list_never_an_error(areas, text):
    found = areas.search(text, limit=5)
    assert len(found) <= 5 and all(areas.get(m.code) for m in found)


def _accuracy(areas: Areas, name: str) -> tuple[int, float, float]:
    lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
    cases = [line.split("\t")[:2] for line in lines if line and not line.startswith("#")]
    top1 = top3 = 0
    for text, code in cases:
        assert areas.get(code), code
        found = [m.code for m in areas.search(text, limit=3)]
        top1 += found[:1] == [code]
        top3 += code in found
    return len(cases), top1 / len(cases), top3 / len(cases)


@pytest.mark.parametrize(("name", "size"), [("areas.tsv", 300), ("areas-holdout.tsv", 100)])
def test_names_as_people_type_them_are_found(areas, name, size):
    count, top1, top3 = _accuracy(areas, name)
    assert count >= size
    assert top1 >= 0.85 and top3 >= 0.95, (top1, top3)


def test_police_numbers_come_from_content_by_current_code(tmp_path):
    path = tmp_path / "areas.yaml"
    path.write_text('police_hotlines:\n  t-15:\n    - {label: "Công an tỉnh", number: "0214 1"}\n', encoding="utf-8")
    areas = Areas.load(path)
    assert areas.police_hotlines("x-02647")[0].number == "0214 1"  # the province's, for its communes
    assert areas.template_values("x-02647")["police_hotlines"] == [{"label": "Công an tỉnh", "number": "0214 1"}]
    assert areas.police_hotlines("x-00070") == ()
    path.write_text('police_hotlines:\n  coc-leu:\n    - {label: "x", number: "1"}\n', encoding="utf-8")
    with pytest.raises(AreaError, match="coc-leu"):
        Areas.load(path)


def test_the_shipped_areas_file_has_only_real_current_codes():
    Areas.load(paths.content_dir() / "areas.yaml")  # raises on a code that is no current unit
