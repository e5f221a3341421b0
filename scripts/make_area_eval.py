"""Write a test file of area names typed the ways people type them: tests/eval/areas*.tsv.

    .venv/bin/python scripts/make_area_eval.py --seed 2 --count 120 tests/eval/areas-holdout.tsv

Each line: what a citizen types <TAB> the code of the unit (or province) they mean <TAB> how it was
made. The perturbations are fixed here, before any tuning of the search, and drawn with a fixed
seed, so a file can be made again identically:
  • a current unit's name, or a name of before 1 July 2025 (expected: the unit it went into whole);
  • accents kept or dropped (people often type without);
  • level word kept, dropped, or abbreviated ("p.", "x.", "P", "tt", "tx");
  • a typo in one word of four letters or more (a letter dropped, doubled, swapped or replaced);
  • the province appended ("…, Đồng Nai" or "… dong nai") always when the name is not unique in
    Vietnam (otherwise nobody could tell which is meant), sometimes otherwise.
Names that stay ambiguous even with their province are left out.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.broadcast.area_search import fold, split_level  # noqa: E402
from bot.broadcast.areas import Areas  # noqa: E402
from bot.core import paths  # noqa: E402
from bot.core.textnorm import strip_diacritics  # noqa: E402

ABBREVIATIONS = {
    "phường": ["p.", "P.", "p", "ph."],
    "xã": ["x.", "X.", "x"],
    "thị trấn": ["tt", "TT.", "thị trấn"],
    "đặc khu": ["đk", "dac khu"],
}


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap", "replace"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("aeioundhtcg") + word[i + 1 :]


def perturb(level: str, core: str, province: str | None, rng: random.Random) -> tuple[str, str]:
    steps = []
    words = core.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4]
    if long and rng.random() < 0.35:
        i = rng.choice(long)
        words[i] = typo(words[i], rng)
        steps.append("typo")
    name = " ".join(words)
    choice = rng.random()
    if choice < 0.4:
        steps.append("no-level")
    elif choice < 0.7 and level in ABBREVIATIONS:
        name = f"{rng.choice(ABBREVIATIONS[level])} {name}"
        steps.append("abbrev")
    else:
        name = f"{level} {name}"
    if province:
        province = rng.choice(["tỉnh ", "tp ", ""]) + province if rng.random() < 0.2 else province
        name = f"{name}, {province}" if rng.random() < 0.5 else f"{name} {province}"
        steps.append("province")
    if rng.random() < 0.55:
        name = strip_diacritics(name).lower() if rng.random() < 0.7 else strip_diacritics(name)
        steps.append("no-accents")
    return name, "+".join(steps) or "as-written"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    areas = Areas.load(paths.content_dir() / "areas.yaml")
    units = [a for a in areas if a.parent]
    current_cores = Counter(split_level(fold(a.name))[1] for a in units)
    in_province = Counter((split_level(fold(a.name))[1], a.parent) for a in units)
    olds = [u for u in areas.history.units if u.level == "ward" and len(u.successors) == 1]
    old_cores = Counter(split_level(fold(u.name))[1] for u in olds)
    old_in_province = Counter((split_level(fold(u.name))[1], u.province) for u in olds)
    lines = []
    while len(lines) < args.count:
        if rng.random() < 0.7:
            area = rng.choice(units)
            level, core = area.kind, area.name[len(area.kind) + 1 :]
            key = split_level(fold(area.name))[1]
            if in_province[(key, area.parent)] > 1 or old_in_province.get((key, None)):
                continue
            unique = current_cores[key] == 1
            parent = areas.get(area.parent)
            province = parent.name[len(parent.kind) + 1 :]
            province = None if unique and rng.random() < 0.7 else province
            expected, source = area.code, "current"
        else:
            old = rng.choice(olds)
            key = split_level(fold(old.name))[1]
            new = areas.get(old.successors[0])
            if new is None or key in {split_level(fold(areas.get(c).name))[1] for c in areas.get(new.parent).children}:
                continue  # a current unit of the province has that name: it comes first, rightly
            if old_in_province[(key, old.province)] > 1:
                continue
            level, core = old.name.split(" ", 1) if not old.name.startswith("Thị trấn") else ("thị trấn", old.name[9:])
            level = level.lower()
            unique = old_cores[key] == 1 and current_cores[key] == 0
            province = old.province.removeprefix("Tỉnh ").removeprefix("Thành phố ")
            province = None if unique and rng.random() < 0.7 else province
            expected, source = new.code, "old"
        text, how = perturb(level, core, province, rng)
        lines.append(f"{text}\t{expected}\t{source}+{how}")
    args.out.write_text(
        "# text\texpected code\thow it was made (scripts/make_area_eval.py --seed "
        f"{args.seed} --count {args.count})\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
