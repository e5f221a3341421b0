"""Imported lists of known phishing hosts and URLs (`canhgiac blocklist import FILE`).

A line is a host ("acb-vn.com"), a host with a path ("apps.apple.com/us/app/…"), a URL or an IP
address. Hosts match themselves and every subdomain; entries with a path match as URL prefixes
only, so one bad app page does not flag the whole app store. Each source is replaced as a whole on
re-import, so an updated list drops entries its authors removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from bot.core.clock import to_iso
from bot.identifiers import Link, parse_link


@dataclass(frozen=True)
class ImportResult:
    source: str
    hosts: int
    prefixes: int
    skipped: list[str]


def _entry(line: str) -> tuple[str, str] | None:
    link = parse_link(line)
    if link is None:
        return None
    if link.path:
        return "url_prefix", link.normalized
    return "host", link.host


def import_lines(db: sqlite_utils.Database, lines: Iterable[str], source: str, now: datetime) -> ImportResult:
    """Replace `source`'s entries with the lines' (blank lines and # comments are skipped)."""
    rows: dict[tuple[str, str], dict] = {}
    skipped = []
    stamp = to_iso(now)
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry = _entry(line)
        if entry is None:
            skipped.append(line)
            continue
        rows[entry] = {"kind": entry[0], "entry": entry[1], "source": source, "imported_at": stamp}
    db.execute("DELETE FROM blocklist WHERE source = ?", [source])
    db["blocklist"].insert_all(rows.values(), replace=True, batch_size=2000)
    kinds = [kind for kind, _ in rows]
    return ImportResult(source, kinds.count("host"), kinds.count("url_prefix"), skipped)


def import_file(db: sqlite_utils.Database, path: Path, source: str | None, now: datetime) -> ImportResult:
    with path.open(encoding="utf-8", errors="replace") as lines:
        return import_lines(db, lines, source or path.stem, now)


def _host_candidates(link: Link) -> list[str]:
    """The host and each parent down to the registered domain: a.b.evil.xyz, b.evil.xyz, evil.xyz."""
    labels = link.host.split(".")
    floor = len(link.registered_domain.split(".")) if link.registered_domain and not link.is_ip else len(labels)
    return [".".join(labels[i:]) for i in range(0, len(labels) - floor + 1)]


def _prefix_candidates(link: Link) -> list[str]:
    """Every path prefix at a "/" boundary, and the whole URL with and without its query."""
    base, _, query = link.normalized.partition("?")
    parts = base.split("/")
    candidates = ["/".join(parts[:i]) for i in range(2, len(parts) + 1)]
    return candidates + ([link.normalized] if query else [])


def lookup(db: sqlite_utils.Database, link: Link) -> str | None:
    """The source of the first entry that matches `link`, or None."""
    hosts = _host_candidates(link)
    prefixes = _prefix_candidates(link)
    marks_h = ", ".join("?" for _ in hosts)
    marks_p = ", ".join("?" for _ in prefixes) or "NULL"
    row = db.execute(
        f"SELECT source FROM blocklist WHERE (kind = 'host' AND entry IN ({marks_h})) "
        f"OR (kind = 'url_prefix' AND entry IN ({marks_p})) LIMIT 1",
        [*hosts, *prefixes],
    ).fetchone()
    return row[0] if row else None


def count(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT source, count(*) FROM blocklist GROUP BY source ORDER BY source").fetchall())
