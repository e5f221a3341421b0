"""Channel adapters: each turns a platform's updates into `Incoming` and renders `Reply` for it."""


class ChannelStartError(RuntimeError):
    """A channel cannot start (for example, the platform refused the token); one line for the operator."""
