"""Reporting: citizens' reports hung off one row per identifier, staff decisions and the audit log
(`decisions`: the chat's and the web console's one way to decide), the digest for officers, the
exports for the authorities, and the evidence photos kept beside the database.

Writes: `reports`, `identifiers`, `reporters`, `audit_log`, `meta` (when the last digest went out).
Imports: core, identifiers.
"""
