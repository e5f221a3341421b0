"""Amounts of money as Vietnamese people type them: "5 triệu", "5tr", "500k", "2,5 triệu", "1.200.000đ"."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from bot.core.textnorm import fold_width, strip_diacritics

_UNITS = {
    "k": 1_000, "nghin": 1_000, "ngan": 1_000, "ng": 1_000,
    "tr": 1_000_000, "trieu": 1_000_000, "cu": 1_000_000, "m": 1_000_000,
    "ty": 1_000_000_000, "ti": 1_000_000_000, "b": 1_000_000_000,
}  # fmt: skip
# ASCII digits only: without re.ASCII, \d also matches '٣' or '𝟗', which float() reads as numbers.
_GROUPED = r"\d{1,3}(?:[.,\s]\d{3})+"
_AMOUNT = re.compile(rf"^({_GROUPED}|\d+(?:[.,]\d+)?)\s*([a-z]*)$", re.ASCII)
_CURRENCY = re.compile(r"\s*(?:d|dong|vnd)$", re.ASCII)
MAX_VND = 10**13  # ten thousand billion: anything above is a typing slip
_MAX_NUMBER_CHARS = 32  # "10.000.000.000.000" and decimals fit; longer is never a real amount


def parse_amount(text: str) -> int | None:
    """VND as an integer, or None if the text is not an amount (never an exception)."""
    key = strip_diacritics(fold_width(text).lower()).replace("đ", "d").strip().rstrip(".")
    match = _AMOUNT.match(_CURRENCY.sub("", key))
    if not match:
        return None
    number, unit = match.groups()
    if (unit and unit not in _UNITS) or len(number) > _MAX_NUMBER_CHARS:
        return None
    if re.fullmatch(_GROUPED, number, re.ASCII):
        value = Decimal(re.sub(r"[.,\s]", "", number))  # 1.200.000 or 1,200,000: thousands separators
    else:
        value = Decimal(number.replace(",", "."))  # 2,5 triệu: a decimal comma
    # Decimal, not float: exact, and a number of 309 digits is not infinity.
    amount = int((value * _UNITS.get(unit, 1)).to_integral_value(ROUND_HALF_UP))
    return amount if 0 <= amount <= MAX_VND else None


def format_vnd(amount: int) -> str:
    """1200000 → "1.200.000 đ", the way amounts are written in Vietnam."""
    return f"{amount:,}".replace(",", ".") + " đ"
