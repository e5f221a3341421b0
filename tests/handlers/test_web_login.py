"""/dangnhap: a one-time login to the web console, for role holders in private chats only."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.routing import grants, logins
from tests.conftest import Chat

BASE_URL = "https://console.example.vn"
CAM_DUONG, LAO_CAI = "x-02674", "t-15"


def console(settings) -> None:
    settings.web_port = 8080
    settings.web_base_url = BASE_URL


async def stored_logins(services) -> list[dict]:
    return await services.storage.read(lambda db: list(db["web_logins"].rows))


async def test_a_citizen_has_no_such_command(chat, settings, services):
    console(settings)
    await chat.send("/dangnhap")
    assert chat.templates == ["unknown_command"]
    assert await stored_logins(services) == []


async def test_an_officer_gets_a_link_and_a_code_with_their_role_and_areas(router, services, settings):
    console(settings)
    settings.police_ids = [f"test:7001={CAM_DUONG}"]
    officer = Chat(router, services, chat_id="7001")
    await officer.send("/dangnhap")
    assert officer.templates == ["web_login"]
    values = officer.values_of("web_login")
    assert values["enabled"] is True and values["minutes"] == 10
    assert values["link"].startswith(f"{BASE_URL}/login/") and len(values["link"]) > len(BASE_URL) + 40
    assert len(values["code"]) == logins.CODE_DIGITS and values["code"].isdigit()
    assert values["link"] in officer.text and values["code"] in officer.text
    [row] = await stored_logins(services)
    assert (row["channel"], row["user_id"]) == ("test", "7001")
    assert json.loads(row["roles"]) == {"police": [CAM_DUONG]}
    assert row["expires_at"] > row["created_at"] and row["used_at"] is None


async def test_a_role_given_in_the_chat_counts_with_its_scope(router, services, settings, clock):
    console(settings)
    now = clock()

    def invite(db):
        return grants.create_invite(
            db, role="staff", scope=[LAO_CAI], created_by="test:9001", now=now, valid_for=timedelta(days=1)
        )[1]

    staff = Chat(router, services, chat_id="7302")
    await staff.send(await services.storage.write(invite))
    await staff.send("/dangnhap")
    assert staff.templates == ["web_login"]
    [row] = await stored_logins(services)
    assert json.loads(row["roles"]) == {"staff": [LAO_CAI]}


async def test_an_admin_logs_in_with_every_role_everywhere(router, services, settings):
    console(settings)
    settings.admin_ids = ["test:7003"]
    await Chat(router, services, chat_id="7003").send("/dangnhap")
    [row] = await stored_logins(services)
    assert json.loads(row["roles"]) == {"police": None, "staff": None, "admin": None}


async def test_not_in_a_group(router, services, settings):
    console(settings)
    settings.police_ids = ["test:7001"]
    group = Chat(router, services, chat_id="7001")
    await group.send("/dangnhap", is_group=True)
    assert group.templates == ["unknown_command"]  # a link in a group would let its members in
    assert await stored_logins(services) == []


async def test_without_a_console_it_says_so_and_makes_no_login(router, services, settings):
    settings.police_ids = ["test:7001"]
    officer = Chat(router, services, chat_id="7001")
    await officer.send("/dangnhap")
    assert officer.templates == ["web_login"] and officer.values_of("web_login")["enabled"] is False
    assert await stored_logins(services) == []


async def test_a_console_without_a_base_url_gives_the_code_only(router, services, settings):
    settings.web_port = 8080
    settings.police_ids = ["test:7001"]
    officer = Chat(router, services, chat_id="7001")
    await officer.send("/dangnhap")
    values = officer.values_of("web_login")
    assert values["link"] is None and values["code"].isdigit()


async def test_police_staff_and_admin_menus_offer_it(router):
    for role in ("police", "staff", "admin"):
        assert "dangnhap" in router.role_commands(role)
    assert "dangnhap" not in router.commands  # never advertised to citizens
