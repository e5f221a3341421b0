"""The console's pages for deadlines and recorded sessions, through the real app (httpx over
ASGITransport) on a real SQLite file: listed in the staff member's scope, added, edited, hidden and
deleted (a deletion confirmed by a second post), every write checked against the role and areas
held at that moment; bad input one line on the page; CSRF refused; the audit kept."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from bot.activity import changes, deadlines
from bot.activity import log as activity_log
from bot.core.clock import VIETNAM
from tests.bot.web.conftest import CAM_DUONG, LAO_CAI_WARD, STAFF, login_for, sign_in_by_code
from tests.bot.web.test_console import assert_no_inline_code


@pytest.fixture(autouse=True)
def tuesday(clock):
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)


async def signed_in(router, services, web, who: str = STAFF) -> str:
    login = await login_for(router, services, who)
    assert (await sign_in_by_code(web, login["code"])).status_code == 303
    home = await web.get("/")
    return re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)


def record(services, area: str, people: int, held_on=date(2026, 11, 20)) -> int:
    return services.storage.write_sync(
        lambda db: activity_log.record(
            db,
            area_code=area,
            kind="meeting",
            held_on=held_on,
            village="thôn 1",
            people=people,
            note=None,
            recorded_by="test:1",
            now=services.clock(),
        )  # fmt: skip
    )


def problem_of(page) -> str | None:
    found = re.search(r'data-problem="([^"]+)"', page.text)
    return found.group(1) if found else None


def calendar(services) -> list[deadlines.Deadline]:
    return services.storage.read_sync(deadlines.all_deadlines)


async def test_home_links_both_pages(router, services, web):
    await signed_in(router, services, web)
    home = await web.get("/")
    assert 'href="/staff/deadlines"' in home.text and 'href="/staff/activities"' in home.text


async def test_deadlines_added_edited_hidden_and_deleted_in_scope(router, services, web):
    csrf = await signed_in(router, services, web)
    page = await web.get("/staff/deadlines")
    assert page.status_code == 200 and page.text.count('id="deadline-') == 7
    assert_no_inline_code(page.text)
    for fields, why in (
        ({"title": "😀", "date": "15/12", "kind": "half"}, "title"),
        ({"title": "x" * 300, "date": "15/12", "kind": "half"}, "long"),
        ({"title": "Báo cáo", "date": "31/2", "kind": "half"}, "date_day"),
        ({"title": "Báo cáo", "date": "1/1/2026", "kind": "half"}, "date_past"),
        ({"title": "Báo cáo", "date": "mai", "kind": "half"}, "date_unclear"),
        ({"title": "Báo cáo", "date": "15/12", "kind": "party"}, "kind"),
    ):
        refused = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "add", "area": CAM_DUONG, **fields})
        assert (refused.status_code, problem_of(refused)) == (400, why), fields
    for area in (LAO_CAI_WARD, "t-15", ""):  # another commune, the province above, the whole country
        fields = {"csrf": csrf, "action": "add", "area": area, "title": "Báo cáo", "date": "15/12", "kind": "half"}
        refused = await web.post("/staff/deadlines", data=fields)
        assert (refused.status_code, problem_of(refused)) == (403, "scope"), area
    assert len(calendar(services)) == 7
    hostile = "<script>alert(1)</script> Báo cáo"
    added = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "add", "area": CAM_DUONG,
                                                     "title": hostile, "date": "15/12", "kind": "half"})  # fmt: skip
    assert added.status_code == 303 and added.headers["location"] == "/staff/deadlines?done=added"
    [mine] = [d for d in calendar(services) if not d.preset]
    assert (mine.area_code, mine.note, mine.day, mine.month, mine.kind) == (CAM_DUONG, hostile, 15, 12, "half")
    listed = await web.get("/staff/deadlines?done=added")
    assert "<script>alert(1)" not in listed.text and "&lt;script&gt;" in listed.text
    fields = {"csrf": csrf, "action": "edit", "id": mine.id, "title": "6 tháng", "date": "10/12/2026", "kind": "year"}
    edited = await web.post("/staff/deadlines", data=fields)
    assert edited.status_code == 303
    again = services.storage.read_sync(lambda db: deadlines.get(db, mine.id))
    assert (again.note, again.day, again.year, again.kind) == ("6 tháng", 10, 2026, "year")
    # A preset: hidden for the area, never deleted.
    q4 = next(d for d in calendar(services) if d.key == "quarter-4")
    refused = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "delete", "id": q4.id, "confirm": "yes"})
    assert refused.status_code == 403 and problem_of(refused) == "scope"
    hidden = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "hide", "id": q4.id})
    assert hidden.status_code == 303
    page = await web.get("/staff/deadlines")
    assert f'id="deadline-{q4.id}" data-owned="false" data-hidden="true"' in page.text
    # Delete: the first post asks, the second deletes; posted again, one line.
    asked = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "delete", "id": mine.id})
    assert asked.status_code == 200 and 'id="confirm-delete"' in asked.text
    assert services.storage.read_sync(lambda db: deadlines.get(db, mine.id)) is not None
    deleted = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "delete", "id": mine.id,
                                                       "confirm": "yes"})  # fmt: skip
    assert deleted.status_code == 303 and services.storage.read_sync(lambda db: deadlines.get(db, mine.id)) is None
    for action in ("delete", "edit"):
        gone = await web.post("/staff/deadlines", data={"csrf": csrf, "action": action, "id": mine.id, "confirm": "yes",
                                                        "title": "x", "date": "1/12", "kind": "other"})  # fmt: skip
        assert (gone.status_code, problem_of(gone)) == (404, "gone"), action


async def test_another_communes_deadline_cannot_be_touched_and_csrf_is_required(router, services, web, settings):
    csrf = await signed_in(router, services, web)
    theirs = services.storage.write_sync(
        lambda db: deadlines.add(
            db,
            kind="other",
            month=12,
            day=1,
            year=None,
            note="x",
            actor="t",
            now=services.clock(),
            area_code=LAO_CAI_WARD,
        )  # fmt: skip
    )
    page = await web.get("/staff/deadlines")
    assert f'id="deadline-{theirs}"' not in page.text
    for action in ("edit", "delete", "hide"):
        refused = await web.post("/staff/deadlines", data={"csrf": csrf, "action": action, "id": theirs,
                                                           "confirm": "yes", "title": "y", "date": "2/12",
                                                           "kind": "other"})  # fmt: skip
        assert refused.status_code == 403, action
    no_token = await web.post("/staff/deadlines", data={"action": "hide", "id": theirs})
    assert no_token.status_code == 403
    assert services.storage.read_sync(lambda db: deadlines.get(db, theirs)).note == "x"
    # The role taken away after the page was drawn: the write checks the role of that moment.
    settings.staff_ids = []
    late = await web.post("/staff/deadlines", data={"csrf": csrf, "action": "add", "area": CAM_DUONG, "title": "z",
                                                    "date": "1/12", "kind": "other"})  # fmt: skip
    assert late.headers.get("location") == "/login" and len([d for d in calendar(services) if not d.preset]) == 1


async def test_activities_listed_by_area_and_period_edited_and_deleted_with_an_audit(router, services, web):
    csrf = await signed_in(router, services, web)
    mine = record(services, CAM_DUONG, 50)
    old = record(services, CAM_DUONG, 20, held_on=date(2026, 8, 1))  # another quarter
    theirs = record(services, LAO_CAI_WARD, 70)
    page = await web.get("/staff/activities")
    assert page.status_code == 200 and f'id="activity-{mine}"' in page.text
    assert f'id="activity-{theirs}"' not in page.text and f'id="activity-{old}"' not in page.text
    assert_no_inline_code(page.text)
    q3 = await web.get(f"/staff/activities?period=2026-Q3&area={CAM_DUONG}")
    assert f'id="activity-{old}"' in q3.text and f'id="activity-{mine}"' not in q3.text
    assert (await web.get(f"/staff/activities?area={LAO_CAI_WARD}")).status_code == 403
    base = {"csrf": csrf, "action": "edit", "id": mine, "back_period": "2026-Q4", "back_area": CAM_DUONG}
    for fields, why in (
        ({"people": "-3", "date": "2026-11-20"}, "people_negative"),
        ({"people": "1000000000000", "date": "2026-11-20"}, "people_too_many"),
        ({"people": "😀", "date": "2026-11-20"}, "people_unclear"),
        ({"people": "60", "date": "2026-02-30"}, "date_unclear"),
        ({"people": "60", "date": "2026-12-20"}, "date_future"),
        ({"people": "60", "date": "2026-11-20", "note": "y" * 4000}, "note_long"),
    ):
        refused = await web.post("/staff/activities", data={**base, **fields})
        assert (refused.status_code, problem_of(refused)) == (400, why), fields
    edited = await web.post(
        "/staff/activities", data={**base, "people": "65", "date": "2026-11-18", "note": "<b>x</b>"}
    )
    assert edited.status_code == 303
    assert edited.headers["location"] == f"/staff/activities?period=2026-Q4&area={CAM_DUONG}&done=changed"
    row = services.storage.read_sync(lambda db: activity_log.get(db, mine))
    assert (row.people, row.held_on, row.note) == (65, date(2026, 11, 18), "<b>x</b>")
    shown = await web.get(edited.headers["location"])
    assert "&lt;b&gt;x&lt;/b&gt;" in shown.text
    refused = await web.post("/staff/activities", data={**base, "id": theirs, "people": "1", "date": "2026-11-20"})
    assert refused.status_code == 403
    asked = await web.post("/staff/activities", data={**base, "action": "delete"})
    assert asked.status_code == 200 and 'id="confirm-delete"' in asked.text
    deleted = await web.post("/staff/activities", data={**base, "action": "delete", "confirm": "yes"})
    assert deleted.status_code == 303 and services.storage.read_sync(lambda db: activity_log.get(db, mine)) is None
    gone = await web.post("/staff/activities", data={**base, "action": "delete", "confirm": "yes"})
    assert (gone.status_code, problem_of(gone)) == (404, "gone")
    audit = services.storage.read_sync(lambda db: changes.of_activity(db, mine))
    assert [(c.action, c.people_before, c.people_after, c.changed_by) for c in audit] == [
        ("edit", 50, 65, f"test:{STAFF}"), ("delete", 65, None, f"test:{STAFF}"),
    ]  # fmt: skip
    assert services.storage.read_sync(lambda db: activity_log.get(db, theirs)).people == 70


async def test_a_province_officer_sees_its_communes_and_citizens_nothing(router, services, web, settings):
    settings.staff_ids = [*settings.staff_ids, "test:7010=t-15"]
    in_ward = record(services, LAO_CAI_WARD, 10)
    await signed_in(router, services, web, who="7010")
    page = await web.get("/staff/activities")
    assert f'id="activity-{in_ward}"' in page.text
    async with type(web)(transport=web._transport, base_url="http://testserver") as stranger:
        assert (await stranger.get("/staff/deadlines")).status_code == 303  # to the login page
