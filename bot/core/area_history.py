"""Vietnam's units before 1 July 2025 and the current units they went into (data/reference/area_history.csv).

Built once by scripts/build_area_history.py; read here by the area registry (old codes printed in QR
codes, old names people still type) and by the schema migration that moves stored codes to current
units, which is why it lives in core and knows nothing of the registry itself.

An old commune (level "ward") went whole into one current unit, or was split among several; the one
that kept most of it comes first (`primary`). An old district or province has its own row, whose
current unit is the province it now belongs to.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core import paths


@dataclass(frozen=True)
class OldUnit:
    level: str  # "province", "district" or "ward"
    codes: tuple[str, ...]  # the project's codes for it (content/areas.yaml before 2025), often none
    name: str  # as written then: "Phường Cốc Lếu"
    district: str  # "Thành phố Lào Cai" ("" for a district or province)
    province: str  # "Tỉnh Lào Cai" ("" for a province)
    successors: tuple[str, ...]  # current unit codes, the primary one first


class AreaHistory:
    def __init__(self, units: list[OldUnit]):
        self.units = units
        self._by_code = {code: unit for unit in units for code in unit.codes}
        self._district_successors: dict[tuple[str, str], list[str]] = {}
        for unit in units:
            if unit.level == "ward":
                found = self._district_successors.setdefault((unit.district, unit.province), [])
                found.extend(code for code in unit.successors if code not in found)

    @classmethod
    def load(cls, path: Path | None = None) -> AreaHistory:
        return _load(path or paths.reference_dir() / "area_history.csv")

    def get(self, code: str) -> OldUnit | None:
        return self._by_code.get(code)

    def successors(self, code: str) -> list[str]:
        """Every current unit an old code's place went into: an old commune's successor(s), the
        successors of all the communes of an old district, an old province's province; [] unknown."""
        unit = self._by_code.get(code)
        if unit is None:
            return []
        if unit.level == "district":
            return list(self._district_successors.get((unit.name, unit.province), unit.successors))
        return list(unit.successors)

    def settle(self, code: str) -> str | None:
        """The one current unit a row on an old code moves to: an old commune's primary successor,
        the province of an old district or province (the smallest current unit containing it all);
        None if the code is not an old one."""
        unit = self._by_code.get(code)
        return unit.successors[0] if unit is not None else None


@lru_cache(maxsize=4)
def _load(path: Path) -> AreaHistory:
    if not path.exists():
        return AreaHistory([])
    units: list[OldUnit] = []
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            previous = units[-1] if units else None
            if (
                previous is not None
                and row["level"] == "ward"
                and previous.level == "ward"
                and (previous.name, previous.district, previous.province)
                == (row["old_name"], row["old_district"], row["old_province"])
            ):  # another successor of a split commune: its rows follow each other
                units[-1] = OldUnit(**{**vars(previous), "successors": (*previous.successors, row["new_code"])})
                continue
            units.append(
                OldUnit(
                    level=row["level"],
                    codes=tuple(row["old_code"].split()),
                    name=row["old_name"],
                    district=row["old_district"],
                    province=row["old_province"],
                    successors=(row["new_code"],),
                )
            )
    return AreaHistory(units)
