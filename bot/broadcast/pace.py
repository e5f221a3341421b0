"""How fast broadcasts go on each platform, and what the staff preview says of one: how long it
takes and, with Telegram's paid broadcasts, about how many Stars it costs.

Telegram: free, about 30 messages a second in all (Bot FAQ); the bot keeps broadcasts to
`telegram_broadcast_per_second` so replies keep room. With `telegram_paid_broadcast` on, broadcast
messages are sent with `allow_paid_broadcast` at up to 1,000 a second, and Telegram takes
`telegram_stars_per_paid_message` (0.1 Star, Bot API `sendMessage`) from the bot's balance for each
message beyond the free limit (`TransactionPartnerTelegramApi.request_count`: "requests that
exceeded regular limits and were therefore billed").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.settings import Settings

TELEGRAM = "telegram"
TELEGRAM_FREE_PER_SECOND = 30.0  # Telegram's free broadcast limit; paid messages are those beyond it


def paid(settings: Settings, channel: str) -> bool:
    """Whether broadcasts on `channel` go at Telegram's paid pace."""
    return channel == TELEGRAM and settings.telegram_paid_broadcast


def broadcast_pace(settings: Settings, channel: str) -> float:
    """Broadcast messages a second on `channel`."""
    if paid(settings, channel):
        return settings.telegram_paid_broadcast_per_second
    return {
        "zalo": settings.zalo_broadcast_per_second,
        "zalo_oa": settings.zalo_oa_broadcast_per_second,
    }.get(channel, settings.telegram_broadcast_per_second)


@dataclass(frozen=True)
class Estimate:
    seconds: int  # until the last message, the platforms sending side by side
    stars: int | None  # Telegram Stars a paid broadcast costs (None: nothing paid)

    @property
    def hours_minutes(self) -> tuple[int, int]:
        """The duration as staff read it: whole minutes rounded up; (0, 0) under a minute."""
        return divmod(math.ceil(self.seconds / 60) if self.seconds >= 60 else 0, 60)


def estimate(settings: Settings, per_channel: Mapping[str, int]) -> Estimate:
    """Duration and cost of a broadcast to `per_channel` recipients: recipients ÷ pace on each
    platform; at a paid pace, the share of messages beyond the free 30 a second × the price."""
    seconds = max((count / broadcast_pace(settings, channel) for channel, count in per_channel.items()), default=0.0)
    stars = None
    if settings.telegram_paid_broadcast:
        pace = broadcast_pace(settings, TELEGRAM)
        beyond = max(0.0, 1 - TELEGRAM_FREE_PER_SECOND / pace)
        stars = math.ceil(per_channel.get(TELEGRAM, 0) * beyond * settings.telegram_stars_per_paid_message)
    return Estimate(math.ceil(seconds), stars)
