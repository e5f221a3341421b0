"""Schema versions, applied in order by code, so an older database upgrades itself on start.

The version lives in SQLite's own `PRAGMA user_version`. Each migration runs in one transaction
with the version bump, so a crash leaves the database at the old or the new version, never
between. Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlite_utils


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Canh Giác; refusing to touch it."""


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    apply: Callable[[sqlite_utils.Database], None]


def _v1_core(db: sqlite_utils.Database) -> None:
    # One row per chat that ever wrote: only what the bot needs (no names, no phone numbers).
    db["chats"].create(
        {"channel": str, "chat_id": str, "language": str, "first_seen": str, "last_seen": str},
        pk=("channel", "chat_id"),
    )
    # Where a chat is in a multi-step flow, with its draft; survives restarts, expires when idle.
    db["conversations"].create(
        {"channel": str, "chat_id": str, "flow": str, "step": str, "data": str, "updated_at": str},
        pk=("channel", "chat_id"),
    )
    # Platforms may deliver an update again after a restart; the key makes handling idempotent.
    db["handled_updates"].create(
        {"channel": str, "update_key": str, "handled_at": str},
        pk=("channel", "update_key"),
    )
    db["handled_updates"].create_index(["handled_at"])


def _v2_knowledge(db: sqlite_utils.Database) -> None:
    # Questions the FAQ could not answer with confidence, for staff to close the gaps.
    # No chat or user: what was asked matters, not who asked (identifiers are redacted too).
    db["faq_gaps"].create(
        {
            "id": int,
            "asked_at": str,
            "text": str,
            "normalized": str,
            "outcome": str,
            "best_faq_id": str,
            "score": float,
        },
        pk="id",
    )
    db["faq_gaps"].create_index(["asked_at"])
    db["quiz_results"].create(
        {"id": int, "channel": str, "chat_id": str, "taken_at": str, "score": int, "total": int, "questions": str},
        pk="id",
    )
    db["quiz_results"].create_index(["channel", "chat_id"])


def _v3_reports(db: sqlite_utils.Database) -> None:
    # A reporter is a random token, not a chat: counts of distinct reporters survive a citizen's
    # erasure (the row linking token and chat is deleted, the token in old reports links to no one).
    db["reporters"].create({"channel": str, "chat_id": str, "token": str}, pk=("channel", "chat_id"))
    db["reporters"].create_index(["token"], unique=True)
    # One row per canonical identifier ever reported: what staff decide is decided per identifier.
    db["identifiers"].create(
        {
            "id": int,
            "key": str,
            "kind": str,
            "normalized": str,
            "status": str,
            "status_note": str,
            "status_at": str,
            "first_reported": str,
            "last_reported": str,
        },
        pk="id",
        not_null={"key", "kind", "normalized", "status"},
    )
    db["identifiers"].create_index(["key"], unique=True)
    db["reports"].create(
        {
            "id": int,
            "ref": str,
            "created_at": str,
            "identifier_id": int,
            "reporter": str,
            "channel": str,
            "chat_id": str,
            "what": str,
            "via": str,
            "claimed_topic": str,
            "happened": str,
            "amount_lost": int,
            "bank_code": str,
            "account_holder": str,
            "description": str,
            "evidence": str,
            "area": str,
            "contact_consent": int,
            "updates_consent": int,
            "contact_phone": str,
            "status": str,
        },
        pk="id",
        foreign_keys=[("identifier_id", "identifiers", "id")],
        not_null={"ref", "created_at", "identifier_id", "reporter", "what", "status"},
    )
    db["reports"].create_index(["ref"], unique=True)
    db["reports"].create_index(["identifier_id"])
    db["reports"].create_index(["reporter", "created_at"])
    db["reports"].create_index(["created_at"])
    db["reports"].create_index(["channel", "chat_id"])
    # Who changed what, when: police decisions must be traceable.
    db["audit_log"].create(
        {"id": int, "at": str, "actor": str, "identifier_id": int, "old_status": str, "new_status": str, "note": str},
        pk="id",
    )
    # Imported lists of phishing hosts and URL prefixes (`canhgiac blocklist import`).
    db["blocklist"].create({"entry": str, "kind": str, "source": str, "imported_at": str}, pk=("kind", "entry"))
    db["blocklist"].create_index(["source"])
    # Messages the bot sends on its own (status updates, digests): written in the same transaction
    # as the change that causes them, sent by the running bot, so a crash loses none.
    db["outbox"].create(
        {
            "id": int,
            "created_at": str,
            "channel": str,
            "chat_id": str,
            "purpose": str,
            "text": str,
            "status": str,
            "attempts": int,
            "last_error": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"channel", "chat_id", "text", "status"},
    )
    db["outbox"].create_index(["status", "id"])
    # Small facts the bot remembers between runs, such as when the last police digest went out.
    db["meta"].create({"key": str, "value": str}, pk="key")


