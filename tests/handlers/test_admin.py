"""Roles from the chat: /moi makes a one-time code, the invited person sends it and has the role at
once; /vaitro lists and revokes; every step is in the audit log. Codes used twice, expired or
guessed are refused, and a chat that keeps guessing is slowed down."""

from __future__ import annotations

import json

import pytest

from bot.core.messages import Incoming
from bot.routing import grants
from tests.conftest import Chat

ADMIN, OFFICER, OTHER = "9001", "7001", "7002"


@pytest.fixture
def admin(router, services, settings) -> Chat:
    settings.admin_ids = [f"test:{ADMIN}"]
    return Chat(router, services, chat_id=ADMIN)


async def invite(admin: Chat, role: str, *places: str, hours: int = 24, term: str = "none") -> str:
    """Walk /moi through (`term`: how long the role lasts); the code it shows."""
    await admin.send("/moi")
    assert "admin_invite_role" in admin.templates
    await admin.press(f"invite:role:{role}")
    for place in places:
        await admin.send(place)
        await admin.press(next(v for v in admin.choice_values if v.startswith("invite:area:")))
    if places:
        await admin.press("invite:done")
    assert "admin_invite_term" in admin.templates
    await admin.press(f"invite:term:{term}")
    assert "admin_invite_valid" in admin.templates
    await admin.press(f"invite:valid:{hours}")
    return str(admin.values_of("admin_invite_code")["code"])


async def rows(services, sql: str) -> list[tuple]:
    return await services.storage.read(lambda db: db.execute(sql).fetchall())


async def test_citizens_have_no_invite_or_role_commands(chat):
    for command in ("/moi", "/vaitro"):
        await chat.send(command)
        assert chat.templates == ["unknown_command"]
    await chat.press("invite:role:police")
    assert chat.templates == ["stale_choice"]
    await chat.press("roles:revoke:1")
    assert chat.templates == ["stale_choice"]


async def test_an_invited_officer_has_the_role_at_once_for_the_commune_chosen(router, services, admin):
    officer = Chat(router, services, chat_id=OFFICER)
    await officer.send("/hangdoi")
    assert officer.templates == ["unknown_command"]

    code = await invite(admin, "police", "cam duong")
    assert grants.canonical(code) is not None and code.startswith("CG-")
    assert admin.values_of("admin_invite_code")["areas"] == ["phường Cam Đường, tỉnh Lào Cai"]

    await officer.send(code.lower().replace("-", " "))  # typed by hand, any case, any spacing
    assert officer.templates == ["redeem_granted"]
    await officer.send("/hangdoi")
    assert officer.templates == ["police_queue"]

    [grant] = await rows(services, "SELECT channel, user_id, role, scope, granted_by FROM grants")
    assert grant == ("test", OFFICER, "police", json.dumps(["x-02674"]), f"test:{ADMIN}")
    [stored] = await rows(services, "SELECT code_hash FROM invites")
    assert code not in stored[0] and grants.canonical(code) not in stored[0]  # only a hash is kept
    audit = await rows(services, "SELECT actor, new_status, identifier_id FROM audit_log ORDER BY id")
    assert audit == [(f"test:{ADMIN}", "invite_created", None), (f"test:{OFFICER}", "role_granted", None)]


async def test_scope_takes_several_communes_or_a_province_and_an_admin_invite_has_none(router, services, admin):
    await invite(admin, "staff", "phuong cam duong", "x-02647")
    assert admin.values_of("admin_invite_code")["areas"] == [
        "phường Cam Đường, tỉnh Lào Cai",
        "phường Lào Cai, tỉnh Lào Cai",
    ]
    await invite(admin, "police", "tinh lao cai")
    assert admin.values_of("admin_invite_code")["areas"] == ["tỉnh Lào Cai"]
    code = await invite(admin, "admin", hours=168)
    assert admin.values_of("admin_invite_code")["areas"] == []
    newcomer = Chat(router, services, chat_id=OTHER)
    await newcomer.send(f"/nhanma {code}")
    assert newcomer.templates == ["redeem_granted"]
    await newcomer.send("/moi")
    assert newcomer.templates == ["admin_invite_role"]


async def test_the_scope_step_re_asks_kindly_and_keeps_the_flow(admin):
    await admin.send("/moi")
    await admin.press("invite:role:police")
    for typed in ("zzqxw", "x" * 500, "🙂🙂", "'; DROP TABLE grants; --"):
        await admin.send(typed)
        assert admin.templates == ["admin_invite_scope"]
        assert admin.values_of("admin_invite_scope")["problem"] == "not_found"
        assert "invite:cancel" in admin.choice_values and "invite:done" not in admin.choice_values
    await admin.press("invite:done")  # nothing chosen yet: asked again, not a code for nowhere
    assert admin.templates == ["admin_invite_scope"]
    await admin.press("invite:area:x-99999")  # a crafted button
    assert admin.templates == ["stale_choice"]
    await admin.send("lao cai")
    assert "invite:area:t-15" in admin.choice_values and "invite:area:x-02647" in admin.choice_values
    await admin.press("invite:area:t-15")
    await admin.press("invite:done")
    await admin.press("invite:valid:999")  # only the offered validities
    assert admin.templates == ["stale_choice"]
    await admin.press("invite:cancel")
    assert admin.templates == ["cancelled"]


