"""Is a question ours to answer? A calibrated in-scope/out-of-scope decision over several signals.

The topic classifier's out-of-scope share alone is not enough: right and wrong answers overlap on
every single score ("ai là tổng thống mỹ" shares "mỹ" with calls from abroad). So the decision is a
logistic model over signals that fail in different ways:

- `out_of_scope`, `top_topic`: the classifier's belief (out-of-scope kinds against the likeliest topic);
- `overlap`, `recall`, `precision`: how much of the question the best entry's phrasings explain,
  and how much of that entry the question covers;
- `agree`: whether the lexical match and the classifier point at the same topic;
- `unknown`: how much of the question's weight is words no phrasing uses ("lúa", "tổng thống");
- `words`: how long the question is (a long message shares some words with anything).

Its weights are learnt by `canhgiac faq tune` (bot/knowledge/refusal_tune.py) from the FAQ's
phrasings and the out-of-scope texts, each scored by a matcher that did not see it, and stored in
`content/<lang>/refusal.yaml`; the cut is chosen there on the tuning evaluation file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from bot.core.content import ContentError, read_yaml

FILE = "refusal.yaml"


@dataclass(frozen=True)
class Signals:
    out_of_scope: float
    top_topic: float
    agree: bool
    score: float  # the best entry's blended score, 0-1
    overlap: float
    recall: float
    precision: float
    unknown: float
    words: int

    @classmethod
    def nothing_known(cls, words: int) -> Signals:
        return cls(1.0, 0.0, False, 0.0, 0.0, 0.0, 0.0, 1.0, words)

    def features(self) -> dict[str, float]:
        values = {name: float(value) for name, value in asdict(self).items()}
        values["words"] = math.log1p(self.words)
        return values


FEATURES = tuple(Signals.nothing_known(1).features())


@dataclass(frozen=True)
class RefusalModel:
    weights: Mapping[str, float]
    bias: float
    cut: float  # refuse below this probability of being in scope

    def in_scope(self, signals: Signals) -> float:
        return self.in_scope_features(signals.features())

    def in_scope_features(self, features: Mapping[str, float]) -> float:
        """The probability that a question with these signal values is ours to answer."""
        z = self.bias + sum(weight * features[name] for name, weight in self.weights.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def refuses(self, signals: Signals) -> bool:
        return self.in_scope(signals) < self.cut

    def as_yaml(self, comment: str) -> str:
        data = {"bias": round(self.bias, 4), "cut": round(self.cut, 4)}
        data["weights"] = {name: round(self.weights[name], 4) for name in FEATURES if name in self.weights}
        header = "".join(f"# {line}\n" for line in comment.splitlines())
        return header + yaml.safe_dump(data, sort_keys=False)


# Without a tuned file: refuse when the classifier is at least 30% sure the question is off-topic.
UNTUNED = RefusalModel(weights={"out_of_scope": -20.0}, bias=6.0, cut=0.5)


def load(folder: Path) -> RefusalModel:
    path = folder / FILE
    if not path.exists():
        return UNTUNED
    data = read_yaml(path.read_text(encoding="utf-8"))
    try:
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        model = RefusalModel(weights=weights, bias=float(data["bias"]), cut=float(data["cut"]))
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        raise ContentError(f"{path}: expected bias, cut and weights: {error}") from error
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise ContentError(f"{path}: unknown signals {', '.join(sorted(unknown))}")
    return model
