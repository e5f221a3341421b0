"""The police queue: only for the police role; decisions are audited and reach the reporters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import outbox
from bot.identifiers import display, parse_profile
from bot.routing import grants
from tests.conftest import Chat
from tests.flows import DESCRIPTION, file_report

OFFICER = "7001"


def rendered_items(officer: Chat) -> list[dict]:
    """The variables of each queue item the last turn rendered, in reply order."""
    return [values for name, values in officer.renders if name == "police_item"]


@pytest.fixture
def officer(router, services, settings) -> Chat:
    settings.police_ids = [f"test:{OFFICER}"]
    return Chat(router, services, chat_id=OFFICER)


async def report(chat: Chat, number: str, *, updates: bool) -> None:
    await file_report(chat, number, consent="updates" if updates else "none", description=DESCRIPTION)


async def test_a_citizen_typing_a_police_command_gets_the_ordinary_help(chat):
    await chat.send("/hangdoi")
    assert chat.templates == ["unknown_command"]
    await chat.press("police:confirmed:1")
    assert chat.templates == ["stale_choice"]  # not the officer's note step
    assert await chat.services.conversations.get(chat.key) is None


async def test_the_officer_reviews_the_queue_and_reporters_hear_back(router, services, officer):
    lan, hoa = Chat(router, services, chat_id="11"), Chat(router, services, chat_id="12")
    await report(lan, "0912345678", updates=True)
    await report(hoa, "0912 345 678", updates=False)
    await report(hoa, "+84 987 654 321", updates=False)

    await officer.send("/hangdoi")
    assert officer.templates == ["police_queue", "police_item", "police_item"]
    assert officer.values_of("police_queue")["count"] == 2
    first, first_item = officer.last[1], rendered_items(officer)[0]
    assert (first_item["value"], first_item["reporters"], first_item["amount"]) == ("0912 345 678", 2, "4.000.000 đ")
    assert "0912 345 678" in first.text and "<b>2</b>" in first.text and "4.000.000" in first.text
    confirm = next(c.value for c in first.choices if c.value.startswith("police:confirmed:"))
    detail = next(c.value for c in first.choices if c.value.startswith("police:detail:"))

    await officer.press(detail)
    details = officer.values_of("police_detail")["reports"]
    assert officer.text.count("BC-") == 2 and [r["description"] for r in details] == [DESCRIPTION, DESCRIPTION]
    assert all(r["description"] in officer.text for r in details)

    await officer.press(confirm)
    statuses = services.content.texts("vi").labels("police.statuses")
    assert officer.templates == ["police_note"] and officer.values_of("police_note")["status"] == statuses["confirmed"]
    await officer.send("Đã xác minh với nhà mạng")
    decided = officer.values_of("police_decided")
    assert (decided["old"], decided["new"], decided["notified"]) == (statuses["new"], statuses["confirmed"], 1)
    assert "report_status_notice" in officer.templates  # the one reporter who agreed to hear back

    [audit] = await services.storage.read(lambda db: list(db["audit_log"].rows))
    assert audit["actor"] == f"test:{OFFICER}" and audit["note"] == "Đã xác minh với nhà mạng"
    [notice] = await services.storage.read(lambda db: outbox.pending(db, ["test"]))
    told = officer.values_of("report_status_notice")
    assert notice.chat_id == "11" and told["status"] == "confirmed" and told["ref"] in notice.text
    assert notice.text == services.content.texts("vi").render("report_status_notice", **told)

    await lan.send("0912345678")  # the check now shows the decision
    [item] = lan.values_of("check_result")["items"]
    assert (item["risk"], item["status"]) == ("high", "confirmed")

    await officer.send("/hangdoi")
    assert len(officer.last) == 2 and "987 654 321" in officer.last[1].text


async def test_reports_about_official_numbers_are_queued_marked_and_only_a_decision_changes_the_check(
    router, services, settings, officer
):
    settings.allowlist = ["0987 654 321"]
    citizens = [Chat(router, services, chat_id=str(20 + n)) for n in range(3)]
    for citizen in citizens:
        await report(citizen, "113", updates=False)
        await report(citizen, "0987 654 321", updates=False)
        await report(citizen, "0912 345 678", updates=False)

    await officer.send("/hangdoi")
    items = {reply.text.split("</code>")[0]: reply for reply in officer.last[1:]}
    assert len(items) == 3 and len(rendered_items(officer)) == 3
    paired = zip(officer.last[1:], rendered_items(officer), strict=True)
    official = [reply for reply, item in paired if item["official"]]
    assert sorted(item["value"] for item in rendered_items(officer) if item["official"]) == ["0987 654 321", "113"]
    assert len(official) == 2 and not any("0912 345 678" in reply.text for reply in official)

    lan = citizens[0]
    await lan.send("0987654321")
    [item] = lan.values_of("check_result")["items"]
    assert item["risk"] != "high" and (item["reporters"], item["status"]) == (3, "new")  # reported, not verified

    allowed = next(reply for reply in official if "987 654 321" in reply.text)
    await officer.press(next(c.value for c in allowed.choices if c.value.startswith("police:confirmed:")))
    await officer.press("police:note:skip")
    await lan.send("0987654321")
    [item] = lan.values_of("check_result")["items"]
    assert (item["risk"], item["status"]) == ("high", "confirmed")


# --- Officers scoped to their communes or province (issue 12) ------------------------------------

LAO_CAI_WARD, CAM_DUONG, LAO_CAI = "x-02647", "x-02674", "t-15"


async def scoped_officer(router, services, chat_id: str, *scope: str) -> Chat:
    """An officer given the police role for `scope` from the chat (an invite the officer redeemed)."""
    now = services.clock()

    def give(db):
        _, code = grants.create_invite(
            db, role="police", scope=list(scope), created_by="test:9001", now=now, valid_for=timedelta(days=1)
        )
        return code

    officer = Chat(router, services, chat_id=chat_id)
    await officer.send(await services.storage.write(give))
    assert officer.templates == ["redeem_granted"]
    return officer


async def report_in(chat: Chat, settings, place: str, number: str) -> None:
    settings.locality_name = place  # the report's area: the deployment's locality (until the flow asks)
    await report(chat, number, updates=False)


async def decisions(services) -> list[dict]:
    """Audit rows of decisions (roles given and taken are audited too)."""
    return [row for row in await services.storage.read(lambda db: list(db["audit_log"].rows)) if row["identifier_id"]]


def queued_values(officer: Chat) -> set[str]:
    return {str(values["value"]) for name, values in officer.renders if name == "police_item"}


async def test_each_commune_officer_sees_only_their_commune_and_cannot_decide_on_another(router, services, settings):
    lan, hoa, minh = (Chat(router, services, chat_id=c) for c in ("11", "12", "13"))
    await report_in(lan, settings, "phường Cốc Lếu", "0912345678")  # now phường Lào Cai
    await report_in(hoa, settings, "phường Cam Đường", "0987654321")
    await report_in(minh, settings, "", "0934567890")  # no area
    ward = await scoped_officer(router, services, "7101", LAO_CAI_WARD)
    cam = await scoped_officer(router, services, "7102", CAM_DUONG)
    province = await scoped_officer(router, services, "7103", LAO_CAI)

    await ward.send("/hangdoi")
    assert queued_values(ward) == {"0912 345 678"}
    await cam.send("/hangdoi")
    assert queued_values(cam) == {"0987 654 321"}
    await province.send("/hangdoi")  # the whole province, and reports without an area
    assert queued_values(province) == {"0912 345 678", "0987 654 321", "0934 567 890"}

    theirs = next(v for v in cam.choice_values if v.startswith("police:confirmed:"))
    detail = theirs.replace("confirmed", "detail")
    for crafted in (theirs, detail):
        await ward.press(crafted)
        assert ward.templates == ["police_not_in_scope"]
    assert await decisions(services) == []
    assert await services.conversations.get(ward.key) is None  # no note step was started

    await cam.press(theirs)
    await cam.press("police:note:skip")
    assert cam.templates == ["police_decided"]


async def test_a_decision_checks_the_scope_again_when_it_is_recorded(router, services, settings):
    """The scope is checked when the note is saved too: a grant revoked (or a report moved) between
    the button and the note does not let the decision through."""
    hoa = Chat(router, services, chat_id="12")
    await report_in(hoa, settings, "phường Cam Đường", "0987654321")
    cam = await scoped_officer(router, services, "7102", CAM_DUONG)
    await cam.send("/hangdoi")
    await cam.press(next(v for v in cam.choice_values if v.startswith("police:confirmed:")))
    await services.storage.write(lambda db: db.execute("UPDATE reports SET area_code = ?", [LAO_CAI_WARD]))
    await cam.send("Đã xác minh")
    assert cam.templates == ["police_not_in_scope"]
    assert await decisions(services) == []


async def test_an_officer_seeded_with_areas_in_the_environment_is_scoped_too(router, services, settings):
    settings.police_ids = [f"test:{OFFICER}={CAM_DUONG}"]
    lan, hoa = Chat(router, services, chat_id="11"), Chat(router, services, chat_id="12")
    await report_in(lan, settings, "phường Cốc Lếu", "0912345678")
    await report_in(hoa, settings, "phường Cam Đường", "0987654321")
    officer = Chat(router, services, chat_id=OFFICER)
    await officer.send("/hangdoi")
    assert queued_values(officer) == {"0987 654 321"}


async def test_the_queue_filters_by_commune_or_province_within_the_officers_scope(router, services, settings):
    lan, hoa, minh = (Chat(router, services, chat_id=c) for c in ("11", "12", "13"))
    await report_in(lan, settings, "phường Cốc Lếu", "0912345678")  # now phường Lào Cai
    await report_in(hoa, settings, "phường Cam Đường", "0987654321")
    await report_in(minh, settings, "", "0934567890")  # no area
    province = await scoped_officer(router, services, "7103", LAO_CAI)
    await province.send("/hangdoi cam duong")  # a name, as typed
    assert queued_values(province) == {"0987 654 321"}
    assert province.values_of("police_queue")["area"] == services.library.areas.full_name(CAM_DUONG)
    await province.send(f"/hangdoi {LAO_CAI_WARD}")  # a code
    assert queued_values(province) == {"0912 345 678"}
    await province.send("/hangdoi tinh lao cai")  # the province: its units only, not the unplaced
    assert queued_values(province) == {"0912 345 678", "0987 654 321"}
    await province.send("/hangdoi xyzzyq")
    assert province.values_of("police_queue")["problem"] == "not_found" and not queued_values(province)

    cam = await scoped_officer(router, services, "7102", CAM_DUONG)
    for outside in ("phuong lao cai", "lao cai", "phường Hoàn Kiếm, Hà Nội"):
        await cam.send(f"/hangdoi {outside}")
        assert cam.templates == ["police_not_in_scope"], outside
    await cam.send("/hangdoi Cam Đường")
    assert queued_values(cam) == {"0987 654 321"}


async def test_profiles_are_queued_per_platform_and_profile_and_reports_without_identifier_alone(
    router, services, officer
):
    async def report_seen(chat_id: str, what: str, told: str) -> None:
        citizen = Chat(router, services, chat_id=chat_id)
        await citizen.send("/baocao")
        await citizen.press(f"report:what:{what}")
        await citizen.send(told)
        for _ in range(10):
            step = (await services.conversations.get(citizen.key)).step
            if step == "confirm":
                break
            answers = {"via": "report:via:in_person", "claimed": "report:claimed:fake-official-staff",
                       "happened": "report:happened:today", "consent": "report:consent:none"}  # fmt: skip
            await citizen.press(answers.get(step, "report:skip"))
        await citizen.press("report:confirm")

    await report_seen("21", "social", "fb Nguyễn Thu Hà (giả chị họ)")
    await report_seen("22", "social", "facebook nguyen thu ha")
    await report_seen("23", "other", "có người đến nhà xưng cán bộ điện lực thu tiền")
    await report_seen("24", "other", "có người đến nhà xưng cán bộ điện lực thu tiền")
    await officer.send("/hangdoi")
    items = rendered_items(officer)
    kinds = officer.services.content.texts("vi").labels("police.kinds")
    grouped = [(i["kind"], i["reporters"]) for i in items]
    assert grouped == [(kinds["profile"], 2), (kinds["none"], 1), (kinds["none"], 1)]
    profile, _ = parse_profile("fb Nguyễn Thu Hà")
    assert items[0]["value"] == display(profile) and items[1]["value"] != items[2]["value"]
