"""The areas citizens subscribe to: Vietnam's 34 provinces and 3,321 communes, wards and special zones.

Since 1 July 2025 there are two levels: a province (tỉnh, or a centrally-run thành phố) and its
units (xã, phường, đặc khu). The registry comes from the package `vietnam-provinces` (General
Statistics Office codes); `content/areas.yaml` adds only what the package cannot know (police
numbers per unit). A broadcast to an area reaches the subscribers of that area and of every area
inside it.

Codes are ASCII, stable and printed in QR codes (`/start dk-<code>`): `t-<GSO province code>`
("t-15") and `x-<GSO unit code>` ("x-02647"). GSO codes are never given to another place. The codes
this project used before 2025 ("coc-leu") keep working through `resolve`, which follows
`data/reference/area_history.csv` to the current unit(s); `search` finds units by what people type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from bot.broadcast.area_search import AreaMatch, SearchIndex, fold, level_word_of, split_level
from bot.core.area_history import AreaHistory
from bot.core.content import read_yaml

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")

__all__ = ["CODE", "Area", "AreaError", "AreaMatch", "Areas", "Hotline"]


class AreaError(ValueError):
    """An area node or areas.yaml is malformed; the message names the node."""


@dataclass(frozen=True)
class Hotline:
    label: str
    number: str


@dataclass
class Area:
    code: str
    name: str  # as shown, level word in lower case: "phường Cốc Lếu", "tỉnh Lào Cai"
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    police_hotlines: tuple[Hotline, ...] = ()
    kind: str = ""  # the level word: "tỉnh", "thành phố", "xã", "phường", "đặc khu"

    @property
    def province(self) -> str:
        """The code of the province it is in (itself for a province)."""
        return self.parent or self.code


class Areas:
    def __init__(self, nodes: list[dict], history: AreaHistory | None = None):
        self._areas: dict[str, Area] = {}
        self.roots: list[str] = []
        self.history = history or AreaHistory([])
        self._from_registry = False
        for node in nodes:
            self.roots.append(self._add(node, None))

    def _add(self, node: dict, parent: str | None) -> str:
        code = str(node.get("code", ""))
        if not CODE.match(code):
            raise AreaError(f"area code {code!r} must be 2-64 characters of a-z, 0-9 and -")
        if code in self._areas:
            raise AreaError(f"area code {code!r} is used twice")
        name = str(node.get("name", "")).strip()
        if not name:
            raise AreaError(f"area {code!r} has no name")
        hotlines = tuple(Hotline(str(h["label"]), str(h["number"])) for h in node.get("police_hotlines") or ())
        kind = node.get("kind") or level_word_of(name)
        area = Area(code=code, name=name, parent=parent, police_hotlines=hotlines, kind=kind)
        self._areas[code] = area
        area.children = [self._add(child, code) for child in node.get("children") or ()]
        return code

    @classmethod
    def load(cls, path: Path, history: AreaHistory | None = None) -> Areas:
        """Every current unit of Vietnam, with the police numbers of `path` (content/areas.yaml)."""
        hotlines = _hotlines(path)
        unknown = sorted(set(hotlines) - _registry_codes())
        if unknown:
            raise AreaError(f"{path.name}: police_hotlines for codes that are no current unit: {', '.join(unknown)}")
        nodes = [
            {
                **province,
                "police_hotlines": hotlines.get(province["code"], ()),
                "children": [{**unit, "police_hotlines": hotlines.get(unit["code"], ())} for unit in units],
            }
            for province, units in _registry()
        ]
        areas = cls(nodes, history if history is not None else AreaHistory.load())
        areas._from_registry = True
        return areas

    def get(self, code: str) -> Area | None:
        return self._areas.get(code)

    def __iter__(self) -> Iterator[Area]:
        return iter(self._areas.values())

    def __len__(self) -> int:
        return len(self._areas)

    def within(self, code: str) -> set[str]:
        """The area and every area inside it."""
        found, stack = set(), [code]
        while stack:
            current = stack.pop()
            if current in self._areas and current not in found:
                found.add(current)
                stack.extend(self._areas[current].children)
        return found

    def lineage(self, code: str) -> list[Area]:
        """From the province down to the area itself."""
        chain = []
        area = self._areas.get(code)
        while area is not None:
            chain.append(area)
            area = self._areas.get(area.parent) if area.parent else None
        return chain[::-1]

    def full_name(self, code: str) -> str:
        """ "phường Cốc Lếu, tỉnh Lào Cai"."""
        return ", ".join(area.name for area in reversed(self.lineage(code)))

    def police_hotlines(self, code: str) -> tuple[Hotline, ...]:
        """The nearest numbers: the unit's own, else its province's."""
        for area in reversed(self.lineage(code)):
            if area.police_hotlines:
                return area.police_hotlines
        return ()

    def name_of(self, code: str) -> str:
        """The area's name, to show where a code is stored; anything else (the locality's name that
        reports stored before they kept codes) is shown as it is."""
        area = self._areas.get(code)
        return area.name if area is not None else code

    def resolve(self, code: str) -> list[str]:
        """The current unit(s) a code means: itself if current; for a code of before 2025 (a QR code
        printed then: "coc-leu") the unit(s) its place went into, the primary one first, several
        where it was split or was a district; [] if unknown."""
        if code in self._areas:
            return [code]
        return [found for found in self.history.successors(code) if found in self._areas]

    def code_for(self, place: str) -> str | None:
        """The code of the area a written place names ("phường Hoàn Kiếm", or with its province:
        "phường Hoàn Kiếm, thành phố Hà Nội"; an old name with its old parents: "phường Cốc Lếu,
        thành phố Lào Cai"), None unless exactly one area fits."""
        parts = [part.strip().casefold() for part in place.split(",") if part.strip()]
        if not parts:
            return None
        fits = [
            area.code
            for area in self._areas.values()
            if area.name.casefold() == parts[0]
            and set(parts[1:]) <= {a.name.casefold() for a in self.lineage(area.code)}
        ]
        if not fits:  # a name from before 1 July 2025: the unit it went into
            fits = sorted(
                {
                    unit.successors[0]
                    for unit in self.history.units
                    if unit.level == "ward"
                    and unit.name.casefold() == parts[0]
                    and set(parts[1:]) <= {unit.district.casefold(), unit.province.casefold()}
                    and unit.successors[0] in self._areas
                }
            )
        return fits[0] if len(fits) == 1 else None

    def search(self, text: str, limit: int = 5) -> list[AreaMatch]:
        """The units (or the province) a citizen's words most likely name, best first: accents, level
        words ("p.", "xã", "tx") and typos do not matter; a province named in the text narrows the
        search; old names (before 1 July 2025) find the unit they went into."""
        return self._index.search(text, limit)

    @cached_property
    def _index(self) -> SearchIndex:
        if self._from_registry:  # the same for every load of the registry: built once per process
            return _registry_index(self.history)
        return SearchIndex(self._areas.values(), self.history)

    def template_values(self, code: str) -> dict:
        """What campaign templates see as `area`."""
        area = self._areas[code]
        return {"code": code, "name": area.name, "police_hotlines": [vars(h) for h in self.police_hotlines(code)]}


def _shown(name: str) -> str:
    """ "Phường Hoàn Kiếm" -> "phường Hoàn Kiếm": the level word in lower case, as content writes it."""
    return name[:1].lower() + name[1:]


@lru_cache(maxsize=1)
def _registry() -> tuple[tuple[dict, tuple[dict, ...]], ...]:
    """(province node, its unit nodes) from vietnam-provinces, provinces and units by name."""
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    units: dict[int, list[dict]] = {}
    for ward in Ward.iter_all():
        units.setdefault(int(ward.province_code), []).append(
            {"code": f"x-{int(ward.code):05d}", "name": _shown(ward.name), "kind": ward.division_type.value}
        )
    provinces = []
    for province in Province.iter_all():
        city = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
        kind = "thành phố" if city else "tỉnh"
        name = _shown(province.name) if level_word_of(province.name) else f"{kind} {province.name}"  # "Lào Cai"
        node = {"code": f"t-{int(province.code):02d}", "name": name, "kind": kind}
        children = tuple(sorted(units.get(int(province.code), []), key=lambda u: split_level(fold(u["name"]))[::-1]))
        provinces.append((node, children))
    return tuple(sorted(provinces, key=lambda p: split_level(fold(p[0]["name"]))[1]))


@lru_cache(maxsize=2)
def _registry_index(history: AreaHistory) -> SearchIndex:
    return SearchIndex(Areas([{**p, "children": list(u)} for p, u in _registry()]), history)


@lru_cache(maxsize=1)
def _registry_codes() -> frozenset[str]:
    return frozenset(node["code"] for province, units in _registry() for node in (province, *units))


def _hotlines(path: Path) -> dict[str, list[dict]]:
    """content/areas.yaml: `police_hotlines: {<code>: [{label, number}, …]}`."""
    if not path.exists():
        return {}
    data = read_yaml(path.read_text(encoding="utf-8")) or {}
    found = data.get("police_hotlines") or {}
    if not isinstance(found, dict):
        raise AreaError(f"{path.name}: police_hotlines must map area codes to lists of numbers")
    for code, numbers in found.items():
        if not isinstance(numbers, list) or not all(
            isinstance(n, dict) and "label" in n and "number" in n for n in numbers
        ):
            raise AreaError(f"{path.name}: police_hotlines of {code!r} must be a list of {{label, number}}")
    return {str(code): numbers for code, numbers in found.items()}
