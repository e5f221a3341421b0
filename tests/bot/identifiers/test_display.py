"""How identifiers are written for people: one function for replies, the police queue, the digest
and exports (it lives with the identifiers, so reporting shows them without importing the check)."""

import pytest

from bot.identifiers import display, display_stored, parse_identifier


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0912345678", "0912 345 678"),  # a Vietnamese number in the national writing
        ("+855 12 345 678", "+855 12 345 678"),  # a foreign one with its country code
        ("113", "113"),  # a short code as it is dialled
        ("http://bücher.de/a", "bücher.de/a"),  # a domain in its own letters, not punycode
        ("stk 1027845566 MB", "1027845566 (MBBank)"),  # an account with its bank
        ("1027845566", "1027845566"),
    ],
)
def test_display(value, shown):
    assert display(parse_identifier(value)) == shown


def test_display_stored_reads_back_what_the_database_keeps():
    assert display_stored("phone", "+84912345678") == "0912 345 678"
    assert display_stored("url", "xn--bcher-kva.de/a") == "bücher.de/a"
    # A row whose kind no longer matches what the value reads as is shown as stored.
    assert display_stored("bank_account", "+84912345678") == "+84912345678"
