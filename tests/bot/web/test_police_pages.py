"""The console's police pages: the queue's filters, decisions one by one and in bulk, evidence
photos, history, exports, and the scope and CSRF checks on each (httpx on a real SQLite file)."""

from __future__ import annotations

import contextlib
import csv
import html
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import openpyxl
import pytest
from PIL import Image

from bot.core.clock import VIETNAM
from bot.core.messages import ChatKey
from bot.identifiers import parse_link, parse_phone
from bot.reporting import evidence, reports
from tests.bot.web.conftest import (
    CAM_DUONG,
    LAO_CAI,
    LAO_CAI_WARD,
    OFFICER,
    STAFF,
    WARD_OFFICER,
    browser,
    csrf_of,
    identifier_ids,
    login_for,
    report_in,
    sign_in_by_code,
)
from tests.bot.web.test_console import assert_no_inline_code

PROVINCE_OFFICER = "7010"
PICKED = re.compile(r'name="id" value="(\d+)"')


@pytest.fixture
def province_settings(console_settings):
    console_settings.police_ids = [*console_settings.police_ids, f"test:{PROVINCE_OFFICER}={LAO_CAI}"]
    return console_settings


async def filed(services, value, area: str, chat_id: str, *, topic: str = "fake-authority-call", **extra) -> str:
    """A report of `value` (a phone number or a link) filed in `area` now; its reference code."""
    identifier = parse_phone(value) or parse_link(value)
    draft = reports.Draft(
        identifier=identifier, what="call" if identifier.kind == "phone" else "link", via="phone_call",
        claimed_topic=topic, happened="today", area_code=area, **extra,
    )  # fmt: skip
    done = await services.storage.write(lambda db: reports.file(db, draft, ChatKey("test", chat_id), services.clock()))
    return done.ref


