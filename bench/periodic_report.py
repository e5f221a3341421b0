#!/usr/bin/env python
"""Periodic report benchmark: a province's year with 100,000 reports and 500,000 usage counter rows.

    python bench/periodic_report.py [--reports 100000] [--counters 500000] [--keep DIR]

Builds a database (the real schema, rows written in bulk), then times `bot.periodic.build.generate`
for tỉnh Lào Cai (99 communes) and the year 2026: the figures, four charts, the .docx and the .xlsx
annex (every commune and month). Also on the province: 20,000 subscriptions, 12 broadcasts to them
(240,000 deliveries), decisions on 5,000 identifiers and 2,000 unanswered questions. Prints the
time of each part; the issue's target is 10 s in all. `--keep DIR` leaves the database and the
documents there (bench/report_pages.py renders them to PNG to look at).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.broadcast.areas import Areas  # noqa: E402
from bot.core import paths  # noqa: E402
from bot.core.clock import to_iso  # noqa: E402
from bot.core.content import Content  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.core.storage import Storage  # noqa: E402
from bot.periodic import build, periods  # noqa: E402
from bot.periodic.inputs import ActivityCount  # noqa: E402
from bot.services import _template_globals  # noqa: E402

PROVINCE = "t-15"
YEAR = 2026
TOPICS = ("fake-authority-call", "job-scam", "investment-scam", "phishing-link", "ecommerce-scam", "unknown")
WHAT = ("call", "sms", "link", "bank_account", "social", "other")
VIA = ("phone_call", "ott_call", "sms", "zalo", "facebook", "website")
OUTCOMES = {  # kind -> outcomes; with topics below, ~14 rows per commune and day
    "check": ("high", "medium", "low"),
    "message_check": ("high", "medium", "low"),
    "question": ("answered", "suggested", "unanswered"),
    "quiz": ("3/5", "4/5", "5/5"),
}


def stamp(rng: random.Random) -> str:
    moment = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(330 * 86400))
    return to_iso(moment)


def fill(db, communes: list[str], n_reports: int, n_counters: int, rng: random.Random) -> None:
    # Identifiers: about 3 reports each.
    n_ids = n_reports // 3
    db.conn.executemany(
        "INSERT INTO identifiers (id, key, kind, normalized, status, first_reported, last_reported) "
        "VALUES (?, ?, 'phone', ?, 'new', ?, ?)",
        [(i, f"phone:+849{i:08d}", f"+849{i:08d}", f"{YEAR}-01-01T00:00:00.000000Z", f"{YEAR}-01-01T00:00:00.000000Z")
         for i in range(1, n_ids + 1)],
    )  # fmt: skip
    rows = []
    for n in range(n_reports):
        rows.append((f"BC-B-{n:06d}", stamp(rng), rng.randint(1, n_ids), f"r{rng.randrange(n_reports // 2)}",
                     rng.choice(WHAT), rng.choice(VIA), rng.choice(TOPICS), "today",
                     rng.choice((None, None, 500_000, 20_000_000)), rng.choice(communes), "new"))  # fmt: skip
    db.conn.executemany(
        "INSERT INTO reports (ref, created_at, identifier_id, reporter, what, via, claimed_topic, happened, "
        "amount_lost, area_code, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.conn.executemany(
        "INSERT INTO audit_log (at, actor, identifier_id, old_status, new_status) VALUES (?, 'police', ?, 'new', ?)",
        [(stamp(rng), i, rng.choice(("forwarded", "confirmed", "rejected"))) for i in range(1, 5001)],
    )
    # Counters: distinct (day, kind, outcome, topic, area) rows until there are n_counters.
    keys = [(kind, outcome, topic) for kind, outcomes in OUTCOMES.items() for outcome in outcomes
            for topic in (("",) if kind == "quiz" else ("", rng.choice(TOPICS[:-1])))]  # fmt: skip
    days = [(date(YEAR, 1, 1) + timedelta(days=d)).isoformat() for d in range(365)]
    counters = set()
    while len(counters) < n_counters:
        counters.add((rng.choice(days), *rng.choice(keys), rng.choice(communes)))
    db.conn.executemany(
        "INSERT INTO usage_counts (day, kind, outcome, topic, area_code, count) VALUES (?, ?, ?, ?, ?, ?)",
        [(*key, rng.randint(1, 9)) for key in counters],
    )
    subscribers = [(f"{n}", rng.choice(communes), stamp(rng)) for n in range(20_000)]
    db.conn.executemany(
        "INSERT INTO subscriptions (channel, chat_id, area_code, topics, active, subscribed_at, updated_at) "
        "VALUES ('telegram', ?, ?, '', 1, ?, ?)",
        [(chat, area, at, at) for chat, area, at in subscribers],
    )
    for week in range(12):
        due = to_iso(datetime(YEAR, 1, 5, tzinfo=UTC) + timedelta(weeks=4 * week))
        cursor = db.conn.execute(
            "INSERT INTO broadcasts (created_at, created_by, kind, text, areas, scheduled_for, status, recipients, "
            "summary_sent) VALUES (?, 'staff', 'manual', 'x', '[]', ?, 'done', ?, 1)",
            [due, due, len(subscribers)],
        )
        db.conn.executemany(
            "INSERT INTO deliveries (broadcast_id, channel, chat_id, area_code, text, status, attempts, "
            "next_attempt_at, resent) VALUES (?, 'telegram', ?, ?, 'x', ?, 1, '', 0)",
            [(cursor.lastrowid, chat, area, rng.choice(("sent",) * 18 + ("blocked", "failed")))
             for chat, area, _ in subscribers],
        )  # fmt: skip
    db.conn.executemany(
        "INSERT INTO faq_gaps (asked_at, text, normalized, outcome, score) VALUES (?, ?, ?, 'fallback', 0)",
        [(stamp(rng), f"cau hoi so {n % 40}", f"cau hoi so {n % 40}") for n in range(2000)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--counters", type=int, default=500_000)
    parser.add_argument("--keep", type=Path, help="a folder to keep the database and documents in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="canhgiac-periodic-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "bench.db"
    db_path.unlink(missing_ok=True)

    areas = Areas.load(paths.content_dir() / "areas.yaml")
    communes = sorted(areas.within(PROVINCE) - {PROVINCE})
    texts = Content(paths.content_dir(), "vi", _template_globals(Settings(_env_file=None))).texts("vi")
    storage = Storage(db_path)
    started = time.perf_counter()
    storage.write_sync(lambda db: fill(db, communes, args.reports, args.counters, random.Random(18)))
    print(f"filled in {time.perf_counter() - started:.1f} s: {args.reports:,} reports, {args.counters:,} counter rows, "
          f"{len(communes)} communes")  # fmt: skip

    period = periods.parse(str(YEAR), date(YEAR, 12, 31))
    activities = [ActivityCount(c, "meeting", 2, 60) for c in communes[:30]]
    sections = {"difficulties": "", "recommendations": ""}
    timings, cpu = [], []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        written = build.generate(storage, areas, texts, PROVINCE, period, folder / "bao-cao-2026.docx",
                                 activities=activities, sections=sections)  # fmt: skip
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)  # every thread of this process: SQL runs in the reader's
    f = written.figures
    print(f"reports {f.total('reports'):,}, identifiers {f.identifiers:,}, checks {f.total('check'):,}, "
          f"decisions {sum(f.decisions.values()):,}, deliveries {f.total('deliveries'):,}")  # fmt: skip
    print(
        f"generate (figures, charts, docx, xlsx): best {min(timings):.2f} s, worst {max(timings):.2f} s "
        f"over {len(timings)} runs (target ≤ 10 s) on {platform.python_version()}, {platform.machine()}"
    )
    print(
        f"CPU time: best {min(cpu):.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(wall time above the CPU time is waiting for a core)"
    )
    print(f"wrote {written.document} and {written.annex}")
    storage.close()


if __name__ == "__main__":
    main()
