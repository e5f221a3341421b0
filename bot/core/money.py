"""Amounts of money as Vietnamese people type them.

Understood: "5 triệu", "5tr", "500k", "300 nghìn", "2,5 triệu", "15,5 triệu", "1.200.000đ", and the
everyday shapes:
- a unit followed by a number without one is that many tenths, hundredths, thousandths of the
  unit, as it is said: "15tr5" and "15 triệu 5" are 15,5 triệu, "15 triệu 500" too, "1 tỷ 2" and
  "1ty2" are 1,2 tỷ, "1 tỷ 25" is 1,25 tỷ;
- "rưỡi" after a unit is half of it: "15 triệu rưỡi";
- "chục" and "trăm" multiply: "2 chục triệu" (20 triệu), "5 trăm nghìn" (500 nghìn);
- terms in falling units add up: "1 tỷ 200 triệu", "15 triệu 500 nghìn";
- a few words around the amount: "mất 15.500.000đ", "khoảng 5 triệu", "5 triệu thôi".
Anything else is None, never a guess: "3 con", "1 triệu 2 tỷ", "15tr5tr".

**A bare small number at the amount step.** "3" typed where the report flow asks how much was
lost means 3 triệu, not 3 đồng: nobody reports losing 3 đồng, and people count losses in millions.
So `parse_amount(text, bare_unit=MILLION)` reads a number without unit below 1000 ("3", "50",
"2,5") as millions. This is safe only because the report flow shows the amount in its summary,
formatted in full ("3.000.000 đ"), before anything is sent, and the citizen can change it there;
a step that does not show it back must leave `bare_unit` at 1 (the default).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.core.textnorm import fold_width, strip_diacritics

THOUSAND, MILLION, BILLION = 1_000, 1_000_000, 1_000_000_000
_UNITS = {
    "k": THOUSAND, "nghin": THOUSAND, "ngan": THOUSAND, "ng": THOUSAND,
    "tr": MILLION, "trieu": MILLION, "cu": MILLION, "m": MILLION,
    "ty": BILLION, "ti": BILLION, "b": BILLION,
}  # fmt: skip
_MULTIPLIERS = {"chuc": 10, "tram": 100}
_HALF = "ruoi"
# Words said around an amount ("mất 5 triệu", "khoảng 5tr", "5 triệu thôi"), folded.
_BEFORE = {"mat", "khoang", "tam", "chung", "co", "gan", "hon", "het", "bi", "lua", "chuyen", "la", "tong", "cong"}
_AFTER = {"d", "dong", "vnd", "thoi", "roi", "a", "nhe"}
# ASCII digits only: without re.ASCII, \d also matches '٣' or '𝟗', which float() reads as numbers.
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+|\d{1,3}(?: \d{3})+", re.ASCII)
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?", re.ASCII)
_TOKEN = re.compile(rf"(?:{_GROUPED.pattern})(?![\d.,])|\d+(?:[.,]\d+)?|[a-z]+|\S", re.ASCII)
MAX_VND = 10**13  # ten thousand billion: anything above is a typing slip
_MAX_NUMBER_CHARS = 32  # "10.000.000.000.000" and decimals fit; longer is never a real amount
_MAX_TEXT_CHARS = 80  # an amount with a few words around it; a longer text is not one
_BARE_BELOW = 1000  # with bare_unit: "3", "50", "2,5" are millions; "1500" stays 1500 đồng


def _number(token: str) -> Decimal | None:
    if len(token) > _MAX_NUMBER_CHARS:
        return None
    if _GROUPED.fullmatch(token):
        return Decimal(re.sub(r"[., ]", "", token))  # 1.200.000 or 1,200,000: thousands separators
    if _DECIMAL.fullmatch(token):
        try:
            return Decimal(token.replace(",", "."))  # 2,5 triệu: a decimal comma
        except InvalidOperation:
            return None
    return None


def _tokens(text: str) -> list[str] | None:
    key = strip_diacritics(fold_width(text).lower()).replace("đ", "d").strip().rstrip(".!")
    if not key or len(key) > _MAX_TEXT_CHARS:
        return None
    tokens = _TOKEN.findall(key)
    while tokens and tokens[0] in _BEFORE:
        tokens.pop(0)
    while tokens and tokens[-1] in _AFTER:
        tokens.pop()
    return tokens


def _read(tokens: list[str], bare_unit: int) -> Decimal | None:
    """The amount the tokens say, or None (see the module docstring for the shapes)."""
    total, i, last_unit = Decimal(0), 0, None
    while i < len(tokens):
        number = _number(tokens[i])
        if number is None:
            return None
        i += 1
        if i < len(tokens) and tokens[i] in _MULTIPLIERS:
            number *= _MULTIPLIERS[tokens[i]]
            i += 1
        unit = _UNITS.get(tokens[i]) if i < len(tokens) else None
        if unit is None:
            if i < len(tokens):
                return None  # a word that is not a unit: "3 con"
            if last_unit is None:  # a number alone
                small = number < _BARE_BELOW and not _GROUPED.fullmatch(tokens[i - 1])
                return number * (bare_unit if small else 1)
            # "15tr5", "1 tỷ 2": the digits after a unit are its tenths, hundredths, thousandths
            digits = tokens[i - 1]
            if not digits.isdigit() or len(digits) > 3 or number != int(digits) or last_unit < THOUSAND:
                return None
            return total + Decimal("0." + digits) * last_unit
        if last_unit is not None and unit >= last_unit:
            return None  # "1 triệu 2 tỷ": units must fall
        i += 1
        total += number * unit
        last_unit = unit
        if i < len(tokens) and tokens[i] == _HALF:
            total += Decimal(unit) / 2
            i += 1
            if i < len(tokens):
                return None  # nothing comes after "rưỡi"
    return total if last_unit is not None else None


def parse_amount(text: str, *, bare_unit: int = 1) -> int | None:
    """VND as an integer, or None if the text is not an amount (never an exception).

    `bare_unit`: what a number below 1000 typed alone counts in (MILLION at a step that shows the
    amount back for confirmation; see the module docstring)."""
    tokens = _tokens(text)
    if not tokens:
        return None
    value = _read(tokens, bare_unit)
    if value is None:
        return None
    # Decimal, not float: exact, and a number of 309 digits is not infinity.
    amount = int(value.to_integral_value(ROUND_HALF_UP))
    return amount if 0 <= amount <= MAX_VND else None


def format_vnd(amount: int) -> str:
    """1200000 → "1.200.000 đ", the way amounts are written in Vietnam."""
    return f"{amount:,}".replace(",", ".") + " đ"
