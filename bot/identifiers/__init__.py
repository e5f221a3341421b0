"""The exact lane: phone numbers, links and bank accounts found in what citizens send, normalised.

Everything runs offline (no DNS, no network) on reference tables in data/reference/.
`extract_identifiers` reads a forwarded message; `parse_identifier` reads one value a citizen asks
about; `parse_phone`, `parse_link` and `parse_bank_account` read one value of a known kind;
`display` writes one as people read it.

Writes: no table. Imports: core only.
"""

from bot.identifiers.banks import (
    Bank,
    all_banks,
    bank_by_bin,
    bank_by_code,
    bank_mentions,
    find_bank,
    parse_bank_account,
)
from bot.identifiers.display import display, display_stored
from bot.identifiers.extract import extract_identifiers, parse_identifier
from bot.identifiers.links import parse_link
from bot.identifiers.model import BankAccount, Identifier, Kind, Link, PhoneNumber
from bot.identifiers.phones import parse_phone

__all__ = [
    "Bank",
    "BankAccount",
    "Identifier",
    "Kind",
    "Link",
    "PhoneNumber",
    "all_banks",
    "bank_by_bin",
    "bank_by_code",
    "bank_mentions",
    "display",
    "display_stored",
    "extract_identifiers",
    "find_bank",
    "parse_bank_account",
    "parse_identifier",
    "parse_link",
    "parse_phone",
]
