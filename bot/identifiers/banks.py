"""Banks and e-wallets, and account numbers as people give them ("STK 0123456789 VCB").

Scam messages name the bank the way people speak: a code ("vcb", "tcb"), a brand ("MB Bank"), a
Vietnamese name with or without accents ("ngoại thương", "ngoai thuong") or an e-wallet ("momo").
The registry (data/reference/banks.yaml) maps all of these to one `Bank`, so the same account is
reported under one bank code whatever way it was named. A 6-digit BIN in front of the digits
("970436 0123456789", the VietQR/NAPAS form) names the bank as well.

Matching works on `fold(text)`: accents removed, lower case, same length as the text, so positions
found in the folded text are positions in the original too (extract.py relies on that).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from itertools import chain

from bot.core import paths
from bot.core.content import read_yaml
from bot.core.textnorm import strip_diacritics
from bot.identifiers.citizen_id import is_citizen_id
from bot.identifiers.model import BankAccount

MIN_ACCOUNT_DIGITS = 6
MAX_ACCOUNT_DIGITS = 19
CARD_LENGTHS = (16, 19)  # NAPAS card numbers start with the bank's BIN

_DIGITS = re.compile(r"\d+")
# A number as typed in an account message: digits, optionally grouped by spaces, dots or hyphens.
_ACCOUNT_NUMBER = re.compile(r"(?<![\w+])\+?\d+(?:(?:[ \t]?[.\-–][ \t]?|[ \t])\d+)*(?!\w)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Bank:
    code: str  # VietQR short name ("VCB", "MB", "MOMO"): what BankAccount.bank_code holds
    name: str  # brand as people know it ("Vietcombank")
    full_name: str  # registered Vietnamese name
    bin: str | None = None  # 6-digit NAPAS/VietQR BIN; None for e-wallets
    is_ewallet: bool = False
    aliases: tuple[str, ...] = ()  # as written in banks.yaml (the brand name is always an alias too)


def _fold_table() -> dict[int, str]:
    letters = (chr(cp) for cp in chain(range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00)))
    return {ord(ch): base for ch in letters if len(base := strip_diacritics(ch).lower()) == 1 and base.isascii()}


_FOLD = str.maketrans(_fold_table())


def fold(text: str) -> str:
    """'Ngoại Thương' -> 'ngoai thuong': no accents, lower case, one character per character."""
    return text.translate(_FOLD)


def _alias_key(alias: str) -> str:
    return _NOT_ALNUM.sub("", fold(alias))


def _spellings(bank: Bank) -> Iterator[str]:
    yield bank.name
    for alias in bank.aliases:
        yield alias
        if fold(alias).startswith("ngan hang "):
            yield "nh " + alias[len("ngân hàng ") :]


def _load(entries: list[dict], is_ewallet: bool) -> list[Bank]:
    return [
        Bank(
            code=str(entry["code"]),
            name=str(entry["name"]),
            full_name=str(entry["full_name"]),
            bin=str(entry["bin"]) if entry.get("bin") else None,
            is_ewallet=is_ewallet,
            aliases=tuple(str(alias) for alias in entry.get("aliases") or ()),
        )
        for entry in entries
    ]


@cache
def all_banks() -> tuple[Bank, ...]:
    """Every bank, then every e-wallet, in the order of data/reference/banks.yaml."""
    table = read_yaml((paths.reference_dir() / "banks.yaml").read_text(encoding="utf-8"))
    return tuple(_load(table["banks"], False) + _load(table["ewallets"], True))


@cache
def _by_code() -> dict[str, Bank]:
    return {bank.code.casefold(): bank for bank in all_banks()}


@cache
def _by_bin() -> dict[str, Bank]:
    return {bank.bin: bank for bank in all_banks() if bank.bin}


@cache
def _by_alias() -> dict[str, Bank]:
    table: dict[str, Bank] = {}
    for bank in all_banks():
        for spelling in _spellings(bank):
            key = _alias_key(spelling)
            if table.setdefault(key, bank) is not bank:
                raise ValueError(f"banks.yaml: {spelling!r} names both {table[key].code} and {bank.code}")
    return table


def _trie(words: set[str]) -> str:
    """One regex for many words, shaped as a trie ("vcb|vietcom" -> "v(?:cb|ietcom)"): Python's
    regex engine tries alternatives one by one, so a flat list of 200 aliases is ten times slower.
    A space in a word matches any spacing, or none ("mb bank", "mb-bank", "mbbank")."""
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [
            (r"[ \t.\-]*" if ch == " " else re.escape(ch)) + emit(child) for ch, child in sorted(node.items()) if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + ("?" if "" in node else "")

    return emit(root)


@cache
def _alias_pattern() -> re.Pattern[str]:
    spellings = {fold(spelling) for bank in all_banks() for spelling in _spellings(bank)}
    return re.compile(r"(?<![a-z0-9])" + _trie(spellings) + r"(?![a-z0-9])")


def bank_by_code(code: str) -> Bank | None:
    return _by_code().get(code.strip().casefold())


def bank_by_bin(bin_: str) -> Bank | None:
    return _by_bin().get(bin_)


def bank_mentions(text: str) -> list[tuple[int, int, Bank]]:
    """Every bank or e-wallet named in `text`, as (start, end, bank), in order; the longest name
    wins ("MB Bank" is one mention)."""
    aliases = _by_alias()
    return [(m.start(), m.end(), aliases[_alias_key(m.group())]) for m in _alias_pattern().finditer(fold(text))]


def find_bank(text: str) -> Bank | None:
    """The first bank or e-wallet named in `text` ("chuyển vào tk techcom" -> Techcombank)."""
    mentions = bank_mentions(text)
    return mentions[0][2] if mentions else None


def written_with_bin(digit_groups: list[str]) -> bool:
    """Six digits, then the account: "970436 0123456789" (whether the six are a known BIN aside)."""
    rest = sum(map(len, digit_groups[1:]))
    return len(digit_groups[0]) == 6 and MIN_ACCOUNT_DIGITS <= rest <= MAX_ACCOUNT_DIGITS


def account_from_number(raw: str, bank: Bank | None = None) -> BankAccount | None:
    """An account from the number part of a message ("0123 456 789", "970436 0123456789").

    A BIN written in front of the number names the bank and is not part of the account; a 16- or
    19-digit card number keeps all its digits and takes its bank from its first six.
    """
    groups = _DIGITS.findall(raw)
    digits = "".join(groups)
    if written_with_bin(groups) and (by_bin := bank_by_bin(groups[0])):
        digits, bank = digits[6:], by_bin
    elif len(digits) in CARD_LENGTHS and (by_bin := bank_by_bin(digits[:6])):
        bank = by_bin
    if not MIN_ACCOUNT_DIGITS <= len(digits) <= MAX_ACCOUNT_DIGITS:
        return None
    if bank is None and is_citizen_id(digits):
        # A citizen ID (CCCD) is personal data, not an account to report or check. Some banks'
        # 12-digit accounts look the same (Sacombank 0601…): with the bank named, it is an account.
        return None
    if bank and bank.is_ewallet and len(digits) == 11 and digits.startswith("84"):
        digits = "0" + digits[2:]  # an e-wallet account is a phone number: +84 912… is 0912…
    return BankAccount(
        raw=raw,
        normalized=digits,
        bank_code=bank.code if bank else None,
        bank_name=bank.name if bank else None,
        is_ewallet=bool(bank and bank.is_ewallet),
    )


def parse_bank_account(text: str) -> BankAccount | None:
    """One account as a citizen typed it: `STK 0123456789 Vietcombank`, `momo 0912345678`.

    The first number with enough digits is the account; the bank is the first one named anywhere in
    the text (or the BIN's). None when no number of 6–19 digits is there.
    """
    raw = text.strip()
    bank = find_bank(raw)
    for match in _ACCOUNT_NUMBER.finditer(raw):
        if account := account_from_number(match.group(), bank):
            return replace(account, raw=raw)
    return None
