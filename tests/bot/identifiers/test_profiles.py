"""Social-media profiles as citizens name them, and 12-digit citizen-ID numbers kept apart."""

from __future__ import annotations

import pytest

from bot.identifiers import display, display_stored, extract_identifiers, parse_identifier
from bot.identifiers.citizen_id import citizen_ids_in, is_citizen_id
from bot.identifiers.profiles import parse_profile, profile_from_link


@pytest.mark.parametrize(
    ("text", "platform", "name", "note"),
    [
        ("fb Nguyễn Thu Hà (tài khoản giả chị họ tôi)", "facebook", "Nguyễn Thu Hà", "tài khoản giả chị họ tôi"),
        ("Facebook: Nguyen Thu Ha", "facebook", "Nguyen Thu Ha", ""),
        ("zalo Shop Mẹ Bin", "zalo", "Shop Mẹ Bin", ""),
        ("@thuha.92 tiktok", "tiktok", "thuha.92", ""),
        ("tele @ho_tro_vay", "telegram", "ho_tro_vay", ""),
        ("Thu Hà Shop", None, "Thu Hà Shop", ""),
    ],
)
def test_a_profile_is_read_with_its_platform_name_and_remark(text, platform, name, note):
    profile, remark = parse_profile(text)
    assert (profile.platform, profile.name, remark) == (platform, name, note)


def test_the_same_profile_written_two_ways_is_one_key():
    a, _ = parse_profile("fb Nguyễn Thu Hà")
    b, _ = parse_profile("facebook nguyen thu ha")
    c, _ = parse_profile("zalo Nguyễn Thu Hà")
    assert a.key == b.key == "profile:facebook:nguyen thu ha" and c.key != a.key
    assert display(a) == "Nguyễn Thu Hà (Facebook)"
    assert display_stored("profile", a.normalized) == "Nguyễn Thu Hà (Facebook)"


@pytest.mark.parametrize(
    ("link", "platform", "name"),
    [
        ("https://www.facebook.com/thuha.92", "facebook", "thuha.92"),
        ("fb.com/ThuHa.92?ref=share", "facebook", "thuha.92"),
        ("https://www.tiktok.com/@shop.me.bin", "tiktok", "shop.me.bin"),
        ("t.me/ho_tro_vay", "telegram", "ho_tro_vay"),
    ],
)
def test_a_profile_link_names_its_platform_and_handle(link, platform, name):
    profile = profile_from_link(parse_identifier(link))
    assert (profile.platform, profile.name.casefold()) == (platform, name)


@pytest.mark.parametrize("text", ["", "   ", "(chỉ có ghi chú)", "x" * 200, "fb"])
def test_nothing_usable_is_no_profile(text):
    assert parse_profile(text)[0] is None


@pytest.mark.parametrize("number", ["001099012345", "079 203 004 567", "038185000123"])
def test_a_citizen_id_is_never_a_bank_account(number):
    assert is_citizen_id(number)
    assert parse_identifier(number) is None
    assert extract_identifiers(f"STK {number}") == [] and parse_identifier(f"STK {number}") is None
    assert citizen_ids_in(f"số CCCD của tôi là {number} có sao không") == [number.replace(" ", "")]


@pytest.mark.parametrize("number", ["102784556612", "0912345678", "097999012345", "1027845566"])
def test_other_numbers_are_not_citizen_ids(number):
    assert not is_citizen_id(number)


def test_twelve_digits_with_a_bank_named_stay_an_account():
    # Sacombank's 12-digit accounts share the shape (0601…): the citizen naming the bank decides.
    [account] = extract_identifiers("STK 060123456789 Sacombank")
    assert (account.kind, account.bank_code) == ("bank_account", "STB")
