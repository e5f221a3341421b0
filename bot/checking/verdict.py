"""Checking a number, link or bank account: what it is, what is known about it, how risky it looks.

The answer combines three kinds of evidence: signals read from the identifier itself (a foreign
number, a look-alike of a bank's domain…, see `bot.checking`), an imported blocklist, and what
citizens and staff said (distinct reporters, a staff decision). The levels are `high`, `medium`
and `low`; there is no "safe": low means nothing suspicious is known yet.

Reports alone never raise the risk of an official identifier (a bank's site, 113, a .gov.vn
portal, an allow-listed one: `bot.checking.official`): three accounts must not be able to brand it a
scam for everyone. Its reports still reach the police queue, and a staff decision (confirmed,
forwarded) still changes what citizens see.

Stored-evidence reason codes, next to those of `bot.checking.signals`:

| code | level | when |
| --- | --- | --- |
| `blocklisted` | high | the link is on an imported phishing list (param `source`) |
| `confirmed_scam` | high | staff confirmed the identifier as a scam |
| `many_reports` | high | at least `MANY_REPORTERS` distinct citizens reported it, not an official one (param `count`) |
| `reported` | medium | fewer citizens reported it, not an official one (param `count`) |
| `reported_official` | info | citizens reported an official identifier: the risk stays (param `count`) |
| `under_review` | medium | staff forwarded it to the police and are checking it |
| `reviewed_not_confirmed` | info | staff looked at the reports and did not confirm them |
| `unrecognized` | info | the input is not a number, link or account the bot can read |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlite_utils

from bot.checking import (
    AllowList,
    BrandTable,
    Signal,
    bank_signals,
    blocklist,
    is_official,
    link_signals,
    phone_signals,
)
from bot.checking.official import EMPTY
from bot.core.settings import SettingsError
from bot.identifiers import BankAccount, Identifier, Link, PhoneNumber, parse_identifier
from bot.reporting import reports

MANY_REPORTERS = 3
# Stored-evidence codes (the table above), in the format of bot.checking.REASON_CODES: level, params.
EVIDENCE_CODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "blocklisted": ("high", ("source",)),
    "confirmed_scam": ("high", ()),
    "many_reports": ("high", ("count",)),
    "reported": ("medium", ("count",)),
    "reported_official": ("info", ("count",)),
    "under_review": ("medium", ()),
    "reviewed_not_confirmed": ("info", ()),
    "unrecognized": ("info", ()),
}


def _evidence(code: str, **params: str) -> Signal:
    return Signal(code, EVIDENCE_CODES[code][0], params)


@dataclass(frozen=True)
class CheckResult:
    input: str
    identifier: Identifier | None
    risk: str
    signals: list[Signal] = field(default_factory=list)
    stats: reports.Stats = reports.Stats(0, None, None, "new")

    @property
    def reasons(self) -> list[str]:
        return [signal.code for signal in self.signals]

    def as_json(self) -> dict[str, Any]:
        """The public contract of `canhgiac check --json` (README): keep these fields stable."""
        ident = self.identifier
        data: dict[str, Any] = {
            "input": self.input,
            "kind": ident.kind if ident else "unknown",
            "normalized": ident.normalized if ident else None,
            "risk": self.risk,
            "reasons": self.reasons,
            "reports": self.stats.reporters,
            "first_reported": self.stats.first_reported,
            "last_reported": self.stats.last_reported,
            "status": self.stats.status,
            "signals": [{"code": s.code, "level": s.level, "params": dict(s.params)} for s in self.signals],
        }
        if isinstance(ident, PhoneNumber):
            data.update(number_type=ident.number_type, region=ident.region, carrier=ident.carrier)
        elif isinstance(ident, Link):
            data.update(domain=ident.registered_domain, host=ident.host_unicode)
        elif isinstance(ident, BankAccount):
            data.update(bank=ident.bank_code, bank_name=ident.bank_name, ewallet=ident.is_ewallet)
        return data


def official_stored(kind: str, normalized: str, brands: BrandTable, allow: AllowList = EMPTY) -> bool:
    """`is_official` for an identifier read back from the database (the police queue marks these)."""
    identifier = parse_identifier(normalized)
    return identifier is not None and identifier.kind == kind and is_official(identifier, brands, allow)


def allow_list(settings: Any) -> AllowList:
    """The operator's allow list (`CANHGIAC_ALLOWLIST`) and the locality's police numbers, which
    the bot itself tells citizens to call. An entry that is no number, link or account is a
    SettingsError naming the variable and the entry (every command checks this at start)."""
    try:
        return _allow_list(tuple(settings.allowlist), tuple(h.number for h in settings.police_hotlines))
    except ValueError as error:
        raise SettingsError(f"invalid setting CANHGIAC_ALLOWLIST: {error}") from None


@lru_cache(maxsize=8)
def _allow_list(entries: tuple[str, ...], hotlines: tuple[str, ...]) -> AllowList:
    return AllowList.parse(entries) | AllowList.parse(hotlines, strict=False)


def _evidence_signals(
    db: sqlite_utils.Database, identifier: Identifier, official: bool
) -> tuple[list[Signal], reports.Stats]:
    signals = []
    if isinstance(identifier, Link):
        source = blocklist.lookup(db, identifier)
        if source:
            signals.append(_evidence("blocklisted", source=source))
    stats = reports.stats(db, identifier.key)
    if stats.status == "confirmed":
        signals.append(_evidence("confirmed_scam"))
    elif stats.status == "rejected":
        signals.append(_evidence("reviewed_not_confirmed"))
    else:
        if stats.status == "forwarded":
            signals.append(_evidence("under_review"))
        if official and stats.reporters:
            signals.append(_evidence("reported_official", count=str(stats.reporters)))
        elif stats.reporters >= MANY_REPORTERS:
            signals.append(_evidence("many_reports", count=str(stats.reporters)))
        elif stats.reporters:
            signals.append(_evidence("reported", count=str(stats.reporters)))
    return signals, stats


def _own_signals(identifier: Identifier, brands: BrandTable) -> list[Signal]:
    if isinstance(identifier, PhoneNumber):
        return phone_signals(identifier)
    if isinstance(identifier, Link):
        return link_signals(identifier, brands)
    return bank_signals(identifier)


def risk_of(signals: list[Signal]) -> str:
    """The highest level among the signals; info-only evidence leaves it low."""
    levels = {signal.level for signal in signals}
    return "high" if "high" in levels else "medium" if "medium" in levels else "low"


def check(
    db: sqlite_utils.Database,
    identifier: Identifier,
    brands: BrandTable,
    raw: str | None = None,
    allow: AllowList = EMPTY,
) -> CheckResult:
    evidence, stats = _evidence_signals(db, identifier, is_official(identifier, brands, allow))
    # Stored evidence first: "42 people reported this" matters more than how the number looks.
    signals = evidence + _own_signals(identifier, brands)
    return CheckResult(raw if raw is not None else identifier.raw, identifier, risk_of(signals), signals, stats)


def check_value(db: sqlite_utils.Database, value: str, brands: BrandTable, allow: AllowList = EMPTY) -> CheckResult:
    """One value as typed (`canhgiac check VALUE`, `/kiemtra VALUE`)."""
    identifier = parse_identifier(value)
    if identifier is None:
        return CheckResult(value, None, "low", [_evidence("unrecognized")])
    return check(db, identifier, brands, raw=value, allow=allow)