async def test_a_code_used_twice_expired_or_made_up_is_refused_in_one_line(router, services, admin, clock):
    code = await invite(admin, "police", "x-02674")
    first, second = Chat(router, services, chat_id=OFFICER), Chat(router, services, chat_id=OTHER)
    await first.send(code)
    await second.send(code)
    assert second.templates == ["redeem_refused"] and second.values_of("redeem_refused")["reason"] == "used"
    assert len(second.last) == 1

    late = await invite(admin, "police", "x-02674")
    clock.advance(hours=25)
    await second.send(f"/nhanma {late}")
    assert second.values_of("redeem_refused")["reason"] == "expired"
    await second.send("CG-0000-0000")
    assert second.values_of("redeem_refused")["reason"] == "unknown"
    await second.send("/hangdoi")
    assert second.templates == ["unknown_command"]
    audit = await rows(services, "SELECT new_status FROM audit_log WHERE new_status = 'role_granted'")
    assert len(audit) == 1


async def test_guessing_is_slowed_down_per_chat(router, services, admin, clock):
    guesser, other = Chat(router, services, chat_id=OFFICER), Chat(router, services, chat_id=OTHER)
    for n in range(grants.MAX_MISSES):
        await guesser.send(f"CG-AAAA-AAA{n}")
        assert guesser.values_of("redeem_refused")["reason"] == "unknown"
    code = await invite(admin, "police", "x-02674")
    await guesser.send(code)  # even the right code is not checked while the chat waits
    assert guesser.values_of("redeem_refused")["reason"] == "limited"
    assert await rows(services, "SELECT * FROM grants") == []
    await other.send("CG-AAAA-AAAA")  # another chat is not slowed down by this one
    assert other.values_of("redeem_refused")["reason"] == "unknown"

    clock.advance(hours=1, seconds=1)
    await guesser.send(code)
    assert guesser.templates == ["redeem_granted"]
    # Old refusals do not pile up: only those of the last hour are kept.
    assert len(await rows(services, f"SELECT * FROM invite_misses WHERE chat_id = '{OFFICER}'")) == 0


async def test_a_code_is_asked_for_and_never_taken_in_a_group(router, services, admin, rendered):
    code = await invite(admin, "police", "x-02674")
    person = Chat(router, services, chat_id=OFFICER)
    await person.send("/nhanma")
    assert person.templates == ["redeem_ask"]
    rendered.clear()
    in_group = Incoming(channel="test", chat_id="-100", user_id=OFFICER, text=f"/nhanma {code}", is_group=True)
    await router.handle(in_group, services)
    assert rendered == ["redeem_in_private"]
    await person.send(code)  # the code was not spent in the group
    assert person.templates == ["redeem_granted"]


async def test_admins_list_roles_and_revoke_one_with_a_button(router, services, admin, settings):
    settings.police_ids = ["test:6001"]
    code = await invite(admin, "police", "x-02674")
    officer = Chat(router, services, chat_id=OFFICER)
    await officer.send(code)

    await admin.send("/vaitro")
    assert admin.templates == ["admin_roles"]
    listed = admin.values_of("admin_roles")
    assert [(g["who"], g["role"]) for g in listed["granted"]] == [(f"test:{OFFICER}", "police")]
    assert ("test:6001", "police") in [(s["who"], s["role"]) for s in listed["seeded"]]  # from the environment
    [revoke] = [v for v in admin.choice_values if v.startswith("roles:revoke:")]

    await admin.press(revoke)
    assert admin.templates == ["admin_revoked"]
    await officer.send("/hangdoi")
    assert officer.templates == ["unknown_command"]
    await admin.press(revoke)  # again: nothing left to revoke
    assert admin.templates == ["stale_choice"]
    audit = await rows(services, "SELECT actor, new_status FROM audit_log WHERE new_status = 'role_revoked'")
    assert audit == [(f"test:{ADMIN}", "role_revoked")]


async def test_grants_come_with_the_turn_without_another_database_round_trip(router, services, admin, settings):
    """The router loads the writer's grants in the update's first write: an officer by grant costs
    the same storage calls as one by environment."""
    code = await invite(admin, "police", "x-02674")
    by_grant, by_env = Chat(router, services, chat_id=OFFICER), Chat(router, services, chat_id="6001")
    settings.police_ids = ["test:6001"]
    await by_grant.send(code)
    calls: list[str] = []
    read, write = services.storage.read, services.storage.write

    async def counted_read(fn):
        calls.append("read")
        return await read(fn)

    async def counted_write(fn):
        calls.append("write")
        return await write(fn)

    services.storage.read, services.storage.write = counted_read, counted_write
    counts = []
    for officer in (by_env, by_grant):
        calls.clear()
        await officer.send("/hangdoi")
        assert officer.templates == ["police_queue"]
        counts.append(list(calls))
    assert counts[0] == counts[1]


