"""Why a phone number, link or bank account looks risky: reason-coded signals (see signals.py)."""

from bot.risk.brands import Brand, BrandTable
from bot.risk.signals import REASON_CODES, Signal, bank_signals, link_signals, phone_signals

__all__ = ["REASON_CODES", "Brand", "BrandTable", "Signal", "bank_signals", "link_signals", "phone_signals"]
