"""Reports aggregate per identifier, count distinct reporters, and keep decisions traceable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import outbox
from bot.core.messages import ChatKey
from bot.identifiers import BankAccount, PhoneNumber
from bot.reporting import reports

PHONE = PhoneNumber(raw="0912 345 678", normalized="+84912345678", number_type="mobile", region="VN")
ACCOUNT = BankAccount(raw="1027845566 MB", normalized="1027845566", bank_code="MB", bank_name="MB Bank")
LAN, HOA = ChatKey("telegram", "11"), ChatKey("zalo", "22")


def draft(identifier=PHONE, **fields) -> reports.Draft:
    values = {"what": "call", "via": "phone_call", "claimed_topic": "fake-authority-call", "happened": "today"}
    return reports.Draft(identifier=identifier, **{**values, **fields})


def file(services, who: ChatKey, d: reports.Draft | None = None) -> reports.Filed:
    return services.storage.write_sync(lambda db: reports.file(db, d or draft(), who, services.clock()))


def read(services, fn):
    return services.storage.read_sync(fn)


def test_reference_codes_count_per_vietnamese_day(services, clock):
    clock.now = clock.now.replace(hour=16, minute=59)  # 23:59 in Vietnam
    assert file(services, LAN).ref == "BC-20261122-0001"
    assert file(services, HOA).ref == "BC-20261122-0002"
    clock.advance(minutes=2)  # 00:01 the next day in Vietnam, still the 22nd in UTC
    assert file(services, LAN).ref == "BC-20261123-0001"


def test_a_citizen_reporting_twice_counts_once(services, clock):
    first = file(services, LAN)
    clock.advance(hours=1)
    again = file(services, LAN)
    assert (first.reported_before, again.reported_before) == (False, True)
    file(services, HOA)
    stats = read(services, lambda db: reports.stats(db, PHONE.key))
    assert stats.reporters == 2 and stats.status == "new"
    assert stats.first_reported < stats.last_reported
    [item] = read(services, lambda db: reports.queue(db))
    assert (item.reporters, item.new_reports, item.topics) == (2, 3, ["fake-authority-call"])


def test_the_queue_puts_most_reporters_first(services):
    file(services, LAN, draft(ACCOUNT, what="bank_account"))
    file(services, LAN)
    file(services, HOA)
    queue = read(services, lambda db: reports.queue(db))
    assert [item.key for item in queue] == [PHONE.key, ACCOUNT.key]


def test_the_daily_limit_is_a_rolling_day(services, clock):
    for _ in range(3):
        file(services, LAN)
    assert read(services, lambda db: reports.filed_recently(db, LAN, clock())) == 3
    clock.advance(hours=25)
    assert read(services, lambda db: reports.filed_recently(db, LAN, clock())) == 0
    assert read(services, lambda db: reports.filed_recently(db, HOA, clock())) == 0


def test_a_decision_is_audited_and_told_only_to_reporters_who_asked(services, clock):
    filed = file(services, LAN, draft(updates_consent=True))
    file(services, HOA, draft(updates_consent=False))

    def decide(db):
        return reports.decide(
            db, filed.identifier_id, "confirmed", note="đã xác minh", actor="telegram:7", now=clock(),
            notice=lambda ref, status: f"{ref} {status}",
        )  # fmt: skip

    assert services.storage.write_sync(decide) == ("new", 1)
    [audit] = read(services, lambda db: list(db["audit_log"].rows))
    assert (audit["actor"], audit["old_status"], audit["new_status"], audit["note"]) == (
        "telegram:7", "new", "confirmed", "đã xác minh",
    )  # fmt: skip
    [message] = read(services, lambda db: outbox.pending(db, ["telegram", "zalo"]))
    assert (message.channel, message.chat_id, message.text) == ("telegram", "11", f"{filed.ref} confirmed")
    assert read(services, lambda db: reports.stats(db, PHONE.key)).status == "confirmed"
    assert read(services, lambda db: reports.queue(db)) == []  # nothing new left to decide
    with pytest.raises(ValueError):
        services.storage.write_sync(lambda db: reports.decide(
            db, filed.identifier_id, "new", note=None, actor="x", now=clock(), notice=str))  # fmt: skip


def test_erasure_keeps_the_report_and_its_count_but_nothing_that_points_back(services):
    file(services, LAN, draft(contact_consent=True, updates_consent=True, contact_phone="+84987654321"))
    file(services, HOA)
    services.storage.write_sync(lambda db: reports.forget_reporter(db, LAN))
    rows = read(services, lambda db: list(db["reports"].rows))
    mine = [r for r in rows if r["chat_id"] is None]
    assert len(mine) == 1 and mine[0]["contact_phone"] is None and not mine[0]["updates_consent"]
    assert read(services, lambda db: reports.stats(db, PHONE.key)).reporters == 2
    assert read(services, lambda db: reports.reporter_token(db, LAN, create=False)) is None


def test_purge_anonymises_old_reports_and_keeps_distinct_counts(services, clock):
    file(services, LAN, draft(contact_consent=True, contact_phone="+84987654321"))
    file(services, LAN)
    file(services, HOA)
    clock.advance(days=40)
    recent = file(services, HOA, draft(ACCOUNT, what="bank_account"))
    count = services.storage.write_sync(lambda db: reports.anonymise_older_than(db, clock() - timedelta(days=30)))
    assert count == 3
    rows = read(services, lambda db: {r["ref"]: r for r in db["reports"].rows})
    old = [r for ref, r in rows.items() if ref != recent.ref]
    assert all(r["chat_id"] is None and r["contact_phone"] is None for r in old)
    assert all(r["reporter"].startswith("anon-") for r in old)
    assert rows[recent.ref]["chat_id"] == "22"
    assert read(services, lambda db: reports.stats(db, PHONE.key)).reporters == 2
    assert (
        services.storage.write_sync(lambda db: reports.anonymise_older_than(db, clock() + timedelta(seconds=1))) == 1
    )  # the recent one


def test_profile_reports_group_by_platform_and_profile_and_no_identifier_stands_alone(services):
    from bot.identifiers.profiles import parse_profile

    first, _ = parse_profile("fb Nguyễn Thu Hà")
    again, _ = parse_profile("facebook nguyen thu ha")
    other_platform, _ = parse_profile("zalo Nguyễn Thu Hà")
    file(services, LAN, draft(first, what="social", via="facebook"))
    file(services, HOA, draft(again, what="social", via="facebook"))
    file(services, HOA, draft(other_platform, what="social", via="zalo"))
    alone = [file(services, who, draft(None, what="other", via="in_person")) for who in (LAN, HOA)]
    queue = read(services, lambda db: reports.queue(db, limit=10))
    by_key = {item.key: item for item in queue}
    assert by_key["profile:facebook:nguyen thu ha"].reporters == 2
    assert by_key["profile:zalo:nguyen thu ha"].reporters == 1
    unidentified = [item for item in queue if item.kind == "none"]
    assert sorted(item.normalized for item in unidentified) == sorted(f.ref for f in alone)
    assert len({item.identifier_id for item in unidentified}) == 2  # each on its own
    rows = read(services, lambda db: reports.for_export(db))
    assert {row["id_kind"] for row in rows} == {"profile", "none"}
