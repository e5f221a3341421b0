"""Broadcasts: a message to the subscribers of some areas, now or at a set time, or the weekly campaign.

A broadcast is a row; when it is due, `enqueue` writes one `deliveries` row per recipient, text
rendered for the recipient's area, all in one transaction, and `bot/broadcast/sender.py` drains them. The
weekly campaign is a broadcast too, created once per ISO week (a unique index) when its time has
come, so a week missed while the bot was down still goes out when it is back, in the same week.
When the last delivery is done, staff get a summary through the outbox.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from bot.broadcast import deliveries, subscriptions
from bot.broadcast.areas import Areas
from bot.broadcast.campaigns import Campaigns, iso_week, override_for, week_span
from bot.core import outbox
from bot.core.clock import VIETNAM, from_iso, to_iso
from bot.core.content import Texts

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN = ("pending", "inflight")
# Pending messages not due for this long are held by their platform (a Zalo OA's spent quota): a
# broadcast with only those left is summed up now, saying when they go, not in weeks.
HELD_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Broadcast:
    id: int
    kind: str
    campaign_id: str | None
    text: str | None
    areas: list[str]
    iso_week: str | None
    scheduled_for: str
    status: str
    created_by: str
    recipients: int
    finished_at: str | None = None
    topic: str | None = None  # staff's own words about one topic (a campaign has its own)


@dataclass(frozen=True)
class Progress:
    total: int
    counts: dict[str, int]  # per delivery status
    resent: int  # in flight when the bot stopped, sent again: may have arrived twice

    @property
    def done(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in OPEN)


def _row(row: dict) -> Broadcast:
    return Broadcast(
        id=row["id"],
        kind=row["kind"],
        campaign_id=row["campaign_id"],
        text=row["text"],
        areas=json.loads(row["areas"] or "[]"),
        iso_week=row["iso_week"],
        scheduled_for=row["scheduled_for"],
        status=row["status"],
        created_by=row["created_by"],
        recipients=row["recipients"] or 0,
        finished_at=row.get("finished_at"),
        topic=row.get("topic"),
    )


def create(
    db: sqlite_utils.Database,
    *,
    created_by: str,
    now: datetime,
    at: datetime | None = None,
    campaign_id: str | None = None,
    text: str | None = None,
    areas: list[str] | None = None,
    topic: str | None = None,
) -> int:
    if (campaign_id is None) == (text is None):
        raise ValueError("a broadcast has either a campaign or a text")
    return (
        db["broadcasts"]
        .insert(
            {
                "created_at": to_iso(now),
                "created_by": created_by,
                "kind": "manual",
                "campaign_id": campaign_id,
                "text": text,
                "areas": json.dumps(sorted(areas or [])),
                "scheduled_for": to_iso(at or now),
                "status": "scheduled",
                "recipients": 0,
                "summary_sent": 0,
                "topic": topic if text is not None else None,
            }
        )
        .last_pk
    )


def get(db: sqlite_utils.Database, broadcast_id: int) -> Broadcast | None:
    rows = list(db.query("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id]))
    return _row(rows[0]) if rows else None


def recent(db: sqlite_utils.Database, limit: int = 20) -> list[Broadcast]:
    return [_row(row) for row in db.query("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", [limit])]


def weekly_of(db: sqlite_utils.Database, week: str) -> Broadcast | None:
    """The weekly campaign's broadcast of `week`, once its time has come (None before)."""
    rows = list(db.query("SELECT * FROM broadcasts WHERE kind = 'weekly' AND iso_week = ?", [week]))
    return _row(rows[0]) if rows else None


def touches(areas: Areas, broadcast: Broadcast, codes: list[str] | tuple[str, ...]) -> bool:
    """Whether a broadcast went to any of these areas (a staff member's scope), or to an area
    inside or around one of them. Codes of before 2025 mean their current units."""
    mine = {found for code in codes for found in areas.resolve(code)}
    if not broadcast.areas:
        return bool(mine)
    return any(m in areas.within(b) or b in areas.within(m) for m in mine for b in broadcast.areas)


def progress(db: sqlite_utils.Database, broadcast_id: int) -> Progress:
    counts, resent = deliveries.counts(db, broadcast_id)
    return Progress(total=sum(counts.values()), counts=counts, resent=resent)


def cancel(db: sqlite_utils.Database, broadcast_id: int) -> bool:
    """Stop a broadcast: nothing more is sent (a message already in flight still arrives)."""
    cursor = db.execute(
        "UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status IN ('scheduled', 'sending')",
        [broadcast_id],
    )
    deliveries.cancel_broadcast(db, broadcast_id)
    return cursor.rowcount > 0


# --- what each recipient reads ---


