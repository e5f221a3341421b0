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
