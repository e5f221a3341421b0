"""Finding every phone number, link and bank account in a forwarded message, and reading one value.

A pasted SMS or chat is full of numbers that are none of these: amounts ("5.000.000đ", "2,5
triệu"), dates, OTP codes, order and tracking codes. E-mail addresses are set aside first, then
links are taken, then numbers, each read in its context, the clause it sits in:

- the nearest keyword before it: "STK"/"tài khoản" → an account, "gọi"/"LH"/"zalo" → a phone,
  "OTP"/"mã đơn hàng"/"số dư" right before it → nothing;
- a bank or e-wallet named right next to it ("MB 0912345678", "0123 456 789 VCB") → an account;
- otherwise it is taken only if it is a valid phone number. A bare "1027845566" is left alone: in a
  message it is as likely a transaction code as an account.

Amounts and dates are recognised on the number itself (a unit after it, thousands grouping, a date
shape). Matching runs on `fold(text)`, which has the same length as the text, so "ngân hàng" and
"ngan hang" are found alike and every span points into the original. Expects text that went
through `bot.core.textnorm.clean_input` (the router does it), so no invisible characters split numbers.

The work is linear in the length of the text, whatever its shape ("1 1 1 …", "a[.]a[.]…"): a
window of digit groups is never longer than a phone number or an account can be, spans already
taken and banks named are looked up by bisection, and no regex is left to restart inside a run it
has already read (tests/bot/identifiers/test_extract_work.py).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from bot.identifiers.banks import (
    CARD_LENGTHS,
    MAX_ACCOUNT_DIGITS,
    MIN_ACCOUNT_DIGITS,
    Bank,
    account_from_number,
    bank_by_bin,
    bank_mentions,
    fold,
    parse_bank_account,
    written_with_bin,
)
from bot.identifiers.citizen_id import citizen_id_spans, is_citizen_id
from bot.identifiers.links import parse_link
from bot.identifiers.model import BankAccount, Identifier, PhoneNumber
from bot.identifiers.phones import (
    KNOWN_SHORT_CODES,
    MAX_PHONE_DIGITS,
    find_numbers,
    may_be_phone,
    most_digits,
    parse_phone,
)

Span = tuple[int, int]

_URL_CHARS = r"[^\s<>\"'`]"
# A bare host has at most 127 labels (253 characters): the bound also keeps each attempt that starts
# inside a long defanged chain ("a[.]a[.]a…", where every label may start a link) to a bounded read.
_LINK = re.compile(
    rf"(?:h(?:tt|xx)ps?(?::|\[:\])//|(?<![\w@.\-])www\d?(?:\.|\[\.\]))(?:{_URL_CHARS})+"
    r"|(?<![\w@.\-/])(?:[\w\-]+(?:\.|\[\.\]|\(\.\)|\[dot\])){1,127}(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59})(?![\w@\-]|\[\.\])"
    rf"(?::\d{{1,5}})?(?:[/?#](?:{_URL_CHARS})*)?"
    rf"|(?<![\w.])\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?::\d{{1,5}})?/(?:{_URL_CHARS})*",  # a bare IP needs a path
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+\-/])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")  # not "https://bank.vn@evil.xyz"

# The nearest of these before a number, in its clause, says what the number is (folded text).
_KEYWORD = re.compile(
    r".*(?<![a-z0-9])(?:"
    r"(?P<account>stk|so\s*tk|tk|tknh|(?:so\s*)?tai\s*khoan|acc|account|a/c|thu\s*huong|nhan\s*tien"
    r"|(?:chuyen|ck|gui|nap)\s*(?:khoan\s*|tien\s*)?(?:vao|den|toi|qua))"
    r"|(?P<phone>goi|call|lh|lien\s*he|hotline|hot\s*line|sdt|so\s*dt|dt|(?:so\s*)?dien\s*thoai|di\s*dong|zalo"
    r"|tel|phone|tong\s*dai|nhan\s*tin|soan\s*tin|sms|dau\s*so|whatsapp|telegram|viber)"
    r"|(?P<other>otp|(?:ma\s*)?(?:xac\s*(?:thuc|nhan|minh)|kich\s*hoat)|code|pin|mat\s*khau|so\s*du|sd|so\s*tien"
    r"|giao\s*dich|gd|mgd|don\s*hang|van\s*don|hoa\s*don|ma\s*(?:don|tra\s*cuu|ho\s*so|khach\s*hang|kh|ve|so))"
    r")(?![a-z0-9])",
    re.DOTALL,
)
# Between an "other" keyword and the code it names ("mã OTP của bạn là: 482913").
_CODE_FILLER = re.compile(r"[\s:#.\-]*(?:(?:cua\s*(?:ban|quy\s*khach)|la|is|so)[\s:#.\-]*)*")
_OTP_AFTER = re.compile(r"\s*(?:la|is)\s*(?:ma\s*)?(?:otp|xac\s*(?:thuc|nhan)|code)(?![a-z0-9])")
_UNIT_AFTER = re.compile(r"[ \t]?(?:d|₫|k|tr|trieu|nghin|ngan(?!\s*hang)|ty|ti|cu|vnd|dong|usd)(?![a-z0-9])")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_DATE = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-](?:\d{4}|\d{2})|\d{4}[.\-]\d{1,2}[.\-]\d{1,2}")
_CLAUSE_BREAK = re.compile(r"[.!?;,](?=\s)|\n")
_NEWLINE = re.compile(r"\n")
_CONTEXT_CHARS = 60  # how far back a keyword still speaks for a number
# Between a bank's name and the number it names: punctuation and a filler word at most.
_BANK_GAP = re.compile(r"[\s:.\-–,(|/]*(?:(?:so|la|ngan\s*hang|nh|tai|qua)[\s:.\-–,(|/]*)?")
_GROUP = re.compile(r"\(?\+?\d+\)?")
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D")
# Just before a number: the day and month of a date ("12/05/" before "2024").
_DATE_BEFORE = re.compile(r"(?<!\d)\d{1,2}/(?:\d{1,2}/)?$")
_LINKISH = re.compile(r"://|www\.|\.[a-z]{2,}|\[\.\]", re.IGNORECASE)
_ACCOUNT_DIGITS = re.compile(r"\d+(?:[ .\-]\d+)*")


class _Spans:
    """Spans that do not overlap (e-mail addresses and links taken), and whether a span overlaps one
    of them, found by bisection: a message may hold thousands of each."""

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self._spans = sorted(spans)
        self._ends = [end for _, end in self._spans]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self._ends, start)  # the first span that ends after `start`
        return i < len(self._spans) and self._spans[i][0] < end

    def plus(self, spans: Iterable[Span]) -> _Spans:
        return _Spans([*self._spans, *spans])


@dataclass(frozen=True)
class _Message:
    text: str
    folded: str
    banks: list[tuple[int, int, Bank]]  # banks named outside links, in order, not overlapping
    bank_starts: list[int]
    bank_ends: list[int]
    clause_starts: list[int]
    line_ends: list[int]

    @classmethod
    def of(cls, text: str, taken: _Spans) -> _Message:
        folded = fold(text)
        banks = [mention for mention in bank_mentions(text) if not taken.overlaps(mention[0], mention[1])]
        return cls(
            text=text,
            folded=folded,
            banks=banks,
            bank_starts=[start for start, _, _ in banks],
            bank_ends=[end for _, end, _ in banks],
            clause_starts=[0] + [m.end() for m in _CLAUSE_BREAK.finditer(folded)],
            line_ends=[m.start() for m in _NEWLINE.finditer(text)] + [len(text)],
        )

    def clause_start(self, pos: int) -> int:
        return max(self.clause_starts[bisect_right(self.clause_starts, pos) - 1], pos - _CONTEXT_CHARS)

    def line_end(self, pos: int) -> int:
        return self.line_ends[bisect_left(self.line_ends, pos)]

    def has_digit(self, start: int, end: int) -> bool:
        return _DIGIT.search(self.text, start, end) is not None


@dataclass(frozen=True)
class _Context:
    keyword: str | None  # "account", "phone", "other" or None
    keyword_adjacent: bool  # the keyword is right before the number ("OTP: 482913")
    bank: Bank | None  # the bank the number most likely belongs to
    bank_adjacent: bool  # named right next to the number


@dataclass(frozen=True)
class _Number:
    """The digit groups from one start on that may be read as one number: no more than reach past
    MAX_PHONE_DIGITS digits (no phone number or account is longer), never into a link or e-mail."""

    groups: list[re.Match[str]]
    digits: list[str]  # the digits of each group
    free: int  # how many groups from the start are free, in all
    end: int  # where the last free group ends


def _bank_near(message: _Message, lo: int, start: int, end: int) -> tuple[Bank | None, bool]:
    """The bank named right next to the number, else earlier in its clause, else later on its line;
    never across another number. Only the nearest bank on each side can be: an earlier one is
    further away and has the same digits between."""
    i = bisect_right(message.bank_ends, start) - 1  # the last bank that ends before the number
    j = bisect_left(message.bank_starts, end)  # the first that starts after it
    before = [m for m in message.banks[max(i, 0) : i + 1] if lo <= m[0] and not message.has_digit(m[1], start)]
    after = [m for m in message.banks[j : j + 1] if m[0] < message.line_end(end) and not message.has_digit(end, m[0])]
    for bank_start, bank_end, bank in (*before, *after):
        gap = message.folded[bank_end:start] if bank_end <= start else message.folded[end:bank_start]
        if _BANK_GAP.fullmatch(gap):
            return bank, True
    nearest = before or after
    return (nearest[0][2] if nearest else None), False


def _context(message: _Message, start: int, end: int) -> _Context:
    lo = message.clause_start(start)
    found = _KEYWORD.match(message.folded, lo, start)
    keyword = found.lastgroup if found else None
    adjacent = bool(found and _CODE_FILLER.fullmatch(message.folded, found.end(), start))
    return _Context(keyword, adjacent, *_bank_near(message, lo, start, end))


def _names_bank_by_bin(digit_groups: list[str]) -> bool:
    """A known BIN in front ("970436 0123456789"), or a 16/19-digit card number that starts with one."""
    if written_with_bin(digit_groups) and bank_by_bin(digit_groups[0]):
        return True
    digits = "".join(digit_groups)
    return len(digits) in CARD_LENGTHS and bank_by_bin(digits[:6]) is not None


def _account(message: _Message, number: _Number, bank: Bank | None) -> tuple[int, BankAccount] | None:
    """The longest run of groups, from the first, that fits in an account number."""
    groups = number.groups
    total, used = 0, 0
    for digits in number.digits:
        if total + len(digits) > MAX_ACCOUNT_DIGITS:
            break
        total, used = total + len(digits), used + 1
    account = account_from_number(message.text[groups[0].start() : groups[used - 1].end()], bank) if used else None
    return (used, account) if account else None


def _takes_phone(phone: PhoneNumber, keyword: str | None, whole: bool) -> bool:
    """Short codes and numbers that cannot exist only after a phone keyword ("gọi 113", "LH 0111
    222 333"): without one, "5656" or "0123456789" may be anything."""
    if keyword == "phone":
        return phone.valid or whole
    return phone.valid and phone.number_type != "short_code"


def _phone(message: _Message, number: _Number, keyword: str | None) -> tuple[int, PhoneNumber] | None:
    """The longest run of groups, from the first, that is a phone number to take. Runs that are not
    written like one (too many digits, "1 1 1") are not parsed: parse_phone would refuse them."""
    groups, start, digits = number.groups, number.groups[0].start(), "".join(number.digits)
    counts = list(accumulate(map(len, number.digits)))  # digits in the first 1, 2, … groups
    longest = bisect_right(counts, most_digits(message.text[start : groups[-1].end()], digits))
    for used in range(longest, 0, -1):
        value = message.text[start : groups[used - 1].end()]
        if not may_be_phone(value, digits[: counts[used - 1]]):
            continue
        phone = parse_phone(value)
        if phone and _takes_phone(phone, keyword, whole=used == number.free):
            return used, phone
    return None


def _amount_or_date(message: _Message, start: int, end: int) -> bool:
    if _DATE.fullmatch(message.text, start, end) or _THOUSANDS.fullmatch(message.text, start, end):
        return True
    if _OTP_AFTER.match(message.folded, end):
        return True
    return message.text[start] != "0" and bool(_UNIT_AFTER.match(message.folded, end))


def _read_number(message: _Message, number: _Number) -> tuple[int, Identifier | None]:
    """(groups used, what they are) for the number starting at its first group."""
    groups = number.groups
    context = _context(message, groups[0].start(), number.end)
    if context.keyword == "other" and context.keyword_adjacent:
        return 1, None
    if context.keyword == "account" or (
        context.keyword is None and (context.bank_adjacent or _names_bank_by_bin(number.digits))
    ):
        found = _account(message, number, context.bank)
    else:
        found = _phone(message, number, context.keyword)
    if not found:
        return 1, None
    used, identifier = found
    return used, None if _amount_or_date(message, groups[0].start(), groups[used - 1].end()) else identifier


def _worth_reading(message: _Message, run: re.Match[str]) -> bool:
    """Enough digits for a phone number or an account, or a known short code; not a date's year."""
    digits = _NOT_DIGIT.sub("", run.group())
    if len(digits) < MIN_ACCOUNT_DIGITS and digits not in KNOWN_SHORT_CODES:
        return False
    return not _DATE_BEFORE.search(message.text, max(0, run.start() - 6), run.start())


def _free_until(groups: list[re.Match[str]], taken: _Spans) -> list[int]:
    """For each group, the index of the first group from it on that is inside a link or e-mail."""
    until = [len(groups)] * (len(groups) + 1)
    for i in range(len(groups) - 1, -1, -1):
        until[i] = i if taken.overlaps(groups[i].start(), groups[i].end()) else until[i + 1]
    return until


def _number_at(groups: list[re.Match[str]], digits: list[str], counts: list[int], i: int, stop: int) -> _Number:
    """The groups from i that may be one number: up to the one that takes the digits past
    MAX_PHONE_DIGITS (counts[k]: digits in the groups before k), and no further than `stop`."""
    end = min(stop, bisect_right(counts, counts[i] + MAX_PHONE_DIGITS))
    return _Number(groups[i:end], digits[i:end], free=stop - i, end=groups[stop - 1].end())


def _numbers(message: _Message, taken: _Spans) -> Iterator[tuple[int, Identifier]]:
    for run in find_numbers(message.text):
        if not _worth_reading(message, run):
            continue
        groups = list(_GROUP.finditer(message.text, run.start(), run.end()))
        digits = [_NOT_DIGIT.sub("", g.group()) for g in groups]
        counts = [0, *accumulate(map(len, digits))]
        free_until = _free_until(groups, taken)
        i = 0
        while i < len(groups):
            stop = free_until[i]
            number = _number_at(groups, digits, counts, i, stop) if stop > i else None
            used, identifier = _read_number(message, number) if number else (1, None)
            if identifier:
                yield groups[i].start(), identifier
            i += used


def _dotted_words(text: str) -> Iterator[Span]:
    """Spans of the whitespace-separated words that have a dot (or a defanged "[dot]") in them."""
    pos = 0
    for word in text.split():
        if "." in word or ("[" in word and "[dot]" in word.lower()):
            pos = text.find(word, pos)  # a word with a dot cannot sit inside an earlier dotless word
            yield pos, pos + len(word)
            pos += len(word)


def _links(text: str, emails: _Spans) -> Iterator[tuple[Span, Identifier]]:
    """Links outside e-mail addresses (matches come in order and never overlap each other)."""
    for start, end in _dotted_words(text):
        for match in _LINK.finditer(text, start, end):
            if not emails.overlaps(match.start(), match.end()) and (link := parse_link(match.group())):
                yield match.span(), link


def extract_identifiers(text: str) -> list[Identifier]:
    """Every phone number, link and bank account in a message, in order of appearance, each once."""
    text = unicodedata.normalize("NFC", text or "")
    emails = _Spans(match.span() for match in _EMAIL.finditer(text)) if "@" in text else _Spans()
    links = list(_links(text, emails))
    taken = emails.plus(span for span, _ in links)
    if not bank_mentions(text):  # with a bank named, 12 digits may be its account (see account_from_number)
        # A citizen ID (CCCD) is read as nothing, and no part of it as a shorter account or number.
        taken = taken.plus([span for span in citizen_id_spans(text) if not taken.overlaps(*span)])
    found: list[tuple[int, Identifier]] = [(span[0], link) for span, link in links]
    found.extend(_numbers(_Message.of(text, taken), taken))
    unique: dict[str, Identifier] = {}
    for _, identifier in sorted(found, key=lambda item: item[0]):
        unique.setdefault(identifier.key, identifier)
    return list(unique.values())


def _asks_about_account(message: _Message) -> bool:
    """An account word ("STK", "tài khoản") last, or a bank or e-wallet named and no phone word."""
    found = _KEYWORD.match(message.folded)
    keyword = found.lastgroup if found else None
    return keyword == "account" or (keyword != "phone" and bool(message.banks))


def _plausible_phone(phone: PhoneNumber, value: str) -> bool:
    """Valid, or written the way phone numbers are written: with +/00, or grouped ("0111 222 333")."""
    return phone.valid or value.startswith(("+", "(", "00")) or not value.isdigit()


def _bare_account(value: str) -> BankAccount | None:
    """A number alone that is no phone: an account, unless it is a phone number cut short."""
    if not _ACCOUNT_DIGITS.fullmatch(value):
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("0") and (len(digits) < 10 or not value.isdigit()):
        return None
    return account_from_number(value)


def parse_identifier(value: str) -> Identifier | None:
    """The one identifier a citizen asks about ("check this"), or None.

    A link if it looks like one; an account if an account word, a bank or an e-wallet is named; a
    phone number if it is one, even one that cannot exist when it is written like a phone number;
    a bare 6–19 digit number that is no phone is an account without a bank. Anything else (words
    around one identifier: "link: https://…") is read as a message holding exactly one identifier.
    """
    value = unicodedata.normalize("NFC", value or "").strip()
    if is_citizen_id(value):  # alone, without a bank named
        return None  # personal data, not an identifier (bot/identifiers/citizen_id.py)
    if _LINKISH.search(value) and (link := parse_link(value)):
        return link
    if _asks_about_account(_Message.of(value, _Spans())):
        return parse_bank_account(value)
    phone = parse_phone(value)
    if phone and _plausible_phone(phone, value):
        return phone
    if account := _bare_account(value):
        return account
    found = extract_identifiers(value)
    return found[0] if len(found) == 1 else None
