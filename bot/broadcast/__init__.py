"""Broadcasts: areas, weekly campaigns, subscriptions, broadcasts and their deliveries, the sender that
drains them per platform (at each platform's pace, `pace.py`, Telegram's paid broadcasts
included), and the printable poster.

Writes: `subscriptions`, `broadcasts`, `deliveries`, `week_overrides` (campaigns.py).
`compose.py` holds what the chat's `/phatcanhbao` and the web console share: scope, draft, exact
preview with the real count, and when a broadcast may go out.
Imports: core only (a sender is given its platform's send function; it never names a channel).
"""