def _v4_broadcasts(db: sqlite_utils.Database) -> None:
    # One area per chat: moving area replaces it. Inactive rows stay, so re-subscribing is an update.
    db["subscriptions"].create(
        {
            "channel": str,
            "chat_id": str,
            "area_code": str,
            "topics": str,  # comma-separated topic slugs; empty: every topic
            "active": int,
            "subscribed_at": str,
            "updated_at": str,
            "stopped_reason": str,  # "user" or "blocked" when inactive
        },
        pk=("channel", "chat_id"),
    )
    db["subscriptions"].create_index(["active", "area_code"])
    db["broadcasts"].create(
        {
            "id": int,
            "created_at": str,
            "created_by": str,
            "kind": str,  # "manual" or "weekly"
            "campaign_id": str,
            "text": str,  # a manual message, plain text as staff wrote it
            "areas": str,  # JSON list of area codes; [] means every area
            "iso_week": str,
            "scheduled_for": str,
            "status": str,  # scheduled, sending, done, cancelled
            "recipients": int,
            "finished_at": str,
            "summary_sent": int,
        },
        pk="id",
    )
    db["broadcasts"].create_index(["status", "scheduled_for"])
    db.execute("CREATE UNIQUE INDEX broadcasts_one_weekly ON broadcasts (iso_week) WHERE kind = 'weekly'")
    # The durable outbox of a broadcast: one row per recipient, written in one transaction before
    # anything is sent; a row is marked in flight (committed) before its send and sent after it.
    db["deliveries"].create(
        {
            "id": int,
            "broadcast_id": int,
            "channel": str,
            "chat_id": str,
            "area_code": str,
            "text": str,
            "status": str,  # pending, inflight, sent, blocked, failed, cancelled
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "sent_at": str,
            "resent": int,  # 1: it was in flight when the bot stopped, so it may arrive twice
        },
        pk="id",
        foreign_keys=[("broadcast_id", "broadcasts", "id")],
    )
    db["deliveries"].create_index(["broadcast_id", "channel", "chat_id"], unique=True)
    db["deliveries"].create_index(["status", "channel", "next_attempt_at"])
    db["deliveries"].create_index(["channel", "chat_id", "sent_at"])
    db["week_overrides"].create(
        {"area_code": str, "iso_week": str, "campaign_id": str, "set_by": str, "set_at": str},
        pk=("area_code", "iso_week"),
    )


def _v5_offered_choices(db: sqlite_utils.Database) -> None:
    # Platforms without buttons (Zalo) show choices as numbered options; the numbers of the last
    # options a chat was shown are kept here, so "2" still means the same after a restart.
    db["offered_choices"].create(
        {"channel": str, "chat_id": str, "choices": str, "offered_at": str}, pk=("channel", "chat_id")
    )


def _v6_owners_and_owed_codes(db: sqlite_utils.Database) -> None:
    # In a group, a flow belongs to the member who started it (NULL in private chats: the chat is
    # the person). A report's reference code is owed to its chat until a reply showing it is sent.
    db["conversations"].add_column("user_id", str)
    db["reports"].add_column("ref_owed", int, not_null_default=0)
    db.execute("CREATE INDEX idx_reports_owed ON reports (channel, chat_id) WHERE ref_owed = 1")


