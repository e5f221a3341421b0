"""Citizen-ID numbers (CCCD): 12 digits, the first three the province of birth registration.

They are personal data, not something a scammer uses to get paid: a citizen who sends one (to check
or to report) is told so, and it is never read as a bank account. The province codes are those of
the Ministry of Public Security's circular 07/2016 (001–096, not every number used); codes were not
renumbered with the 2025 merger of provinces, so numbers issued before and after read the same.
"""

from __future__ import annotations

import re

PROVINCE_CODES = frozenset(
    (
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
        "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
        "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
        "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
        "089", "091", "092", "093", "094", "095", "096",
    )
)  # fmt: skip
DIGITS = 12
# 12 digits written together or in groups of 3 or 4 ("079 203 004 567", "0792 0300 4567"), alone.
_NUMBER = re.compile(r"(?<![\d.,])\d{3,4}(?:[ .\-]?\d{3,4}){2,3}(?![\d.,]*\d)")
_NOT_DIGIT = re.compile(r"\D")


def is_citizen_id(value: str) -> bool:
    """12 digits starting with a province code, written alone (spaces, dots or dashes between groups)."""
    digits = _NOT_DIGIT.sub("", value)
    if len(digits) != DIGITS or not re.fullmatch(r"[\d .\-]+", value.strip()):
        return False
    return digits[:3] in PROVINCE_CODES


def citizen_id_spans(text: str) -> list[tuple[int, int]]:
    """Where citizen-ID numbers are in a message: the extractor leaves these out."""
    return [match.span() for match in _NUMBER.finditer(text or "") if is_citizen_id(match.group())]


def citizen_ids_in(text: str) -> list[str]:
    """The citizen-ID numbers in a message, as digits, in order."""
    return [_NOT_DIGIT.sub("", text[start:end]) for start, end in citizen_id_spans(text or "")]
