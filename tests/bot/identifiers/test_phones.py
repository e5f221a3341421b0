import pytest

from bot.identifiers import parse_phone
from tests.bot.identifiers.parsed import parsed

VINA = "+84912345678"

# (as typed, E.164 or short code, type, region, carrier)
VALID = [
    # One Vinaphone number, every way people write it.
    ("0912 345 678", VINA, "mobile", "VN", "Vinaphone"),
    ("0912.345.678", VINA, "mobile", "VN", "Vinaphone"),
    ("0912-345-678", VINA, "mobile", "VN", "Vinaphone"),
    ("0912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("091 234 5678", VINA, "mobile", "VN", "Vinaphone"),
    ("09 12 34 56 78", VINA, "mobile", "VN", "Vinaphone"),
    ("0912 - 345 - 678", VINA, "mobile", "VN", "Vinaphone"),
    ("  0912345678 ", VINA, "mobile", "VN", "Vinaphone"),
    ("+84 912.345.678", VINA, "mobile", "VN", "Vinaphone"),
    ("+84912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("+84-912-345-678", VINA, "mobile", "VN", "Vinaphone"),
    ("84912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("(84) 912 345 678", VINA, "mobile", "VN", "Vinaphone"),
    ("(+84) 0912-345-678", VINA, "mobile", "VN", "Vinaphone"),
    ("(+84)912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("+84 (0) 912 345 678", VINA, "mobile", "VN", "Vinaphone"),
    ("+84(0)912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("+840912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("SĐT: 0912 345 678", VINA, "mobile", "VN", "Vinaphone"),
    ("sdt 0912345678", VINA, "mobile", "VN", "Vinaphone"),
    ("Zalo 0912.345.678", VINA, "mobile", "VN", "Vinaphone"),
    # Every network.
    ("0987 654 321", "+84987654321", "mobile", "VN", "Viettel"),
    ("0362 345 678", "+84362345678", "mobile", "VN", "Viettel"),
    ("0868 123 456", "+84868123456", "mobile", "VN", "Viettel"),
    ("0901 234 567", "+84901234567", "mobile", "VN", "MobiFone"),
    ("0701 234 567", "+84701234567", "mobile", "VN", "MobiFone"),
    ("0839 123 456", "+84839123456", "mobile", "VN", "Vinaphone"),
    ("0562 345 678", "+84562345678", "mobile", "VN", "Vietnamobile"),
    ("0922 345 678", "+84922345678", "mobile", "VN", "Vietnamobile"),
    ("0592 345 678", "+84592345678", "mobile", "VN", "G-Mobile"),
    ("0871 234 567", "+84871234567", "mobile", "VN", "Vinaphone"),  # iTel, filed under Vinaphone
    ("0559 123 456", "+84559123456", "mobile", "VN", "Reddi"),
    ("0951 234 567", "+84951234567", "mobile", "VN", None),
    # Landlines: Hà Nội, TP.HCM, Đà Nẵng.
    ("024 3825 1234", "+842438251234", "fixed_line", "VN", None),
    ("024.3825.1234", "+842438251234", "fixed_line", "VN", None),
    ("0243 825 1234", "+842438251234", "fixed_line", "VN", None),
    ("+84 24 3825 1234", "+842438251234", "fixed_line", "VN", None),
    ("842438251234", "+842438251234", "fixed_line", "VN", None),
    ("028 3829 1234", "+842838291234", "fixed_line", "VN", None),
    ("(028) 3829 1234", "+842838291234", "fixed_line", "VN", None),
    ("0236 3822 123", "+842363822123", "fixed_line", "VN", None),
    # Service numbers.
    ("1800 1091", "+8418001091", "toll_free", "VN", None),
    ("18001091", "+8418001091", "toll_free", "VN", None),
    ("1800 599 920", "+841800599920", "toll_free", "VN", None),
    ("1900 545 413", "+841900545413", "premium_rate", "VN", None),
    ("1900 6060", "+8419006060", "premium_rate", "VN", None),
    ("Hotline: 1900 545 413", "+841900545413", "premium_rate", "VN", None),
    # Short codes.
    ("113", "113", "short_code", "VN", None),
    ("114", "114", "short_code", "VN", None),
    ("115", "115", "short_code", "VN", None),
    ("111", "111", "short_code", "VN", None),
    ("112", "112", "short_code", "VN", None),
    ("156", "156", "short_code", "VN", None),
    ("5656", "5656", "short_code", "VN", None),
    ("gọi 113", "113", "short_code", "VN", None),
    # Abroad.
    ("+855 12 345 678", "+85512345678", "mobile", "KH", "Cellcard"),
    ("+86 138 0013 8000", "+8613800138000", "mobile", "CN", "China Mobile"),
    ("+44 20 7946 0958", "+442079460958", "fixed_line", "GB", None),
    ("+66 81 234 5678", "+66812345678", "mobile", "TH", "True Move"),
    ("+1 (202) 555-0123", "+12025550123", "fixed_line_or_mobile", "US", None),
    ("+7 912 345 67 89", "+79123456789", "mobile", "RU", None),
    ("+82 10-1234-5678", "+821012345678", "mobile", "KR", None),
]


@pytest.mark.parametrize("text, normalized, number_type, region, carrier", VALID)
def test_valid_numbers(text, normalized, number_type, region, carrier):
    phone = parsed(parse_phone, text, normalized=normalized, number_type=number_type, region=region, carrier=carrier)
    assert phone.valid and not phone.old_format
    assert phone.raw == text.strip()
    assert phone.key == f"phone:{normalized}"
    assert phone.foreign == (region != "VN")


# 11-digit mobiles from before 2018: the first four digits became three, the last seven stayed.
OLD_FORMAT = [
    ("01662345678", "+84362345678", "Viettel"),
    ("0166 234 5678", "+84362345678", "Viettel"),
    ("+84 166 234 5678", "+84362345678", "Viettel"),
    ("841662345678", "+84362345678", "Viettel"),
    ("0169.123.4567", "+84391234567", "Viettel"),
    ("01201234567", "+84701234567", "MobiFone"),
    ("0128 123 4567", "+84781234567", "MobiFone"),
    ("0123 456 7890", "+84834567890", "Vinaphone"),
    ("01291234567", "+84821234567", "Vinaphone"),
    ("01881234567", "+84581234567", "Vietnamobile"),
    ("01991234567", "+84591234567", "G-Mobile"),
]


@pytest.mark.parametrize("text, normalized, carrier", OLD_FORMAT)
def test_old_eleven_digit_mobiles_are_converted(text, normalized, carrier):
    phone = parsed(parse_phone, text, normalized=normalized, carrier=carrier, number_type="mobile")
    assert phone.old_format and phone.valid


@pytest.mark.parametrize(
    "text, normalized, region",
    [
        ("00 1 202 555 0123", "+12025550123", "US"),
        ("0084 912 345 678", VINA, "VN"),
        ("00855 12 345 678", "+85512345678", "KH"),
    ],
)
def test_international_prefix_00_is_remembered(text, normalized, region):
    parsed(parse_phone, text, normalized=normalized, region=region, written_with_00=True)


def test_plus_is_not_00():
    assert not parse_phone("+1 202 555 0123").written_with_00


# The right shape, a prefix no number can have: kept, because a caller ID like this is spoofed.
IMPOSSIBLE = [
    ("0111 222 333", "+84111222333"),
    ("0123456789", "+84123456789"),
    ("0200 000 000", "+84200000000"),
    ("+84 0000 0000", "+840000000"),
]


@pytest.mark.parametrize("text, normalized", IMPOSSIBLE)
def test_impossible_numbers_are_kept_as_invalid(text, normalized):
    parsed(parse_phone, text, normalized=normalized, valid=False, number_type="unknown", region="VN")


NOT_PHONES = [
    "",
    "   ",
    "abc",
    "09l2345678",  # a letter l for a 1
    "0912345678k",
    "0912 345",  # cut short
    "091234567",
    "912345678",  # no leading 0
    "+84 912",
    "1234",  # not a known short code
    "12345",
    "2024",
    "+999 1234567",  # no such country
    "0912345678 0987654321",  # two numbers
    "5.000.000",
    "2,5",
    "12/05/2024",
    "mã 482913",
    "0912345678@gmail.com",
]


@pytest.mark.parametrize("text", NOT_PHONES)
def test_not_phone_numbers(text):
    assert parse_phone(text) is None


@pytest.mark.parametrize("text", [row[0] for row in VALID + OLD_FORMAT])
def test_the_normalized_form_reads_back_as_itself(text):
    normalized = parse_phone(text).normalized
    assert parse_phone(normalized).normalized == normalized
