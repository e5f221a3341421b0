"""Reporting: citizens' reports hung off one row per identifier, staff decisions and the audit log,
the digest for officers and the exports for the authorities.

Writes: `reports`, `identifiers`, `reporters`, `audit_log`, `meta` (when the last digest went out).
Imports: core, identifiers.
"""
