"""Who is signed in to the console, and what they may see: checked on every request.

A session remembers the roles its login was made with, but the console acts on the roles the bot
gives the person now (`roles.held_roles`, from the environment and the live grants): a role revoked
or expired in the chat closes the console at the next request, and an area added opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.broadcast.areas import Areas
from bot.core.messages import Incoming
from bot.core.settings import Settings
from bot.reporting import digest, reports
from bot.routing import grants, roles
from bot.routing.web_sessions import Session


@dataclass(frozen=True)
class Officer:
    """A signed-in role holder. `roles`: role -> area codes (None: everywhere)."""

    channel: str
    user_id: str
    roles: dict[str, list[str] | None]
    csrf: str

    @property
    def who(self) -> str:
        """Their account, as the chat names them (`roles.actor`)."""
        return f"{self.channel}:{self.user_id}"

    @property
    def actor(self) -> str:
        """How the audit log names what they do in the console (`roles.console_actor`)."""
        return roles.console_actor(self.channel, self.user_id)

    @property
    def police(self) -> bool:
        return "police" in self.roles

    def police_scope(self, areas: Areas) -> reports.Scope | None:
        """The reports they answer for, as `/hangdoi` counts them; None: every report."""
        return digest.scope_of(areas, self.roles["police"])


def live(db: sqlite_utils.Database, settings: Settings, session: Session, now: datetime) -> Officer | None:
    """The officer of a live session with the roles they hold now; None if they hold none any more."""
    msg = Incoming(channel=session.channel, chat_id=session.user_id, user_id=session.user_id)
    held = roles.held_roles(settings, msg, grants.held(db, session.channel, session.user_id, now))
    if not held:
        return None
    return Officer(session.channel, session.user_id, dict(held), session.csrf)
