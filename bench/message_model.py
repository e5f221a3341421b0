#!/usr/bin/env python
"""The model of scam messages: time to train it from content/messages/train, its size, and the time
to score one message.

    python bench/message_model.py [--messages 2000]

Size is the pickled model (what a build step would write to disk); scoring times one message at a
time, as the chat would, over the training messages repeated up to --messages.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.checking.message_model import MessageModel, read_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    corpus = read_corpus(ROOT / "content" / "messages" / "train")
    started = time.perf_counter()
    model = MessageModel.train(corpus)
    trained = time.perf_counter() - started
    blob = pickle.dumps(model)
    started = time.perf_counter()
    pickle.loads(blob)
    loaded = time.perf_counter() - started
    texts = [corpus[i % len(corpus)].text for i in range(args.messages)]
    times = []
    for text in texts:
        started = time.perf_counter()
        model.score(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"corpus: {len(corpus)} messages; trained in {trained:.2f} s")
    print(f"model: {len(blob) / 1e6:.1f} MB pickled, loaded in {loaded * 1000:.0f} ms")
    print(
        f"score one message ({len(times)}): p50 {times[len(times) // 2]:.2f} ms, "
        f"p99 {times[int(len(times) * 0.99)]:.2f} ms, max {times[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
