"""/help: the citizen's commands for everyone, and staff, police and admins also see their own."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import Chat

ROLES = ("police", "staff", "admin")


def _role_commands(router, role: str) -> set[str]:
    """The first name of each command the router reserves for `role`."""
    first: dict[object, str] = {}
    for name, handler in router._commands.items():
        first.setdefault(handler, name)
    return {name for handler, name in first.items() if router._roles.get(handler) == role}


def _shown(chat) -> set[str]:
    return set(re.findall(r"/([a-z]+)", chat.text))


async def test_a_citizen_sees_no_staff_or_police_command(chat, router):
    await chat.send("/help")
    assert chat.values_of("help")["roles"] == []
    assert not _shown(chat) & set().union(*(_role_commands(router, r) for r in ROLES))


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_sees_its_own_commands_from_the_environment(router, services, settings, role):
    setattr(settings, f"{role}_ids", ["4242"])
    chat = Chat(router, services, chat_id="4242")
    await chat.send("/help")
    roles = chat.values_of("help")["roles"]
    assert roles == (list(ROLES) if role == "admin" else [role])  # an admin holds every role
    for held in roles:
        assert _role_commands(router, held) <= _shown(chat), held
    assert "huy" in _shown(chat)  # the citizen's commands too


async def test_a_role_given_in_the_chat_counts(router, services, clock):
    from bot.routing import grants

    now = clock()

    def give(db):
        return grants.create_invite(
            db, role="police", scope=["t-15"], created_by="test:9001", now=now, valid_for=timedelta(days=1)
        )[1]

    officer = Chat(router, services, chat_id="7302")
    await officer.send(await services.storage.write(give))
    await officer.send("/help")
    assert officer.values_of("help")["roles"] == ["police"]
    assert _role_commands(router, "police") <= _shown(officer)