@contextlib.asynccontextmanager
async def signed_in_as(router, services, web_app, user_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(web_app) as client:
        login = await login_for(router, services, user_id)
        assert (await sign_in_by_code(client, login["code"])).status_code == 303
        yield client


def picked(page) -> set[int]:
    """The identifiers the queue page lists (their checkboxes)."""
    return {int(found) for found in PICKED.findall(page.text)}


def exported_text(response, name: str) -> str:
    """Every cell of a downloaded export, as text."""
    if name == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    return response.content.decode("utf-8-sig")


async def audit_rows(services) -> list[dict]:
    return await services.storage.read(
        lambda db: list(db.query("SELECT * FROM audit_log WHERE identifier_id IS NOT NULL ORDER BY id"))
    )


async def notices(services) -> list[dict]:
    return await services.storage.read(
        lambda db: list(db.query("SELECT * FROM outbox WHERE purpose = 'report_status' ORDER BY id"))
    )


async def test_each_filter_narrows_the_queue(router, services, province_settings, web_app, clock):
    phone = await filed(services, "0987654321", CAM_DUONG, "21", topic="fake-authority-call")
    await filed(services, "0987654321", CAM_DUONG, "22", topic="fake-authority-call")
    clock.advance(days=2)
    await filed(services, "https://vay-nhanh-24h.example.com/dk", CAM_DUONG, "23", topic="loan-shark")
    await filed(services, "0912345678", LAO_CAI_WARD, "24", topic="job-scam")
    decided = await filed(services, "0911222333", LAO_CAI_WARD, "25", topic="job-scam")
    ids = await identifier_ids(services)
    cam_phone, link, ward_phone, confirmed = (
        ids["+84987654321"], next(v for k, v in ids.items() if "vay-nhanh" in k), ids["+84912345678"],
        ids["+84911222333"],
    )  # fmt: skip
    assert phone and decided
    await services.storage.write(
        lambda db: reports.decide(db, confirmed, "confirmed", note=None, actor="t", now=clock(), notice=lambda *_: "")
    )
    day_one = (clock() - timedelta(days=2)).astimezone(VIETNAM).date().isoformat()
    today = clock().astimezone(VIETNAM).date().isoformat()
    async with signed_in_as(router, services, web_app, PROVINCE_OFFICER) as client:
        everything = await client.get("/queue")
        assert everything.status_code == 200
        assert picked(everything) == {cam_phone, link, ward_phone}  # awaiting: the decided one is not
        assert list(map(int, PICKED.findall(everything.text)))[0] == cam_phone  # two reporters first
        for query, expected in (
            ({"commune": CAM_DUONG}, {cam_phone, link}),
            ({"commune": LAO_CAI_WARD}, {ward_phone}),
            ({"status": "confirmed"}, {confirmed}),
            ({"status": "all"}, {cam_phone, link, ward_phone, confirmed}),
            ({"status": "all", "commune": LAO_CAI_WARD}, {ward_phone, confirmed}),
            ({"kind": "url"}, {link}),
            ({"kind": "phone"}, {cam_phone, ward_phone}),
            ({"topic": "job-scam"}, {ward_phone}),
            ({"topic": "loan-shark", "kind": "phone"}, set()),
            ({"from": today}, {link, ward_phone}),
            ({"to": day_one}, {cam_phone}),
            ({"from": day_one, "to": day_one, "kind": "url"}, set()),
        ):
            page = await client.get("/queue", params=query)
            assert page.status_code == 200, query
            assert picked(page) == expected, query
            # The export links carry the same filters.
            link_query = parse_qs(
                urlsplit(html.unescape(re.search(r'href="([^"]+)" class="download"', page.text)[1])).query
            )
            assert {k: v[0] for k, v in link_query.items()} == {k: v for k, v in query.items()}


async def test_pages_of_the_queue(router, services, console_settings, web_app, monkeypatch):
    from bot.web import police

    monkeypatch.setattr(police, "PAGE_SIZE", 2)
    for n in range(5):
        await filed(services, f"098765432{n}", CAM_DUONG, f"3{n}")
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        first, second, third = [await client.get("/queue", params={"page": n}) for n in (1, 2, 3)]
        assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
        assert 'rel="prev"' in third.text and 'rel="next"' not in third.text
        pages = [picked(first), picked(second), picked(third)]
        assert [len(p) for p in pages] == [2, 2, 1]
        assert len(set().union(*pages)) == 5


@pytest.mark.parametrize(
    "query, problem, status",
    [
        ({"commune": "x-nowhere"}, "commune", 400),
        ({"commune": LAO_CAI_WARD}, "commune_outside", 403),
        ({"commune": LAO_CAI}, "commune_outside", 403),
        ({"status": "approved"}, "status", 400),
        ({"kind": "email"}, "kind", 400),
        ({"topic": "<script>"}, "topic", 400),
        ({"from": "2026-13-45"}, "date", 400),
        ({"to": "yesterday"}, "date", 400),
        ({"from": "2026-11-20", "to": "2026-11-10"}, "dates_order", 400),
        ({"page": "0"}, "page", 400),
        ({"page": "1.5"}, "page", 400),
        ({"page": "9" * 40}, "page", 400),
    ],
)
async def test_a_bad_filter_gets_the_page_with_a_message(router, services, web_app, query, problem, status):
    await filed(services, "0987654321", CAM_DUONG, "21")
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        page = await client.get("/queue", params=query)
        assert page.status_code == status
        assert f'data-problem="{problem}"' in page.text and "<script>" not in page.text
        assert picked(page) == set()  # nothing listed under a filter the page could not read
        export = await client.get("/queue/export/xlsx", params=query)
        assert export.status_code == status and f'data-problem="{problem}"' in export.text


async def test_a_bulk_decision_audits_each_identifier_and_tells_consenting_reporters(
    router, services, settings, web_app
):
    await report_in(router, services, settings, "41", CAM_DUONG, "0987654321")  # no consent
    for chat_id, number in (("42", "0987654321"), ("43", "0987000111"), ("44", "0987000222")):
        await _report_with_updates(router, services, settings, chat_id, number)
    ids = await identifier_ids(services)
    chosen = [ids["+84987654321"], ids["+84987000111"], ids["+84987000222"]]
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        queue = await client.get("/queue", params={"kind": "phone"})
        assert picked(queue) == set(chosen)
        form = {"csrf": csrf_of(queue), "status": "forwarded", "note": "  Gửi đội điều tra  ", "back": "kind=phone"}
        response = await client.post("/queue/decide", data={**form, "id": [str(i) for i in chosen]})
        assert response.status_code == 303
        location = urlsplit(response.headers["location"])
        assert location.path == "/queue"
        assert parse_qs(location.query) == {
            "kind": ["phone"], "decided": ["3"], "told": ["3"], "done": ["forwarded"],
        }  # fmt: skip
        page = await client.get(response.headers["location"])
        assert 'class="banner"' in page.text and '<b class="decided">3</b>' in page.text
        assert '<b class="told">3</b>' in page.text
        assert picked(page) == set()  # nothing awaits any more
    rows = await audit_rows(services)
    assert sorted(row["identifier_id"] for row in rows) == sorted(chosen)
    assert {row["actor"] for row in rows} == {f"console:test:{OFFICER}"}
    assert {(row["old_status"], row["new_status"], row["note"]) for row in rows} == {
        ("new", "forwarded", "Gửi đội điều tra")
    }
    told = await notices(services)
    assert sorted(row["chat_id"] for row in told) == ["42", "43", "44"]  # "41" did not ask to hear back
    values = services.content.texts("vi")
    refs = await services.storage.read(
        lambda db: dict(db.execute("SELECT chat_id, ref FROM reports WHERE chat_id IN ('42', '43', '44')").fetchall())
    )
    for row in told:  # the chat's own notice, rendered once for both
        assert row["text"] == values.render("report_status_notice", ref=refs[row["chat_id"]], status="forwarded")


async def _report_with_updates(router, services, settings, chat_id: str, number: str) -> None:
    from tests.bot.web.conftest import PLACES
    from tests.conftest import Chat
    from tests.flows import file_report

    settings.locality_name = PLACES[CAM_DUONG]
    await file_report(Chat(router, services, chat_id=chat_id), number, consent="updates")


async def test_one_decision_on_the_identifier_page_shows_in_its_history(router, services, settings, web_app):
    note = "Xac minh: so nay da lua 3 nguoi"  # what the officer typed, echoed back
    await _report_with_updates(router, services, settings, "51", "0987654321")
    identifier = (await identifier_ids(services))["+84987654321"]
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        page = await client.get(f"/identifier/{identifier}")
        assert 'class="history"' not in page.text
        response = await client.post(
            f"/identifier/{identifier}/decide",
            data={"csrf": csrf_of(page), "status": "confirmed", "note": note},
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/identifier/{identifier}?decided=1&told=1&done=confirmed"
        page = await client.get(response.headers["location"])
        assert '<b class="decided">1</b>' in page.text
        history = page.text[page.text.index('class="stack history"') :]
        assert f"console:test:{OFFICER}" in history and note in history
        labels = services.content.texts("vi").labels("police.statuses")
        assert labels["new"] in history and labels["confirmed"] in history
    [row] = await audit_rows(services)
    assert (row["actor"], row["new_status"], row["note"]) == (f"console:test:{OFFICER}", "confirmed", note)
    assert [n["chat_id"] for n in await notices(services)] == ["51"]


async def test_a_commune_officer_cannot_reach_another_communes_identifier_in_any_way(router, services, web_app, clock):
    ours = await filed(services, "0987654321", CAM_DUONG, "61", updates_consent=True)
    theirs = await filed(
        services, "0912345678", LAO_CAI_WARD, "62", updates_consent=True, evidence=await _kept_photo(services),
        evidence_text="CHUYEN KHOAN NGAY",
    )  # fmt: skip
    ids = await identifier_ids(services)
    own, other = ids["+84987654321"], ids["+84912345678"]
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        page = await client.get(f"/identifier/{own}")
        token = csrf_of(page)
        assert (await client.get(f"/identifier/{other}")).status_code == 403
        one = await client.post(f"/identifier/{other}/decide", data={"csrf": token, "status": "rejected"})
        assert one.status_code == 403
        bulk = await client.post("/queue/decide", data={"csrf": token, "status": "rejected", "id": [own, other]})
        assert bulk.status_code == 403  # one foreign identifier refuses the whole form: nothing half done
        photo = await client.get(f"/report/{theirs}/photo")
        assert photo.status_code == 403 and not photo.headers["content-type"].startswith("image/")
        assert (await client.get("/queue", params={"commune": LAO_CAI_WARD})).status_code == 403
        for name in ("xlsx", "csv", "reports.csv"):
            export = await client.get(f"/queue/export/{name}", params={"status": "all"})
            assert export.status_code == 200
            text = exported_text(export, name)
            assert "0987 654 321" in text and "0912 345 678" not in text and theirs not in text
            assert ours in text or name == "csv"  # the summary has no report codes
    assert await audit_rows(services) == [] and await notices(services) == []
    statuses = await services.storage.read(lambda db: {r[0] for r in db.execute("SELECT status FROM identifiers")})
    assert statuses == {"new"}


async def test_staff_get_no_police_page(router, services, web_app):
    ref = await filed(services, "0987654321", CAM_DUONG, "61")
    identifier = (await identifier_ids(services))["+84987654321"]
    async with signed_in_as(router, services, web_app, STAFF) as client:
        home = await client.get("/")
        for path in ("/queue", f"/identifier/{identifier}", f"/report/{ref}/photo", "/queue/export/xlsx"):
            assert (await client.get(path)).status_code == 403, path
        response = await client.post(
            "/queue/decide", data={"csrf": csrf_of(home), "status": "confirmed", "id": identifier}
        )
        assert response.status_code == 403
    assert await audit_rows(services) == []


async def test_a_decision_without_its_csrf_token_is_refused(router, services, web_app):
    await filed(services, "0987654321", CAM_DUONG, "71", updates_consent=True)
    identifier = (await identifier_ids(services))["+84987654321"]
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        for data in ({"status": "confirmed"}, {"status": "confirmed", "csrf": "forged"}):
            assert (await client.post(f"/identifier/{identifier}/decide", data=data)).status_code == 403
            assert (await client.post("/queue/decide", data={**data, "id": identifier})).status_code == 403
        page = await client.get(f"/identifier/{identifier}")
        wrong = await client.post(f"/identifier/{identifier}/decide", data={"csrf": csrf_of(page), "status": "new"})
        assert wrong.status_code == 400  # not a decision
        crafted = await client.post("/queue/decide", data={"csrf": csrf_of(page), "status": "confirmed", "id": "1x"})
        assert crafted.status_code == 400
    assert await audit_rows(services) == [] and await notices(services) == []


async def test_a_bulk_decision_with_nothing_ticked_says_so(router, services, web_app):
    await filed(services, "0987654321", CAM_DUONG, "71")
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        queue = await client.get("/queue")
        response = await client.post("/queue/decide", data={"csrf": csrf_of(queue), "status": "confirmed", "back": ""})
        assert response.status_code == 303 and response.headers["location"] == "/queue?none=1"
        page = await client.get(response.headers["location"])
        assert 'class="banner"' in page.text and 'class="decided"' not in page.text
    assert await audit_rows(services) == []


async def _kept_photo(services) -> str:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture, format="PNG")
    return evidence.keep(evidence.folder_for(services.settings.db_path), picture.getvalue())


async def test_the_evidence_photo_is_served_in_scope_with_the_text_read_from_it(router, services, web_app):
    kept = await _kept_photo(services)
    with_photo = await filed(services, "0987654321", CAM_DUONG, "81", evidence=kept, evidence_text="MA OTP 123456")
    platform_only = await filed(services, "0987654321", CAM_DUONG, "82", evidence="AgACAgIAAxkBAAIB")
    identifier = (await identifier_ids(services))["+84987654321"]
    data = evidence.path_of(evidence.folder_for(services.settings.db_path), kept).read_bytes()
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        page = await client.get(f"/identifier/{identifier}")
        assert f'<img src="/report/{with_photo}/photo"' in page.text and "MA OTP 123456" in page.text
        assert f"/report/{platform_only}/photo" not in page.text
        photo = await client.get(f"/report/{with_photo}/photo")
        assert photo.status_code == 200 and photo.content == data
        assert photo.headers["content-type"] == "image/png"
        assert photo.headers["cache-control"] == "private, no-store"
        assert (await client.get(f"/report/{platform_only}/photo")).status_code == 404  # a file id: nothing kept
        assert (await client.get("/report/BC-20261122-9999/photo")).status_code == 404
        assert (await client.get("/report/..%2Fcanhgiac.db/photo")).status_code == 404
        evidence.path_of(evidence.folder_for(services.settings.db_path), kept).unlink()
        assert (await client.get(f"/report/{with_photo}/photo")).status_code == 404


async def test_exports_open_back_and_keep_the_filters(router, services, province_settings, web_app, clock):
    await filed(services, "0987654321", CAM_DUONG, "91", topic="fake-authority-call", amount_lost=5_000_000)
    await filed(services, "https://vay-nhanh-24h.example.com/dk", CAM_DUONG, "92", topic="loan-shark")
    await filed(services, "0912345678", LAO_CAI_WARD, "93", topic="job-scam")
    today = clock().astimezone(VIETNAM).date().isoformat()
    async with signed_in_as(router, services, web_app, PROVINCE_OFFICER) as client:
        xlsx = await client.get("/queue/export/xlsx", params={"commune": CAM_DUONG})
        assert xlsx.status_code == 200
        assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        assert f'filename="canhgiac-{today}.xlsx"' in xlsx.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        summary, each = book.worksheets
        values = [row[1] for row in summary.iter_rows(min_row=2, values_only=True)]
        assert values == ["0987 654 321", "vay-nhanh-24h.example.com/dk"]  # one reporter each: by value
        assert each.max_row == 3  # the header and two reports
        csv_file = await client.get("/queue/export/csv", params={"kind": "phone"})
        assert f'filename="canhgiac-{today}.csv"' in csv_file.headers["content-disposition"]
        assert csv_file.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
        assert sorted(row[1] for row in rows[1:]) == ["0912 345 678", "0987 654 321"]
        per_report = await client.get("/queue/export/reports.csv", params={"topic": "job-scam"})
        assert f'filename="canhgiac-{today}-reports.csv"' in per_report.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(per_report.content.decode("utf-8-sig"))))
        assert len(rows) == 2 and rows[1][4] == "0912 345 678"
        assert (await client.get("/queue/export/pdf")).status_code == 404


