"""Amounts of money as Vietnamese people type them: "5 triệu", "5tr", "500k", "2,5 triệu", "1.200.000đ"."""

from __future__ import annotations

import re

from bot.textnorm import strip_diacritics

_UNITS = {
    "k": 1_000, "nghin": 1_000, "ngan": 1_000, "ng": 1_000,
    "tr": 1_000_000, "trieu": 1_000_000, "cu": 1_000_000, "m": 1_000_000,
    "ty": 1_000_000_000, "ti": 1_000_000_000, "b": 1_000_000_000,
}  # fmt: skip
_AMOUNT = re.compile(r"^(\d{1,3}(?:[.,\s]\d{3})+|\d+(?:[.,]\d+)?)\s*([a-z]*)$")
_CURRENCY = re.compile(r"\s*(?:d|dong|vnd)$")
MAX_VND = 10**13  # ten thousand billion: anything above is a typing slip


def parse_amount(text: str) -> int | None:
    """VND as an integer, or None if the text is not an amount."""
    key = strip_diacritics(text.lower()).replace("đ", "d").strip().rstrip(".")
    match = _AMOUNT.match(_CURRENCY.sub("", key))
    if not match:
        return None
    number, unit = match.groups()
    if unit and unit not in _UNITS:
        return None
    if re.fullmatch(r"\d{1,3}(?:[.,\s]\d{3})+", number):
        value = float(re.sub(r"[.,\s]", "", number))  # 1.200.000 or 1,200,000: thousands separators
    else:
        value = float(number.replace(",", "."))  # 2,5 triệu: a decimal comma
    amount = int(round(value * _UNITS.get(unit, 1)))
    return amount if 0 <= amount <= MAX_VND else None


def format_vnd(amount: int) -> str:
    """1200000 → "1.200.000 đ", the way amounts are written in Vietnam."""
    return f"{amount:,}".replace(",", ".") + " đ"
