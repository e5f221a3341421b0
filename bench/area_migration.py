#!/usr/bin/env python
"""Time of schema migration 10 (area codes of before 1 July 2025 → current units) on a big database.

    python bench/area_migration.py [--subscriptions 100000]

Builds a database at schema version 9 in a temporary folder, as the code before the migration made
it: N subscriptions spread over the 111 codes of the old content/areas.yaml (plus 5% already on
current codes, 1% on unknown codes), N/10 reports and deliveries likewise, 200 broadcasts and 200
weekly overrides on old codes; then times `migrate` to version 10 and checks no row was lost.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from bot.core import area_history  # noqa: E402
from bot.core.area_history import AreaHistory  # noqa: E402
from bot.core.migrations import MIGRATIONS, migrate  # noqa: E402

NOW = "2025-06-01T00:00:00+00:00"


def build(path: Path, n: int, rng: random.Random) -> None:
    db = sqlite_utils.Database(path)
    migrate(db, [m for m in MIGRATIONS if m.version <= 9])
    history = AreaHistory.load()
    old = sorted(code for unit in history.units for code in unit.codes)

    def code() -> str:
        roll = rng.random()
        return "x-00070" if roll < 0.05 else f"own-{rng.randrange(9)}" if roll < 0.06 else rng.choice(old)

    with db.conn:
        db["subscriptions"].insert_all(
            ({"channel": "telegram", "chat_id": str(i), "area_code": code(), "topics": "", "active": 1,
              "subscribed_at": NOW, "updated_at": NOW} for i in range(n)),
            batch_size=5000,
        )  # fmt: skip
        db["identifiers"].insert({"id": 1, "key": "phone:1", "kind": "phone", "normalized": "1", "status": "new"})
        db["reports"].insert_all(
            ({"ref": f"BC-{i}", "created_at": NOW, "identifier_id": 1, "reporter": "r", "what": "phone",
              "status": "new", "area_code": code()} for i in range(n // 10)),
            batch_size=5000,
        )  # fmt: skip
        db["broadcasts"].insert_all(
            {"id": i, "created_at": NOW, "kind": "manual", "text": "t", "status": "done",
             "areas": json.dumps(rng.sample(old, 3))} for i in range(1, 201)
        )  # fmt: skip
        db["deliveries"].insert_all(
            ({"broadcast_id": 1 + i % 200, "channel": "telegram", "chat_id": str(i), "area_code": code(),
              "text": "t", "status": "sent"} for i in range(n // 10)),
            batch_size=5000,
        )  # fmt: skip
        overrides = [
            {
                "area_code": rng.choice(old),
                "iso_week": f"2025-W{w:02d}",
                "campaign_id": "skip",
                "set_by": "s",
                "set_at": NOW,
            }
            for w in range(1, 53)
            for _ in range(4)
        ]
        db["week_overrides"].insert_all(overrides, ignore=True)
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        build(path, args.subscriptions, random.Random(12))
        db = sqlite_utils.Database(path)
        before = {t: db[t].count for t in ("subscriptions", "reports", "deliveries", "broadcasts")}
        area_history._load.cache_clear()  # reading the history table is part of the migration's time
        started = time.perf_counter()
        applied = migrate(db)
        elapsed = time.perf_counter() - started
        after = {t: db[t].count for t in before}
        assert after == before, (before, after)
        left = db.execute(
            "SELECT COUNT(*) FROM subscriptions WHERE area_code NOT LIKE 'x-%' AND area_code NOT LIKE 't-%' "
            "AND area_code NOT LIKE 'own-%'"
        ).fetchone()[0]
        assert left == 0, left
        print(
            f"migrations {applied} on {args.subscriptions:,} subscriptions, {before['reports']:,} reports, "
            f"{before['deliveries']:,} deliveries, 200 broadcasts: {elapsed * 1000:.0f} ms; no row lost"
        )


if __name__ == "__main__":
    main()
