"""The areas citizens subscribe to, from `content/areas.yaml`: province → district → commune.

A tree of any depth (since the 2025 reorganisation many provinces have no districts). A broadcast
to an area reaches the subscribers of that area and of every area inside it. Codes are stable and
appear in QR codes (`/start dk-<code>`), so they are never reused for another place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class AreaError(ValueError):
    """areas.yaml is malformed; the message names the node."""


@dataclass(frozen=True)
class Hotline:
    label: str
    number: str


@dataclass
class Area:
    code: str
    name: str
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    police_hotlines: tuple[Hotline, ...] = ()


class Areas:
    def __init__(self, nodes: list[dict]):
        self._areas: dict[str, Area] = {}
        self.roots: list[str] = []
        for node in nodes:
            self.roots.append(self._add(node, None))

    def _add(self, node: dict, parent: str | None) -> str:
        code = str(node.get("code", ""))
        if not CODE.match(code):
            raise AreaError(f"area code {code!r} must be 2-40 characters of a-z, 0-9 and -")
        if code in self._areas:
            raise AreaError(f"area code {code!r} is used twice")
        if not str(node.get("name", "")).strip():
            raise AreaError(f"area {code!r} has no name")
        hotlines = tuple(Hotline(str(h["label"]), str(h["number"])) for h in node.get("police_hotlines") or ())
        area = Area(code=code, name=str(node["name"]).strip(), parent=parent, police_hotlines=hotlines)
        self._areas[code] = area
        area.children = [self._add(child, code) for child in node.get("children") or ()]
        return code

    @classmethod
    def load(cls, path: Path) -> Areas:
        if not path.exists():
            return cls([])
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(data.get("areas") or [])

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
        """ "phường Cốc Lếu, thành phố Lào Cai, tỉnh Lào Cai"."""
        return ", ".join(area.name for area in reversed(self.lineage(code)))

    def police_hotlines(self, code: str) -> tuple[Hotline, ...]:
        """The nearest numbers: the commune's own, else its district's, else its province's."""
        for area in reversed(self.lineage(code)):
            if area.police_hotlines:
                return area.police_hotlines
        return ()

    def name_of(self, code: str) -> str:
        """The area's name, to show where a code is stored; anything else (the locality's name that
        reports stored before they kept codes) is shown as it is."""
        area = self._areas.get(code)
        return area.name if area is not None else code

    def code_for(self, place: str) -> str | None:
        """The code of the area a written place names ("phường Cốc Lếu", or with its parents:
        "phường Cốc Lếu, tỉnh Lào Cai"), None unless exactly one area fits."""
        parts = [part.strip().casefold() for part in place.split(",") if part.strip()]
        if not parts:
            return None
        fits = [
            area.code
            for area in self._areas.values()
            if area.name.casefold() == parts[0]
            and set(parts[1:]) <= {a.name.casefold() for a in self.lineage(area.code)}
        ]
        return fits[0] if len(fits) == 1 else None

    def template_values(self, code: str) -> dict:
        """What campaign templates see as `area`."""
        area = self._areas[code]
        return {"code": code, "name": area.name, "police_hotlines": [vars(h) for h in self.police_hotlines(code)]}
