"""Finding identifiers costs work in proportion to the message, whatever its shape (issue 10).

A message of short digit groups ("1 1 1 …") once took minutes: every group was read again with
every longer window of groups after it, and some regexes restarted inside runs they had already
read. Work is counted here, not timed: Python lines run under a tracer, which stops the count (and
the extraction) once it passes a budget, so the code as it was fails fast instead of hanging. Work
done inside a regex is invisible to the tracer: the 100,000-character test catches that, with a
bounded wait in a child process.
"""

from __future__ import annotations

import random
import sys
import textwrap
from collections.abc import Callable

import pytest

from bot.identifiers import extract_identifiers, parse_identifier, parse_phone, phones
from tests.conftest import lines_within


def _repeat(unit: str, head: str = "", tail: str = "") -> Callable[[int], str]:
    return lambda n: head + unit * max(1, (n - len(head) - len(tail)) // len(unit)) + tail


# Messages made to be slow, each of about n characters.
SHAPES: dict[str, Callable[[int], str]] = {
    "digit groups": _repeat("1 "),
    "digit pairs": _repeat("12 34 56 "),
    "00 in front": _repeat("0 0 1 "),  # every third group starts an international number
    "dotted digits": _repeat("1.", tail="1x"),  # no group may end the run: "1.1" reads as a decimal
    "hyphens": _repeat("1-", tail="1x"),
    "brackets": _repeat("(1)"),
    "area codes": _repeat("1 (1) ", tail="1x"),
    "country codes": _repeat("+84 "),
    "bracketed country codes": _repeat("(+84) 1 ", tail="x"),
    "one long number": _repeat("1"),
    "lines": _repeat("1\n"),
    "dots": _repeat(".", head="x.com/"),
    "slashes": _repeat("/", head="x.com"),
    "closing brackets": _repeat(")", head="x.com/"),
    "dotted letters": _repeat("a."),
    "defanged dots": _repeat("a[.]", tail="a"),
    "defanged brackets": _repeat("1(.)", tail="1"),
    "defanged words": _repeat("a[dot]", tail="a"),
    "links": _repeat("x.com "),
    "banks and links": _repeat("vcb x.com "),
    "banks and numbers": _repeat("vcb 1234567 "),
    "keywords": _repeat("stk 1 "),
    "e-mails": _repeat("a@b.vn x.com 0912345678 "),
    "phone numbers": lambda n: " ".join(f"09{i % 10**8:08d}" for i in range(n // 11)),
    "grouped phone numbers": lambda n: " ".join(f"0912 {i // 1000 % 1000:03d} {i % 1000:03d}" for i in range(n // 13)),
}

# Trace events per character the extraction may cause; the costliest shape ("00 in front": every
# third group may start an international number of up to 37 digits) needs about half of this.
LINES_PER_CHAR = 1000


class _OverBudget(Exception):
    pass


def work(fn: Callable[[str], object], text: str, budget: int) -> int:
    """Trace events (calls and lines) while fn(text) runs; stops it past `budget` and returns that."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        count += 1
        if count > budget:
            raise _OverBudget
        return tracer

    sys.settrace(tracer)
    try:
        fn(text)
    except _OverBudget:
        pass
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("shape", SHAPES)
def test_extraction_work_grows_linearly(shape: str) -> None:
    make = SHAPES[shape]
    extract_identifiers(make(400))  # caches (tables, phonenumbers) filled before counting
    small, large = make(800), make(1600)
    budget = LINES_PER_CHAR * len(large)
    small_work = work(extract_identifiers, small, budget)
    large_work = work(extract_identifiers, large, budget)
    assert large_work <= budget, f"{large_work} trace events for {len(large)} characters"
    assert large_work <= 2.2 * small_work + 2000, (small_work, large_work)


def test_known_messages_cost_little() -> None:
    message = (
        "Chuyển khoản 5.000.000đ vào STK: 1027845566 - MB Bank - NGUYEN VAN A trước 15h30 ngày 12/05/2024. "
        "LH: 09 12 34 56 78 hoặc truy cập vcb-xacthuc.com/login"
    )
    extract_identifiers(message)
    assert work(extract_identifiers, message, 10**6) <= LINES_PER_CHAR * len(message)


# Shapes that also reach parse_link with the whole message (trimming, defanging, splitting).
WHOLE_VALUE_SHAPES = ("dots", "slashes", "closing brackets", "dotted letters", "defanged dots", "links")


def test_the_longest_message_is_read_in_a_bounded_wait() -> None:
    """Each shape at 100,000 characters, far past Telegram's 4,096 (the terminal and Zalo have no
    limit). Before the fix, "digit groups" alone did not finish in 4 minutes; all take about
    30 s now on a busy machine, mostly "00 in front" (about 0.12 ms a character)."""
    script = textwrap.dedent(
        """
        from bot.identifiers import extract_identifiers, parse_identifier
        from tests.bot.identifiers.test_extract_work import SHAPES, WHOLE_VALUE_SHAPES
        for name, make in SHAPES.items():
            text = make(100_000)
            extract_identifiers(text)
            if name in WHOLE_VALUE_SHAPES:
                parse_identifier(text)
            print(name, flush=True)
        """
    )
    assert lines_within(script, timeout=300) == list(SHAPES)


# --- the number scanner finds what the regex finds, without its retries ---

_PIECES = [
    *["1", "0", "9", "84", "12345", "+", "(", ")", "(12)", "(+84)", "(0)"],
    *[".", " . ", "-", "–", ",", "a", "@", "#", "/", " ", " ", "\n", "\u00a0"],
]


def _random_texts(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(_PIECES) for _ in range(rnd.randint(1, 24))) for _ in range(count)]


def test_number_scanner_finds_what_the_regex_finds() -> None:
    texts = _random_texts(30_000, seed=10) + [
        "(+84) 0912 345 678",
        "gọi 1 (113) 5x",
        "1 (2) 3x 4 (56)-7",
        "(+84)1.1.1x",
        "0912 345 678abc",
        "v1.0912345678",
        "12.5 0912345678",
        "+1 (202) 555-0123 và +84 (0) 912 345 678",
    ]
    for text in texts:
        expected = [m.span() for m in phones.NUMBER_SHAPE.finditer(text)]
        assert [m.span() for m in phones.find_numbers(text)] == expected, repr(text)


def test_number_scanner_reads_each_run_once() -> None:
    """NUMBER_SHAPE is tried at most a few times per run of digit groups, not once per group."""
    attempts = 0
    shape = phones.NUMBER_SHAPE

    class Counting:
        def match(self, text: str, pos: int = 0):
            nonlocal attempts
            attempts += 1
            return shape.match(text, pos)

    original = phones.NUMBER_SHAPE
    phones.NUMBER_SHAPE = Counting()
    try:
        for text in ("1." * 1000 + "1x", "1 (1) " * 1000 + "1x", "(+84) " + "1." * 1000 + "1x"):
            attempts = 0
            list(phones.find_numbers(text))
            assert attempts <= 10, (text[:12], attempts)
    finally:
        phones.NUMBER_SHAPE = original


# --- a window of more digits than a phone number can have is never read ---


def test_no_phone_number_has_more_digits_than_the_limit() -> None:
    """MAX_PHONE_DIGITS holds for the installed phonenumbers data: "00", a country code of up to
    3 digits, the longest national prefix phonenumbers strips, and a national number of at most 17."""
    from re import _parser  # the regex parser knows the longest text a pattern can match

    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import _MAX_LENGTH_FOR_NSN, SUPPORTED_REGIONS

    prefix = max(
        _parser.parse(meta.national_prefix_for_parsing).getwidth()[1]
        for meta in map(PhoneMetadata.metadata_for_region, SUPPORTED_REGIONS)
        if meta.national_prefix_for_parsing
    )
    assert 2 + 3 + prefix + _MAX_LENGTH_FOR_NSN <= phones.MAX_PHONE_DIGITS


def test_the_cheap_test_before_parsing_refuses_no_phone_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_phone (and extraction, for every window of digit groups) first asks `may_be_phone`,
    which refuses by digit count and how the number starts: it must never refuse a number that
    parsing would accept."""
    rnd = random.Random(11)
    heads = ["+", "(+", "00", "0", "84", "1800", "1900", "1", "9", "(0", "+84 (0) ", "(84) ", "113", "5656"]
    values = []
    for _ in range(20_000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(0, 16)))
        seps = [rnd.choice(["", "", " ", ".", "-"]) for _ in digits]
        head = rnd.choice(heads).replace("(+", "(+84) ")
        values.append(head + "".join(d + s for d, s in zip(digits, seps, strict=True)).rstrip(" .-"))
    gated = [parse_phone(value) for value in values]
    monkeypatch.setattr(phones, "may_be_phone", lambda value, digits: True)
    assert [parse_phone(value) for value in values] == gated
    assert sum(phone is not None for phone in gated) > 1000


def test_parse_identifier_of_a_long_message_is_bounded() -> None:
    text = SHAPES["digit groups"](1600)
    parse_identifier(text[:400])
    assert work(parse_identifier, text, LINES_PER_CHAR * len(text)) <= LINES_PER_CHAR * len(text)
