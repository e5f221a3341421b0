"""The wiring: settings, services and the routing table, built once and passed whole.

`canhgiac run`, `canhgiac chat` and `canhgiac ask` build it with `wire`; `serve`, the channels and
the terminal chat take it instead of the pieces. The menu of commands a platform shows is the
router's (`Router.menu_commands`): declared where the commands are routed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.broadcast.areas import Areas
from bot.core.clock import Clock, utc_now
from bot.core.settings import Settings, SettingsError
from bot.routing.router import Router
from bot.services import Library, Services, build_services, load_library


@dataclass(frozen=True)
class App:
    settings: Settings
    services: Services
    router: Router

    def close(self) -> None:
        self.services.close()


ROLE_VARIABLES = (
    ("police_ids", "CANHGIAC_POLICE_IDS"),
    ("staff_ids", "CANHGIAC_STAFF_IDS"),
    ("admin_ids", "CANHGIAC_ADMIN_IDS"),
)


def check_role_areas(settings: Settings, areas: Areas) -> None:
    """Every area a role entry names ("22=x-02647|coc-leu") is one the registry knows: a current
    code, or one of before 2025 that leads to current units (the handlers resolve it the same way).
    Settings cannot check this (they load no content); a typo would otherwise leave a staff member
    with no area to broadcast to, without a word."""
    for field, variable in ROLE_VARIABLES:
        for entry in getattr(settings, field):
            who, _, scope = entry.partition("=")
            for code in filter(None, scope.split("|")):
                if not areas.resolve(code):
                    raise SettingsError(f"{variable}: unknown area {code!r} for {who} (see canhgiac areas list)")


def wire(
    settings: Settings, *, library: Library | None = None, services: Services | None = None, clock: Clock = utc_now
) -> App:
    """The bot for `settings`: services (the database opened, migrated) and the routing table with
    the phrases of the content in use. `services`: already built ones (tests), used as they are."""
    from handlers import build_router

    if services is None:
        library = library or load_library(settings)
        check_role_areas(settings, library.areas)  # before the database is opened
    services = services or build_services(settings, clock=clock, library=library)
    services.library.message_judge()  # the message model loaded (or trained) now, not on a first message
    return App(settings=services.settings, services=services, router=build_router(services.content.phrases))