async def test_the_chat_and_the_console_decide_alike(router, services, settings, web_app):
    """The ward officer decides in the chat (the same shared decision): the console shows its history."""
    from tests.conftest import Chat

    await report_in(router, services, settings, "12", LAO_CAI_WARD, "0912345678")
    identifier = (await identifier_ids(services))["+84912345678"]
    officer = Chat(router, services, chat_id=WARD_OFFICER)
    await officer.press(f"police:rejected:{identifier}")
    await officer.press("police:note:skip")
    assert officer.templates == ["police_decided"]
    async with signed_in_as(router, services, web_app, WARD_OFFICER) as client:
        page = await client.get(f"/identifier/{identifier}", params={"decided": "x"})  # a bad banner is no banner
        assert 'class="banner"' not in page.text
        history = page.text[page.text.index('class="stack history"') :]
        assert f"test:{WARD_OFFICER}" in history and "console:" not in history


async def test_police_pages_have_no_inline_script_or_style(router, services, web_app):
    kept = await _kept_photo(services)
    await filed(services, "0987654321", CAM_DUONG, "81", evidence=kept, evidence_text="MA OTP")
    identifier = (await identifier_ids(services))["+84987654321"]
    async with signed_in_as(router, services, web_app, OFFICER) as client:
        pages = [await client.get(path) for path in ("/queue", "/queue?kind=nothing", f"/identifier/{identifier}")]
    for page in pages:
        assert_no_inline_code(page.text)  # the vendored htmx by <script src> only
        assert page.headers["cache-control"] == "no-store"