def _v7_conversations_per_member(db: sqlite_utils.Database) -> None:
    # Each member of a group has their own flow: the key becomes (channel, chat, user). A private
    # chat's row (no owner) gets the chat's id as its user, the key `Incoming.conversation_key`
    # gives it; a group's row keeps its owner. SQLite cannot change a primary key in place, so the
    # table is rebuilt (by hand: sqlite-utils' transform would commit inside this migration).
    db.execute(
        "CREATE TABLE conversations_v7 (channel TEXT NOT NULL, chat_id TEXT NOT NULL, user_id TEXT NOT NULL, "
        "flow TEXT, step TEXT, data TEXT, updated_at TEXT, PRIMARY KEY (channel, chat_id, user_id))"
    )
    db.execute(
        "INSERT INTO conversations_v7 (channel, chat_id, user_id, flow, step, data, updated_at) "
        "SELECT channel, chat_id, COALESCE(NULLIF(user_id, ''), chat_id), flow, step, data, updated_at "
        "FROM conversations"
    )
    db.execute("DROP TABLE conversations")
    db.execute("ALTER TABLE conversations_v7 RENAME TO conversations")


def _v8_report_area_codes(db: sqlite_utils.Database) -> None:
    # A report's area is a code of the area registry (content/areas.yaml), like a subscription's
    # and a broadcast's; its name is looked up when shown. `area` keeps what older reports stored
    # (the locality's display name): the registry lives in content files, out of a migration's reach.
    db["reports"].add_column("area_code", str)


def _v9_outbox_retries(db: sqlite_utils.Database) -> None:
    # The outbox is drained by the broadcast sender (bot/broadcast/sender.py) with the deliveries'
    # policy: a row is in flight (committed) while it is sent, waits for its backoff, and one left
    # in flight by a crash is sent again and marked as possibly doubled. '' means due at once.
    db["outbox"].add_column("next_attempt_at", str, not_null_default="")
    db["outbox"].add_column("resent", int, not_null_default=0)
    db["outbox"].create_index(["status", "channel", "next_attempt_at"])


