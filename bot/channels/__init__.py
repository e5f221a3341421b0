"""Channel adapters: each turns a platform's updates into `Incoming` and renders `Reply` for it
(Telegram, with its paid broadcasts' lean path and the processes that may send them, and its raw
updates for the processes that may handle them; Zalo and
its API client; the terminal; webhooks and retries; the HTTP pool under the Telegram client).

Writes: no table of its own (the router remembers the numbered options Zalo and the terminal show).
Imports: core … checking and the hubs (services); never a handler, never the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.core.settings import Settings
    from bot.routing.router import Router
    from bot.services import Services


class Wiring(Protocol):
    """What a channel is given, built once and passed whole (`bot.app.wiring.App` is the real one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def services(self) -> Services: ...

    @property
    def router(self) -> Router: ...


class ChannelStartError(RuntimeError):
    """A channel cannot start (for example, the platform refused the token); one line for the operator."""
