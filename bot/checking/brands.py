"""Brands people get impersonated as, and their official domains (data/reference/official_domains.yaml).

`BrandTable.official(registered_domain)` answers "is this a site of a brand we know"; the
look-alike detector (bot/checking/lookalike.py) is compiled from a table, for the brands' names and
tokens, and the table knows nothing of it: `lookalike.detector_for(table)`.
What counts as official for reports (brands, .gov.vn, hotlines, the allow list) is bot/checking/official.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from bot.core import paths
from bot.core.content import read_yaml

BrandKind = Literal["bank", "ewallet", "ecommerce", "social", "government", "telecom", "post", "utility"]
KINDS: frozenset[str] = frozenset(get_args(BrandKind))
# Platforms where anyone has pages, shops or payment links (facebook.com/page, shopee.vn/shop,
# me.momo.vn/name): only their bare sites are theirs, a page on them may be a scammer's.
PLATFORM_KINDS: frozenset[str] = frozenset({"ecommerce", "social", "ewallet"})
STATE_SUFFIX = "gov.vn"  # only state bodies can register a name under it

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_TOKEN = re.compile(r"^[a-z0-9]{2,}$")


@dataclass(frozen=True)
class Brand:
    key: str
    name: str
    kind: BrandKind
    domains: tuple[str, ...]  # official registered domains; the first is the one we show
    tokens: tuple[str, ...]  # lower-case names matched inside other domains, official labels included

    @property
    def official(self) -> str:
        return self.domains[0]

    @property
    def is_government(self) -> bool:
        return self.kind == "government"

    @property
    def hosts_others(self) -> bool:
        return self.kind in PLATFORM_KINDS


def is_state_host(host: str) -> bool:
    """A host under .gov.vn (or gov.vn itself): a state site by registration rules."""
    host = host.lower().rstrip(".")
    return host == STATE_SUFFIX or host.endswith("." + STATE_SUFFIX)


def _label(domain: str) -> str:
    """The owner's part of a registered domain, without hyphens: "ncb-bank.vn" -> "ncbbank"."""
    return domain.split(".", 1)[0].replace("-", "")


class BrandTable:
    def __init__(self, brands: list[Brand]):
        self.brands: tuple[Brand, ...] = tuple(brands)
        self._by_key = {b.key: b for b in self.brands}
        self._by_domain: dict[str, Brand] = {}
        for brand in self.brands:
            for domain in brand.domains:
                other = self._by_domain.setdefault(domain, brand)
                if other is not brand:
                    raise ValueError(f"{domain} is listed under both {other.key} and {brand.key}")

    @classmethod
    def load(cls, path: Path | None = None) -> BrandTable:
        """The table of data/reference/official_domains.yaml (or `path`). Its look-alike detector is
        compiled by whoever loads the library (`lookalike.detector_for`), not on the first check."""
        path = path or paths.reference_dir() / "official_domains.yaml"
        data = read_yaml(path.read_text(encoding="utf-8")) or {}
        return cls([_brand(entry, path) for entry in data.get("brands") or []])

    def official(self, registered_domain: str) -> Brand | None:
        """The brand whose official domain this is (exactly), or None."""
        return self._by_domain.get(registered_domain.lower().rstrip("."))

    def official_for_host(self, host: str) -> tuple[Brand, str] | None:
        """The brand and official domain a host is, or is a subdomain of ("ebanking.vietcombank.com.vn")."""
        labels = host.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            domain = ".".join(labels[i:])
            brand = self._by_domain.get(domain)
            if brand is not None:
                return brand, domain
        return None

    def get(self, key: str) -> Brand | None:
        return self._by_key.get(key)

    @property
    def official_domains(self) -> dict[str, Brand]:
        return dict(self._by_domain)

    def __iter__(self) -> Iterator[Brand]:
        return iter(self.brands)

    def __len__(self) -> int:
        return len(self.brands)


def _brand(entry: dict[str, Any], path: Path) -> Brand:
    where = f"{path.name}: {entry.get('key')!r}"
    key, name, kind = entry.get("key"), entry.get("name"), entry.get("kind")
    if not key or not name:
        raise ValueError(f"{where}: key and name are required")
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}")
    domains = tuple(str(d).lower() for d in entry.get("domains") or ())
    if not domains:
        raise ValueError(f"{where}: at least one official domain is required")
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ValueError(f"{where}: {domain!r} is not a domain name")
    tokens: list[str] = []
    for token in [*(str(t).lower() for t in entry.get("tokens") or ()), *map(_label, domains)]:
        if not _TOKEN.match(token):
            raise ValueError(f"{where}: token {token!r} must be lower-case letters and digits")
        if token not in tokens:
            tokens.append(token)
    return Brand(key=str(key), name=str(name), kind=kind, domains=domains, tokens=tuple(tokens))