def _v10_current_areas(db: sqlite_utils.Database) -> None:
    # Since 1 July 2025 the area registry is Vietnam's current units (t-<province>, x-<commune>,
    # from vietnam-provinces). Rows on the codes of before (content/areas.yaml's "coc-leu",
    # "tp-lao-cai") move to where their place went, by data/reference/area_history.csv:
    # - a row holding one area (a subscription, a report, a delivery) moves to the old commune's
    #   primary successor (the one that kept most of it, when it was split), or, for an old district
    #   or province, to the province: the smallest current area containing all of it;
    # - a list of targets (a broadcast) and a week's override follow to every successor, once each;
    #   an override already set on a current unit for that week wins.
    # Codes the history does not know (a deployment's own) stay as they are: nothing is dropped.
    from bot.core.area_history import AreaHistory  # read only here: the table is data, not schema

    history = AreaHistory.load()
    for table in ("subscriptions", "reports", "deliveries"):
        codes = [row[0] for row in db.execute(f"SELECT DISTINCT area_code FROM {table} WHERE area_code IS NOT NULL")]
        moves = [(code, history.settle(code)) for code in codes if history.settle(code)]
        if not moves:
            continue
        db.execute("CREATE TEMP TABLE area_moves (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
        db.conn.executemany("INSERT INTO area_moves VALUES (?, ?)", moves)
        db.execute(
            f"UPDATE {table} SET area_code = (SELECT new FROM area_moves WHERE old = {table}.area_code) "
            "WHERE area_code IN (SELECT old FROM area_moves)"
        )
        db.execute("DROP TABLE area_moves")

    def spread(codes: list[str]) -> list[str]:
        found: list[str] = []
        for code in codes:
            found.extend(new for new in history.successors(code) or [code] if new not in found)
        return found

    for broadcast_id, areas in db.execute("SELECT id, areas FROM broadcasts WHERE areas NOT IN ('', '[]')").fetchall():
        codes = json.loads(areas)
        if spread(codes) != codes:
            db.execute("UPDATE broadcasts SET areas = ? WHERE id = ?", (json.dumps(spread(codes)), broadcast_id))
    overrides = db.execute("SELECT area_code, iso_week, campaign_id, set_by, set_at FROM week_overrides").fetchall()
    for code, week, campaign, set_by, set_at in overrides:
        if not history.successors(code):
            continue
        db.execute("DELETE FROM week_overrides WHERE area_code = ? AND iso_week = ?", (code, week))
        db.conn.executemany(
            "INSERT OR IGNORE INTO week_overrides (area_code, iso_week, campaign_id, set_by, set_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(new, week, campaign, set_by, set_at) for new in history.successors(code)],
        )


def _v11_grants(db: sqlite_utils.Database) -> None:
    # Roles given from the chat (/moi), on top of the ones the environment seeds: who holds which
    # role, for which areas (a JSON list of area codes; [] = everywhere, admins only), given by whom
    # and when, until when (NULL: no end) or until revoked. A person is (channel, user_id).
    db["grants"].create(
        {
            "id": int, "channel": str, "user_id": str, "role": str, "scope": str, "granted_by": str,
            "granted_at": str, "expires_at": str, "revoked_at": str, "revoked_by": str, "invite_id": int,
        },
        pk="id",
        not_null={"channel", "user_id", "role", "scope", "granted_by", "granted_at"},
    )  # fmt: skip
    db["grants"].create_index(["channel", "user_id"])
    # One-time invite codes: only their hash is kept; used once, valid until `expires_at`.
    db["invites"].create(
        {
            "id": int, "code_hash": str, "role": str, "scope": str, "created_by": str, "created_at": str,
            "expires_at": str, "used_at": str,
        },
        pk="id",
        not_null={"code_hash", "role", "scope", "created_by", "created_at", "expires_at"},
    )  # fmt: skip
    db["invites"].create_index(["code_hash"], unique=True)
    # Refused codes per chat, to slow down guessing: only recent ones are kept.
    db["invite_misses"].create({"channel": str, "chat_id": str, "at": str}, not_null={"channel", "chat_id", "at"})
    db["invite_misses"].create_index(["channel", "chat_id", "at"])


def _v12_area_settings_and_role_terms(db: sqlite_utils.Database) -> None:
    # A commune's (or a province's) own locality settings, set by an admin in the chat (/diaphuong):
    # its police numbers (a JSON list of {label, number}; NULL: not set here) and the name greetings
    # show (NULL: not set here). Unset values fall back to content/areas.yaml, then to the environment.
    db["area_settings"].create(
        {"area_code": str, "police_hotlines": str, "greeting_name": str, "updated_by": str, "updated_at": str},
        pk="area_code",
        not_null={"updated_by", "updated_at"},
    )
    # How long the role an invite gives lasts (/moi): `grant_days` from when the code is used, or
    # until `grant_until`; both NULL: no end. Copied to grants.expires_at when the code is used.
    db["invites"].add_column("grant_days", int)
    db["invites"].add_column("grant_until", str)


def _v13_report_place_codes(db: sqlite_utils.Database) -> None:
    # Reports filed before schema 8 kept only the locality's free-text name (`area`), no code. A name
    # that fits exactly one current unit (a current name, or one of before 1 July 2025 with its old
    # district or province) gets that unit's code; any other stays as text, shown as it is.
    from bot.core.place_names import PlaceNames  # reads the package and the history table: data

    places = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT area FROM reports WHERE area_code IS NULL AND area IS NOT NULL AND area != ''"
        )
    ]
    if not places:
        return
    names = PlaceNames.load()
    found = [(code, place) for place in places if (code := names.code_for(place))]
    db.conn.executemany("UPDATE reports SET area_code = ? WHERE area_code IS NULL AND area = ?", found)


