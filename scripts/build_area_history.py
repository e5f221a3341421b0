"""Build data/reference/area_history.csv: every unit of Vietnam before 1 July 2025 → its current unit(s).

Run from the repository root, with the dev-time package `vietnamadminunits` installed next to the
runtime one `vietnam-provinces` (which names the current units and their codes):

    .venv/bin/pip install vietnamadminunits
    .venv/bin/python scripts/build_area_history.py              # refresh: keeps every old_code
    .venv/bin/python scripts/build_area_history.py --legacy-tree old-areas.yaml   # bootstrap codes

`vietnamadminunits` carries the 63-province units (10,040 communes, 696 districts) and, for each old
commune, the current commune(s) it went into; where an old commune was split it marks one default
successor (the one keeping most of it), which is written first with primary=1. Current units are
named by `vietnam-provinces` codes (x-<GSO code>, t-<GSO code>); the two packages disagree on ~100
codes, so a unit is matched by its folded name within its province, and by code where names differ.

`old_code` is the code the project's content/areas.yaml gave an old unit (printed in QR codes as
`/start dk-<code>`). It is kept across refreshes (read back from the existing CSV); `--legacy-tree`
reads it from an areas.yaml of the old province → district → commune shape, once.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sqlite3
import sys
import unicodedata
from pathlib import Path

import vietnam_provinces
import vietnamadminunits
import yaml
from vietnam_provinces import Province, Ward

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "reference" / "area_history.csv"
FIELDS = ["level", "old_code", "old_gso", "old_name", "old_district", "old_province", "new_code", "primary"]
PACKAGE = Path(vietnamadminunits.__file__).parent / "data"


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D").casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in text if not unicodedata.combining(ch)))


def current_units() -> tuple[dict, dict]:
    """(folded name, province GSO code) → [ward codes]; ward code → province code, from vietnam-provinces."""
    by_name: dict[tuple[str, int], list[int]] = {}
    province_of: dict[int, int] = {}
    for ward in Ward.iter_all():
        by_name.setdefault((fold(ward.name), int(ward.province_code)), []).append(int(ward.code))
        province_of[int(ward.code)] = int(ward.province_code)
    return by_name, province_of


def new_codes_by_key(db: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(new province key, new ward key) of vietnamadminunits → our code of that current unit."""
    by_name, province_of = current_units()
    found, missing = {}, []
    for code, name, province, province_key, ward_key in db.execute(
        "SELECT wardCode, ward, provinceCode, provinceKey, wardKey FROM admin_units"
    ):
        fits = by_name.get((fold(name), int(province)), [])
        if len(fits) != 1:
            fits = [c for c in fits if c == int(code)] or (
                [int(code)] if province_of.get(int(code)) == int(province) else []
            )
        if len(fits) != 1:
            missing.append((name, province))
            continue
        found[(province_key, ward_key)] = f"x-{fits[0]:05d}"
    if missing:
        sys.exit(f"current units not found in vietnam-provinces: {missing}")
    return found


def provinces_by_key(db: sqlite3.Connection) -> dict[str, str]:
    """New province key → our code t-NN (both packages use the GSO province codes)."""
    ours = {int(p.code) for p in Province.iter_all()}
    found = {}
    for key, code in db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units"):
        assert int(code) in ours, code
        found[key] = f"t-{int(code):02d}"
    return found


def kept_codes() -> dict[tuple[str, str], str]:
    """(level, old GSO code) → old_code, from the previous CSV and, once, from an old areas.yaml tree."""
    kept: dict[tuple[str, str], str] = {}
    if OUT.exists():
        with OUT.open(encoding="utf-8") as f:
            for row in csv.DictReader(line for line in f if not line.startswith("#")):
                if row["old_code"]:
                    kept[(row["level"], row["old_gso"])] = row["old_code"]
    return kept


