"""Risk signals for the identifiers a citizen asks about: why a number or a link looks dangerous.

Each signal has a stable reason code; `content/<lang>/reasons.yaml` holds the sentence that
explains it to a citizen, with the signal's params as jinja2 variables. Levels: **high** means
"this is very likely a scam", **medium** "be careful, scammers use this", **info** a plain fact.

| code | level | params | when |
| --- | --- | --- | --- |
| `foreign_number` | medium | country, region, prefix | the number is from another country |
| `international_prefix_00` | medium | number | written with 00 instead of + (international call) |
| `voip_number` | medium | number | an internet-telephony (VoIP) number |
| `premium_rate` | medium | number | a 1900 number: the caller pays a high rate |
| `invalid_number` | medium | number | no such number can exist: a faked or hidden caller ID |
| `old_format_number` | medium | number, new_number | an 11-digit mobile number; they ended in 2018–2019 |
| `official_short_code` | info | number, service | 113, 114, 115, 5656, 156 (service = key in hotlines.yaml) |
| `toll_free` | info | number | a free 1800 number |
| `official_domain` | info | brand, domain | a known official site of a brand |
| `platform_page` | info | brand, domain | a group or page someone made on a platform (zalo.me/g/…) |
| `lookalike_domain` | high | brand, official, domain, host | the brand's name, misspelt or padded, in another domain |
| `homoglyph_domain` | high | brand, official, domain, host | look-alike letters (0/o, rn/m, Cyrillic а) |
| `brand_in_subdomain` | high | brand, official, domain, host | the brand or its domain in front of another domain |
| `brand_with_bait_words` | high | brand, official, domain, host, word | the brand glued to a bait word (xacthuc…) |
| `gov_impersonation` | high | brand, official, domain, host | a government name or "gov" not under .gov.vn |
| `punycode_domain` | medium | host | an international (xn--) name that is not official |
| `link_shortener` | medium | domain | a shortened link hides where it goes |
| `ip_host` | medium | host | a bare IP address instead of a name |
| `risky_tld` | medium | tld | a TLD scams use far more than real sites (.xyz, .top…) |
| `userinfo_trick` | high | shown, host | "brand.com.vn@evil.xyz": the part before @ is only decoration |

In the look-alike family, `domain` is the registered domain the link really belongs to and `host`
the whole host as people read it; `brand` and `official` are "" for a mixed-script name or a
plain "gov" that imitates no brand we know. Only one of the look-alike family (lookalike_domain,
homoglyph_domain, brand_in_subdomain, brand_with_bait_words, gov_impersonation) is given per link:
the strongest one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import phonenumbers

from bot.checking.brands import BrandTable
from bot.checking.lookalike import Hit, detector_for
from bot.checking.official import official_service, official_site
from bot.core.content import shipped_labels
from bot.identifiers.model import BankAccount, Link, PhoneNumber

Level = Literal["high", "medium", "info"]
LEVEL_ORDER: dict[str, int] = {"high": 0, "medium": 1, "info": 2}

# code -> (level, params): the table above, for tests and for the content check.
REASON_CODES: dict[str, tuple[Level, tuple[str, ...]]] = {
    "foreign_number": ("medium", ("country", "region", "prefix")),
    "international_prefix_00": ("medium", ("number",)),
    "voip_number": ("medium", ("number",)),
    "premium_rate": ("medium", ("number",)),
    "invalid_number": ("medium", ("number",)),
    "old_format_number": ("medium", ("number", "new_number")),
    "official_short_code": ("info", ("number", "service")),
    "toll_free": ("info", ("number",)),
    "official_domain": ("info", ("brand", "domain")),
    "platform_page": ("info", ("brand", "domain")),
    "lookalike_domain": ("high", ("brand", "official", "domain", "host")),
    "homoglyph_domain": ("high", ("brand", "official", "domain", "host")),
    "brand_in_subdomain": ("high", ("brand", "official", "domain", "host")),
    "brand_with_bait_words": ("high", ("brand", "official", "domain", "host", "word")),
    "gov_impersonation": ("high", ("brand", "official", "domain", "host")),
    "punycode_domain": ("medium", ("host",)),
    "link_shortener": ("medium", ("domain",)),
    "ip_host": ("medium", ("host",)),
    "risky_tld": ("medium", ("tld",)),
    "userinfo_trick": ("high", ("shown", "host")),
}
LOOKALIKE_FAMILY: frozenset[str] = frozenset(
    {"lookalike_domain", "homoglyph_domain", "brand_in_subdomain", "brand_with_bait_words", "gov_impersonation"}
)
_FAMILY_CODE = {
    "homoglyph": "homoglyph_domain",
    "government": "gov_impersonation",
    "subdomain": "brand_in_subdomain",
    "bait": "brand_with_bait_words",
    "lookalike": "lookalike_domain",
}


@dataclass(frozen=True)
class Signal:
    code: str  # a key of REASON_CODES
    level: Level
    params: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", {str(k): str(v) for k, v in self.params.items()})

    def __hash__(self) -> int:
        return hash((self.code, self.level, tuple(sorted(self.params.items()))))


def _signal(code: str, **params: str) -> Signal:
    return Signal(code, REASON_CODES[code][0], params)


def _ordered(signals: list[Signal]) -> list[Signal]:
    return sorted(signals, key=lambda s: LEVEL_ORDER[s.level])


# ── phone numbers ────────────────────────────────────────────────────────────────────────────

# The `country` of a foreign number is in Vietnamese, as `canhgiac check --json` has always given
# it: the names people use for the regions scam calls come from most are content
# (`content/vi/countries.yaml`); other regions take libphonenumber's Vietnamese name, or their ISO code.
COUNTRY_LANGUAGE = "vi"


def _country_name(region: str) -> str:
    name = shipped_labels("countries", COUNTRY_LANGUAGE).get(region)
    if name is None:
        from phonenumbers.geodata.locale import LOCALE_DATA

        name = LOCALE_DATA.get(region, {}).get(COUNTRY_LANGUAGE, "")
        name = region if not name or name.startswith("*") else name
    return name


def _display_number(phone: PhoneNumber) -> str:
    """How Vietnamese write the number: 0912345678, 02438123456, 19001234; others stay E.164."""
    number = phone.normalized
    if number.startswith("+84"):
        national = number[3:]
        return national if national.startswith("1") else "0" + national  # 1800/1900 have no 0
    return number


def phone_signals(phone: PhoneNumber) -> list[Signal]:
    number = _display_number(phone)
    signals: list[Signal] = []
    service = official_service(phone)
    if service is not None:
        return [_signal("official_short_code", number=phone.normalized, service=service)]
    if phone.foreign:
        region = phone.region or ""
        code = phonenumbers.country_code_for_region(region)
        signals.append(
            _signal("foreign_number", country=_country_name(region), region=region,
                    prefix=f"+{code}" if code else "")
        )  # fmt: skip
    if phone.written_with_00:
        signals.append(_signal("international_prefix_00", number=number))
    if phone.old_format:
        signals.append(_signal("old_format_number", number=re.sub(r"\D", "", phone.raw), new_number=number))
    elif not phone.valid:
        signals.append(_signal("invalid_number", number=re.sub(r"[^\d+]", "", phone.raw) or number))
    if phone.number_type == "voip":
        signals.append(_signal("voip_number", number=number))
    elif phone.number_type == "premium_rate":
        signals.append(_signal("premium_rate", number=number))
    elif phone.number_type == "toll_free":
        signals.append(_signal("toll_free", number=number))
    return _ordered(signals)


# ── links ────────────────────────────────────────────────────────────────────────────────────

_USERINFO = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([^/?#@\s]+)@", re.IGNORECASE)


def _family_signal(hit: Hit, link: Link) -> Signal:
    code = _FAMILY_CODE[hit.kind]
    brand = hit.brand
    params = {
        "brand": brand.name if brand else "",
        "official": brand.official if brand else "",
        "domain": hit.domain,
        "host": link.host_unicode or link.host,
    }
    if code == "brand_with_bait_words":
        params["word"] = hit.word
    return Signal(code, REASON_CODES[code][0], params)


def link_signals(link: Link, brands: BrandTable) -> list[Signal]:
    signals: list[Signal] = []
    host = link.host.lower()
    if link.is_ip:
        signals.append(_signal("ip_host", host=link.host))
    else:
        official = official_site(link, brands)
        if official is not None:
            brand, domain = official
            # zalo.me/g/… is a group someone made on Zalo: calling it "Zalo's official site" would
            # vouch for whoever made it (and `is_official` does not count it either).
            code = "platform_page" if brand.hosts_others and link.path.strip("/") else "official_domain"
            return [_signal(code, brand=brand.name, domain=domain)]

    if getattr(link, "has_userinfo", False):
        found = _USERINFO.match(link.raw.strip())
        signals.append(_signal("userinfo_trick", shown=found.group(1) if found else "", host=link.host_unicode))
    if link.is_ip:
        return _ordered(signals)

    detector = detector_for(brands)
    vocabulary = detector.vocabulary
    registered = (link.registered_domain or "").lower()
    if registered in vocabulary.shorteners or host in vocabulary.shorteners:
        signals.append(_signal("link_shortener", domain=host))
    hit = detector.check(link)
    if hit is not None:
        signals.append(_family_signal(hit, link))
    if "xn--" in host and (hit is None or hit.kind != "homoglyph"):
        signals.append(_signal("punycode_domain", host=link.host_unicode))
    tld = (link.suffix or "").lower().rsplit(".", 1)[-1]
    if tld and tld in vocabulary.risky_tlds:
        signals.append(_signal("risky_tld", tld="." + tld))
    return _ordered(signals)


# ── bank accounts ────────────────────────────────────────────────────────────────────────────


def bank_signals(account: BankAccount) -> list[Signal]:
    """Nothing about an account number's digits alone says "scam": its reports and the blocklist
    do, and those are looked up elsewhere. Kept so every identifier kind has a signals function."""
    return []
