"""Migration 10: rows stored on the area codes of before 1 July 2025 move to current units.

The database is made as the code before this migration made it (migrations 1-9, rows on the codes
of the old content/areas.yaml), then upgraded; every row is checked.
"""

from __future__ import annotations

import json

import sqlite_utils

from bot.core.area_history import AreaHistory
from bot.core.migrations import MIGRATIONS, migrate, schema_version

OLD = [m for m in MIGRATIONS if m.version <= 9]
NOW = "2025-06-01T00:00:00+00:00"


def _old_database(path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    migrate(db, OLD)
    assert schema_version(db) == 9
    subscriptions = {
        "1": "coc-leu",  # a commune that went whole into phường Lào Cai
        "2": "kim-tan",  # another that went into the same one
        "3": "tt-truong-son-an-lao",  # split between two communes
        "4": "huong-hoa",  # an old district
        "5": "lao-cai",  # an old province
        "6": "x-00070",  # already current
        "7": "my-own-place",  # a code a deployment added itself: unknown
    }
    db["subscriptions"].insert_all(
        {"channel": "telegram", "chat_id": chat, "area_code": code, "topics": "", "active": 1,
         "subscribed_at": NOW, "updated_at": NOW, "stopped_reason": None}
        for chat, code in subscriptions.items()
    )  # fmt: skip
    db["identifiers"].insert(
        {"id": 1, "key": "phone:0912345678", "kind": "phone", "normalized": "0912345678", "status": "new"}
    )
    for n, code in enumerate(["coc-leu", "hoa-lien", None, "tp-lao-cai"]):
        db["reports"].insert(
            {"ref": f"BC-{n}", "created_at": NOW, "identifier_id": 1, "reporter": "r", "what": "phone",
             "status": "new", "area": "phường Cốc Lếu", "area_code": code}
        )  # fmt: skip
    broadcast = {"created_at": NOW, "kind": "manual", "text": "t", "status": "scheduled"}
    db["broadcasts"].insert_all(
        [
            {**broadcast, "id": 1, "areas": json.dumps(["coc-leu", "kim-tan"]), "status": "done"},
            {**broadcast, "id": 2, "areas": json.dumps(["tp-lao-cai", "my-own-place"])},
            {**broadcast, "id": 3, "kind": "weekly", "text": None, "areas": "[]", "iso_week": "2025-W30"},
        ]
    )
    db["deliveries"].insert(
        {"broadcast_id": 2, "channel": "telegram", "chat_id": "1", "area_code": "coc-leu", "text": "t",
         "status": "pending"}
    )  # fmt: skip
    db["week_overrides"].insert_all(
        [
            {"area_code": "hoa-lien", "iso_week": "2025-W30", "campaign_id": "skip", "set_by": "s", "set_at": NOW},
            {"area_code": "x-20195", "iso_week": "2025-W30", "campaign_id": "mine", "set_by": "s", "set_at": NOW},
            {"area_code": "coc-leu", "iso_week": "2025-W31", "campaign_id": "w01", "set_by": "s", "set_at": NOW},
        ]
    )
    return db


def test_an_old_database_moves_to_current_units_and_loses_nothing(tmp_path):
    history = AreaHistory.load()
    split = history.successors("tt-truong-son-an-lao")
    assert len(split) == 2  # the data this test relies on
    district = history.successors("huong-hoa")
    db = _old_database(tmp_path / "old.db")
    assert 10 in migrate(db)
    subscriptions = {r["chat_id"]: r["area_code"] for r in db["subscriptions"].rows}
    assert subscriptions == {
        "1": "x-02647",
        "2": "x-02647",
        "3": split[0],  # the commune that kept most of it
        "4": "t-44",  # the province of the old district: it still receives what its people receive
        "5": "t-15",
        "6": "x-00070",
        "7": "my-own-place",  # kept as it was, never dropped
    }
    assert db["subscriptions"].count == 7 and all(r["active"] == 1 for r in db["subscriptions"].rows)
    reports = {r["ref"]: r["area_code"] for r in db["reports"].rows}
    # BC-2 had no code, only its place's name: migration 13 finds the one unit it names
    assert reports == {
        "BC-0": "x-02647", "BC-1": history.successors("hoa-lien")[0], "BC-2": "x-02647", "BC-3": "t-15"
    }  # fmt: skip
    assert all(r["area"] == "phường Cốc Lếu" for r in db["reports"].rows)
    broadcasts = {r["id"]: json.loads(r["areas"]) for r in db["broadcasts"].rows}
    assert broadcasts[1] == ["x-02647"]  # two old communes of one current unit: once
    assert broadcasts[2] == [*history.successors("tp-lao-cai"), "my-own-place"]  # every successor
    assert broadcasts[3] == []  # every area, still
    assert len(district) > 1 and set(history.successors("tp-lao-cai")) >= {"x-02647", "x-02674"}
    assert [r["area_code"] for r in db["deliveries"].rows] == ["x-02647"]
    overrides = {(r["area_code"], r["iso_week"]): r["campaign_id"] for r in db["week_overrides"].rows}
    hoa_lien = history.successors("hoa-lien")
    assert overrides == {
        (hoa_lien[0], "2025-W30"): "skip",
        ("x-20195", "2025-W30"): "mine",  # one set on the current unit itself wins
        ("x-02647", "2025-W31"): "w01",
    }
    assert "x-20195" in hoa_lien


def test_a_new_database_has_nothing_to_move(tmp_path):
    db = sqlite_utils.Database(tmp_path / "new.db")
    assert 10 in migrate(db)
    assert db["subscriptions"].count == 0
