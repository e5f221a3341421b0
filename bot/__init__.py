"""Canh Giác: a public scam-awareness chatbot for Vietnam.

The package is the channel-neutral core (settings, storage, router, services, channel adapters,
command line); user-facing features live in the sibling package ``handlers``.
"""

__version__ = "0.1.0"
