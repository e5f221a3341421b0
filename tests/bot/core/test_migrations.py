import sqlite3

import pytest
import sqlite_utils

from bot.core.migrations import MIGRATIONS, Migration, SchemaTooNew, migrate, schema_version
from bot.core.storage import Storage


def test_new_database_gets_every_migration(tmp_path):
    db = sqlite_utils.Database(tmp_path / "new.db")
    assert migrate(db) == [m.version for m in MIGRATIONS]
    assert schema_version(db) == MIGRATIONS[-1].version
    assert {"chats", "conversations", "handled_updates"} <= set(db.table_names())
    assert migrate(db) == []  # applying again changes nothing


def test_older_database_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrate(db, MIGRATIONS[:1])
    db["chats"].insert({"channel": "telegram", "chat_id": "7", "language": "vi", "first_seen": "x", "last_seen": "x"})
    db.close()
    added = []
    later = Migration(
        MIGRATIONS[-1].version + 1, "a later column", lambda d: added.append(d["chats"].add_column("note", str))
    )
    db = sqlite_utils.Database(path)
    assert migrate(db, (*MIGRATIONS, later)) == [m.version for m in MIGRATIONS[1:]] + [later.version]
    assert "note" in db["chats"].columns_dict
    assert db["chats"].count == 1


def test_failed_migration_leaves_the_old_version(tmp_path):
    db = sqlite_utils.Database(tmp_path / "x.db")
    migrate(db)

    def broken(d):
        d["chats"].add_column("half_done", str)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrate(db, (*MIGRATIONS, Migration(99, "broken", broken)))
    assert schema_version(db) == MIGRATIONS[-1].version
    assert "half_done" not in db["chats"].columns_dict


def test_database_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(SchemaTooNew, match="999"):
        Storage(path)
