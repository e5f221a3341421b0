"""The police digest: due once per Vietnamese day from the configured hour, queued with its mark."""

from __future__ import annotations

from datetime import timedelta

from bot.core import outbox
from bot.core.clock import to_iso
from bot.core.messages import ChatKey
from bot.identifiers import PhoneNumber
from bot.reporting import digest, reports

PHONE = PhoneNumber(raw="0912345678", normalized="+84912345678", number_type="mobile", region="VN")


def test_the_police_chat_names_its_channel_or_is_telegram():
    assert digest.target("-100123") == ("telegram", "-100123")
    assert digest.target("zalo:abc") == ("zalo", "abc")


def _digests(rendered) -> list[dict]:
    return [values for name, values in zip(rendered, rendered.values, strict=True) if name == "police_digest"]


def test_one_digest_per_day_listing_what_is_new(services, clock, rendered):
    t = services.content.texts("vi")
    clock.now = clock.now.replace(hour=0)  # 07:00 in Vietnam
    draft = reports.Draft(identifier=PHONE, what="call", via="phone_call", claimed_topic=None, happened="today")
    services.storage.write_sync(lambda db: reports.file(db, draft, ChatKey("t", "1"), clock()))
    clock.advance(minutes=5)

    def queue(db) -> bool:
        return digest.queue_if_due(db, "-100123", clock(), 7, t)

    assert services.storage.write_sync(queue) is True
    assert services.storage.write_sync(queue) is False  # same day: already sent
    [message] = services.storage.read_sync(lambda db: outbox.pending(db, ["telegram"]))
    assert message.chat_id == "-100123" and "0912 345 678" in message.text
    [first] = _digests(rendered)
    assert [(i["value"], i["new_reports"], i["is_new"]) for i in first["items"]] == [("0912 345 678", 1, True)]
    clock.advance(days=1)
    assert services.storage.write_sync(queue) is True
    second = services.storage.read_sync(lambda db: outbox.pending(db, ["telegram"]))[-1]
    assert second.text != message.text and _digests(rendered)[-1]["items"] == []  # "nothing new"


def test_not_before_the_hour(services, clock):
    clock.now = clock.now.replace(hour=23)  # 06:00 the next morning in Vietnam
    t = services.content.texts("vi")
    assert services.storage.write_sync(lambda db: digest.queue_if_due(db, "1", clock(), 7, t)) is False


def test_a_digest_for_one_commune_or_province_counts_only_its_reports(services, clock, rendered, library):
    t = services.content.texts("vi")
    other = PhoneNumber(raw="0987654321", normalized="+84987654321", number_type="mobile", region="VN")
    for chat, identifier, code in (("1", PHONE, "x-02647"), ("2", PHONE, "x-19351"), ("3", other, "x-02674")):
        draft = reports.Draft(identifier=identifier, what="call", via="zalo", claimed_topic=None, happened="today",
                              area_code=code)  # fmt: skip
        services.storage.write_sync(lambda db, d=draft, c=chat: reports.file(db, d, ChatKey("t", c), clock()))
    start, end = to_iso(clock() - timedelta(days=1)), to_iso(clock() + timedelta(days=1))
    ward = reports.Scope(frozenset(library.areas.within("x-02647")))
    province = reports.Scope(frozenset(library.areas.within("t-15")))
    for scope, area, expected in (
        (ward, "phường Lào Cai", [("0912 345 678", 1)]),  # the report in Quảng Trị is not counted
        (province, "tỉnh Lào Cai", [("0912 345 678", 1), ("0987 654 321", 1)]),
        (None, None, [("0912 345 678", 2), ("0987 654 321", 1)]),
    ):
        services.storage.read_sync(lambda db, s=scope, a=area: digest.build(db, t, start, end, scope=s, area=a))
        given = _digests(rendered)[-1]
        assert sorted((i["value"], i["new_reports"]) for i in given["items"]) == expected
        assert given["area"] == area