def _v14_message_gaps(db: sqlite_utils.Database) -> None:
    # Messages the scam classifier was unsure of, for staff to see new tricks. Masked before they
    # are stored (no numbers, links, amounts, e-mails or names), and no chat or user: what was
    # received matters, not who received it.
    db["message_gaps"].create(
        {"id": int, "recorded_at": str, "text": str, "risk": str, "score": float, "topic": str, "flags": str},
        pk="id",
    )
    db["message_gaps"].create_index(["recorded_at"])


def _v15_evidence_text(db: sqlite_utils.Database) -> None:
    # The text read from an evidence photo (OCR), shown to police next to the photo: a screenshot's
    # words can be searched and copied, the photo's cannot.
    db["reports"].add_column("evidence_text", str)


def _v16_zalo_oa(db: sqlite_utils.Database) -> None:
    # A Zalo Official Account's tokens: the refresh token is single use, so the pair is replaced in
    # one transaction, and only if it is still the pair the refresh started from. `links` holds a
    # PKCE verifier between printing the consent URL and receiving its code (10 minutes).
    db["zalo_oa_tokens"].create(
        {"oa_id": str, "access_token": str, "refresh_token": str, "expires_at": str, "updated_at": str,
         "relink_needed": int},
        pk="oa_id",
        defaults={"relink_needed": 0},
    )  # fmt: skip
    db["zalo_oa_links"].create({"state": str, "verifier": str, "created_at": str}, pk="state")


def _v17_channel_usage(db: sqlite_utils.Database) -> None:
    # Messages sent per channel and month (Vietnam's calendar): the Zalo Bot Platform's plan counts
    # them against a monthly quota, and broadcasts must stop before it runs out. Counts only.
    db["channel_usage"].create({"channel": str, "month": str, "messages": int}, pk=("channel", "month"))


def _v18_web_console(db: sqlite_utils.Database) -> None:
    # The web console's passwordless logins (`/dangnhap`): a link's token and a 6-digit code, both
    # stored as SHA-256 only, valid minutes and used once; the role holder they log in.
    db["web_logins"].create(
        {"id": int, "token_hash": str, "code_hash": str, "channel": str, "user_id": str, "roles": str,
         "created_at": str, "expires_at": str, "used_at": str},
        pk="id",
    )  # fmt: skip
    db["web_logins"].create_index(["token_hash"], unique=True)
    db["web_logins"].create_index(["code_hash"])
    # Wrong codes typed on the login page, per client address: few allowed per window.
    db["web_login_misses"].create({"id": int, "address": str, "at": str}, pk="id")
    db["web_login_misses"].create_index(["address", "at"])
    # Sessions kept on the server: the cookie holds a random id, the table its SHA-256.
    db["web_sessions"].create(
        {"id_hash": str, "csrf": str, "channel": str, "user_id": str, "roles": str, "created_at": str,
         "last_seen": str},
        pk="id_hash",
    )  # fmt: skip


def _v19_reports_by_area(db: sqlite_utils.Database) -> None:
    # An officer's queue and exports keep the reports of their communes (`r.area_code IN (...)`):
    # without an index every page read every report. The queue ranks identifiers on the other
    # columns here (the topic filter's too) without reading the reports' rows (`reports.queue`;
    # bench/console_police.py).
    db["reports"].create_index(["area_code", "identifier_id", "status", "reporter", "created_at", "claimed_topic"])


def _v20_staff_console(db: sqlite_utils.Database) -> None:
    # Unanswered FAQ questions staff marked handled in the console: per normalised question, when
    # and by whom (a role holder's id, never a citizen's); asked again later, it shows again.
    db["faq_gap_reviews"].create(
        {"normalized": str, "handled_at": str, "handled_by": str},
        pk="normalized",
    )
    # The subscribers page's 12-week trend counts new subscriptions per area by date.
    db["subscriptions"].create_index(["area_code", "subscribed_at"])
    # Its counts per topic read the topics of every active subscription in order, without the table.
    db["subscriptions"].create_index(["active", "topics", "area_code"])
    # Staff's own words may name a topic: subscribers who chose only other topics do not get them.
    db["broadcasts"].add_column("topic", str)


