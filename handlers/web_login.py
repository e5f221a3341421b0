"""/dangnhap: a one-time login to the web console, for people who hold a role (police, staff, admin).

The router lets only role holders in, and only in private chats (a group's turn carries no role):
a link and a code sent where a group could read them would let anyone there in. The login carries
the roles and areas the bot knows the person with now (`roles.held_roles`); the console checks
them again on every request, so a role revoked later closes the console too.
"""

from __future__ import annotations

from bot.core.clock import VIETNAM
from bot.core.messages import Incoming, Reply
from bot.routing import logins, roles
from bot.services import Services
from handlers.menu import menu_button


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    settings = svc.settings
    if not settings.web_enabled:  # no console anywhere: a code would open nothing
        return [Reply(t.render("web_login", enabled=False, link=None, code=None, minutes=0, until=None))]
    held = roles.held_roles(settings, msg, svc.grants)
    now = svc.clock()
    created = await svc.storage.write(
        lambda db: logins.create(db, channel=msg.channel, user_id=msg.user_id, roles=held, now=now)
    )
    link = f"{settings.web_base_url}/login/{created.token}" if settings.web_base_url else None
    text = t.render(
        "web_login",
        enabled=True,
        link=link,
        code=created.code,
        minutes=int(logins.VALID_FOR.total_seconds() // 60),
        until=created.expires_at.astimezone(VIETNAM).strftime("%H:%M"),
    )
    return [Reply(text, choices=menu_button(t))]
