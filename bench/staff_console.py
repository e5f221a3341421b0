#!/usr/bin/env python
"""The staff's console pages with many subscribers: time per request, in process.

    python bench/staff_console.py [--subscribers 100000] [--runs 30]

A temporary SQLite file gets N subscriptions spread over every commune of Lào Cai (t-15) and a few
other provinces, started over the last 16 weeks, a tenth of them stopped, a third with chosen
topics. The real app (`bot.web.app.build_app`, the real services) answers through httpx's ASGI
transport, as a commune's staff member, a province's, and an admin: the subscribers page (counts,
topics, the 12-week trend) and the compose preview (the exact message and the recipient count,
`broadcasts.audience` over every subscriber of the target). Prints p50 and p95 per page and the
SQLite query plans of the subscribers page's queries.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.broadcast import subscriptions  # noqa: E402
from bot.core.clock import to_iso, utc_now  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.routing import web_sessions  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.web.app import build_app  # noqa: E402

PROVINCE = "t-15"
OTHERS = ("t-01", "t-79", "t-48")


def seed(services, count: int) -> list[str]:
    areas = services.library.areas
    communes = sorted(areas.get(PROVINCE).children)
    elsewhere = [code for province in OTHERS if areas.get(province) for code in areas.get(province).children]
    topics = [slug for slug in services.content.taxonomy if slug not in ("bot-help", "reporting-help")]
    rng = random.Random(17)
    now = utc_now()
    rows = []
    for n in range(count):
        area = rng.choice(communes) if rng.random() < 0.7 else rng.choice(elsewhere)
        started = now - timedelta(minutes=rng.randrange(16 * 7 * 24 * 60))
        active = rng.random() >= 0.1
        chosen = ",".join(rng.sample(topics, 2)) if rng.random() < 0.33 else ""
        stamp = to_iso(started)
        updated = to_iso(started + (now - started) / 2) if not active else stamp
        rows.append(("telegram", str(500_000 + n), area, chosen, int(active), stamp, updated,
                     None if active else "user"))  # fmt: skip

    def write(db):
        # Bulk rows, as if subscribed one by one through `subscriptions.subscribe` over 16 weeks.
        db.conn.executemany(
            "INSERT INTO subscriptions (channel, chat_id, area_code, topics, active, subscribed_at, updated_at, "
            "stopped_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute("ANALYZE")

    services.storage.write_sync(write)
    return communes


async def timed(client: httpx.AsyncClient, method: str, path: str, runs: int, **kwargs) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = await client.request(method, path, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


async def run(count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, db_path=Path(folder) / "bench.db", web_secure_cookies=False)
        services = build_services(settings)
        try:
            communes = seed(services, count)
            per_area = services.storage.read_sync(lambda db: subscriptions.active_per_area(db, set(communes)))
            busiest = max(per_area, key=per_area.get)
            app = build_app(services)
            who = {"commune": {"staff": [busiest]}, "province": {"staff": [PROVINCE]}, "admin": {"staff": None}}
            print(f"{count} subscriptions; {platform.processor() or platform.machine()}, {runs} runs per line")
            for name, roles in who.items():
                session, opened = services.storage.write_sync(
                    lambda db, roles=roles, name=name: web_sessions.open_session(
                        db, channel="bench", user_id=name, roles=roles, now=utc_now()
                    )
                )
                # The console checks roles live: give the session's person the role in the settings.
                codes = roles["staff"]
                settings.staff_ids.append(f"bench:{name}" + (f"={'|'.join(codes)}" if codes else ""))
                if codes is None:
                    settings.admin_ids.append(f"bench:{name}")
                transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://bench", cookies={"cg_session": session}
                ) as client:
                    p50, p95 = await timed(client, "GET", "/staff/subscribers", runs)
                    print(f"  {name:9} subscribers page          p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
                    target = busiest if name == "commune" else PROVINCE if name == "province" else "*"
                    form = {
                        "csrf": opened.csrf,
                        "source": "week",
                        "areas": [target],
                        "when": "now",
                        "action": "preview",
                    }
                    page = await client.post("/staff/compose", data=form)
                    recipients = re.search(r'id="count">[^<]*<b>(\d+)</b>', page.text)
                    if recipients is None:  # no campaign this week: the staff's own words instead
                        form = {**form, "source": "text", "text": "Bench"}
                        page = await client.post("/staff/compose", data=form)
                        recipients = re.search(r'id="count">[^<]*<b>(\d+)</b>', page.text)
                    p50, p95 = await timed(client, "POST", "/staff/compose", runs, data=form)
                    print(
                        f"  {name:9} preview to {recipients.group(1):>6} people  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
                    )
            codes = sorted(services.library.areas.within(PROVINCE))
            marks = ",".join("?" * len(codes))
            where = f"area_code IN ({marks})"
            queries = (
                ("per area", f"SELECT area_code, count(*) FROM subscriptions WHERE active = 1 AND {where} "
                 "GROUP BY area_code", codes),
                ("per topic", f"SELECT topics, count(*) FROM subscriptions WHERE active = 1 AND {where} "
                 "GROUP BY topics", codes),
                ("new per week", f"SELECT count(*) FROM subscriptions WHERE {where} AND subscribed_at >= ?",
                 [*codes, "2026"]),
                ("stopped per week", f"SELECT count(*) FROM subscriptions WHERE active = 0 AND {where} "
                 "AND updated_at >= ?", [*codes, "2026"]),
            )  # fmt: skip
            for label, sql, params in queries:
                plan = services.storage.read_sync(lambda db, sql=sql, params=params: db.execute(
                    "EXPLAIN QUERY PLAN " + sql, params).fetchall())  # fmt: skip
                print(f"  plan, {label}: " + "; ".join(row[-1] for row in plan))
        finally:
            services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.subscribers, args.runs))


if __name__ == "__main__":
    main()
