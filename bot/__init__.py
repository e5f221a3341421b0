"""Canh Giác: a public scam-awareness chatbot for Vietnam.

The package is the channel-neutral core, one sub-package per capability (core, routing,
identifiers, knowledge, reporting, checking, broadcast, channels, app, cli; see
docs/architecture.md); user-facing features live in the sibling package ``handlers``.
"""

__version__ = "0.1.0"
