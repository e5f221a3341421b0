"""What the exact lane finds in a message: phone numbers, links and bank accounts (and the profiles
the report flow takes).

Each identifier keeps what the citizen wrote (`raw`) and one canonical form (`normalized`), so
the same number or link written ten different ways is checked, reported and counted as one.
`key` is what reports aggregate on and what the blocklist and staff decisions are stored under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.core.textnorm import strip_diacritics

Kind = Literal["phone", "url", "bank_account", "profile"]


class _Keyed:
    kind: ClassVar[Kind]
    normalized: str

    @property
    def key(self) -> str:
        """`phone:+84912345678`. A bank account's bank is not part of it: citizens often omit or
        misname the bank, and the same digits reported with and without one are one account."""
        return f"{self.kind}:{self.normalized}"


@dataclass(frozen=True)
class PhoneNumber(_Keyed):
    raw: str
    normalized: str  # E.164 ("+84912345678"); short codes as their digits ("113", "5656")
    number_type: str  # mobile, fixed_line, voip, toll_free, premium_rate, uan, short_code, unknown
    region: str | None  # ISO country of the number ("VN", "KH", "US"), None when unknown
    carrier: str | None = None  # "Viettel", "Vinaphone", … where the prefix tells
    valid: bool = True  # a number that can exist (phonenumbers' validity, or a known short code)
    written_with_00: bool = False  # dialled with the international prefix 00 instead of +
    old_format: bool = False  # an 11-digit mobile number from before 2018, converted to 10 digits

    kind: ClassVar[Kind] = "phone"

    @property
    def foreign(self) -> bool:
        return self.region is not None and self.region != "VN"


@dataclass(frozen=True)
class Link(_Keyed):
    raw: str
    normalized: str  # host[:port]/path?query, no scheme: punycode host without "www.", query without trackers
    host: str  # lower-case ASCII host (punycode for international names), without "www."
    host_unicode: str  # the same host as people read it
    registered_domain: str  # what was bought from a registrar ("mbbank.com.vn"); the address for IP hosts
    subdomain: str  # what the owner put in front of it ("secure-login" in secure-login.example.xyz)
    suffix: str  # the public suffix ("com.vn", "xyz"); empty for IP hosts
    is_ip: bool = False
    path: str = ""  # path and query as kept in `normalized` ("" for the bare site)
    # "https://vietcombank.com.vn@evil.xyz/": text before "@" dresses the link up as another site;
    # the host is evil.xyz. Never innocent in a message to a citizen.
    has_userinfo: bool = False

    kind: ClassVar[Kind] = "url"


@dataclass(frozen=True)
class BankAccount(_Keyed):
    raw: str
    normalized: str  # the account number's digits only
    bank_code: str | None = None  # short code from data/reference/banks.yaml ("VCB", "MB", "MOMO")
    bank_name: str | None = None  # brand name as people know it ("Vietcombank")
    is_ewallet: bool = False

    kind: ClassVar[Kind] = "bank_account"


@dataclass(frozen=True)
class Profile(_Keyed):
    """A social-media account as the citizen saw it: a name, a handle or a profile link's handle,
    on a platform. Names are not unique, so this groups reports (same platform, same name written
    with or without accents) rather than proving they are one account."""

    raw: str
    normalized: str  # "<platform>:<name as first written>", what is shown (see `of`)
    platform: str | None  # facebook, zalo, tiktok, telegram, other; None until the citizen says
    name: str  # the name or handle, without "@"

    kind: ClassVar[Kind] = "profile"

    @classmethod
    def of(cls, platform: str | None, name: str, raw: str = "") -> Profile:
        return cls(raw=raw or name, normalized=f"{platform or 'other'}:{name}", platform=platform, name=name)

    @property
    def key(self) -> str:
        """`profile:facebook:nguyen thu ha`: case, accents and spacing do not split one profile."""
        folded = " ".join(strip_diacritics(self.name.casefold()).split())
        return f"profile:{self.platform or 'other'}:{folded}"


Identifier = PhoneNumber | Link | BankAccount | Profile
