"""One meaning of "area": a report stores an area code of the registry (bot/broadcast/areas.py), like
subscriptions and broadcasts do; /hangdoi, the digest and the exports show the area's name.
Reports filed before the code existed keep the name they stored, and still show it."""

from __future__ import annotations

from bot.core.messages import ChatKey
from bot.identifiers import PhoneNumber
from bot.reporting import digest, exports, reports
from tests.conftest import Chat
from tests.handlers.test_police import report

PHONE = PhoneNumber(raw="0912345678", normalized="+84912345678", number_type="mobile", region="VN")
OTHER = PhoneNumber(raw="0987654321", normalized="+84987654321", number_type="mobile", region="VN")


def _file(services, clock, chat_id: str, identifier, area_code: str | None) -> None:
    draft = reports.Draft(identifier=identifier, what="call", via="zalo", claimed_topic=None, happened="today",
                          area_code=area_code)  # fmt: skip
    services.storage.write_sync(lambda db: reports.file(db, draft, ChatKey("t", chat_id), clock()))


def _legacy(services, name: str) -> None:
    """A report filed before schema 8: the locality's name in `area`, no code."""
    services.storage.write_sync(lambda db: db.execute("UPDATE reports SET area_code = NULL, area = ?", [name]))


async def test_a_filed_report_stores_the_localitys_area_code(router, services):
    # The test locality "phường Cốc Lếu" (a name of before 2025) is now phường Lào Cai, x-02647.
    await report(Chat(router, services, chat_id="11"), "0912345678", updates=False)
    [row] = await services.storage.read(lambda db: list(db["reports"].rows))
    assert row["area_code"] == "x-02647"


async def test_the_queue_shows_the_areas_name_for_codes_and_old_names_alike(router, services, settings, values):
    await report(Chat(router, services, chat_id="11"), "0912345678", updates=False)
    await report(Chat(router, services, chat_id="12"), "0912345678", updates=False)
    services.storage.write_sync(
        lambda db: db.execute("UPDATE reports SET area_code = NULL, area = 'xã Đồng Tuyển' WHERE chat_id = '12'")
    )
    settings.police_ids = ["test:7001"]
    await Chat(router, services, chat_id="7001").send("/hangdoi")
    [item] = values("police_item")
    assert item["areas"] == ["phường Lào Cai", "xã Đồng Tuyển"]


def test_the_digest_names_the_areas(services, clock, library, values):
    _file(services, clock, "1", PHONE, "x-02746")
    _file(services, clock, "2", PHONE, "x-02647")
    t = services.content.texts("vi")
    clock.advance(hours=1)
    names = library.areas.name_of
    assert services.storage.write_sync(lambda db: digest.queue_if_due(db, "-100", clock(), 7, t, area_name=names))
    [given] = values("police_digest")
    assert [item["areas"] for item in given["items"]] == [["phường Lào Cai", "xã Cốc San"]]


def test_exports_show_names_and_filter_by_a_code_and_the_areas_inside_it(services, clock, library):
    _file(services, clock, "1", PHONE, "x-02647")
    _file(services, clock, "2", OTHER, "x-19351")  # in Quảng Trị, not in Lào Cai
    _file(services, clock, "3", OTHER, None)
    services.storage.write_sync(
        lambda db: db.execute("UPDATE reports SET area = 'phường Lào Cai' WHERE chat_id = '3'")
    )  # filed before codes: the name it stored
    t = services.content.texts("vi")
    area_column = list(t.labels("export.reports")).index("area")

    everything = services.storage.read_sync(lambda db: exports.collect(db, t, exports.Filters(), library.areas))
    assert sorted(row[area_column] for row in everything.reports) == [
        "phường Lào Cai", "phường Lào Cai", "phường Nam Đông Hà",
    ]  # fmt: skip
    # The province of Lào Cai holds phường Lào Cai: its code reaches coded and old reports alike.
    city = exports.Filters(area="t-15")
    chosen = services.storage.read_sync(lambda db: exports.collect(db, t, city, library.areas))
    assert sorted(row[0] for row in chosen.reports) == sorted(
        row[0] for row in everything.reports if row[area_column] == "phường Lào Cai"
    )
    assert len(chosen.reports) == 2


def test_a_written_place_maps_to_one_code_or_none():
    from bot.broadcast.areas import Areas

    areas = Areas([
        {"code": "p1", "name": "tỉnh Một", "children": [{"code": "bm-1", "name": "phường Bình Minh"}]},
        {"code": "p2", "name": "tỉnh Hai", "children": [{"code": "bm-2", "name": "phường Bình Minh"}]},
    ])  # fmt: skip
    assert areas.code_for("phường Bình Minh") is None  # two places of that name
    assert areas.code_for("Phường Bình Minh, tỉnh Hai") == "bm-2"
    assert areas.code_for("tỉnh Một") == "p1" and areas.code_for("") is None
    assert areas.name_of("bm-1") == "phường Bình Minh" and areas.name_of("xã Cũ") == "xã Cũ"
