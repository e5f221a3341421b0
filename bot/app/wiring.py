"""The wiring: settings, services and the routing table, built once and passed whole.

`canhgiac run`, `canhgiac chat` and `canhgiac ask` build it with `wire`; `serve`, the channels and
the terminal chat take it instead of the pieces. The menu of commands a platform shows is the
router's (`Router.menu_commands`): declared where the commands are routed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock, utc_now
from bot.core.settings import Settings
from bot.routing.router import Router
from bot.services import Library, Services, build_services


@dataclass(frozen=True)
class App:
    settings: Settings
    services: Services
    router: Router

    def close(self) -> None:
        self.services.close()


def wire(
    settings: Settings, *, library: Library | None = None, services: Services | None = None, clock: Clock = utc_now
) -> App:
    """The bot for `settings`: services (the database opened, migrated) and the routing table with
    the phrases of the content in use. `services`: already built ones (tests), used as they are."""
    from handlers import build_router

    services = services or build_services(settings, clock=clock, library=library)
    return App(settings=services.settings, services=services, router=build_router(services.content.phrases))
