#!/usr/bin/env python
"""Police pages benchmark: the console's queue, filters and identifier page on a large database.

    python bench/console_police.py [--reports 100000] [--identifiers 30000] [--repeat 30]

Seeds a temporary SQLite file (migrated as `canhgiac run` migrates it) with N reports over M
identifiers across Lào Cai's 100 units and ten other provinces, over 90 days, then asks the real
app (`bot.web.app.build_app`, through httpx's ASGI transport: routing, session check, the query,
the template) for each page as a province officer and as a commune officer, and prints p50 / p95 /
max in milliseconds per page. The requests run one after another, as one officer's clicks would.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.core.clock import VIETNAM, to_iso, utc_now  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.routing import web_sessions  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.web import auth  # noqa: E402
from bot.web.app import build_app  # noqa: E402

PROVINCE, COMMUNE = "t-15", "x-02674"
TOPICS = ("fake-authority-call", "job-scam", "loan-shark", "investment-scam", "phishing-link", "unknown")


def seed(services, reports: int, identifiers: int) -> None:
    areas = services.library.areas
    lao_cai = sorted(areas.within(PROVINCE) - {PROVINCE})
    elsewhere = [code for root in areas.roots[:10] if root != PROVINCE for code in sorted(areas.within(root))[1:20]]
    rng = random.Random(17)
    now = utc_now()

    def write(db):
        db.conn.executemany(
            "INSERT INTO identifiers (key, kind, normalized, status, first_reported, last_reported) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (f"phone:+8498{n:07d}", "phone", f"+8498{n:07d}", "new", to_iso(now), to_iso(now))
                if n % 4 else (f"url:scam-{n}.example.com", "url", f"scam-{n}.example.com", "new", to_iso(now),
                               to_iso(now))
                for n in range(identifiers)
            ],
        )  # fmt: skip
        rows = []
        for n in range(reports):
            when = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
            area = rng.choice(lao_cai) if rng.random() < 0.5 else rng.choice(elsewhere)
            identifier = min(int(rng.paretovariate(1.2)), identifiers) if rng.random() < 0.3 else rng.randrange(
                1, identifiers + 1)  # fmt: skip
            status = "new" if rng.random() < 0.6 else rng.choice(("forwarded", "confirmed", "rejected"))
            rows.append((
                f"BC-{when.astimezone(VIETNAM):%Y%m%d}-{n:06d}", to_iso(when), identifier, f"r{rng.randrange(reports)}",
                "call", "phone_call", rng.choice(TOPICS), "today", rng.randrange(0, 50) * 1_000_000 or None, area,
                status,
            ))  # fmt: skip
        db.conn.executemany(
            "INSERT INTO reports (ref, created_at, identifier_id, reporter, what, via, claimed_topic, happened, "
            "amount_lost, area_code, status, contact_consent, updates_consent, ref_owed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
            rows,
        )

    services.storage.write_sync(write)


async def measure(app, services, user: str, pages: list[str], repeat: int) -> dict[str, list[float]]:
    session_id, _ = services.storage.write_sync(
        lambda db: web_sessions.open_session(db, channel="bench", user_id=user, roles={}, now=utc_now())
    )
    timings: dict[str, list[float]] = {page: [] for page in pages}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(auth.SESSION_COOKIE, session_id)
        for page in pages:  # warm: the first request of each page loads templates and caches
            assert (await client.get(page)).status_code == 200, page
        for _ in range(repeat):
            for page in pages:
                start = time.perf_counter()
                response = await client.get(page)
                timings[page].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, page
    return timings


def report(who: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{who}")
    print(f"{'page':58} {'p50':>7} {'p95':>7} {'max':>7}  (ms)")
    for page, values in timings.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{page[:58]:58} {statistics.median(values):7.1f} {p95:7.1f} {values[-1]:7.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--identifiers", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None, db_path=Path(folder) / "bench.db",
            police_ids=[f"bench:1={PROVINCE}", f"bench:2={COMMUNE}"], web_secure_cookies=False,
        )  # fmt: skip
        services = build_services(settings)
        try:
            start = time.perf_counter()
            seed(services, args.reports, args.identifiers)
            print(f"seeded {args.reports} reports over {args.identifiers} identifiers in "
                  f"{time.perf_counter() - start:.1f} s; {platform.processor() or platform.machine()}, "
                  f"Python {platform.python_version()}")  # fmt: skip
            app = build_app(services)
            today = utc_now().astimezone(VIETNAM).date()
            month_ago = (today - timedelta(days=30)).isoformat()
            pages = [
                "/",
                "/queue",
                "/queue?page=5",
                f"/queue?commune={COMMUNE}",
                "/queue?status=confirmed",
                "/queue?status=all",
                "/queue?kind=url",
                "/queue?topic=job-scam",
                f"/queue?from={month_ago}&to={today.isoformat()}",
                f"/queue?commune={COMMUNE}&kind=phone&topic=fake-authority-call&from={month_ago}",
                "/identifier/1",
            ]
            report("province officer (Lào Cai, 100 units)", await measure(app, services, "1", pages, args.repeat))
            commune_pages = [p for p in pages if p != "/identifier/1"]
            report("commune officer (one ward)", await measure(app, services, "2", commune_pages, args.repeat))
        finally:
            services.close()


if __name__ == "__main__":
    asyncio.run(main())