class Renderer:
    """Renders a broadcast for one area: the campaign (or staff text), then how to stop."""

    def __init__(self, texts: Texts, areas: Areas, campaigns: Campaigns):
        self.texts, self.areas, self.campaigns = texts, areas, campaigns

    def campaign_for(self, db: sqlite_utils.Database, broadcast: Broadcast, area_code: str):
        if broadcast.kind != "weekly":
            return self.campaigns.get(broadcast.campaign_id or "")
        # The commune's own choice, else its district's, else its province's.
        nearest_first = [area.code for area in reversed(self.areas.lineage(area_code))]
        return self.campaigns.for_week(broadcast.iso_week, override_for(db, nearest_first, broadcast.iso_week))

    def body(
        self, db: sqlite_utils.Database | None, broadcast: Broadcast, area_code: str
    ) -> tuple[str, str | None] | None:
        """(text, topic) for subscribers of `area_code`, or None when nothing goes to that area."""
        t = self.texts
        if broadcast.text is not None:
            message = t.render("broadcast_message", title=None, body=html.escape(broadcast.text))
            topic = broadcast.topic
        else:
            campaign = self.campaign_for(db, broadcast, area_code)
            if campaign is None:
                return None
            area = (
                self.areas.template_values(area_code)
                if self.areas.get(area_code)
                else {"name": "", "police_hotlines": []}
            )
            body = t.render_text(campaign.text, area=area)
            message = t.render("broadcast_message", title=campaign.title, body=body)
            topic = campaign.topic
        return message + "\n\n" + t.render("broadcast_footer"), topic


@dataclass
class Audience:
    """How many a broadcast reaches, and why the others in its areas are not reached."""

    count: int = 0  # recipients
    subscribers: int = 0  # active subscribers of the target areas
    other_topics: int = 0  # of them, those who chose only other topics
    per_channel: dict[str, int] = field(default_factory=dict)  # recipients per platform

    def why_none(self) -> dict[str, int]:
        """What a zero preview or a zero summary says: how many subscribers the areas have, and how
        many of them follow other topics (the rest: their area skips this week's campaign)."""
        return {"subscribers": self.subscribers, "other_topics": self.other_topics}


def reached(
    db: sqlite_utils.Database, broadcast: Broadcast, renderer: Renderer, tally: Audience | None = None
) -> Iterator[tuple[subscriptions.Subscription, str]]:
    """Who receives this broadcast, one at a time, each with the text for their area: active
    subscribers of its areas (and the areas inside them), where their area has a message, unless
    they chose other topics. `tally` is counted as they go. The one answer for the staff preview's
    count and for the real send (`enqueue`), so the two cannot differ; a generator, so a province's
    300,000 subscribers are never a list in memory."""
    tally = tally if tally is not None else Audience()
    targets = None
    if broadcast.areas:
        targets = set().union(*(renderer.areas.within(code) for code in broadcast.areas))
    rendered: dict[str, tuple[str, str | None] | None] = {}
    for sub in subscriptions.active_in(db, targets):
        tally.subscribers += 1
        if sub.area_code not in rendered:
            rendered[sub.area_code] = renderer.body(db, broadcast, sub.area_code)
        message = rendered[sub.area_code]
        if message is None:
            continue
        text, topic = message
        if topic and sub.topics and topic not in sub.topics:
            tally.other_topics += 1  # the citizen chose other topics
            continue
        tally.count += 1
        tally.per_channel[sub.channel] = tally.per_channel.get(sub.channel, 0) + 1
        yield sub, text


def audience(db: sqlite_utils.Database, broadcast: Broadcast, renderer: Renderer) -> Audience:
    """How many `reached` gives, and why the others were not."""
    tally = Audience()
    for _ in reached(db, broadcast, renderer, tally):
        pass
    return tally


def enqueue(db: sqlite_utils.Database, broadcast: Broadcast, renderer: Renderer, now: datetime) -> int:
    """Write every recipient's message in this transaction, streamed; return how many."""
    stamp = to_iso(now)
    rows = (
        {
            "broadcast_id": broadcast.id,
            "channel": sub.channel,
            "chat_id": sub.chat_id,
            "area_code": sub.area_code,
            "text": text,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": stamp,
            "resent": 0,
        }
        for sub, text in reached(db, broadcast, renderer)
    )
    count = deliveries.add(db, rows)
    status = "sending" if count else "done"
    db.execute(
        "UPDATE broadcasts SET status = ?, recipients = ?, finished_at = ? WHERE id = ?",
        [status, count, stamp if not count else None, broadcast.id],
    )
    return count


# --- the clock: weekly campaigns, due broadcasts, finished ones ---


def weekly_time(now: datetime, weekday: str, hour_minute: tuple[int, int]) -> datetime:
    """This ISO week's send time, in Vietnam time."""
    local = now.astimezone(VIETNAM)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday + timedelta(days=WEEKDAYS.index(weekday), hours=hour_minute[0], minutes=hour_minute[1])