def _v21_usage_counts(db: sqlite_utils.Database) -> None:
    # Anonymous usage counted at write time (bot/core/tally.py): per Vietnamese day, kind (a check,
    # a question, a message checked, a finished quiz), outcome (risk level, answered, score), topic
    # and area code ('' when unknown). Only counts: no chat, nothing of what was checked or asked.
    db["usage_counts"].create(
        {"day": str, "kind": str, "outcome": str, "topic": str, "area_code": str, "count": int},
        pk=("day", "kind", "outcome", "topic", "area_code"),
        not_null={"count"},
    )
    # Periodic reports sum them per area and month: an index in that order answers the GROUP BY
    # without sorting 500,000 rows (bench/periodic_report.py), and one alike for reports.
    db.execute(
        "CREATE INDEX usage_counts_by_month ON usage_counts "
        "(area_code, substr(day, 1, 7), kind, outcome, topic, day, count)"
    )
    db.execute(
        "CREATE INDEX reports_by_month ON reports (area_code, strftime('%Y-%m', created_at, '+7 hours'), what, "
        "claimed_topic, via, created_at, amount_lost, identifier_id)"
    )


def _v22_activity(db: sqlite_utils.Database) -> None:
    # Sessions held off-line (issue 18): counts only, never who attended. `village_key` is the
    # typed village folded (no case, accents, "thôn"), so coverage counts a village once.
    db["activity_log"].create(
        {"id": int, "area_code": str, "kind": str, "held_on": str, "village": str, "village_key": str,
         "people": int, "note": str, "recorded_by": str, "recorded_at": str},
        pk="id",
    )  # fmt: skip
    db["activity_log"].create_index(["area_code", "held_on"])
    db["activity_log"].create_index(["held_on"])
    # A commune's number of villages and the share of them it aims to reach.
    db["activity_targets"].create(
        {"area_code": str, "villages": int, "share": float, "updated_by": str, "updated_at": str}, pk="area_code"
    )
    # The free-text sections of a periodic report, per period key ("2026-Q4") and area.
    db["activity_notes"].create(
        {"period": str, "area_code": str, "section": str, "text": str, "updated_by": str, "updated_at": str},
        pk=("period", "area_code", "section"),
    )
    # The reporting calendar: a day every year (year NULL) or of one year; presets keep their key.
    db["report_deadlines"].create(
        {"id": int, "key": str, "kind": str, "month": int, "day": int, "year": int, "note": str, "active": int,
         "updated_by": str, "updated_at": str},
        pk="id",
    )  # fmt: skip
    db["report_deadlines"].create_index(["key"], unique=True)
    # One row per deadline occurrence reminded: written with the queued messages, so never twice.
    db["deadline_reminders"].create(
        {"deadline_id": int, "due_on": str, "recipients": int, "sent_at": str}, pk=("deadline_id", "due_on")
    )


def _v23_area_deadlines_and_activity_changes(db: sqlite_utils.Database) -> None:
    # A deadline belongs to an area (a province's applies to its communes) or, NULL, to every area:
    # the preloaded ones and those added from the command line.
    db["report_deadlines"].add_column("area_code", str)
    db["report_deadlines"].create_index(["area_code"])
    # A preloaded deadline hidden by an area's staff for that area (and the areas inside it).
    db["deadline_hidden"].create(
        {"deadline_id": int, "area_code": str, "hidden_by": str, "hidden_at": str}, pk=("deadline_id", "area_code")
    )
    # Every edit or deletion of a recorded activity: who, when, the counts and day before and after
    # (the note is staff's words: whether it changed, not what it said).
    db["activity_changes"].create(
        {"id": int, "activity_id": int, "area_code": str, "action": str, "kind": str, "held_on_before": str,
         "held_on_after": str, "people_before": int, "people_after": int, "note_changed": int, "changed_by": str,
         "changed_at": str},
        pk="id",
    )  # fmt: skip
    db["activity_changes"].create_index(["activity_id"])
    db["activity_changes"].create_index(["area_code", "changed_at"])


