#!/usr/bin/env python
"""Area name search: accuracy on the name test files and time per lookup over every unit.

    python bench/areas_lookup.py

Prints top-1 / top-3 accuracy on tests/eval/areas.tsv (tuned on) and tests/eval/areas-holdout.tsv
(never tuned on), then p50/p99 time of `Areas.search` for every one of the 3,321 units typed three
ways (as written; without accents or level word; with a typo and its province), and the time to
load the registry and build the search index. One core, in process (time.perf_counter_ns).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.broadcast.areas import Areas  # noqa: E402
from bot.core.textnorm import strip_diacritics  # noqa: E402


def accuracy(areas: Areas, path: Path) -> tuple[int, float, float]:
    cases = [line.split("\t")[:2] for line in path.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    top1 = top3 = 0
    for text, expected in cases:
        found = [m.code for m in areas.search(text, limit=3)]
        top1 += found[:1] == [expected]
        top3 += expected in found
    return len(cases), top1 / len(cases), top3 / len(cases)


def main() -> None:
    started = time.perf_counter()
    areas = Areas.load(ROOT / "content" / "areas.yaml")
    loaded = time.perf_counter()
    areas.search("")
    indexed = time.perf_counter()
    print(
        f"registry: {len(areas)} areas ({len(areas.roots)} provinces) loaded in {(loaded - started) * 1000:.0f} ms, "
        f"search index built in {(indexed - loaded) * 1000:.0f} ms"
    )
    for name in ("areas.tsv", "areas-holdout.tsv"):
        count, top1, top3 = accuracy(areas, ROOT / "tests" / "eval" / name)
        print(f"{name}: {count} names, top-1 {top1:.1%}, top-3 {top3:.1%}")
    rng = random.Random(7)
    texts = []
    for area in areas:
        if area.parent is None:
            continue
        core = area.name[len(area.kind) + 1 :]
        province = areas.get(area.parent).name
        typo = list(core)
        i = rng.randrange(len(typo))
        typo[i] = rng.choice("aeioun")
        texts += [area.name, strip_diacritics(core).lower(), f"{''.join(typo)}, {province}"]
    times = []
    for text in texts:
        begin = time.perf_counter_ns()
        areas.search(text)
        times.append((time.perf_counter_ns() - begin) / 1e6)
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"lookups: {len(texts)}, p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms")


if __name__ == "__main__":
    main()
