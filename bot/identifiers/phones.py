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
from collections.abc import Iterator
from functools import cache, lru_cache

import phonenumbers
import yaml
from phonenumbers import NumberParseException, PhoneNumberType, carrier, shortnumberinfo

from bot.core import paths
from bot.core.textnorm import strip_diacritics
from bot.identifiers.model import PhoneNumber

# National short numbers, valid as dialled: 113 police, 114 fire, 115 ambulance (libphonenumber
# knows these three), 111 child protection, 112 search and rescue, 156 and 5656 for reporting spam
# calls and messages (docs/platforms.md, data/reference/hotlines.yaml).
KNOWN_SHORT_CODES = frozenset({"111", "112", "113", "114", "115", "156", "5656"})

_SPACE = r"[ \t\u00a0]"
_SEP = rf"(?:{_SPACE}?[.\-–]{_SPACE}?|{_SPACE})"
_NOT_AFTER = r"(?<![\w+@#$])"
_PREFIX = rf"(?:\(\+?\d{{1,4}}\){_SPACE}?|\+)"
_GROUP = rf"(?:{_SEP}|{_SEP}?\(\d{{1,4}}\){_SEP}?)\d+"
# The shape of a phone number in text: digit groups with single separators, "+" or "(+84)" in
# front, "(0)" or an area code in brackets after the country code ("+1 (202) 555-0123"). Not glued
# to letters ("09l2345678", "500k"), to an e-mail ("…@"), a code ("#123456") or a decimal ("2,5").
NUMBER_SHAPE = re.compile(rf"{_NOT_AFTER}{_PREFIX}?\d+(?:{_GROUP})*(?![\w@]|[.,]\d)")
# For find_numbers: where NUMBER_SHAPE may start, and how far its digit groups reach from there
# (however it ends), with the start of the first group after the prefix.
_START = re.compile(rf"{_NOT_AFTER}[(+\d]")
_RUN = re.compile(rf"{_PREFIX}?(?P<groups>\d+(?:{_GROUP})*+)")
_IN_BRACKETS = re.compile(r"(?<=\()\d")
# No phone number has more digits: "00", a country code of up to 3 digits, the longest national
# prefix phonenumbers strips (15 digits as its patterns are written) and a national number of at
# most 17 (phonenumbers refuses longer). A test checks this against the installed data.
MAX_PHONE_DIGITS = 37
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


def most_digits(value: str, digits: str) -> int:
    """The most digits a phone number can have when it is written starting like `value` and its
    digits start like `digits` (the rules of _dialled): with + or 00 any country's; otherwise a
    Vietnamese number (84 and 10 digits, 0 and 10, 1800/1900 and 6) or a short code."""
    if value.startswith(("+", "(+")) or digits.startswith("00"):
        return MAX_PHONE_DIGITS
    if digits.startswith("84"):
        return 12
    if digits.startswith("0"):
        return 11
    if digits.startswith(("1800", "1900")):
        return 10
    return 5


def may_be_phone(value: str, digits: str) -> bool:
    """What parse_phone asks before any parsing: whether `value`, with these digits, is written
    like a phone number at all (a short code, or a form _dialled knows, of a length that exists).
    Cheap: extraction asks it of every window of digit groups and parses only those that may be."""
    if len(digits) > most_digits(value, digits):
        return False
    if 3 <= len(digits) <= 5 and value.isdigit() and digits[0] != "0":
        return True
    return _dialled(value, digits) is not None


def find_numbers(text: str) -> Iterator[re.Match[str]]:
    """What NUMBER_SHAPE.finditer(text) finds, in time linear in the text.

    finditer tries again at every position after one where no match ends well, so in "1.1.1…1x"
    (no group may end a number: "1.1" is a decimal, "1x" is glued to a letter) it reads the rest of
    the run once per group. Where a match may end depends only on what follows that position, so
    a start inside a run already read from an earlier start (past the prefix, or past the match
    found there) finds no better end: only digits in brackets, "(113)", which end at their ")",
    are tried there.
    """
    pos = skip_from = skip_to = 0
    while start := _START.search(text, pos):
        at = start.start()
        if skip_from <= at < skip_to:
            inner = _IN_BRACKETS.search(text, at, skip_to)
            found = NUMBER_SHAPE.match(text, inner.start()) if inner else None
            if found:
                yield found
            pos = found.end() if found else inner.start() + 1 if inner else skip_to
            continue
        found = NUMBER_SHAPE.match(text, at)
        run = _RUN.match(text, at)
        if found:
            yield found
        if run and run.end() > skip_to:
            skip_from, skip_to = (found.end() if found else run.start("groups")), run.end()
        pos = found.end() if found else at + 1


def parse_phone(text: str) -> PhoneNumber | None:
    """One phone number as a citizen typed it, or None when it is not one."""
    raw = text.strip()
    value = _without_label(raw)
    digits = _NOT_DIGIT.sub("", value)
    if not may_be_phone(value, digits) or not NUMBER_SHAPE.fullmatch(value):
        return None
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
