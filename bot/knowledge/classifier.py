"""Which topic a question is about: multinomial naive Bayes over words and word pairs.

Trained at start-up on every FAQ phrasing (labelled with its entry's topic), on the topic
keywords of `content/<lang>/keywords.yaml`, and on `content/<lang>/out_of_scope.yaml`, messages
that are not about scams, which form a class of their own (`OUT_OF_SCOPE`): refusing is then a
prediction like any other rather than a guess from a low score.

A topic's vocabulary is far larger than any single entry's, so the classifier recognises the
subject of a question whose exact words no phrasing uses; the matcher then picks the entry.
Log-likelihoods are averaged per word before the softmax, so a long message does not drive the
probabilities to 0 or 1 by its length alone.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

OUT_OF_SCOPE = "__out_of_scope__"
SMOOTHING = 0.1
KEYWORD_WEIGHT = 2  # a curated keyword counts like this many phrasing occurrences
SHARPNESS = 4.0  # softmax temperature on per-word mean log-likelihoods


class TopicClassifier:
    def __init__(
        self,
        labelled: Iterable[tuple[str, list[str]]],
        keywords: Mapping[str, Iterable[list[str]]] | None = None,
        out_of_scope: Iterable[list[str]] = (),
    ):
        """`labelled`: (topic, features) per phrasing; `keywords`: topic -> features per keyword;
        `out_of_scope`: features per off-topic message."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for topic, features in labelled:
            counts[topic].update(features)
        for topic, groups in (keywords or {}).items():
            for features in groups:
                for _ in range(KEYWORD_WEIGHT):
                    counts[topic].update(features)
        for features in out_of_scope:
            counts[OUT_OF_SCOPE].update(features)
        self.classes = sorted(counts)
        self.vocabulary = set().union(*counts.values()) if counts else set()
        size = len(self.vocabulary) or 1
        self._log = {}
        self._unseen = {}
        for label, counter in counts.items():
            total = sum(counter.values()) + SMOOTHING * size
            self._log[label] = {f: math.log((n + SMOOTHING) / total) for f, n in counter.items()}
            self._unseen[label] = math.log(SMOOTHING / total)

    def posterior(self, features: Iterable[str]) -> dict[str, float]:
        """Probability of each class (topics and OUT_OF_SCOPE); empty when no feature is known."""
        known = [f for f in features if f in self.vocabulary]
        if not known or not self.classes:
            return {}
        scores = {}
        for label in self.classes:
            table, unseen = self._log[label], self._unseen[label]
            scores[label] = SHARPNESS * sum(table.get(f, unseen) for f in known) / len(known)
        top = max(scores.values())
        weights = {label: math.exp(value - top) for label, value in scores.items()}
        total = sum(weights.values())
        return {label: weight / total for label, weight in weights.items()}
