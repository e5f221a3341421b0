"""How an identifier is written for people: in replies, the police queue, the digest and exports.

Here, with the identifiers, so that everything that shows one (reporting, checking, handlers) reads
the same form without importing the check.
"""

from __future__ import annotations

import phonenumbers

from bot.identifiers.extract import parse_identifier
from bot.identifiers.model import Identifier, Link, PhoneNumber, Profile
from bot.identifiers.profiles import display_profile


def display(identifier: Identifier) -> str:
    """The form people read: 0912 345 678, +855 12 345 678, a domain in its own letters."""
    if isinstance(identifier, PhoneNumber):
        if identifier.number_type == "short_code":
            return identifier.normalized
        number = phonenumbers.parse(identifier.normalized)
        style = phonenumbers.PhoneNumberFormat
        return phonenumbers.format_number(number, style.INTERNATIONAL if identifier.foreign else style.NATIONAL)
    if isinstance(identifier, Link):
        return identifier.normalized.replace(identifier.host, identifier.host_unicode, 1)
    if isinstance(identifier, Profile):
        return display_profile(identifier)
    if identifier.bank_name:
        return f"{identifier.normalized} ({identifier.bank_name})"
    return identifier.normalized


def display_stored(kind: str, normalized: str) -> str:
    """`display` for an identifier read back from the database as (kind, normalized)."""
    if kind == "profile":
        platform, _, name = normalized.partition(":")
        return display_profile(Profile.of(platform, name))
    identifier = parse_identifier(normalized)
    return display(identifier) if identifier is not None and identifier.kind == kind else normalized
