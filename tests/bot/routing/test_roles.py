from bot.core.messages import Incoming
from bot.core.settings import Settings
from bot.routing.roles import has_role


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