def _v25_delivery_tallies(db: sqlite_utils.Database) -> None:
    # A broadcast's deliveries once its rows are pruned (`CANHGIAC_DELIVERY_RETENTION_DAYS` after it
    # was summed up): counts per area and status, and how many of them were resent. No chat: what
    # the periodic report and the console read, and no more.
    db["delivery_tallies"].create(
        {"broadcast_id": int, "area_code": str, "status": str, "rows": int, "resent": int},
        pk=("broadcast_id", "area_code", "status"),
    )


def _v26_open_deliveries(db: sqlite_utils.Database) -> None:
    # Whether a broadcast still has rows to send, asked every 2 s while it sends (`broadcasts.finish`):
    # with this index a seek among its open rows; without it, counting all its rows (175 ms on the
    # writer thread at 300,000, every 2 s, holding up the sender's claims). Partial: sent rows leave it.
    db.execute(
        "CREATE INDEX deliveries_open ON deliveries (broadcast_id, status, next_attempt_at) "
        "WHERE status IN ('pending', 'inflight')"
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "chats, conversation state, handled updates", _v1_core),
    Migration(2, "FAQ gaps, quiz results", _v2_knowledge),
    Migration(3, "reports, identifiers, audit log, blocklist, outbox", _v3_reports),
    Migration(4, "subscriptions, broadcasts, deliveries, weekly overrides", _v4_broadcasts),
    Migration(5, "numbered choices offered on platforms without buttons", _v5_offered_choices),
    Migration(6, "flow owners in groups, reference codes owed until delivered", _v6_owners_and_owed_codes),
    Migration(7, "a flow per member in groups: keyed by channel, chat, user", _v7_conversations_per_member),
    Migration(8, "reports store an area code", _v8_report_area_codes),
    Migration(9, "outbox rows sent with the broadcast sender's retries", _v9_outbox_retries),
    Migration(10, "area codes of before 1 July 2025 move to current units", _v10_current_areas),
    Migration(11, "roles given from the chat: grants, one-time invite codes", _v11_grants),
    Migration(12, "per-area locality settings; how long an invited role lasts", _v12_area_settings_and_role_terms),
    Migration(13, "reports of before schema 8: a place name that fits one unit gets its code", _v13_report_place_codes),
    Migration(14, "messages the scam classifier was unsure of, masked", _v14_message_gaps),
    Migration(15, "reports keep the text read from their evidence photo", _v15_evidence_text),
    Migration(16, "Zalo Official Account tokens and pending links", _v16_zalo_oa),
    Migration(17, "messages sent per channel and month, for monthly quotas", _v17_channel_usage),
    Migration(18, "the web console: one-time logins, refused codes, sessions", _v18_web_console),
    Migration(19, "reports found by their area code (the police queue of a commune)", _v19_reports_by_area),
    Migration(
        20, "the staff console: FAQ gaps marked handled; subscriptions by area, date and topics", _v20_staff_console
    ),
    Migration(21, "anonymous usage counts per day, kind, outcome, topic and area; reports by month", _v21_usage_counts),
    Migration(22, "activity log, targets, report sections, reporting deadlines and reminders", _v22_activity),
    Migration(
        23,
        "reporting deadlines per area, hidden per area; edits of recorded activities audited",
        _v23_area_deadlines_and_activity_changes,
    ),
    Migration(25, "a summed-up broadcast's delivery counts, kept when its rows are pruned", _v25_delivery_tallies),
    Migration(26, "a broadcast's rows still to send, found without counting its rows", _v26_open_deliveries),
)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    current = schema_version(db)
    latest = max((m.version for m in migrations), default=0)
    if current > latest:
        raise SchemaTooNew(
            f"the database is at schema version {current}, this program knows up to {latest}: "
            "upgrade Canh Giác instead of using an older version on this file"
        )
    applied = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version <= current:
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            migration.apply(db)
            db.conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()
        applied.append(migration.version)
    return applied
