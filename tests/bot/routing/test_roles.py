from bot.core.messages import Incoming
from bot.core.settings import Settings
from bot.routing.grants import Grant
from bot.routing.roles import areas_for, has_role, staff_areas


def msg(user: str, channel: str = "telegram", group: bool = False) -> Incoming:
    return Incoming(channel=channel, chat_id=user, user_id=user, is_group=group)


def test_roles_by_id_on_every_channel_or_one():
    settings = Settings(_env_file=None, police_ids="11, zalo:abc", staff_ids="22", admin_ids="33")
    assert has_role(settings, msg("11"), "police") and has_role(settings, msg("11", "zalo"), "police")
    assert has_role(settings, msg("abc", "zalo"), "police") and not has_role(settings, msg("abc"), "police")
    assert not has_role(settings, msg("11"), "staff") and has_role(settings, msg("22"), "staff")
    assert all(has_role(settings, msg("33"), role) for role in ("police", "staff", "admin"))
    assert not has_role(settings, msg("11", group=True), "police")  # decisions are made in private
    assert not has_role(settings, msg("44"), "police")


# --- Roles given from the chat (bot/routing/grants.py), checked in the same place ---------------


def grant(role: str, *scope: str, user: str = "55", channel: str = "telegram") -> Grant:
    return Grant(1, channel, user, role, tuple(scope), "telegram:33", "2026-11-22T08:00:00+00:00")


def test_a_grant_gives_its_role_and_an_admin_grant_every_role():
    settings = Settings(_env_file=None)
    police = (grant("police", "x-02647"),)
    assert has_role(settings, msg("55"), "police", police)
    assert not has_role(settings, msg("55"), "staff", police) and not has_role(settings, msg("55"), "admin", police)
    admin = (grant("admin"),)
    assert all(has_role(settings, msg("55"), role, admin) for role in ("police", "staff", "admin"))
    assert not has_role(settings, msg("55", group=True), "police", police)  # never in groups, grants neither


def test_scopes_join_the_environment_and_the_grants():
    settings = Settings(_env_file=None, police_ids="11, 12=x-02674|t-15", staff_ids="22=x-02647", admin_ids="33")
    assert areas_for(settings, msg("11"), "police") is None  # a bare id: everywhere, as before
    assert areas_for(settings, msg("12"), "police") == ["x-02674", "t-15"]
    assert areas_for(settings, msg("33"), "police") is None and staff_areas(settings, msg("33")) is None
    assert staff_areas(settings, msg("22"), (grant("staff", "x-02674", user="22"),)) == ["x-02647", "x-02674"]
    assert areas_for(settings, msg("55"), "police", (grant("police", "x-02647"), grant("police", "t-15"))) == [
        "x-02647",
        "t-15",
    ]
    assert areas_for(settings, msg("55"), "police", (grant("admin"),)) is None
    assert areas_for(settings, msg("55"), "police", (grant("staff", "x-02647"),)) == []  # another role's scope
