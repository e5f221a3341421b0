"""Which commune a staff member's record is for (`/ghinhan`, `/baocaoky`): the one they hold, one of
theirs by button, or, for those who hold a province or every area (admins), a commune typed by name
and picked from the closest units inside what they hold. Checked again at the write (`may`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.messages import Choice, Incoming
from bot.core.textnorm import shorten
from bot.services import Services
from handlers import area_step
from handlers.staff import allowed_areas

MAX_BUTTONS = 8  # more communes than this: typed, then picked


def _is_commune(svc: Services, code: str) -> bool:
    area = svc.library.areas.get(code)
    return area is not None and area.parent is not None


def held(svc: Services, msg: Incoming) -> list[str] | None:
    """The area codes this staff member holds (None: every area)."""
    return allowed_areas(svc, msg)


def only(svc: Services, allowed: list[str] | None) -> str | None:
    """The commune to use without asking: the one commune they hold, else None."""
    if allowed is not None and len(allowed) == 1 and _is_commune(svc, allowed[0]):
        return allowed[0]
    return None


def buttons(svc: Services, allowed: list[str] | None, data: Callable[[str], str]) -> tuple[Choice, ...] | None:
    """One button per commune held, or None when the commune is to be typed (a province, many, all)."""
    if allowed is None or len(allowed) > MAX_BUTTONS or not all(_is_commune(svc, c) for c in allowed):
        return None
    areas = svc.library.areas
    return tuple(Choice(shorten(areas.full_name(code), area_step.LABEL), data(code)) for code in allowed)


def held_buttons(svc: Services, allowed: list[str], data: Callable[[str], str]) -> tuple[Choice, ...]:
    """One button per area held, whatever its level (a province's staff: the province itself)."""
    return tuple(Choice(shorten(svc.library.areas.full_name(code), area_step.LABEL), data(code)) for code in allowed)


def may(svc: Services, allowed: list[str] | None, code: str) -> bool:
    """Whether this staff member may record for this commune."""
    if not _is_commune(svc, code):
        return False
    return allowed is None or any(code in svc.library.areas.within(held_code) for held_code in allowed)


def may_report(svc: Services, allowed: list[str] | None, code: str) -> bool:
    """Whether this staff member may report on this area: a commune inside what they hold, or an
    area they hold itself (a province's own report)."""
    return code in (allowed or ()) or may(svc, allowed, code)


def find(svc: Services, allowed: list[str] | None, text: str) -> tuple[str, ...]:
    """The communes inside what they hold that a typed name most likely means, closest first."""
    found = area_step.find(svc, text)
    return tuple(m.code for m in found.matches if may(svc, allowed, m.code))


def name(svc: Services, code: str) -> str:
    return svc.library.areas.full_name(code)
