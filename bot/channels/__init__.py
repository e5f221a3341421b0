"""Channel adapters: each turns a platform's updates into `Incoming` and renders `Reply` for it
(Telegram, Zalo and its API client, the terminal; webhooks and retries).

Writes: no table of its own (through routing: the numbered choices offered on Zalo).
Imports: core … checking and the hubs (services); never a handler, never the app.
"""


class ChannelStartError(RuntimeError):
    """A channel cannot start (for example, the platform refused the token); one line for the operator."""
