"""Citizens' reports of suspicious numbers, links and accounts, aggregated per canonical identifier.

Every report hangs off one row of `identifiers` (keyed by `Identifier.key`), so a number written
ten ways is one entry in the police queue, and a social-media profile is one per platform and name.
A report with nothing to identify (a visit at the door) gets a row of its own, kind "none", keyed by
its reference code: police see it alone, and decide on it as on any other. Reporters are random
tokens, not chats: a citizen who reports the same thing twice counts once, and after they erase
their data (or a retention purge) the reports stay, linked to no one.

Staff decide per identifier (`forwarded`, `confirmed`, `rejected`); every decision is written to
the audit log and applied to the identifier's reports, and reporters who asked to hear back get a
message through the outbox, all in one transaction.

Functions take the database so callers compose them into one write (`Storage.write`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from bot.core import outbox
from bot.core.clock import VIETNAM, from_iso, local_date, to_iso
from bot.core.content import Texts
from bot.core.messages import ChatKey
from bot.core.money import format_vnd
from bot.identifiers import Identifier
from bot.reporting import evidence

STATUSES = ("new", "forwarded", "confirmed", "rejected")
DECISIONS = ("forwarded", "confirmed", "rejected")
WHAT = ("call", "sms", "link", "bank_account", "social", "other")
# The identifiers row of a report without identifier: kind "none", its key "none:<ref>".
UNIDENTIFIED = "none"
# A reference code as shown to citizens: BC-<Vietnamese day>-<number of the day>. The router looks
# for codes in every reply it sends: starting with the letters (the word boundary before them is
# checked behind) lets the regex engine jump from "BC" to "BC" instead of trying every position,
# about 20 times faster on a reply without a code; it matches exactly what r"\bBC-…" matches.
REF = re.compile(r"BC(?<=\bBC)-\d{8}-\d{4,}\b")


@dataclass(frozen=True)
class Draft:
    """A finished report flow, ready to file. Optional parts are None when the citizen skipped them."""

    identifier: Identifier | None  # None: nothing to identify (a visit at the door, a video call)
    what: str
    via: str
    claimed_topic: str
    happened: str
    amount_lost: int | None = None
    bank_code: str | None = None
    account_holder: str | None = None
    description: str | None = None
    evidence: str | None = None  # the platform's file id of a photo
    evidence_text: str | None = None  # the text read from that photo (OCR), for police
    contact_consent: bool = False
    updates_consent: bool = False
    contact_phone: str | None = None  # only with contact_consent
    area_code: str | None = None  # a code of the area registry (bot/broadcast/areas.py: "x-02647")


@dataclass(frozen=True)
class Filed:
    ref: str
    identifier_id: int
    reported_before: bool  # this citizen had already reported the same identifier


@dataclass(frozen=True)
class Stats:
    """What the check shows about an identifier: distinct reporters and the staff decision."""

    reporters: int
    first_reported: str | None
    last_reported: str | None
    status: str  # "new" when no decision yet


@dataclass(frozen=True)
class QueueItem:
    identifier_id: int
    key: str
    kind: str
    normalized: str
    status: str
    reporters: int
    new_reports: int
    first_reported: str
    last_reported: str
    topics: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)  # see `AREA`: codes, or names stored before codes
    amount_lost: int = 0


def reporter_token(db: sqlite_utils.Database, chat: ChatKey, *, create: bool) -> str | None:
    row = db.execute(
        "SELECT token FROM reporters WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id]
    ).fetchone()
    if row or not create:
        return row[0] if row else None
    token = secrets.token_hex(8)
    db["reporters"].insert({"channel": chat.channel, "chat_id": chat.chat_id, "token": token})
    return token


def filed_recently(db: sqlite_utils.Database, chat: ChatKey, now: datetime) -> int:
    """Reports this chat filed in the last 24 hours (the daily limit is a rolling one)."""
    token = reporter_token(db, chat, create=False)
    if token is None:
        return 0
    since = to_iso(now - timedelta(days=1))
    return db.execute("SELECT count(*) FROM reports WHERE reporter = ? AND created_at >= ?", [token, since]).fetchone()[
        0
    ]


def _next_ref(db: sqlite_utils.Database, now: datetime) -> str:
    # Numbered per Vietnamese day; runs inside the single writer, so two reports never share one.
    day = now.astimezone(VIETNAM).strftime("%Y%m%d")
    # A range on the unique index (LIKE is case-insensitive here and would scan every report).
    count = db.execute(
        "SELECT count(*) FROM reports WHERE ref >= ? AND ref < ?", [f"BC-{day}-", f"BC-{day}."]
    ).fetchone()[0]
    return f"BC-{day}-{count + 1:04d}"


def _identifier_id(db: sqlite_utils.Database, identifier: Identifier | None, stamp: str, ref: str) -> int:
    # A report with nothing to identify is a case of its own (kind "none", shown by its code): the
    # queue lists it alone, and a decision on it reaches its one reporter like any other.
    key, kind, normalized = (identifier.key, identifier.kind, identifier.normalized) if identifier else (
        f"{UNIDENTIFIED}:{ref}", UNIDENTIFIED, ref)  # fmt: skip
    db.execute(
        "INSERT INTO identifiers (key, kind, normalized, status, first_reported, last_reported) "
        "VALUES (?, ?, ?, 'new', ?, ?) ON CONFLICT (key) DO UPDATE SET last_reported = excluded.last_reported",
        [key, kind, normalized, stamp, stamp],
    )
    return db.execute("SELECT id FROM identifiers WHERE key = ?", [key]).fetchone()[0]


def file(db: sqlite_utils.Database, draft: Draft, chat: ChatKey, now: datetime) -> Filed:
    """Store a report; committed when the surrounding write returns, before the citizen is told."""
    stamp = to_iso(now)
    token = reporter_token(db, chat, create=True)
    ref = _next_ref(db, now)
    identifier_id = _identifier_id(db, draft.identifier, stamp, ref)
    before = db.execute(
        "SELECT 1 FROM reports WHERE identifier_id = ? AND reporter = ? LIMIT 1", [identifier_id, token]
    ).fetchone()
    db["reports"].insert(
        {
            "ref": ref,
            "created_at": stamp,
            "identifier_id": identifier_id,
            "reporter": token,
            "channel": chat.channel,
            "chat_id": chat.chat_id,
            "what": draft.what,
            "via": draft.via,
            "claimed_topic": draft.claimed_topic,
            "happened": draft.happened,
            "amount_lost": draft.amount_lost,
            "bank_code": draft.bank_code,
            "account_holder": draft.account_holder,
            "description": draft.description,
            "evidence": draft.evidence,
            "evidence_text": draft.evidence_text,
            "area_code": draft.area_code,
            "contact_consent": int(draft.contact_consent),
            "updates_consent": int(draft.updates_consent),
            "contact_phone": draft.contact_phone if draft.contact_consent else None,
            "status": "new",
            "ref_owed": 1,  # until a reply showing the code is delivered (see `owed_refs`)
        }
    )
    return Filed(ref=ref, identifier_id=identifier_id, reported_before=before is not None)


def owed_refs(db: sqlite_utils.Database, chat: ChatKey) -> list[str]:
    """Codes of this chat's reports that no delivered reply has shown yet (the bot stopped or a
    send failed between the commit and the answer): the router tells them with the next reply."""
    rows = db.execute(
        "SELECT ref FROM reports WHERE channel = ? AND chat_id = ? AND ref_owed = 1 ORDER BY id",
        [chat.channel, chat.chat_id],
    ).fetchall()
    return [row[0] for row in rows]


def mark_told(db: sqlite_utils.Database, chat: ChatKey, refs: Iterable[str]) -> int:
    """A reply showing these codes reached the chat: they are owed no longer."""
    refs = sorted(set(refs))
    if not refs:
        return 0
    marks = ", ".join("?" for _ in refs)
    cursor = db.execute(
        f"UPDATE reports SET ref_owed = 0 WHERE ref_owed = 1 AND channel = ? AND chat_id = ? AND ref IN ({marks})",
        [chat.channel, chat.chat_id, *refs],
    )
    return cursor.rowcount


def stats(db: sqlite_utils.Database, key: str) -> Stats:
    row = db.execute(
        "SELECT i.status, i.first_reported, i.last_reported, count(DISTINCT r.reporter) "
        "FROM identifiers i LEFT JOIN reports r ON r.identifier_id = i.id WHERE i.key = ? GROUP BY i.id",
        [key],
    ).fetchone()
    if row is None:
        return Stats(reporters=0, first_reported=None, last_reported=None, status="new")
    return Stats(reporters=row[3], first_reported=row[1], last_reported=row[2], status=row[0])


def _split(values: str | None) -> list[str]:
    return sorted(filter(None, (values or "").split(",")))


# A report's area: its registry code; reports filed before codes (schema 8) kept the locality's
# name in `area`. Either is shown through the registry (`Areas.name_of`), which leaves a name as it is.
AREA = "coalesce(r.area_code, r.area)"

_AGGREGATE = (
    "SELECT i.id, i.key, i.kind, i.normalized, i.status, count(DISTINCT r.reporter), sum(r.status = 'new'), "
    f"min(r.created_at), max(r.created_at), group_concat(DISTINCT r.claimed_topic), group_concat(DISTINCT {AREA}), "
    "coalesce(sum(r.amount_lost), 0) FROM identifiers i JOIN reports r ON r.identifier_id = i.id "
)


@dataclass(frozen=True)
class Scope:
    """The reports an officer answers for: those filed in `areas` (codes, every unit inside a
    province already listed), and with `unplaced` those that carry no area code (a province
    officer's). None instead of a Scope means every report."""

    areas: frozenset[str]
    unplaced: bool = False


def _in_scope(scope: Scope | None) -> tuple[str, list]:
    """A condition on reports `r` (and its parameters) that keeps the scope's reports."""
    if scope is None:
        return "1", []
    clause = "r.area_code IN (SELECT value FROM json_each(?))"
    if scope.unplaced:
        clause = f"({clause} OR r.area_code IS NULL)"
    return clause, [json.dumps(sorted(scope.areas))]


@dataclass(frozen=True)
class Criteria:
    """What an officer narrows reports to, beyond their scope: the queue's filters in the console,
    and the same in its exports (`for_export`). None: no condition."""

    status: str | None = None  # reports in this status
    kind: str | None = None  # of identifiers of this kind (`police.kinds`)
    topic: str | None = None  # whom the caller claimed to be (`report.claimed`: a topic's slug)
    since: str | None = None  # filed at or after (ISO, UTC)
    until: str | None = None  # filed before


NO_CRITERIA = Criteria()


def _matching(criteria: Criteria) -> tuple[str, list]:
    """A condition on reports `r` and identifiers `i` (and its parameters) for `criteria`."""
    clauses, params = ["1"], []
    for clause, value in (
        ("r.status = ?", criteria.status),
        ("i.kind = ?", criteria.kind),
        ("r.claimed_topic = ?", criteria.topic),
        ("r.created_at >= ?", criteria.since),
        ("r.created_at < ?", criteria.until),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def _queue_item(row: tuple) -> QueueItem:
    return QueueItem(
        identifier_id=row[0],
        key=row[1],
        kind=row[2],
        normalized=row[3],
        status=row[4],
        reporters=row[5],
        new_reports=row[6],
        first_reported=row[7],
        last_reported=row[8],
        topics=_split(row[9]),
        areas=_split(row[10]),
        amount_lost=row[11],
    )


def queue(
    db: sqlite_utils.Database,
    *,
    limit: int = 5,
    offset: int = 0,
    scope: Scope | None = None,
    criteria: Criteria = NO_CRITERIA,
    awaiting: bool = True,
) -> list[QueueItem]:
    """Identifiers with reports awaiting a decision (with `awaiting`; else every identifier that has
    a matching report), most distinct reporters first, then the most recently reported. With a
    scope and criteria, only the reports they keep count: an identifier shows with what was
    reported in the officer's areas, of that topic, in those days. The chat's /hangdoi and the
    console's queue page are this one query."""
    where, params = _in_scope(scope)
    matching, more = _matching(criteria)
    having = "HAVING sum(r.status = 'new') > 0 " if awaiting else ""
    # Two steps: rank the identifiers on the few columns an index of reports covers (area, identifier,
    # status, reporter, time, topic: migration 19), then aggregate everything shown for the page's identifiers only. One
    # aggregate of every column over a province's reports was several times slower.
    joined = "JOIN identifiers i ON i.id = r.identifier_id " if criteria.kind is not None else ""
    ranked = [
        row[0]
        for row in db.execute(
            f"SELECT r.identifier_id FROM reports r {joined}WHERE {where} AND {matching} GROUP BY r.identifier_id "
            f"{having}ORDER BY count(DISTINCT r.reporter) DESC, max(r.created_at) DESC, r.identifier_id DESC "
            "LIMIT ? OFFSET ?",
            [*params, *more, limit, offset],
        )
    ]
    if not ranked:
        return []
    rows = db.execute(
        _AGGREGATE + f"WHERE i.id IN (SELECT value FROM json_each(?)) AND {where} AND {matching} GROUP BY i.id",
        [json.dumps(ranked), *params, *more],
    ).fetchall()
    items = {row[0]: _queue_item(row) for row in rows}
    return [items[identifier_id] for identifier_id in ranked]


def queue_item(db: sqlite_utils.Database, identifier_id: int, *, scope: Scope | None = None) -> QueueItem | None:
    """One identifier as the queue shows it; None if it has no report in the scope (or none at all)."""
    where, params = _in_scope(scope)
    row = db.execute(_AGGREGATE + f"WHERE i.id = ? AND {where} GROUP BY i.id", [identifier_id, *params]).fetchone()
    return _queue_item(row) if row else None


def latest(db: sqlite_utils.Database, identifier_id: int, limit: int, *, scope: Scope | None = None) -> list[dict]:
    """The newest reports of one identifier in the scope, for the officer's detail view (another
    area's reporters and their numbers are not shown)."""
    where, params = _in_scope(scope)
    return list(
        db.query(
            "SELECT ref, created_at, via, claimed_topic, amount_lost, description, evidence, evidence_text, "
            f"account_holder, contact_consent, contact_phone FROM reports r WHERE identifier_id = ? AND {where} "
            "ORDER BY created_at DESC LIMIT ?",
            [identifier_id, *params, limit],
        )
    )


def history(db: sqlite_utils.Database, identifier_id: int) -> list[dict]:
    """The decisions on one identifier, newest first: when, who (`actor`), old and new status, note."""
    return list(
        db.query(
            "SELECT at, actor, old_status, new_status, note FROM audit_log WHERE identifier_id = ? "
            "ORDER BY at DESC, id DESC",
            [identifier_id],
        )
    )


@dataclass(frozen=True)
class Photo:
    """A report's evidence as stored (a kept file's name, or a platform's file id) and whether the
    report is in the asking officer's scope."""

    evidence: str | None
    in_scope: bool


def photo_of(db: sqlite_utils.Database, ref: str, *, scope: Scope | None = None) -> Photo | None:
    """The evidence of the report `ref`; None if there is no such report."""
    where, params = _in_scope(scope)
    row = db.execute(f"SELECT r.evidence, {where} FROM reports r WHERE r.ref = ?", [*params, ref]).fetchone()
    return Photo(evidence=row[0], in_scope=bool(row[1])) if row else None


def as_shown(row: dict, t: Texts) -> dict:
    """A report (a row of `latest`) as an officer sees it, in the chat's detail view and in the web
    console alike: labels in `t`'s language, and the reporter's phone number only with their
    consent to be called back."""
    topics, via = t.labels("report.claimed"), t.labels("report.via")
    return {
        "ref": row["ref"],
        "day": local_date(from_iso(row["created_at"])),
        "via": via.get(row["via"] or "", ""),
        "claimed": topics.get(row["claimed_topic"] or "", ""),
        "amount": format_vnd(row["amount_lost"]) if row["amount_lost"] else None,
        "description": row["description"],
        "evidence": bool(row["evidence"]),
        "photo": evidence.is_kept(row["evidence"]),  # a file kept beside the database, shown by the console
        "evidence_text": row["evidence_text"],
        "holder": row["account_holder"],
        "contact": row["contact_phone"] if row["contact_consent"] else None,
    }


def filed_between(db: sqlite_utils.Database, start: str, end: str, scope: Scope | None = None) -> list[dict]:
    """Per identifier: reports filed in [start, end) (within `scope`: a commune's, a province's),
    distinct reporters ever, first time seen?, and the areas of those reports (see `AREA`). Most
    reporters first."""
    where, params = _in_scope(scope)
    rows = db.execute(
        "SELECT i.kind, i.normalized, count(*), i.first_reported >= ?, "
        "(SELECT count(DISTINCT reporter) FROM reports WHERE identifier_id = i.id) AS reporters, "
        f"group_concat(DISTINCT {AREA}) "
        "FROM reports r JOIN identifiers i ON i.id = r.identifier_id "
        f"WHERE r.created_at >= ? AND r.created_at < ? AND {where} "
        "GROUP BY i.id ORDER BY reporters DESC, count(*) DESC",
        [start, start, end, *params],
    ).fetchall()
    return [
        {"kind": kind, "normalized": value, "new_reports": count, "is_new": bool(is_new), "reporters": reporters,
         "areas": _split(areas)}
        for kind, value, count, is_new, reporters, areas in rows
    ]  # fmt: skip


def for_export(
    db: sqlite_utils.Database,
    *,
    criteria: Criteria = NO_CRITERIA,
    areas: Iterable[str] | None = None,
    scope: Scope | None = None,
) -> list[dict]:
    """Every report with its identifier, oldest first, that matches `criteria` (the queue's filters),
    is in `scope` (an officer's areas) and in one of `areas` (codes, or names stored before codes;
    see `AREA`), which `shown_area` holds."""
    matching, params = _matching(criteria)
    in_scope, more = _in_scope(scope)
    clauses = [matching, in_scope]
    params += more
    if areas is not None:
        wanted = sorted(set(areas))
        clauses.append(f"{AREA} IN ({', '.join('?' for _ in wanted)})" if wanted else "0")
        params += wanted
    where = " WHERE " + " AND ".join(clauses)
    return list(
        db.query(
            f"SELECT r.*, {AREA} AS shown_area, i.kind AS id_kind, i.normalized AS id_value, i.status AS id_status, "
            f"i.status_note FROM reports r JOIN identifiers i ON i.id = r.identifier_id{where} ORDER BY r.created_at",
            params,
        )
    )


def decide(
    db: sqlite_utils.Database,
    identifier_id: int,
    status: str,
    *,
    note: str | None,
    actor: str,
    now: datetime,
    notice: Callable[[str, str], str],
) -> tuple[str, int] | None:
    """Record a staff decision on an identifier and its reports; tell reporters who asked.

    `notice(ref, status)` renders the message for one reporter. Returns (old status, reporters
    notified), or None if the identifier does not exist.
    """
    if status not in DECISIONS:
        raise ValueError(f"unknown status {status!r}")
    row = db.execute("SELECT status FROM identifiers WHERE id = ?", [identifier_id]).fetchone()
    if row is None:
        return None
    stamp = to_iso(now)
    db.execute(
        "UPDATE identifiers SET status = ?, status_note = ?, status_at = ? WHERE id = ?",
        [status, note, stamp, identifier_id],
    )
    db["audit_log"].insert(
        {
            "at": stamp,
            "actor": actor,
            "identifier_id": identifier_id,
            "old_status": row[0],
            "new_status": status,
            "note": note,
        }
    )
    changed = db.execute(
        "SELECT ref, channel, chat_id, updates_consent FROM reports WHERE identifier_id = ? AND status != ?",
        [identifier_id, status],
    ).fetchall()
    db.execute("UPDATE reports SET status = ? WHERE identifier_id = ?", [status, identifier_id])
    notified = 0
    for ref, channel, chat_id, consent in changed:
        if consent and chat_id:
            outbox.enqueue(db, channel, chat_id, notice(ref, status), "report_status", now)
            notified += 1
    return row[0], notified


def audit(db: sqlite_utils.Database, *, actor: str, event: str, detail: str, now: datetime) -> None:
    """A line of the audit log about something other than a decision: a role invited, granted,
    revoked (`event`), with what and for whom in `detail`."""
    row = {"at": to_iso(now), "actor": actor, "identifier_id": None, "new_status": event, "note": detail}
    db["audit_log"].insert(row)


def forget_reporter(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """A citizen's erasure: their reports stay, with nothing left that points back to them."""
    db.execute(
        "UPDATE reports SET channel = NULL, chat_id = NULL, contact_phone = NULL, contact_consent = 0, "
        "updates_consent = 0, ref_owed = 0 WHERE channel = ? AND chat_id = ?",
        [chat.channel, chat.chat_id],
    )
    db.execute("DELETE FROM reporters WHERE channel = ? AND chat_id = ?", [chat.channel, chat.chat_id])


def anonymise_older_than(db: sqlite_utils.Database, cutoff: datetime) -> int:
    """Retention: strip reporter links and contact details from reports filed before `cutoff`.

    Each reporter's old reports get one fresh token together, so distinct-reporter counts stay true.
    """
    rows = db.execute(
        "SELECT id, reporter FROM reports WHERE created_at < ? AND (chat_id IS NOT NULL OR contact_phone IS NOT NULL "
        "OR reporter IN (SELECT token FROM reporters))",
        [to_iso(cutoff)],
    ).fetchall()
    fresh: dict[str, str] = {}
    for report_id, token in rows:
        new_token = fresh.setdefault(token, "anon-" + secrets.token_hex(8))
        db.execute(
            "UPDATE reports SET reporter = ?, channel = NULL, chat_id = NULL, contact_phone = NULL, "
            "contact_consent = 0, updates_consent = 0, ref_owed = 0 WHERE id = ?",
            [new_token, report_id],
        )
    return len(rows)


# --- aggregates for periodic reports (bot/periodic/figures.py) ---

# Vietnam's month of a stored UTC time, written as the index reports_by_month (migration 21) has it.
_MONTH = "strftime('%Y-%m', created_at, '+7 hours')"
_IN_PERIOD = "area_code IN (SELECT value FROM json_each(?)) AND created_at >= ? AND created_at < ?"


def monthly_counts(db: sqlite_utils.Database, start: str, end: str, area_codes: list[str]) -> list[tuple]:
    """(month, area code, what, claimed topic, via, reports, money reported lost) of the reports
    filed in [start, end) in these areas."""
    return db.execute(
        f"SELECT {_MONTH}, area_code, what, claimed_topic, via, count(*), coalesce(sum(amount_lost), 0) "
        f"FROM reports WHERE {_IN_PERIOD} GROUP BY area_code, {_MONTH}, what, claimed_topic, via",
        [json.dumps(sorted(area_codes)), start, end],
    ).fetchall()


def weekly_counts(db: sqlite_utils.Database, end: str, weeks: int, area_codes: list[str]) -> list[tuple]:
    """(week, claimed topic, reports, money reported lost) for the `weeks` seven-day windows before
    `end` in these areas: week 0 is the last seven days, week 1 the seven before, and so on."""
    return db.execute(
        "SELECT CAST((julianday(?) - julianday(created_at)) / 7 AS INTEGER) AS week, claimed_topic, count(*), "
        f"coalesce(sum(amount_lost), 0) FROM reports WHERE {_IN_PERIOD} GROUP BY week, claimed_topic",
        [end, json.dumps(sorted(area_codes)), _weeks_before(end, weeks), end],
    ).fetchall()


def _weeks_before(end: str, weeks: int) -> str:
    return to_iso(from_iso(end) - timedelta(days=7 * weeks))


def distinct_identifiers(
    db: sqlite_utils.Database, start: str, end: str, area_codes: list[str]
) -> tuple[int, dict[tuple[str, str], int], dict[str, int]]:
    """Distinct identifiers reported in [start, end) in these areas (the kind "none" of a report
    with nothing to identify left out): in all, per (month, area), and per area."""
    rows = db.execute(
        f"SELECT {_MONTH}, area_code, identifier_id FROM reports WHERE {_IN_PERIOD} "
        f"GROUP BY area_code, {_MONTH}, identifier_id",
        [json.dumps(sorted(area_codes)), start, end],
    ).fetchall()
    unidentified = {row[0] for row in db.execute("SELECT id FROM identifiers WHERE kind = ?", [UNIDENTIFIED])}
    every, per_cell, per_area = set(), Counter(), defaultdict(set)
    for month, area, identifier_id in rows:
        if identifier_id not in unidentified:
            every.add(identifier_id)
            per_cell[month, area] += 1
            per_area[area].add(identifier_id)
    return len(every), dict(per_cell), {area: len(ids) for area, ids in per_area.items()}


def decisions_between(db: sqlite_utils.Database, start: str, end: str, area_codes: list[str]) -> list[tuple]:
    """Staff decisions made in [start, end) on identifiers with reports in these areas (filed
    before the decision): (decision id, area code, identifier id, decided at, decision, the first
    such report in that area, first decision on the identifier?), one row per decision and area."""
    first_decision: dict[int, str] = {}
    made = []
    for decision_id, identifier_id, at, status in db.execute(
        f"SELECT id, identifier_id, at, new_status FROM audit_log WHERE new_status IN {DECISIONS} "
        "AND identifier_id IS NOT NULL AND at < ? ORDER BY at, id",
        [end],
    ):
        first_decision.setdefault(identifier_id, at)
        if at >= start:
            made.append((decision_id, identifier_id, at, status))
    if not made:
        return []
    reported: dict[int, list[tuple[str, str]]] = defaultdict(list)  # identifier -> (created, area), oldest first
    for identifier_id, area, created in db.execute(
        "SELECT identifier_id, area_code, created_at FROM reports "
        "WHERE identifier_id IN (SELECT value FROM json_each(?)) "
        "AND area_code IN (SELECT value FROM json_each(?)) ORDER BY created_at",
        [json.dumps(sorted({m[1] for m in made})), json.dumps(sorted(area_codes))],
    ):
        reported[identifier_id].append((created, area))
    found = []
    for decision_id, identifier_id, at, status in made:
        first_here: dict[str, str] = {}
        for created, area in reported.get(identifier_id, ()):
            if created <= at:
                first_here.setdefault(area, created)
        found += [(decision_id, area, identifier_id, at, status, first, first_decision[identifier_id] == at)
                  for area, first in first_here.items()]  # fmt: skip
    return found
