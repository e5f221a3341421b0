"""Finding a unit by what a citizen types: "phuong hoan kiem", "x. Tả Van", "Cốc Lếu", "tan phu dong nai".

Everything is compared folded (lower case, no accents, "đ" as "d", punctuation as spaces) and without
the level word ("phường", "p.", "xã", "tx", "thị trấn"…), which people add, drop or abbreviate.
Names are scored with rapidfuzz, so a typo or two still finds the unit. A province named in the
text ("…, Đồng Nai", "… dong nai", an old province too: "… Yên Bái") narrows the search to it, which
is how the dozens of "Thống Nhất" or "Tân Phú" are told apart; an old district named after the
commune ("Hòa Khánh Bắc, Liên Chiểu") favours the old communes of that district. Names of before
1 July 2025 lead to the unit they went into, and the match says which old name it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.core.area_history import AreaHistory, OldUnit
from bot.core.textnorm import strip_diacritics

MAX_QUERY = 120  # longer texts are no place name; the start is enough
CUTOFF = 62  # below this a name is not offered at all
_APOSTROPHES = re.compile(r"['’`´ʼ]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PARTS = re.compile(r"[,;\n/]+")

# Level words as typed (folded), longest first, and the level they mean.
_LEVELS = {
    "thanh pho": "thanh pho",
    "thi tran": "thi tran",
    "thi xa": "thi xa",
    "dac khu": "dac khu",
    "phuong": "phuong",
    "xa": "xa",
    "tinh": "tinh",
    "quan": "quan",
    "huyen": "huyen",
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "dk": "dac khu",
    "ph": "phuong",
    "p": "phuong",
    "x": "xa",
    "q": "quan",
    "h": "huyen",
}
_LEVEL_WORDS = sorted(_LEVELS, key=lambda w: -len(w))
_PROVINCE_LEVELS = {"tinh", "thanh pho"}
# Names of provinces people type that are not their names.
_PROVINCE_ALIASES = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "saigon": "ho chi minh",
    "sg": "ho chi minh",
    "hn": "ha noi",
}


def fold(text: str) -> str:
    """ "Phường Hoàn Kiếm" -> "phuong hoan kiem"; "Ea H'Leo" -> "ea hleo"."""
    text = strip_diacritics(unicodedata.normalize("NFC", text).casefold())
    return _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", text)).strip()


def split_level(folded: str) -> tuple[str | None, str]:
    """ "phuong hoan kiem" -> ("phuong", "hoan kiem"); a name with no level word -> (None, name)."""
    for word in _LEVEL_WORDS:
        if folded.startswith(word + " "):
            return _LEVELS[word], folded[len(word) + 1 :].strip()
    return None, folded


def level_word_of(name: str) -> str:
    """The level word a shown name starts with ("phường Cốc Lếu" -> "phường"), "" if none."""
    level, _ = split_level(fold(name))
    if level is None:
        return ""
    return " ".join(name.split()[: len(level.split())]).lower()


@dataclass(frozen=True)
class AreaMatch:
    code: str  # a current unit, or a province
    score: float  # 0-100, higher is closer
    old_name: str | None = None  # "xã Tả Van, huyện Sa Pa, tỉnh Lào Cai" when an old name matched


@dataclass(frozen=True)
class _Entry:
    code: str
    province: str  # code of the current province
    level: str  # folded level word
    old: OldUnit | None = None
    primary: bool = True
    old_district: str = ""  # folded core name of the old district
    old_province: str = ""  # folded core name of the old province


@dataclass(frozen=True)
class _Query:
    core: str
    level: str | None = None
    province: str | None = None  # code
    old_province: str | None = None  # folded core name, when the text named a province of before 2025
    district: str | None = None  # folded core of an old district named after the commune


class SearchIndex:
    def __init__(self, areas: Iterable[Any], history: AreaHistory):  # bot.broadcast.areas.Area
        self._entries: dict[str, list[_Entry]] = {}
        self._by_province: dict[str, dict[str, list[_Entry]]] = {}
        self._provinces: dict[str, str] = {}  # folded core (or alias) -> province code
        self._old_provinces: dict[str, str] = {}  # folded core of a province before 2025 -> its province now
        self._old_province_names: dict[str, str] = {}
        self._names: dict[str, str] = {}
        units = {}
        for area in areas:
            self._names[area.code] = area.name
            level, core = split_level(fold(area.name))
            if area.parent is None:
                self._provinces[core] = area.code
                self._provinces.setdefault(core.replace(" ", ""), area.code)
            else:
                units[area.code] = area
                self._add(core, _Entry(area.code, area.parent, level or ""))
        for alias, core in _PROVINCE_ALIASES.items():
            if core in self._provinces:
                self._provinces.setdefault(alias, self._provinces[core])
        self._districts: set[str] = set()
        for old in history.units:
            successors = [code for code in old.successors if code in units or code in self._names]
            if not successors:
                continue
            level, core = split_level(fold(old.name))
            if old.level == "province":
                self._old_provinces.setdefault(core, successors[0])
                self._old_provinces.setdefault(core.replace(" ", ""), successors[0])
                self._old_province_names[core] = self._old_province_names[core.replace(" ", "")] = old.name
                continue
            district = split_level(fold(old.district or old.name))[1]
            province = split_level(fold(old.province))[1]
            if old.level == "district":
                self._districts.add(district)
                continue
            for rank, code in enumerate(successors):
                entry = _Entry(code, units[code].parent, level or "", old, rank == 0, district, province)
                self._add(core, entry)
        self._keys = list(self._entries)
        self._province_keys = {code: list(keys) for code, keys in self._by_province.items()}
        self._all_provinces = {**self._old_provinces, **self._provinces}

    def _add(self, key: str, entry: _Entry) -> None:
        self._entries.setdefault(key, []).append(entry)
        self._by_province.setdefault(entry.province, {}).setdefault(key, []).append(entry)

    # --- reading the text -------------------------------------------------------------------------

    def _province_of(self, folded: str, fuzzy: bool) -> tuple[str | None, str | None]:
        """(province code, old province's folded name if it was one) a text part names."""
        level, core = split_level(folded)
        if level not in (None, *_PROVINCE_LEVELS):
            return None, None
        for name in (core, folded):
            if name in self._provinces:
                return self._provinces[name], None
            if name in self._old_provinces:
                return self._old_provinces[name], name
        if fuzzy and len(core) >= 4:
            found = process.extractOne(core, list(self._all_provinces), scorer=fuzz.ratio, score_cutoff=85)
            if found:
                name = found[0]
                return self._all_provinces[name], name if name not in self._provinces else None
        return None, None

    def _queries(self, text: str) -> list[_Query]:
        parts = [fold(part) for part in _PARTS.split(text[:MAX_QUERY])]
        parts = [part for part in parts if part]
        if not parts:
            return []
        head, context = parts[0], parts[1:]
        province = old_province = district = None
        for part in context:  # a province, else an old district, else a province with a typo
            found, old = self._province_of(part, fuzzy=False)
            if not found and split_level(part)[1] in self._districts:
                district = split_level(part)[1]
                continue
            found, old = (found, old) if found else self._province_of(part, fuzzy=True)
            if found:
                province, old_province = found, old
        queries = []
        level, core = split_level(head)
        if core:
            queries.append(_Query(core, level, province, old_province, district))
        if level and head != core:  # "xa phien" may be xã Phiên or Xà Phiên
            queries.append(_Query(head, None, province, old_province, district))
        if province is None:  # "tan phu dong nai", "coc leu lao cai", "hoa khanh bac lien chieu da nang"
            words = core.split()
            for size in range(min(4, len(words) - 1), 0, -1):
                found, old = self._province_of(" ".join(words[-size:]), fuzzy=False)
                rest = " ".join(words[:-size])
                rest_level, rest = split_level(rest)
                rest = _strip_trailing_levels(rest)
                if found and rest:
                    queries.append(_Query(rest, level or rest_level, found, old, district))
                    queries.extend(self._with_district(rest, level or rest_level, found, old))
                    break
            else:
                queries.extend(self._with_district(core, level, None, None))
        return queries

    def _with_district(self, core, level, province, old_province) -> list[_Query]:
        """ "hoa khanh bac lien chieu": the commune, with its old district as a hint."""
        words = core.split()
        for size in range(min(4, len(words) - 1), 0, -1):
            district = " ".join(words[-size:])
            rest = _strip_trailing_levels(" ".join(words[:-size]))
            if district in self._districts and rest:
                return [_Query(rest, level, province, old_province, district)]
        return []

    # --- scoring ------------------------------------------------------------------------------------

    def search(self, text: str, limit: int = 5) -> list[AreaMatch]:
        best: dict[str, tuple[float, int, AreaMatch]] = {}

        def offer(match: AreaMatch, rank: int) -> None:
            if match.code not in best or (match.score, -rank) > best[match.code][:2]:
                best[match.code] = (match.score, -rank, match)

        parts = [fold(part) for part in _PARTS.split(text[:MAX_QUERY]) if fold(part)]
        if len(parts) == 1:  # a province alone ("Đồng Nai", "tp HCM", "tỉnh Yên Bái"): the province first
            level, _ = split_level(parts[0])
            found, old = self._province_of(parts[0], fuzzy=False)
            if found and level not in ("phuong", "xa", "dac khu", "thi tran"):
                offer(AreaMatch(found, 200.0, self._old_province_name(old)), 0)  # before units of that name
        for query in self._queries(text):
            keys = self._province_keys.get(query.province, []) if query.province else self._keys
            entries = self._by_province.get(query.province, {}) if query.province else self._entries
            hits = process.extract(query.core, keys, scorer=fuzz.ratio, limit=25, score_cutoff=CUTOFF)
            for key, similarity, _ in hits:
                for entry in entries[key]:
                    score = _score(similarity, entry, query)
                    offer(AreaMatch(entry.code, score, _old_name(entry)), 0 if entry.old is None else 1)
        ranked = sorted(best.values(), key=lambda item: (-item[0], -item[1], self._names.get(item[2].code, "")))
        return [_clamped(match) for _, _, match in ranked[:limit]]

    def _old_province_name(self, folded: str | None) -> str | None:
        return _shown(self._old_province_names[folded]) if folded else None


def _score(similarity: float, entry: _Entry, query: _Query) -> float:
    score = similarity
    if query.province:
        score += 12
    if query.old_province and entry.old is not None and entry.old_province == query.old_province:
        score += 4  # "Tân Phú, Đồng Nai" written with the old province: its old communes first
    if query.district:
        score += 8 if entry.old is not None and entry.old_district == query.district else -2
    if query.level and query.level == entry.level:
        score += 4
    if entry.old is None:
        score += 3  # a current name before an old one that sounds the same
    elif not entry.primary:
        score -= 3  # a split commune: the part that kept most of it first
    return score


def _clamped(match: AreaMatch) -> AreaMatch:
    return AreaMatch(match.code, round(min(100.0, max(0.0, match.score)), 1), match.old_name)


def _old_name(entry: _Entry) -> str | None:
    if entry.old is None:
        return None
    unit = entry.old
    return ", ".join(_shown(name) for name in (unit.name, unit.district, unit.province) if name)


def _shown(name: str) -> str:
    return name[:1].lower() + name[1:]


def _strip_trailing_levels(text: str) -> str:
    words = text.split()
    while words and words[-1] in _LEVELS:
        words.pop()
    if len(words) >= 2 and " ".join(words[-2:]) in _LEVELS:
        words = words[:-2]
    return " ".join(words)
