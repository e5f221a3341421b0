"""What a periodic report takes from outside the database it reads: off-line activities counted by
staff (the activity log, `/ghinhan`) and the free-text sections they write. Plain values, so the
report does not depend on where they are kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ACTIVITY_KINDS = ("meeting", "loudspeaker", "poster", "school", "company", "contest", "other")
SECTIONS = ("difficulties", "recommendations")


@dataclass(frozen=True)
class ActivityCount:
    area_code: str
    kind: str  # one of ACTIVITY_KINDS
    sessions: int
    people: int


Sections = Mapping[str, str]  # SECTIONS -> the staff's text; missing or empty: a line to fill in
