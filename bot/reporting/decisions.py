"""An officer's decision on identifiers, as the chat (`handlers/police.py`) and the web console
(`bot/web/police.py`) both record it: the scope checked again inside the write, then
`reports.decide` (the identifier, its reports, the audit log) and the notice each consenting
reporter gets through the outbox, all in the caller's one transaction.

One identifier or many: a bulk decision from the console's queue is refused whole when any of its
identifiers is outside the officer's scope (a crafted form), so nothing is half done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from bot.core.content import Texts
from bot.reporting import reports

MAX_NOTE = 300  # characters of an officer's note kept with a decision


def notice(texts: Texts) -> Callable[[str, str], str]:
    """The message a reporter who asked to hear back gets about their report `ref`, in `texts`'s
    language (the deployment's default: reporters are not asked theirs again)."""

    def render(ref: str, status: str) -> str:
        return texts.render("report_status_notice", ref=ref, status=status)

    return render


def clean_note(note: str | None) -> str | None:
    """A typed note as it is kept: trimmed, at most `MAX_NOTE` characters; None when empty."""
    note = (note or "").strip()[:MAX_NOTE]
    return note or None


@dataclass
class Outcome:
    """What a decision did. `refused`: identifiers outside the scope (then nothing was decided);
    `missing`: identifiers that do not exist; `old`: identifier id -> its status before."""

    refused: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    old: dict[int, str] = field(default_factory=dict)
    notified: int = 0

    @property
    def decided(self) -> int:
        return len(self.old)


def decide(
    db: sqlite_utils.Database,
    identifier_ids: Sequence[int],
    status: str,
    *,
    note: str | None,
    actor: str,
    now: datetime,
    texts: Texts,
    scope: reports.Scope | None,
) -> Outcome:
    """Record `status` on every identifier of `identifier_ids` within `scope` (None: everywhere),
    audited as `actor`; run inside the write that is to hold it (`Storage.write`)."""
    outcome = Outcome()
    wanted = list(dict.fromkeys(identifier_ids))
    if scope is not None:
        for identifier_id in wanted:
            if reports.queue_item(db, identifier_id, scope=scope) is None:
                if reports.queue_item(db, identifier_id) is None:
                    outcome.missing.append(identifier_id)
                else:
                    outcome.refused.append(identifier_id)
        if outcome.refused:
            return outcome
    render = notice(texts)
    for identifier_id in wanted:
        if identifier_id in outcome.missing:
            continue
        done = reports.decide(db, identifier_id, status, note=note, actor=actor, now=now, notice=render)
        if done is None:
            outcome.missing.append(identifier_id)
            continue
        outcome.old[identifier_id], notified = done
        outcome.notified += notified
    return outcome
