"""What is official: the sites, numbers and accounts that citizens' reports alone never brand a scam.

Three accounts must not be able to make a bank's site, 113 or a state portal look dangerous to
everyone (bot/checking/verdict.py). One notion of "official", read from the tables the signals already use:

- a national hotline or official short code of data/reference/hotlines.yaml (the
  `official_short_code` signal);
- a site of a brand in data/reference/official_domains.yaml, or of its subdomains (the
  `official_domain` signal), except a page on a platform where anyone may publish
  (`Brand.hosts_others`: facebook.com/some.page is someone's page, not Facebook);
- any site under .gov.vn (only state bodies can register one);
- anything on the operator's allow list (`CANHGIAC_ALLOWLIST`; the locality's police numbers too).

Toll-free 1800 numbers are not official: any company can rent one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.checking.brands import Brand, BrandTable, is_state_host
from bot.core import paths
from bot.identifiers.model import Identifier, Link, PhoneNumber


@lru_cache(maxsize=1)
def short_codes() -> dict[str, str]:
    """Official short numbers from data/reference/hotlines.yaml: number -> key ("113" -> "police")."""
    entries = yaml.safe_load((paths.reference_dir() / "hotlines.yaml").read_text(encoding="utf-8")) or []
    return {str(e["number"]): str(e["key"]) for e in entries}


def official_service(phone: PhoneNumber) -> str | None:
    """The hotlines.yaml key of an official short code ("police" for 113), or None."""
    return short_codes().get(phone.normalized)


def official_site(link: Link, brands: BrandTable) -> tuple[Brand, str] | None:
    """The brand and official domain a link's host belongs to, or None (IP hosts never do)."""
    if link.is_ip:
        return None
    found = brands.official_for_host(link.host.lower())
    if found is None and link.registered_domain:
        brand = brands.official(link.registered_domain)
        found = (brand, link.registered_domain.lower()) if brand else None
    return found


@dataclass(frozen=True)
class AllowList:
    """Identifiers the operator vouches for. A bare site ("congan.example.vn") covers its pages and
    subdomains; a link with a path, a number or an account covers exactly that identifier."""

    keys: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str], *, strict: bool = True) -> AllowList:
        """Entries as an operator types them, read by the same parser as a citizen's value.

        With `strict`, an entry that is no number, link or account is a ValueError naming it;
        otherwise it is skipped.
        """
        from bot.identifiers import parse_identifier

        keys, hosts = set(), set()
        for entry in entries:
            identifier = parse_identifier(entry)
            if identifier is None:
                if strict:
                    raise ValueError(f"expected phone numbers, links or bank accounts, could not read {entry!r}")
                continue
            keys.add(identifier.key)
            if isinstance(identifier, Link) and not identifier.path:
                hosts.add(identifier.host.lower())
        return cls(frozenset(keys), frozenset(hosts))

    def __or__(self, other: AllowList) -> AllowList:
        return AllowList(self.keys | other.keys, self.hosts | other.hosts)

    def __contains__(self, identifier: Identifier) -> bool:
        if identifier.key in self.keys:
            return True
        if isinstance(identifier, Link) and self.hosts:
            host = identifier.host.lower()
            return any(host == h or host.endswith("." + h) for h in self.hosts)
        return False


EMPTY = AllowList()


def is_official(identifier: Identifier, brands: BrandTable, allow: AllowList = EMPTY) -> bool:
    """True when reports alone must not raise this identifier's risk (see the module docstring)."""
    if identifier in allow:
        return True
    if isinstance(identifier, PhoneNumber):
        return official_service(identifier) is not None
    if isinstance(identifier, Link):
        if is_state_host(identifier.host):
            return True
        found = official_site(identifier, brands)
        return found is not None and not (found[0].hosts_others and identifier.path)
    return False
