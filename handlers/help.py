"""/help: how to use the bot; staff, police and admins also see the commands of their roles."""

from __future__ import annotations

from bot.core.messages import Incoming, Reply
from bot.routing import roles
from bot.services import Services
from handlers.menu import menu_button

# In the order /help lists them; the template has a part for each (content/vi/templates/help.html.j2).
ROLES: tuple[roles.Role, ...] = ("police", "staff", "admin")


async def show_help(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    # Both sources of a role: the environment's ids and the grants given in the chat (`svc.grants`).
    held = [role for role in ROLES if roles.has_role(svc.settings, msg, role, svc.grants)]
    return [Reply(t.render("help", roles=held), choices=menu_button(t))]
