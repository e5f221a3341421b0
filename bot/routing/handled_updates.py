"""Which platform updates were already handled, so a repeated delivery is not handled twice.

Telegram repeats updates after a restart (polling confirms a batch only on the next call) and
Zalo may redeliver without any offset. The key is claimed before handling: a crash mid-handling
then loses that one reply (the citizen can send again) instead of doing the work twice, e.g. filing
a report twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from bot.core.clock import to_iso

# Telegram keeps undelivered updates for 24 hours; a week is a wide margin for any platform.
RETENTION = timedelta(days=7)


def claim(db: sqlite_utils.Database, channel: str, update_key: str, now: datetime) -> bool:
    """True if this update is new (and is now recorded), False if it was handled before."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO handled_updates (channel, update_key, handled_at) VALUES (?, ?, ?)",
        [channel, update_key, to_iso(now)],
    )
    return cursor.rowcount == 1


def prune(db: sqlite_utils.Database, now: datetime) -> int:
    cursor = db.execute("DELETE FROM handled_updates WHERE handled_at < ?", [to_iso(now - RETENTION)])
    return cursor.rowcount
