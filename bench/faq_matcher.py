#!/usr/bin/env python
"""FAQ matcher benchmark: quality and speed on an evaluation file, against a plain baseline.

    python bench/faq_matcher.py                       # the tuning files, then the held-out one
    python bench/faq_matcher.py --eval ../shared/eval/faq-sample.tsv

`tests/eval/faq-eval.tsv`, `faq-dev.tsv`, `faq-dev-2.tsv` and `faq-dev-3.tsv` are the tuning files:
thresholds, the refusal cut (`canhgiac faq tune`) and the classifier's regularisation were chosen on
them, and their misses were read. `tests/eval/faq-holdout-4.tsv` was written by someone who saw neither the
FAQ, the topic examples nor the out-of-scope texts, and nothing was tuned on it.

Prints, for the shipped FAQ:
- our matcher: top-1 topic accuracy, out-of-scope refused, in-scope wrongly refused, p50/p99 ms;
- the baseline: rapidfuzz `WRatio` of the raw question against every raw phrasing (only
  rapidfuzz's default processing: lower case, punctuation removed), its refusal threshold picked
  by grid search *on this same file* (a flattering choice for the baseline);
- a threshold sweep of our matcher, to show where the configured thresholds sit;
- speed with the FAQ grown synthetically to 5,000 entries, and the index build time.

Latency is measured on one core in this process (time.perf_counter around each question).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests" / "eval" / "faq-eval.tsv"
DEVELOPMENT = tuple(ROOT / "tests" / "eval" / f"faq-dev{n}.tsv" for n in ("", "-2", "-3"))
HELD_OUT = ROOT / "tests" / "eval" / "faq-holdout-4.tsv"
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process, utils  # noqa: E402

from bot.core.settings import Settings  # noqa: E402
from bot.knowledge.catalog import FaqEntry  # noqa: E402
from bot.knowledge.evaluate import evaluate, read_cases  # noqa: E402
from bot.knowledge.matcher import FaqMatcher  # noqa: E402
from bot.services import load_library  # noqa: E402
from handlers import build_router  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def baseline(entries, cases):
    """WRatio on raw text; the best threshold for it, chosen on the same cases."""
    choices = [(text, entry.topic) for entry in entries for text in entry.texts]
    strings = [c[0] for c in choices]
    scored, latencies = [], []
    for case in cases:
        started = time.perf_counter()
        _, score, index = process.extractOne(
            case.question, strings, scorer=fuzz.WRatio, processor=utils.default_process
        )
        latencies.append((time.perf_counter() - started) * 1000)
        scored.append((case, score, choices[index][1]))
    best = None
    for threshold in range(0, 101, 2):
        in_scope = [s for s in scored if s[0].topics]
        out_scope = [s for s in scored if not s[0].topics]
        accuracy = sum(s[1] >= threshold and s[2] in s[0].topics for s in in_scope) / len(in_scope)
        refused_oos = sum(s[1] < threshold for s in out_scope) / max(1, len(out_scope))
        refused_in = sum(s[1] < threshold for s in in_scope) / len(in_scope)
        value = accuracy + refused_oos - refused_in
        if best is None or value > best[0]:
            best = (value, threshold, accuracy, refused_oos, refused_in)
    return best, latencies


def synthetic(entries: list[FaqEntry], size: int, seed: int = 7) -> list[FaqEntry]:
    """Grow the FAQ to `size` entries: real entries plus variants with words swapped in from the
    vocabulary, so the index has the postings and vocabulary of a much larger FAQ."""
    rng = random.Random(seed)
    vocabulary = sorted({w for e in entries for t in e.texts for w in t.lower().split()})
    grown = list(entries)
    while len(grown) < size:
        base = rng.choice(entries)

        def vary(text: str) -> str:
            words = text.split()
            for _ in range(max(1, len(words) // 3)):
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
            return " ".join(words)

        grown.append(
            FaqEntry(
                id=f"synthetic-{len(grown)}",
                topic=base.topic,
                question=vary(base.question),
                phrasings=tuple(vary(p) for p in base.phrasings),
                answer=base.answer,
            )
        )
    return grown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, action="append", help="an evaluation file (repeatable)")
    parser.add_argument("--grow", type=int, default=5000, help="entries in the synthetic FAQ")
    args = parser.parse_args()
    for name in list(os.environ):
        if name.startswith("CANHGIAC_"):
            del os.environ[name]
    settings = Settings(_env_file=None)
    started = time.perf_counter()
    library = load_library(settings)
    load_seconds = time.perf_counter() - started
    entries = list(library.knowledge_for("vi").faq)
    files = args.eval or [path for path in (TUNING, *DEVELOPMENT, HELD_OUT) if path.exists()]
    evaluations = [(path, read_cases(path, set(library.content.taxonomy))) for path in files]

    knowledge = library.knowledge_for("vi")

    def build(faq, answer=settings.faq_answer_threshold, suggest=settings.faq_suggest_threshold) -> FaqMatcher:
        return FaqMatcher(
            faq,
            answer_threshold=answer,
            suggest_threshold=suggest,
            keywords=knowledge.keywords,
            out_of_scope=knowledge.out_of_scope,
            refusal=knowledge.refusal,
            examples=knowledge.examples,
        )

    started = time.perf_counter()
    matcher = build(entries)
    build_ms = (time.perf_counter() - started) * 1000
    routed = build_router().answers_without_faq  # greetings and commands never reach the FAQ
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
    print(f"shipped FAQ: {len(entries)} entries, {sum(len(e.texts) for e in entries)} texts")
    print(f"content load (all languages, templates, knowledge, indexes): {load_seconds * 1000:.0f} ms; "
          f"index build alone: {build_ms:.0f} ms")  # fmt: skip
    for path, cases in evaluations:
        report = evaluate(matcher, cases, routed)
        print()
        print(f"evaluation file: {path} ({report.in_scope} in scope, {report.out_of_scope} out of scope)")
        header = f"{'':34} {'topic acc':>9} {'OOS refused':>11} {'in wrongly refused':>18} {'p50 ms':>7} {'p99 ms':>7}"
        print(header)
        print("-" * len(header))
        print(
            f"{'Canh Giác matcher':34} {report.topic_accuracy:>9.1%} {report.out_of_scope_refused:>11.1%} "
            f"{report.in_scope_refused:>18.1%} {report.percentile_ms(0.5):>7.2f} {report.percentile_ms(0.99):>7.2f}"
        )
        (_, threshold, accuracy, refused_oos, refused_in), latencies = baseline(entries, cases)
        print(
            f"{f'baseline WRatio raw (cut {threshold})':34} {accuracy:>9.1%} {refused_oos:>11.1%} "
            f"{refused_in:>18.1%} {percentile(latencies, 0.5):>7.2f} {percentile(latencies, 0.99):>7.2f}"
        )
    path, cases = evaluations[0]
    print()
    print(f"on {path.name}:")
    print("threshold sweep (answer or suggest from this score; below it the bot refuses):")
    for cut in range(20, 62, 4):
        swept = evaluate(build(entries, answer=100, suggest=cut), cases, routed)
        print(
            f"  {cut:>3}: topic acc {swept.topic_accuracy:.1%}, OOS refused {swept.out_of_scope_refused:.1%}, "
            f"in-scope refused {swept.in_scope_refused:.1%}"
        )
    print()
    grown = synthetic(entries, args.grow)
    started = time.perf_counter()
    big = build(grown)
    big_build_ms = (time.perf_counter() - started) * 1000
    big_report = evaluate(big, [case for _, cases in evaluations for case in cases], routed)
    print(
        f"synthetic FAQ of {len(grown)} entries ({sum(len(e.texts) for e in grown)} texts): index build "
        f"{big_build_ms:.0f} ms; per question p50 {big_report.percentile_ms(0.5):.2f} ms, "
        f"p99 {big_report.percentile_ms(0.99):.2f} ms, mean {statistics.fmean(big_report.latencies_ms):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