async def test_a_code_shaped_text_inside_a_flow_belongs_to_the_flow(router, services, admin):
    code = await invite(admin, "police", "x-02674")
    person = Chat(router, services, chat_id=OFFICER)
    await person.send("/baocao")
    await person.press("report:what:call")
    await person.send(code)  # the flow's step reads it (not a phone number: asked again)
    assert "redeem_granted" not in person.templates and "redeem_refused" not in person.templates
    assert await rows(services, "SELECT * FROM grants") == []


@pytest.mark.parametrize(("term", "days_left"), [("30", 30), ("90", 90), ("eoy", None), ("none", None)])
async def test_the_admin_sets_how_long_the_role_lasts_and_an_ended_role_no_longer_counts(
    router, services, admin, clock, term, days_left
):
    code = await invite(admin, "police", "cam duong", term=term)
    officer = Chat(router, services, chat_id=OFFICER)
    await officer.send(code)
    granted = officer.values_of("redeem_granted")
    [(expires_at,)] = await rows(services, "SELECT expires_at FROM grants")
    assert (expires_at is None) is (term == "none") and (granted["ends"] is None) is (term == "none")
    await admin.send("/vaitro")
    [shown] = admin.values_of("admin_roles")["granted"]
    assert shown["ends"] == granted["ends"]
    [(detail,)] = await rows(services, "SELECT note FROM audit_log WHERE new_status = 'role_granted'")
    assert (expires_at or "no end") in detail
    if term == "none":
        return
    if days_left:
        clock.advance(days=days_left - 1)
        await officer.send("/hangdoi")
        assert officer.templates == ["police_queue"]  # still holds it the day before
    clock.advance(days=400)
    await officer.send("/hangdoi")
    assert officer.templates == ["unknown_command"]  # ended: the router's grant load no longer has it
    await admin.send("/vaitro")
    assert admin.values_of("admin_roles")["granted"] == []


# --- /diaphuong: a commune's own police numbers and greeting name -------------------------------------


async def test_an_admin_sets_a_communes_police_numbers_and_name_and_its_citizens_see_them(
    router, services, admin, settings
):
    settings.locality_name = "Chung"
    citizen, elsewhere = Chat(router, services, chat_id="11"), Chat(router, services, chat_id="12")
    await citizen.press("sub:pick:x-03037")  # xã Tả Van
    await elsewhere.press("sub:pick:x-00070")
    await citizen.send("/hotline")
    assert citizen.values_of("hotlines")["locality"]["name"] == "Chung"  # nothing set: the environment's

    await admin.send("/diaphuong")
    assert admin.templates == ["admin_locality"]
    await admin.send("ta van lao cai")
    await admin.press("local:area:x-03037")
    assert admin.values_of("admin_locality")["step"] == "menu"
    await admin.press("local:edit:police")
    await admin.send("'; DROP TABLE area_settings;--")
    assert admin.values_of("admin_locality")["problem"] == "invalid"
    await admin.send("Công an xã Tả Van = 0214 3871 113\n0912 000 111")
    await admin.press("local:edit:name")
    await admin.send("xã Tả Van")
    assert admin.values_of("admin_locality")["greeting_name"] == "xã Tả Van"

    await citizen.send("/hotline")
    local = citizen.values_of("hotlines")["locality"]
    assert local["name"] == "xã Tả Van"
    assert [h["number"] for h in local["police_hotlines"]] == ["0214 3871 113", "0912 000 111"]
    await citizen.send("/start")
    assert citizen.values_of("welcome")["locality"]["name"] == "xã Tả Van"
    await elsewhere.send("/hotline")
    assert elsewhere.values_of("hotlines")["locality"]["name"] == "Chung"  # another commune: unchanged

    audit = await rows(services, "SELECT actor, note FROM audit_log WHERE new_status = 'area_setting' ORDER BY id")
    assert [a for a, _ in audit] == [f"test:{ADMIN}"] * 2 and all("x-03037" in note for _, note in audit)
    await admin.press("local:clear:name")
    await citizen.send("/hotline")
    assert citizen.values_of("hotlines")["locality"]["name"] == "Chung"  # cleared: back to the fallback
    assert len(await rows(services, "SELECT 1 FROM audit_log WHERE new_status = 'area_setting'")) == 3


async def test_citizens_have_no_locality_command(chat):
    await chat.send("/diaphuong")
    assert chat.templates == ["unknown_command"]
