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


# --- 12 and 13: databases made by the code before them are upgraded -----------------------------------

_REPORT = {"created_at": "2024-05-01T00:00:00+00:00", "identifier_id": 1, "reporter": "r", "what": "phone",
           "status": "new"}  # fmt: skip


def _at(path, version: int) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    migrate(db, [m for m in MIGRATIONS if m.version <= version])
    assert schema_version(db) == version
    return db


def test_12_adds_area_settings_and_role_terms_and_keeps_invites(tmp_path):
    db = _at(tmp_path / "v11.db", 11)
    db["invites"].insert(
        {"code_hash": "h", "role": "police", "scope": '["x-02647"]', "created_by": "a", "created_at": "t",
         "expires_at": "u"}
    )  # fmt: skip
    assert migrate(db)[0] == 12
    assert {"grant_days", "grant_until"} <= set(db["invites"].columns_dict)
    assert db["invites"].count == 1 and next(db["invites"].rows)["grant_days"] is None  # no end, as before
    assert set(db["area_settings"].columns_dict) >= {"area_code", "police_hotlines", "greeting_name"}


def test_13_gives_old_reports_a_code_where_their_place_names_one_unit(tmp_path):
    db = _at(tmp_path / "v7.db", 7)  # reports stored their place as text only
    db["identifiers"].insert({"id": 1, "key": "phone:0912345678", "kind": "phone", "normalized": "0912345678",
                              "status": "new"})  # fmt: skip
    places = {
        "BC-1": "phường Cốc Lếu, thành phố Lào Cai",  # an old ward with its old district: phường Lào Cai
        "BC-2": "Phường Hoàn Kiếm",  # a current name, any case
        "BC-3": "xa ta van, lao cai",  # no accents, with its province
        "BC-4": "Lào Cai",  # the province, or phường Lào Cai? stays text
        "BC-5": "xã Tân Phú",  # dozens of them: stays text
        "BC-6": "Làng của tôi",  # unknown: stays text
        "BC-7": "",
    }
    for ref, area in places.items():
        db["reports"].insert({**_REPORT, "ref": ref, "area": area})
    migrate(db)
    rows = {r["ref"]: (r["area"], r["area_code"]) for r in db["reports"].rows}
    assert {ref: code for ref, (_, code) in rows.items()} == {
        "BC-1": "x-02647", "BC-2": "x-00070", "BC-3": "x-03037",
        "BC-4": None, "BC-5": None, "BC-6": None, "BC-7": None,
    }  # fmt: skip
    assert {ref: area for ref, (area, _) in rows.items()} == places  # the text is kept, for exports
