"""What a periodic report takes from what staff feed in (bot/activity/): off-line activities
counted with `/ghinhan` and the free-text sections written with `/baocaoky`."""

from __future__ import annotations

from collections.abc import Mapping

from bot.activity.log import KINDS as ACTIVITY_KINDS
from bot.activity.log import ActivityCount, Coverage

__all__ = ["ACTIVITY_KINDS", "SECTIONS", "ActivityCount", "Coverage", "Sections"]

SECTIONS = ("difficulties", "recommendations")
Sections = Mapping[str, str]  # SECTIONS -> the staff's text; missing or empty: a line to fill in