def legacy_tree_codes(path: Path, db: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """Match each node of an old-shape areas.yaml to the unit of the 63-province table it names: by
    name, else by name without its level word (a "phường" that was a "xã"), else by the older names
    the table keeps for communes merged before 2025 (An Hải Đông and An Hải Tây → An Hải Nam)."""
    rows = db.execute(
        "SELECT province, district, ward, provinceCode, districtCode, wardCode, wardShort, wardKeywords "
        "FROM admin_units_legacy"
    ).fetchall()
    provinces = {fold(r[0]): r[3] for r in rows}
    districts = {(fold(r[0]), fold(r[1])): r[4] for r in rows}
    wards: dict[tuple[str, str, str], str] = {}
    for province, district, ward, _, _, w_code, short, keywords in rows:
        if not ward:
            continue
        for name in (fold(ward), fold(short), *json.loads(keywords or "[]")):
            wards.setdefault((fold(province), fold(district), name), w_code)
    found: dict[tuple[str, str], str] = {}
    unmatched = []

    def walk(node: dict, lineage: tuple[str, ...]) -> None:
        here = (*lineage, fold(node["name"]))
        level, table = [("province", provinces), ("district", districts), ("ward", wards)][len(here) - 1]
        gso = table.get(here[0] if len(here) == 1 else here)
        if gso is None and level == "ward":
            gso = table.get((*lineage, fold(node["name"].split(" ", 1)[1])))
        if gso is None and level == "ward":
            gso = table.get((*lineage, fold(node["name"].split(" ", 1)[1].removeprefix("trấn "))))
        if gso is None:
            unmatched.append(node["code"])
        else:
            found[(level, gso)] = " ".join(filter(None, (found.get((level, gso)), node["code"])))
        for child in node.get("children") or ():
            walk(child, here)

    for node in yaml.safe_load(path.read_text(encoding="utf-8"))["areas"]:
        walk(node, ())
    if unmatched:
        sys.exit(f"old codes not matched to a unit of before 1 July 2025: {unmatched}")
    return found


def build(args) -> list[dict]:
    db = sqlite3.connect(PACKAGE / "dataset.db")
    converter = json.loads((PACKAGE / "converter_2025.json").read_text(encoding="utf-8"))
    province_of_old = {old: new for new, olds in converter["DICT_PROVINCE"].items() for old in olds}
    whole = {
        old: (province, ward)
        for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()
        for ward, olds in wards.items()
        for old in olds
    }
    split = converter["DICT_PROVINCE_WARD_DIVIDED"]
    units, provinces = new_codes_by_key(db), provinces_by_key(db)
    codes = kept_codes()
    if args.legacy_tree:
        codes.update(legacy_tree_codes(args.legacy_tree, db))

    out: list[dict] = []
    seen_provinces, seen_districts = set(), set()
    legacy = db.execute(
        "SELECT province, district, ward, provinceCode, districtCode, wardCode, provinceKey, districtKey, wardKey "
        "FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
    )
    for province, district, ward, p_code, d_code, w_code, p_key, d_key, w_key in legacy:
        new_province = province_of_old[p_key]
        if p_code not in seen_provinces:
            seen_provinces.add(p_code)
            out.append(_row("province", codes, p_code, province, "", "", provinces[new_province], 1))
        if d_code not in seen_districts:
            seen_districts.add(d_code)
            out.append(_row("district", codes, d_code, district, "", province, provinces[new_province], 1))
        key = f"{p_key}_{d_key}_{w_key or ''}"
        if key in whole:
            successors = [(whole[key][1], True)]
        else:
            options = split[new_province][key]
            successors = sorted(((o["newWardKey"], o["isDefaultNewWard"]) for o in options), key=lambda o: not o[1])
        gso = w_code or f"{d_code}-0"  # island districts had no communes: the district itself
        for ward_key, primary in successors:
            new = units[(new_province, ward_key)]
            out.append(_row("ward", codes, gso, ward or district, district, province, new, int(primary)))
    return out


def _row(level, codes, gso, name, district, province, new_code, primary) -> dict:
    return {
        "level": level,
        "old_code": codes.get((level, gso), ""),
        "old_gso": gso,
        "old_name": name,
        "old_district": district,
        "old_province": province,
        "new_code": new_code,
        "primary": primary,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--legacy-tree", type=Path, help="an areas.yaml of the old shape, to read its codes once")
    args = parser.parse_args()
    rows = build(args)
    named = len({code for r in rows for code in r["old_code"].split()})
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(
            f"# Units before 1 July 2025 → current units. Built by scripts/build_area_history.py from "
            f"vietnamadminunits {_version('vietnamadminunits')} and vietnam-provinces "
            f"{vietnam_provinces.__version__} (data {vietnam_provinces.__data_version__}); do not edit by hand.\n"
        )
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows, {named} old codes named, written to {OUT.relative_to(ROOT)}")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    main()
