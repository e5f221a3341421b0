"""Phone numbers as Vietnamese people write them, in one canonical form (E.164).

"0912.345.678", "+84 912 345 678", "(+84) 0912-345-678" and "84912345678" are one number, so
reports about it add up. Validity, type, region and carrier come from `phonenumbers` (Google's
libphonenumber data). This module adds only what that data lacks: 11-digit mobile numbers from
before the 2018 conversion (data/reference/phone_prefix_conversion.yaml), national short numbers
that are not emergency numbers (5656, 156, 111), and how the number was typed (`00` instead of `+`).

A number of the right shape that cannot exist ("0111 222 333") is kept with valid=False: a
spoofed caller ID is itself a warning sign. Shapes that are not a whole phone number are None.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import phonenumbers
import yaml
from phonenumbers import NumberParseException, PhoneNumberType, carrier, shortnumberinfo

from bot import paths
from bot.identifiers.model import PhoneNumber
from bot.textnorm import strip_diacritics

# National short numbers, valid as dialled: 113 police, 114 fire, 115 ambulance (libphonenumber
# knows these three), 111 child protection, 112 search and rescue, 156 and 5656 for reporting spam
# calls and messages (docs/platforms.md, data/reference/hotlines.yaml).
KNOWN_SHORT_CODES = frozenset({"111", "112", "113", "114", "115", "156", "5656"})

_SPACE = r"[ \t\u00a0]"
_SEP = rf"(?:{_SPACE}?[.\-–]{_SPACE}?|{_SPACE})"
# The shape of a phone number in text: digit groups with single separators, "+" or "(+84)" in
# front, "(0)" or an area code in brackets after the country code ("+1 (202) 555-0123"). Not glued
# to letters ("09l2345678", "500k"), to an e-mail ("…@"), a code ("#123456") or a decimal ("2,5").
NUMBER_SHAPE = re.compile(
    rf"(?<![\w+@#$])(?:\(\+?\d{{1,4}}\){_SPACE}?|\+)?\d+(?:(?:{_SEP}|{_SEP}?\(\d{{1,4}}\){_SEP}?)\d+)*(?![\w@]|[.,]\d)"
)
# What people write before a number they paste ("SĐT: 0912…", "Hotline 1900…"), matched unaccented.
_LABEL = re.compile(
    r"(?:so\s*)?(?:sdt|dt|dien\s*thoai|di\s*dong|tel|phone|hotline|lh|lien\s*he|goi|zalo|so)\b\W*", re.IGNORECASE
)
_NOT_DIGIT = re.compile(r"\D")
_TYPE_NAMES = {
    value: name.lower() for name, value in vars(PhoneNumberType).items() if name.isupper() and isinstance(value, int)
}
_NO_REGION = frozenset({"ZZ", "001"})


@cache
def _old_prefixes() -> dict[str, str]:
    """'166' -> '36': old and new mobile prefixes without the leading 0."""
    table = yaml.safe_load((paths.reference_dir() / "phone_prefix_conversion.yaml").read_text(encoding="utf-8"))
    return {str(old)[1:]: str(new)[1:] for old, new in table.items()}


def _without_label(value: str) -> str:
    if value[:1].isdigit() or value[:1] in "+(":
        return value
    folded = strip_diacritics(value)
    label = _LABEL.match(folded) if len(folded) == len(value) else None
    return value[label.end() :] if label else value


def _vietnamese(national: str) -> tuple[str, bool] | None:
    """'+84…' for a national number without its 0, converting an 11-digit mobile from before 2018."""
    if len(national) == 10 and (new := _old_prefixes().get(national[:3])):
        return "+84" + new + national[3:], True
    return ("+84" + national, False) if 7 <= len(national) <= 10 else None


def _dialled(value: str, digits: str) -> tuple[str, bool, bool] | None:
    """The number as '+<country><number>', whether it was written with 00, whether it was converted."""
    written_with_00 = not value.startswith(("+", "(+")) and digits.startswith("00")
    if value.startswith(("+", "(+")) or written_with_00:
        international = digits[2:] if written_with_00 else digits
        if not international.startswith("84"):
            return "+" + international, written_with_00, False
        national = international[2:].removeprefix("0")  # "+84 (0) 912…": the trunk 0 is redundant
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    elif digits.startswith("0") and len(digits) in (10, 11):
        national = digits[1:]
    elif digits.startswith(("1800", "1900")) and len(digits) in (8, 10):
        national = digits
    else:
        return None
    converted = _vietnamese(national)
    return (converted[0], written_with_00, converted[1]) if converted else None


@lru_cache(maxsize=4096)
def _describe(dialled: str) -> tuple[str, str, str | None, str | None, bool] | None:
    """(E.164, type, region, carrier, valid) for '+<digits>'; None when no number can have that shape."""
    try:
        number = phonenumbers.parse(dialled)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    valid = phonenumbers.is_valid_number(number)
    region = (
        phonenumbers.region_code_for_number(number)
        if valid
        else phonenumbers.region_code_for_country_code(number.country_code)
    )
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        _TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"),
        None if region in _NO_REGION else region,
        carrier.name_for_number(number, "en") or None,
        valid,
    )


def _is_short_code(digits: str) -> bool:
    if digits in KNOWN_SHORT_CODES:
        return True
    return shortnumberinfo.is_valid_short_number_for_region(phonenumbers.parse(digits, "VN"), "VN")


def parse_phone(text: str) -> PhoneNumber | None:
    """One phone number as a citizen typed it, or None when it is not one."""
    raw = text.strip()
    value = _without_label(raw)
    if not NUMBER_SHAPE.fullmatch(value):
        return None
    digits = _NOT_DIGIT.sub("", value)
    if 3 <= len(digits) <= 5 and value.isdigit() and digits[0] != "0":
        if _is_short_code(digits):
            return PhoneNumber(raw=raw, normalized=digits, number_type="short_code", region="VN")
        return None
    dialled = _dialled(value, digits)
    described = _describe(dialled[0]) if dialled else None
    if not described:
        return None
    normalized, number_type, region, carrier_name, valid = described
    return PhoneNumber(
        raw=raw,
        normalized=normalized,
        number_type=number_type,
        region=region,
        carrier=carrier_name,
        valid=valid,
        written_with_00=dialled[1],
        old_format=dialled[2],
    )
