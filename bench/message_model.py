#!/usr/bin/env python
"""The message verdict: the artefact's size and load time, the time to train the model, and the time
to judge one message as the chat does (`MessageJudge.judge`: model, red flags, identifier checks),
on ordinary messages and on bad ones.

    python bench/message_model.py [--messages 2000] [--repeat 50]

The artefact is what `canhgiac messages build` writes (`write_model`), loaded back with
`read_model`. Judging runs on an empty SQLite file with the schema (no reports), one message at a
time, over the training messages repeated up to --messages; each bad input is judged --repeat times.
The budget is 20 ms per message at p99.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from bot.checking import BrandTable  # noqa: E402
from bot.checking.flags import RedFlagPhrases, find_flags  # noqa: E402
from bot.checking.message_model import MessageModel, corpus_digest, read_corpus, read_model, write_model  # noqa: E402
from bot.checking.message_verdict import MessageJudge  # noqa: E402
from bot.core.migrations import migrate  # noqa: E402
from bot.identifiers import extract_identifiers  # noqa: E402

BUDGET_MS = 20.0
NOISE = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(4096))
BAD = {
    "empty": "",
    "4,096 characters of noise": NOISE,
    "English": "Hello, your parcel is waiting. Please confirm your address at the link to avoid it being returned.",
    "only emoji": "😀🙏🔥💸" * 40,
    "1,000 numbers (8 digits)": " ".join(str(10_000_000 + i) for i in range(1000)),
    "1,000 numbers (small)": " ".join(str(i) for i in range(1000)),
}


def timed_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {ordered[len(ordered) // 2]:.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms"


def breakdown(judge: MessageJudge, text: str, repeat: int) -> str:
    """The parts of `MessageJudge.evidence` timed apart: the model, the red flags, the identifiers
    (extraction; checking them is the rest, on at most MAX_CHECKED)."""
    parts = {
        "model": lambda: judge.model.score(text),
        "flags": lambda: find_flags(text, judge.phrases),
        "identifier extraction": lambda: extract_identifiers(text),
    }
    found = len(extract_identifiers(text))
    medians = {name: sorted(timed_ms(fn) for _ in range(repeat))[repeat // 2] for name, fn in parts.items()}
    return ", ".join(f"{name} {ms:.1f} ms" for name, ms in medians.items()) + f" ({found} identifiers found)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    folder = ROOT / "content" / "messages" / "train"
    corpus = read_corpus(folder)
    started = time.perf_counter()
    model = MessageModel.train(corpus)
    trained = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        artefact, digest = Path(tmp) / "message-model.npz", corpus_digest(folder)
        size = write_model(model, digest, artefact)
        loads = [timed_ms(lambda: read_model(artefact, digest)) for _ in range(5)]
        db = sqlite_utils.Database(Path(tmp) / "empty.db")
        migrate(db)
        judge = MessageJudge(read_model(artefact, digest), RedFlagPhrases.load(), BrandTable.load())
        print(f"corpus: {len(corpus)} messages; trained in {trained:.2f} s")
        print(f"artefact: {size / 1e6:.1f} MB, read_model in {min(loads):.0f} ms (best of 5)")
        texts = [corpus[i % len(corpus)].text for i in range(args.messages)]
        judge.judge(db, texts[0])  # first call: lazy tables, not a citizen's cost
        times = [timed_ms(lambda t=text: judge.judge(db, t)) for text in texts]
        print(f"judge one message ({len(times)}): {percentiles(times)}")
        print(f"bad inputs ({args.repeat} times each; budget {BUDGET_MS:.0f} ms at p99):")
        for name, text in BAD.items():
            times = [timed_ms(lambda t=text: judge.judge(db, t)) for _ in range(args.repeat)]
            slow = "  OVER BUDGET" if sorted(times)[int(len(times) * 0.99)] > BUDGET_MS else ""
            print(f"  {name} ({len(text)} chars): {percentiles(times)}{slow}")
            print(f"    where the time goes (p50): {breakdown(judge, text, args.repeat)}")
        db.close()


if __name__ == "__main__":
    main()
