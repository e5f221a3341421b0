"""Checking: why a phone number, link or bank account looks risky: reason-coded signals (see
signals.py), the brands and their look-alike detector, what counts as official, the imported
blocklist, and the verdict (the check result, with the stored evidence).

Writes: `blocklist`, `message_gaps` (messages the classifier was unsure of, masked).
Imports: core, identifiers, reporting (the verdict counts reports).
"""

from bot.checking.brands import Brand, BrandTable
from bot.checking.official import AllowList, is_official
from bot.checking.signals import REASON_CODES, Signal, bank_signals, link_signals, phone_signals

__all__ = [
    "REASON_CODES",
    "AllowList",
    "Brand",
    "BrandTable",
    "Signal",
    "bank_signals",
    "is_official",
    "link_signals",
    "phone_signals",
]
