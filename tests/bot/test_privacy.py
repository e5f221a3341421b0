"""Erasure follows the schema: every table that names a chat is cleared for that chat, or
`bot.privacy.KEPT` says why its rows stay (then they no longer name the chat).

The tables are read from the migrated database itself, not listed here, so a table added by a
future migration is checked the day it appears.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlite_utils

from bot import privacy
from bot.core.messages import ChatKey
from bot.core.storage import Storage

CHAT = ChatKey("telegram", "1001")
OTHER = ChatKey("telegram", "2002")
# Columns that say whose row it is: a chat, or a person in a chat.
CHAT_COLUMNS = {"chat_id", "user_id"}


def chat_tables(db: sqlite_utils.Database) -> list[str]:
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return sorted(name for name in names if {c[1] for c in db.execute(f"PRAGMA table_info({name})")} & CHAT_COLUMNS)


class Filler:
    """Inserts a row of any table, with every column filled and parent rows made for its foreign keys."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.counter = itertools.count(1)

    def value(self, declared: str) -> object:
        n = next(self.counter)
        return n if "INT" in declared.upper() else (float(n) if "FLOAT" in declared.upper() else f"v{n}")

    def row(self, table: str, chat: ChatKey | None = None) -> int:
        parents = {fk[3]: (fk[2], fk[4]) for fk in self.db.execute(f"PRAGMA foreign_key_list({table})")}
        values: dict[str, object] = {}
        for _, column, declared, _, _, pk in self.db.execute(f"PRAGMA table_info({table})"):
            if pk and declared.upper() == "INTEGER" and column == "id":
                continue  # the rowid
            if column in parents:
                values[column] = self.row(parents[column][0])
            elif chat is not None and column == "channel":
                values[column] = chat.channel
            elif chat is not None and column in CHAT_COLUMNS:
                values[column] = chat.chat_id
            else:
                values[column] = self.value(declared)
        marks = ", ".join("?" for _ in values)
        cursor = self.db.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})", list(values.values()))
        return cursor.lastrowid


def naming(db: sqlite_utils.Database, table: str, chat: ChatKey) -> int:
    """Rows of `table` that name `chat` in any of its chat columns."""
    columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] in CHAT_COLUMNS]
    where = " OR ".join(f"(channel = ? AND {column} = ?)" for column in columns)
    params = [value for _ in columns for value in (chat.channel, chat.chat_id)]
    return db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]


@pytest.fixture
def storage(tmp_path: Path):
    store = Storage(tmp_path / "erase.db")
    yield store
    store.close()


def test_the_schema_has_the_chat_tables_this_test_is_about(storage):
    # The walk must see the tables that hold chats, or it would pass by checking nothing.
    tables = storage.read_sync(chat_tables)
    assert {"chats", "conversations", "offered_choices", "reports", "subscriptions", "deliveries"} <= set(tables)


def test_erasure_clears_every_table_that_names_the_chat_or_says_why_it_keeps_it(storage):
    tables = storage.read_sync(chat_tables)

    def fill(db):
        filler = Filler(db)
        for table in tables:
            filler.row(table, CHAT)
            filler.row(table, OTHER)

    storage.write_sync(fill)
    before = storage.read_sync(lambda db: {t: db[t].count for t in tables})
    storage.write_sync(lambda db: privacy.erase_chat(db, CHAT))

    def after(db):
        return {t: (db[t].count, naming(db, t, CHAT), naming(db, t, OTHER)) for t in tables}

    left = storage.read_sync(after)
    still_named = [t for t in tables if left[t][1]]
    assert not still_named, f"erasure leaves rows naming the chat in {still_named}: give their owners a `forget`"
    for table in tables:
        count, _, other = left[table]
        assert other >= 1, f"erasing one chat deleted another chat's rows in {table}"
        if table in privacy.KEPT:
            assert count == before[table], f"{table} is in KEPT but its rows went"
        else:
            assert count < before[table], f"{table} still has the chat's row, unnamed: delete it or add it to KEPT"


def test_what_is_kept_is_a_table_with_a_chat_and_a_reason(storage):
    tables = set(storage.read_sync(chat_tables))
    for table, reason in privacy.KEPT.items():
        assert table in tables and len(reason) > 20
