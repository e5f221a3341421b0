"""One owner per table: SQL that names a table lives only in the module that owns it (issue 11, §3).

`OWNERS` below is the one place that says which module owns which table. The walk reads every
string literal of `bot/` and `handlers/` (f-strings' literal parts too, docstrings excepted) and
every `db["name"]` / `db.table("name")`, and fails when a table is named outside its owner:
another module calls the owner's functions instead. Migrations create every table and are exempt.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sqlite_utils

from bot.core.migrations import migrate

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("bot", "handlers")
EXEMPT = {"bot/core/migrations.py"}

# table -> the module that owns it: its SQL, its rows, its `forget` (see bot/privacy.py).
OWNERS: dict[str, str] = {
    "chats": "bot/routing/chats.py",
    "conversations": "bot/routing/conversations.py",
    "handled_updates": "bot/routing/handled_updates.py",
    "offered_choices": "bot/routing/choices.py",
    "faq_gaps": "bot/knowledge/gaps.py",
    "faq_gap_reviews": "bot/knowledge/gaps.py",
    "quiz_results": "bot/knowledge/quiz_results.py",
    "reports": "bot/reporting/reports.py",
    "reporters": "bot/reporting/reports.py",
    "identifiers": "bot/reporting/reports.py",
    "audit_log": "bot/reporting/reports.py",
    "meta": "bot/reporting/digest.py",  # its only fact: when the last digest went out
    "blocklist": "bot/checking/blocklist.py",
    "message_gaps": "bot/checking/message_gaps.py",
    "outbox": "bot/core/outbox.py",
    "subscriptions": "bot/broadcast/subscriptions.py",
    "broadcasts": "bot/broadcast/broadcasts.py",
    "deliveries": "bot/broadcast/deliveries.py",
    "delivery_tallies": "bot/broadcast/deliveries.py",
    "week_overrides": "bot/broadcast/campaigns.py",
    "grants": "bot/routing/grants.py",
    "invites": "bot/routing/grants.py",
    "invite_misses": "bot/routing/grants.py",
    "area_settings": "bot/broadcast/area_settings.py",
    "channel_usage": "bot/channels/usage.py",
    "zalo_oa_tokens": "bot/channels/zalo_oa_tokens.py",
    "zalo_oa_links": "bot/channels/zalo_oa_tokens.py",
    "web_logins": "bot/routing/logins.py",
    "web_login_misses": "bot/routing/logins.py",
    "web_sessions": "bot/routing/web_sessions.py",
    "usage_counts": "bot/core/tally.py",
    "activity_log": "bot/activity/log.py",
    "activity_changes": "bot/activity/changes.py",
    "activity_targets": "bot/activity/targets.py",
    "activity_notes": "bot/activity/notes.py",
    "report_deadlines": "bot/activity/deadlines.py",
    "deadline_reminders": "bot/activity/deadlines.py",
    "deadline_hidden": "bot/activity/deadlines.py",
}

# The few reads that join another owner's table, each with why; never a write.
JOINS: dict[tuple[str, str], str] = {
    ("bot/broadcast/deliveries.py", "broadcasts"): "the sender claims a delivery only while its broadcast is "
    "sending (cancelled or finished ones stop at once), in the one query that picks the next row",
}

_SQL_NAMING = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+([a-z_][a-z0-9_]*)")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def tables_named(source: str) -> list[tuple[int, str]]:
    """(line, table) for every table of `OWNERS` that the source names in SQL or as `db[...]`."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found += [(node.lineno, name) for name in _SQL_NAMING.findall(node.value) if name in OWNERS]
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name | ast.Attribute)
            and (node.value.id if isinstance(node.value, ast.Name) else node.value.attr).endswith("db")
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in OWNERS
        ):
            found.append((node.lineno, node.slice.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "table"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in OWNERS
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(found, key=lambda item: item[0])


def trespasses() -> list[str]:
    bad = []
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            where = path.relative_to(REPO).as_posix()
            if where in EXEMPT:
                continue
            for line, table in tables_named(path.read_text(encoding="utf-8")):
                if where != OWNERS[table] and (where, table) not in JOINS:
                    bad.append(f"{where}:{line} names `{table}`, owned by {OWNERS[table]}")
    return bad


def test_sql_naming_a_table_lives_only_in_its_owner():
    bad = trespasses()
    assert not bad, "call the owner's functions instead:\n" + "\n".join(bad)


def test_every_table_of_the_schema_has_an_owner(tmp_path):
    db = sqlite_utils.Database(tmp_path / "schema.db")
    migrate(db)
    tables = set(db.table_names())
    assert tables - set(OWNERS) == set(), "give the new tables an owner in OWNERS"
    assert set(OWNERS) - tables == set(), "OWNERS names tables the schema does not have"


def test_joins_allowed_are_still_needed():
    # An allowance nobody uses any more goes, so the list stays the true exceptions.
    for where, table in JOINS:
        assert table in {name for _, name in tables_named((REPO / where).read_text(encoding="utf-8"))}


def test_every_owner_exists():
    # Either name of the numbered-choice owner will do while it is being renamed.
    missing = [t for t, owner in OWNERS.items() if not (REPO / owner).exists()]
    assert not missing, f"owners missing for {missing}"


# ── the walk itself, so the test cannot pass by seeing nothing ───────────────────────────────


def test_the_walk_sees_sql_subscripts_tables_and_fstrings_but_not_docstrings():
    source = '''
"""Reads FROM reports, says the docstring: not SQL."""
def f(db, svc, table):
    """UPDATE reports in a docstring is prose."""
    db.execute("SELECT ref FROM reports r JOIN identifiers i ON i.id = r.identifier_id")
    db["quiz_results"].insert({})
    svc.storage.db["week_overrides"].upsert({})
    db.table("faq_gaps").insert({})
    db.execute(f"DELETE FROM offered_choices WHERE chat_id IN ({table})")
    labels["reports"]  # not a database
    db.execute("INSERT OR REPLACE INTO meta (key) VALUES (?)")
    db.execute("SELECT * FROM sqlite_master")
'''
    assert tables_named(source) == [
        (5, "reports"),
        (5, "identifiers"),
        (6, "quiz_results"),
        (7, "week_overrides"),
        (8, "faq_gaps"),
        (9, "offered_choices"),
        (11, "meta"),
    ]
