"""The daily digest to the police chat: identifiers with new reports since the previous digest.

It is due once per Vietnamese day, from `CANHGIAC_DIGEST_HOUR` on; a bot that was down at that
hour sends it when it comes back. The message is queued in the outbox together with the new
"last digest" time, in one transaction, so a digest is neither lost nor sent twice by a crash.

A digest covers every report, or one commune's or province's (`scope`, a `reports.Scope`: the
police chat's own areas, or the area asked for); `build` makes one for any period and area.
`queue_all_if_due` gives each reader their own: the police chat and officers without areas every
report, a commune or province officer only theirs (and nothing on a day without any: officers are
not woken for an empty list; the police chat still hears "nothing new").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from bot.core import outbox
from bot.core.clock import VIETNAM, from_iso, to_iso
from bot.core.content import Texts
from bot.identifiers import display_stored
from bot.reporting import reports

LAST_DIGEST = "last_police_digest"
MAX_ITEMS = 15


@dataclass(frozen=True)
class Recipient:
    """Who gets a digest, of which reports, titled how."""

    channel: str
    chat_id: str
    scope: reports.Scope | None = None  # None: every report
    area: str | None = None  # the name of the communes or province, for the title
    when_empty: bool = True  # also on a day without new reports


def scope_of(areas, codes: Iterable[str] | None) -> reports.Scope | None:
    """The reports an officer of `codes` answers for (as `/hangdoi` counts them: a code of before
    2025 stands for its current units, a province's officer also gets reports without an area);
    None (every report) for None. `areas`: the registry (`bot/broadcast/areas.Areas`)."""
    if codes is None:
        return None
    units: set[str] = set()
    unplaced = False
    for code in codes:
        for current in areas.resolve(code):
            units |= areas.within(current)
            unplaced = unplaced or areas.get(current).parent is None
    return reports.Scope(frozenset(units), unplaced)


def target(police_chat_id: str) -> tuple[str, str]:
    """(channel, chat id) of `CANHGIAC_POLICE_CHAT_ID`; Telegram unless a channel is named."""
    channel, sep, chat_id = police_chat_id.partition(":")
    return (channel, chat_id) if sep and not channel.lstrip("-").isdigit() else ("telegram", police_chat_id)


def is_due(db: sqlite_utils.Database, now: datetime, hour: int) -> bool:
    local = now.astimezone(VIETNAM)
    if local.hour < hour:
        return False
    row = db.execute("SELECT value FROM meta WHERE key = ?", [LAST_DIGEST]).fetchone()
    return row is None or from_iso(row[0]).astimezone(VIETNAM).date() < local.date()


def since(db: sqlite_utils.Database, now: datetime) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [LAST_DIGEST]).fetchone()
    return row[0] if row else to_iso(now - timedelta(days=1))  # the first digest covers a day


def render(
    t: Texts, items: list[dict], start: str, end: str, area_name: Callable[[str], str] = str, area: str | None = None
) -> str:
    """`area_name` shows a stored area (a registry code, or an older report's name): `Areas.name_of`;
    `area`: the name of the commune or province the digest is for (None: every report)."""
    kinds = t.labels("police.kinds")
    shown = [
        {
            **item,
            "kind": kinds.get(item["kind"], item["kind"]),
            "value": display_stored(item["kind"], item["normalized"]),
            "areas": sorted({area_name(area) for area in item["areas"]}),
        }
        for item in items[:MAX_ITEMS]
    ]
    return t.render(
        "police_digest",
        items=shown,
        more=max(0, len(items) - MAX_ITEMS),
        since=_local(start),
        until=_local(end),
        area=area,
    )


def build(
    db: sqlite_utils.Database,
    t: Texts,
    start: str,
    end: str,
    *,
    scope: reports.Scope | None = None,
    area: str | None = None,
    area_name: Callable[[str], str] = str,
) -> str:
    """The digest of reports filed in [start, end) within `scope` (None: all), titled with `area`."""
    return render(t, reports.filed_between(db, start, end, scope), start, end, area_name, area)


def _local(stamp: str) -> str:
    return from_iso(stamp).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def queue_all_if_due(
    db: sqlite_utils.Database,
    recipients: Callable[[sqlite_utils.Database], Sequence[Recipient]],
    now: datetime,
    hour: int,
    t: Texts,
    area_name: Callable[[str], str] = str,
) -> int:
    """Queue today's digest for every recipient if it is due, all in the caller's transaction with
    the new "last digest" time; the number queued. `recipients` is asked only when it is due."""
    if not is_due(db, now, hour):
        return 0
    readers = recipients(db)
    if not readers:
        return 0
    start, end = since(db, now), to_iso(now)
    queued = 0
    for reader in readers:
        items = reports.filed_between(db, start, end, reader.scope)
        if not items and not reader.when_empty:
            continue
        text = render(t, items, start, end, area_name, reader.area)
        outbox.enqueue(db, reader.channel, reader.chat_id, text, "police_digest", now)
        queued += 1
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [LAST_DIGEST, end])
    return queued


def queue_if_due(
    db: sqlite_utils.Database,
    police_chat_id: str,
    now: datetime,
    hour: int,
    t: Texts,
    area_name: Callable[[str], str] = str,
    scope: reports.Scope | None = None,
    area: str | None = None,
) -> bool:
    """Queue today's digest if it is due (see the module docstring); True if it was queued. `scope`
    and `area`: the police chat's communes or province (None: every report)."""
    if not is_due(db, now, hour):
        return False
    start, end = since(db, now), to_iso(now)
    text = build(db, t, start, end, scope=scope, area=area, area_name=area_name)
    channel, chat_id = target(police_chat_id)
    outbox.enqueue(db, channel, chat_id, text, "police_digest", now)
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [LAST_DIGEST, end])
    return True