def ensure_weekly(db: sqlite_utils.Database, now: datetime, weekday: str, hour_minute: tuple[int, int]) -> bool:
    """Create this week's campaign broadcast once its time has come; True if created now."""
    due = weekly_time(now, weekday, hour_minute)
    if now < due:
        return False
    cursor = db.execute(
        "INSERT OR IGNORE INTO broadcasts (created_at, created_by, kind, areas, iso_week, scheduled_for, status, "
        "recipients, summary_sent) VALUES (?, 'weekly', 'weekly', '[]', ?, ?, 'scheduled', 0, 0)",
        [to_iso(now), iso_week(due), to_iso(due)],
    )
    return cursor.rowcount > 0


def due(db: sqlite_utils.Database, now: datetime) -> list[Broadcast]:
    rows = db.query(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' AND scheduled_for <= ? ORDER BY scheduled_for",
        [to_iso(now)],
    )
    return [_row(row) for row in rows]


def finish(
    db: sqlite_utils.Database,
    now: datetime,
    summary_to: Callable[[Broadcast], list[tuple[str, str]]],
    renderer: Renderer,
) -> list[int]:
    """Mark sending broadcasts with nothing left as done, and queue their summary for staff.

    A summary of nobody says why (no subscriber in the areas, or none following the topic). The
    weekly campaign that reached nobody (a new deployment, a week skipped everywhere) sends no
    summary at all: a "0 / 0" every week, or at a start-up that caught up a missed week, tells
    staff nothing; `/phatcanhbao` shows how this week's went."""
    texts = renderer.texts
    finished = []
    for row in db.query(
        "SELECT * FROM broadcasts WHERE (status IN ('sending', 'done', 'cancelled') AND summary_sent = 0) "
        "OR status = 'sending'"
    ):
        broadcast = _row(row)
        # While it sends, this is all a round asks (a seek, not a count of 300,000 rows every 2 s
        # on the writer, which held up the sender's claims).
        if deliveries.to_send(db, broadcast.id, to_iso(now + HELD_AFTER)):
            continue
        held, resumes = deliveries.held(db, broadcast.id, to_iso(now + HELD_AFTER))
        if row["summary_sent"] and held:
            continue
        state = progress(db, broadcast.id)
        if not held:  # done: only messages held for long would keep it sending (they go later)
            db.execute(
                "UPDATE broadcasts SET status = CASE WHEN status = 'sending' THEN 'done' ELSE status END, "
                "finished_at = coalesce(finished_at, ?) WHERE id = ?",
                [to_iso(now), broadcast.id],
            )
        if row["summary_sent"]:
            continue  # summed up when its held messages were all that was left
        db.execute("UPDATE broadcasts SET summary_sent = 1 WHERE id = ?", [broadcast.id])
        finished.append(broadcast.id)
        if state.total == 0 and broadcast.kind == "weekly":
            continue
        why = audience(db, broadcast, renderer).why_none() if state.total == 0 else None
        text = texts.render("broadcast_summary", id=broadcast.id, week=week_span(broadcast.iso_week),
                            counts=state.counts, total=state.total, resent=state.resent, why=why,
                            held=held, resumes=local_time(resumes) if resumes else None)  # fmt: skip
        for channel, chat_id in summary_to(broadcast):
            outbox.enqueue(db, channel, chat_id, text, "broadcast_summary", now)
    return finished


def prune_deliveries(db: sqlite_utils.Database, before: str, limit: int) -> int:
    """Up to `limit` delivery rows of broadcasts summed up and finished before `before` go, their
    counts kept (`deliveries.sum_up`); how many went. Called until it returns less than `limit`."""
    moved = 0
    for (broadcast_id,) in db.execute(
        "SELECT id FROM broadcasts WHERE summary_sent = 1 AND status IN ('done', 'cancelled') AND finished_at < ? "
        "ORDER BY id",
        [before],
    ).fetchall():
        moved += deliveries.sum_up(db, broadcast_id, limit - moved)
        if moved >= limit:
            break
    return moved


def local_time(stamp: str) -> str:
    return from_iso(stamp).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def sent_between(db: sqlite_utils.Database, start: str, end: str) -> dict[int, str]:
    """Broadcasts due in [start, end) that were not cancelled before sending: id -> when due."""
    rows = db.execute(
        "SELECT id, coalesce(scheduled_for, created_at) FROM broadcasts WHERE coalesce(scheduled_for, created_at) >= ? "
        "AND coalesce(scheduled_for, created_at) < ? AND status IN ('sending', 'done')",
        [start, end],
    ).fetchall()
    return dict(rows)
