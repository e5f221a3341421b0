"""The command menu is declared where commands are routed: `router.command(..., menu=True)`."""

from __future__ import annotations

import pytest

from bot.routing.router import Router
from handlers import build_router


async def answer(msg, svc):
    return []


async def other(msg, svc):
    return []


async def staff_only(msg, svc):
    return []


def test_the_menu_is_the_first_name_of_each_menu_command_in_registration_order():
    router = Router()
    router.command(other, "zeta", "z", menu=True)
    router.command(answer, "huy", "cancel", menu=True)
    router.command(staff_only, "hangdoi", role="police")
    assert router.menu_commands == ["zeta", "huy"]
    assert set(router.commands) == {"zeta", "z", "huy", "cancel"}


def test_a_role_reserved_command_cannot_be_in_the_menu():
    router = Router()
    with pytest.raises(ValueError, match="reserved"):
        router.command(staff_only, "phatcanhbao", role="staff", menu=True)
    assert router.menu_commands == []


def test_the_groups_menu_is_the_menu_commands_marked_for_groups():
    router = Router()
    router.command(other, "zeta", menu=True)
    router.command(answer, "huy", menu=True, group=True)
    assert router.group_menu_commands == ["huy"]
    with pytest.raises(ValueError, match="menu"):
        router.command(staff_only, "baocao", group=True)  # not in the menu: not in the groups' one either


def test_the_bot_menu_holds_only_commands_anyone_may_use():
    router = build_router()
    menu = router.menu_commands
    assert len(menu) == len(set(menu)) >= 10
    assert set(menu) <= set(router.commands)  # router.commands: never a role-reserved one
