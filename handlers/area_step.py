"""The "which commune or ward?" step, for any flow: what the person typed -> the closest current units.

A flow that asks for a place (/dangky today, the report flow's optional question later) hands the
typed text to `find` (off the event loop: `svc.compute`) and shows the result with `choices` and
`values`: one button per unit ("phường Lào Cai, tỉnh Lào Cai"), the button data made by the flow, so
one tap (or its number, where there are no buttons) answers the step. The template of the flow says
what to ask; `values` gives it:

- `matches`: [{code, name, old_level, old_name, province}], closest first; `old_name` when the
  person typed a name of before 1 July 2025 ("xã cũ Tả Phìn nay thuộc …");
- `problem`: None, "not_found" (nothing close: the flow offers its own way on, e.g. the provinces)
  or "province" (a province where a commune was asked: its name is `province`).

Whatever is typed (500 characters, emoji, SQL) is only folded and compared: never stored, never
echoed, never a dead end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.broadcast.area_search import level_word_of
from bot.broadcast.areas import CODE, AreaMatch
from bot.core.messages import Choice
from bot.core.textnorm import shorten
from bot.services import Services

OFFERED = 5  # closest units offered
MAX_TYPED = 500  # the search reads the start only; nothing longer is kept in memory
LABEL = 60  # characters of a button


@dataclass(frozen=True)
class Found:
    matches: tuple[AreaMatch, ...]
    problem: str | None  # None, "not_found", "province"
    province: str | None = None  # the province typed, when `problem == "province"`


def find(svc: Services, text: str) -> Found:
    """The units `text` most likely names (a code too: "x-02647", or one printed before 2025)."""
    areas = svc.library.areas
    typed = (text or "").strip()[:MAX_TYPED]
    if CODE.match(typed.lower()):
        exact = areas.resolve(typed.lower())
        if exact:
            return Found(tuple(AreaMatch(code, 100.0) for code in exact[:OFFERED]), None)
    matches = tuple(areas.search(typed, OFFERED)) if typed else ()
    if not matches:
        return Found((), "not_found")
    first = areas.get(matches[0].code)
    if first is not None and first.parent is None:  # a province alone: which of its communes?
        units = tuple(m for m in matches[1:] if areas.get(m.code) and areas.get(m.code).parent)
        return Found(units, "province", first.code)
    return Found(matches, None)


def choices(svc: Services, found: Found, data: Callable[[str], str]) -> tuple[Choice, ...]:
    """One button per unit offered; `data(code)` is the flow's button for it."""
    areas = svc.library.areas
    return tuple(Choice(shorten(areas.full_name(m.code), LABEL), data(m.code)) for m in found.matches)


def values(svc: Services, found: Found) -> dict:
    """What the flow's template shows of the result (see the module docstring)."""
    areas = svc.library.areas
    shown = []
    for match in found.matches:
        area = areas.get(match.code)
        old_level = old_name = None
        if match.old_name:  # "xã Tả Phìn, huyện Sa Pa, tỉnh Lào Cai" -> ("xã", "Tả Phìn")
            first = match.old_name.split(",")[0].strip()
            level = level_word_of(first)
            old_level, old_name = level, first[len(level) :].strip() if level else first
        shown.append(
            {
                "code": match.code,
                "name": areas.full_name(match.code),
                "unit": area.name,
                "province": areas.get(area.province).name,
                "old_level": old_level,
                "old_name": old_name,
            }
        )
    return {
        "matches": shown,
        "problem": found.problem,
        "province": areas.full_name(found.province) if found.province else None,
    }
