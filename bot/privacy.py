"""A citizen's erasure (/xoadulieu), driven by the schema: every table that names a chat has an
owner, and each owner says how to forget a chat in its own `forget(db, chat)`.

`tests/bot/test_privacy.py` lists every table with a chat column from `sqlite_master` and fails
unless erasing clears it, or `KEPT` below says why its rows stay (with nothing left that points
back to the chat). A new table with a chat column therefore needs its owner's `forget` here.

A hub: it may use every package below it, never `bot.services`.
"""

from __future__ import annotations

import sqlite_utils

from bot.activity import changes, deadlines, notes, targets
from bot.activity import log as activity_log
from bot.broadcast import deliveries, subscriptions
from bot.core import outbox
from bot.core.messages import ChatKey
from bot.knowledge import gaps, quiz_results
from bot.reporting import reports
from bot.routing import chats, choices, conversations, grants, logins, web_sessions


def _forget_roles(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """What holding a role left: grants and refused invite codes, web console logins and sessions,
    the staff member's name on the commune's activity records (the records stay, unsigned), and on
    the FAQ questions they marked handled."""
    grants.forget(db, chat)
    logins.forget(db, chat)
    web_sessions.forget(db, chat)
    gaps.forget_reviewer(db, chat)
    actor = f"{chat.channel}:{chat.chat_id}"  # `roles.actor` of the person of this private chat
    for owner in (activity_log, changes, targets, notes, deadlines):
        owner.forget(db, actor)


# Each owner forgets its own rows (one owner per table, `tests/test_table_owners.py`), under the
# name /baomat and /xoadulieu give what it holds (`privacy.held.<name>` in strings.yaml says it to
# the citizen): what a citizen is told is kept is this list, so it cannot fall behind it.
HELD = (
    ("reports", reports.forget_reporter),  # reports, anonymised; reporters: contact number, consents
    ("subscription", subscriptions.forget),  # area and topics
    ("deliveries", deliveries.forget),  # which warnings were sent
    ("outbox", outbox.forget),  # messages not yet sent
    ("quiz", quiz_results.forget),
    ("choices", choices.forget),  # offered_choices: the options last shown
    ("conversation", conversations.forget),  # a flow left half done
    ("roles", _forget_roles),  # grants, invite_misses, web_logins, web_sessions, faq_gap_reviews
    ("chat", chats.forget),  # the chat's id, language, last message: last, after what hangs off it
)
FORGETS = tuple(forget for _, forget in HELD)
# Tables with no chat or user column hold nothing to forget: `faq_gaps` (questions, identifiers
# redacted) and `message_gaps` (messages the scam classifier was unsure of, masked: no numbers,
# links, amounts, e-mails or names) never say who wrote or received them.

# Tables whose rows about a chat stay after its erasure, and why. Their chat columns are cleared.
KEPT: dict[str, str] = {
    "reports": "the police still need what was reported; the report stays, anonymised: no chat, "
    "no contact number, and its reporter token links to no one (the `reporters` row is deleted)",
}


def erase_chat(db: sqlite_utils.Database, chat: ChatKey) -> None:
    """Everything that points to this chat goes, in the caller's transaction; reports stay, anonymised."""
    for forget in FORGETS:
        forget(db, chat)
