"""Amounts as people type them, and everything else refused with None (never an exception)."""

import pytest

from bot.core.money import MAX_VND, format_vnd, parse_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("5 triệu", 5_000_000),
        ("5tr", 5_000_000),
        ("500k", 500_000),
        ("2,5 triệu", 2_500_000),
        ("1.5 tỷ", 1_500_000_000),
        ("1.200.000đ", 1_200_000),
        ("1,200,000 VND", 1_200_000),
        ("1 200 000 đồng", 1_200_000),
        ("300 nghìn", 300_000),
        ("0", 0),
        ("５００ｋ", 500_000),  # full-width, as some phone keyboards type
        ("１.２００.０００đ", 1_200_000),
        ("0,1234567 tỷ", 123_456_700),  # exact: no float rounding on the way
    ],
)
def test_amounts_as_typed(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nhiều lắm",
        "5 quả táo",
        "-5tr",
        "²",
        "¹²³ nghìn",
        "①",
        "Ⅻ",
        "٣",  # Arabic-Indic: int() and float() read it, nobody here types it
        "٣٠٠ nghìn",
        "𝟗",
        "५",
        "9" * 309,  # float() gives inf
        "9" * 400 + " triệu",
        "999." * 120 + "999đ",
        "1," + "9" * 400 + " tỷ",
        "9" * 5000,  # more digits than int() converts
        "1e400",
        "nan",
        "inf",
        "\ud800",
    ],
)
def test_what_is_not_an_amount_is_none(text):
    assert parse_amount(text) is None


def test_the_cap_is_inclusive():
    assert parse_amount(f"{MAX_VND}") == MAX_VND and parse_amount(f"{MAX_VND + 1}") is None


def test_format_vnd():
    assert format_vnd(1_200_000) == "1.200.000 đ"


# --- everyday amounts (issue 20) ---


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("15tr5", 15_500_000),
        ("15 tr 5", 15_500_000),
        ("15 triệu 5", 15_500_000),
        ("15 triệu 500", 15_500_000),
        ("15 triệu rưỡi", 15_500_000),
        ("15tr rưỡi", 15_500_000),
        ("mat 15.500.000d", 15_500_000),
        ("mất 15.500.000đ", 15_500_000),
        ("khoảng 5 triệu thôi", 5_000_000),
        ("2 chục triệu", 20_000_000),
        ("300 nghìn", 300_000),
        ("300k", 300_000),
        ("1 tỷ 2", 1_200_000_000),
        ("1ty2", 1_200_000_000),
        ("1 tỷ 25", 1_250_000_000),
        ("1 tỷ 200 triệu", 1_200_000_000),
        ("1 tỷ 2 trăm triệu", 1_200_000_000),
        ("15 triệu 500 nghìn", 15_500_000),
        ("5 trăm nghìn", 500_000),
        ("15,5 triệu", 15_500_000),
        ("2 củ", 2_000_000),
    ],
)
def test_everyday_amounts(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    [
        "3 con mèo",
        "1 triệu 2 tỷ",  # units must fall
        "15tr5tr",
        "tr5",
        "rưỡi",
        "15 rưỡi",  # half of nothing
        "15 triệu rưỡi 5",
        "mất",
        "5 5",
        "15tr5000",  # more than thousandths after a unit
        "1 triệu triệu",
        "chục triệu",
        "mất điện thoại 2 lần",
        "0912345678 lừa tôi",
        "5 triệu" + " thôi" * 40,  # an amount among a long text is not an amount
    ],
)
def test_everyday_nonsense_stays_none(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [("3", 3_000_000), ("50", 50_000_000), ("2,5", 2_500_000), ("0", 0), ("1500", 1500), ("1.500", 1500)],
)
def test_a_bare_small_number_counts_in_the_unit_the_step_says(text, amount):
    # The report's amount step shows the amount back in its summary, so "3" may mean 3 triệu there.
    assert parse_amount(text, bare_unit=1_000_000) == amount
    assert parse_amount("3") == 3  # everywhere else a bare number is đồng
