"""Written place names -> the one current unit they name, for the migration of old reports' places.

Reports filed before schema 8 kept the deployment's locality as free text ("phường Cốc Lếu, thành
phố Lào Cai", "xã Tả Van"). The area registry (`bot/broadcast/areas.py`) lives above core, out of a
migration's reach, so this reads the same sources itself: `vietnam-provinces` for the current units
and `data/reference/area_history.csv` for the names of before 1 July 2025. It is strict on purpose:
a name is compared whole (accents and case aside), the parts after a comma must be the unit's
province (or, for an old name, its old district or province), and only a name that fits exactly one
unit gets a code. No typo tolerance: a stored report is not a citizen to ask again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.area_history import AreaHistory
from bot.core.textnorm import strip_diacritics

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_LEVELS = ("thanh pho", "thi tran", "thi xa", "dac khu", "phuong", "xa", "tinh", "quan", "huyen")
_PROVINCE_LEVELS = ("tinh", "thanh pho")


def fold(text: str) -> str:
    """ "Phường Cốc Lếu" -> "phuong coc leu"."""
    return _NOT_ALNUM.sub(" ", strip_diacritics(text.casefold()).replace("'", "")).strip()


def _core(folded: str) -> tuple[str | None, str]:
    for level in _LEVELS:
        if folded.startswith(level + " "):
            return level, folded[len(level) + 1 :]
    return None, folded


def _names(name: str) -> set[str]:
    """The ways a part may name a place: whole ("tinh lao cai") or without its level word ("lao cai")."""
    folded = fold(name)
    return {folded, _core(folded)[1]} if folded else set()


class PlaceNames:
    def __init__(self, units: Iterable[tuple[str, str, str]], history: AreaHistory):
        """`units`: (code, name, its province's name) of every current unit and province
        (a province's own province is ""), codes as the registry writes them."""
        self._current: list[tuple[str, str | None, str, set[str]]] = []  # code, level, core, province names
        for code, name, province in units:
            level, core = _core(fold(name))
            if province:
                self._current.append((code, level, core, _names(province)))
            else:  # a province: "Lào Cai" is written without its level word in the package
                self._current.append((code, level or "tinh", core, set()))
        self._old = [
            (_core(fold(unit.name)), unit.level, _names(unit.district) | _names(unit.province), unit.successors[0])
            for unit in history.units
            if unit.successors
        ]

    @classmethod
    def load(cls, history: AreaHistory | None = None) -> PlaceNames:
        from vietnam_provinces import Province, Ward

        provinces = {int(p.code): p.name for p in Province.iter_all()}
        units = [(f"t-{code:02d}", name, "") for code, name in provinces.items()]
        units += [(f"x-{int(w.code):05d}", w.name, provinces.get(int(w.province_code), "")) for w in Ward.iter_all()]
        return cls(units, history if history is not None else AreaHistory.load())

    def code_for(self, place: str) -> str | None:
        """The code of the one unit `place` names, or None (unknown, or several fit)."""
        parts = [fold(part) for part in (place or "").split(",")]
        parts = [part for part in parts if part]
        if not parts:
            return None
        level, core = _core(parts[0])
        context = set(parts[1:])
        fits = {
            code
            for code, unit_level, unit_core, provinces in self._current
            if unit_core == core
            and (level is None or level == unit_level or (level in _PROVINCE_LEVELS and unit_level in _PROVINCE_LEVELS))
            and context <= provinces
        }
        if not fits:  # a name of before 1 July 2025
            fits = {
                successor
                for (old_level, old_core), _kind, parents, successor in self._old
                if old_core == core and (level is None or level == old_level) and context <= parents
            }
        return next(iter(fits)) if len(fits) == 1 else None
