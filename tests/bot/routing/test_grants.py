"""Grants and invite codes: the codes people type, what is stored, what a grant's end means."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.messages import ChatKey
from bot.core.storage import Storage
from bot.routing import grants

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
CHAT = ChatKey("telegram", "55")
YEAR_END = datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Vietnam


@pytest.fixture
def storage(tmp_path):
    store = Storage(tmp_path / "grants.db")
    yield store
    store.close()


def test_codes_carry_at_least_40_random_bits_in_a_typable_shape():
    codes = {grants.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(grants.CODE_TEXT.fullmatch(code) and grants.canonical(code) for code in codes)
    assert grants.CODE_LENGTH * math.log2(len(grants.ALPHABET)) >= 40
    assert not set("ILOU") & set(grants.ALPHABET)


@pytest.mark.parametrize(
    "typed", ["CG-7KQ4-M2XD", "cg 7kq4 m2xd", "CG7KQ4M2XD", "7KQ4-M2XD", " cg-7kq4-m2xd ", "CG.7KQ4.M2XD"]
)
def test_a_code_is_read_however_it_was_typed(typed):
    assert grants.canonical(typed) == "7KQ4M2XD"


def test_letters_read_as_digits_and_wrong_shapes_are_no_code():
    assert grants.canonical("CG-7KQ4-MOXI") == grants.canonical("CG-7KQ4-M0X1")
    for typed in ("", "CG-7KQ4", "CG-7KQ4-M2XD-99", "CG-7KQ4-M2X#", "xin chào", "0912345678"):
        assert grants.canonical(typed) is None


def test_only_a_hash_is_stored_and_a_code_is_used_once(storage):
    def make(db):
        return grants.create_invite(
            db, role="staff", scope=["x-02647"], created_by="telegram:1", now=NOW, valid_for=timedelta(hours=24)
        )

    invite_id, code = storage.write_sync(make)
    stored = storage.read_sync(lambda db: db.execute("SELECT * FROM invites").fetchall())
    assert not any(grants.canonical(code) in str(value) for value in stored[0])
    first = storage.write_sync(lambda db: grants.redeem(db, code, CHAT, "55", NOW))
    assert first.outcome == "granted" and first.grant.scope == ("x-02647",) and first.grant.role == "staff"
    again = storage.write_sync(lambda db: grants.redeem(db, code, ChatKey("telegram", "66"), "66", NOW))
    assert again.outcome == "used" and again.grant is None


def test_no_role_everywhere_but_for_admins(storage):
    with pytest.raises(ValueError):
        storage.write_sync(
            lambda db: grants.create_invite(
                db, role="police", scope=[], created_by="telegram:1", now=NOW, valid_for=timedelta(hours=1)
            )
        )


def test_revoked_or_ended_grants_are_not_held_and_erasure_forgets_them(storage):
    def give(db, role, user):
        _, code = grants.create_invite(
            db, role=role, scope=["t-15"], created_by="telegram:1", now=NOW, valid_for=timedelta(hours=1)
        )
        return grants.redeem(db, code, ChatKey("telegram", user), user, NOW).grant

    police = storage.write_sync(lambda db: give(db, "police", "55"))
    storage.write_sync(lambda db: give(db, "staff", "55"))
    held = storage.read_sync(lambda db: grants.held(db, "telegram", "55", NOW))
    assert [g.role for g in held] == ["police", "staff"]
    assert storage.read_sync(lambda db: grants.held(db, "zalo", "55", NOW)) == ()  # another channel's 55

    assert storage.write_sync(lambda db: grants.revoke(db, police.id, by="telegram:1", now=NOW)).role == "police"
    assert storage.write_sync(lambda db: grants.revoke(db, police.id, by="telegram:1", now=NOW)) is None
    assert [g.role for g in storage.read_sync(lambda db: grants.held(db, "telegram", "55", NOW))] == ["staff"]

    storage.write_sync(lambda db: db.execute("UPDATE grants SET expires_at = '2026-11-22T09:00:00.000000Z'"))
    later = NOW + timedelta(hours=2)
    assert storage.read_sync(lambda db: grants.held(db, "telegram", "55", later)) == ()

    storage.write_sync(lambda db: grants.forget(db, CHAT))
    assert storage.read_sync(lambda db: db.execute("SELECT count(*) FROM grants").fetchone()[0]) == 0


@pytest.mark.parametrize(
    ("term", "ends"),
    [
        ({}, None),  # no end
        ({"grant_days": 30}, NOW + timedelta(days=30)),  # counted from when the code is used
        ({"grant_until": YEAR_END}, YEAR_END),
    ],
)
def test_the_role_an_invite_gives_ends_when_the_admin_said_and_then_no_longer_counts(storage, term, ends):
    def make(db):
        return grants.create_invite(
            db, role="police", scope=["x-02647"], created_by="telegram:1", now=NOW - timedelta(hours=1),
            valid_for=timedelta(hours=24), **term,
        )  # fmt: skip

    _, code = storage.write_sync(make)
    grant = storage.write_sync(lambda db: grants.redeem(db, code, CHAT, "55", NOW)).grant
    assert grant.expires_at == (None if ends is None else grants.to_iso(ends))
    assert storage.read_sync(lambda db: grants.held(db, "telegram", "55", NOW + timedelta(days=29)))
    later = (ends or NOW + timedelta(days=3650)) + timedelta(seconds=1)
    still = storage.read_sync(lambda db: grants.held(db, "telegram", "55", later))
    assert bool(still) is (ends is None)
    assert bool(storage.read_sync(lambda db: grants.live(db, later))) is (ends is None)
