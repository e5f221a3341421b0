"""Why a phone number, link or bank account looks risky: reason-coded signals (see signals.py)."""

from bot.risk.brands import Brand, BrandTable
from bot.risk.official import AllowList, is_official
from bot.risk.signals import REASON_CODES, Signal, bank_signals, link_signals, phone_signals

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
