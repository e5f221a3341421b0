"""The exact lane: phone numbers, links and bank accounts found in what citizens send, normalised.

Everything runs offline (no DNS, no network) on reference tables in data/reference/.
`extract_identifiers` reads a forwarded message; `parse_identifier` reads one value a citizen asks
about; `parse_phone`, `parse_link` and `parse_bank_account` read one value of a known kind;
`display` writes one as people read it. `parse_profile` reads a social-media profile the report
flow is told about; `citizen_ids_in` finds citizen-ID numbers, which are never read as accounts.

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
from bot.identifiers.citizen_id import citizen_ids_in, is_citizen_id
from bot.identifiers.display import display, display_stored
from bot.identifiers.extract import extract_identifiers, parse_identifier
from bot.identifiers.links import parse_link
from bot.identifiers.model import BankAccount, Identifier, Kind, Link, PhoneNumber, Profile
from bot.identifiers.phones import parse_phone
from bot.identifiers.profiles import PLATFORMS, parse_profile, profile_from_link

__all__ = [
    "Bank",
    "BankAccount",
    "Identifier",
    "Kind",
    "Link",
    "PLATFORMS",
    "PhoneNumber",
    "Profile",
    "all_banks",
    "bank_by_bin",
    "bank_by_code",
    "bank_mentions",
    "citizen_ids_in",
    "display",
    "display_stored",
    "extract_identifiers",
    "find_bank",
    "is_citizen_id",
    "parse_bank_account",
    "parse_identifier",
    "parse_link",
    "parse_phone",
    "parse_profile",
    "profile_from_link",
]
