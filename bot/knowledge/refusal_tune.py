"""`canhgiac faq tune`: learn the refusal model's weights and choose its cut.

The weights are learnt from the content, never from an evaluation file: every FAQ phrasing and
topic example (in scope) and every out-of-scope text is scored by a matcher built without it
(k-fold cross-fitting), so its signals look like those of a question the FAQ has never seen. A
phrasing's entry keeps its canonical question and its other phrasings, as a new question about a
known subject would find them; a topic's or an out-of-scope kind's other texts stay too.

The cut is then chosen on the tuning files (`tests/eval/faq-eval.tsv`, `faq-dev.tsv`, `faq-dev-2.tsv`,
`faq-dev-3.tsv`):
the highest share of out-of-scope questions refused while in-scope questions refused stay within
`max_in_scope_refused`.
A held-out file, never used here, is the fair test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.knowledge.catalog import FaqEntry, Knowledge
from bot.knowledge.evaluate import Case
from bot.knowledge.matcher import FaqMatcher
from bot.knowledge.normalize import normalize
from bot.knowledge.refusal import FEATURES, RefusalModel

FOLDS = 5
REGULARISATION = 1.0  # inverse strength (scikit-learn's C): ten signals, thousands of examples
NEVER_REFUSED = 2.0
CUTS = [round(0.01 * step, 2) for step in range(1, 100)]


@dataclass(frozen=True)
class Tuned:
    model: RefusalModel
    examples: int
    in_scope: int
    cross_fit_accuracy: float  # on the cross-fitted examples, at the chosen cut
    sweep: list[tuple[float, float, float]]  # (cut, out of scope refused, in scope refused) on the tuning file


def _fold(index: int) -> int:
    return index % FOLDS


def cross_fitted(knowledge: Knowledge, build: Callable[..., FaqMatcher]) -> tuple[list[list[float]], list[int]]:
    """Signals of every phrasing, topic example and out-of-scope text, each from a matcher that did
    not see it."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for fold in range(FOLDS):
        entries: list[FaqEntry] = []
        held_in: list[str] = []
        for entry in knowledge.faq:
            kept = [p for i, p in enumerate(entry.phrasings) if _fold(i) != fold]
            held_in += [p for i, p in enumerate(entry.phrasings) if _fold(i) == fold]
            entries.append(replace(entry, phrasings=tuple(kept)))
        examples, more_held_in = _split(knowledge.examples, fold)
        kinds, held_out = _split(knowledge.out_of_scope, fold)
        matcher = build(entries, kinds, examples)
        held_in += more_held_in
        for texts, label in ((held_in, 1), (held_out, 0)):
            for text in texts:
                _, signals = matcher.rank(normalize(text))
                features = signals.features()
                rows.append([features[name] for name in FEATURES])
                labels.append(label)
    return rows, labels


def _split(groups: dict[str, tuple[str, ...]], fold: int) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Each group's texts outside `fold`, and the texts in it."""
    kept = {name: tuple(t for i, t in enumerate(texts) if _fold(i) != fold) for name, texts in groups.items()}
    return kept, [t for texts in groups.values() for i, t in enumerate(texts) if _fold(i) == fold]


def fit(rows: list[list[float]], labels: list[int]) -> tuple[dict[str, float], float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=2000)
    model.fit(rows, labels)
    weights = {name: float(w) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    return weights, float(model.intercept_[0])


def choose_cut(
    matcher: FaqMatcher,
    model: RefusalModel,
    cases: Sequence[Case],
    routed: Callable[[str], bool],
    max_in_scope_refused: float,
) -> tuple[float, list[tuple[float, float, float]]]:
    """Each question is matched once; every cut then refuses what it would."""
    matcher.refusal = replace(model, cut=0.0)
    # (in scope?, the probability the cut is compared with: None when refused anyway, above any
    # cut when the model does not decide, as for one of the FAQ's own phrasings)
    scored = []
    for case in cases:
        result = None if routed(case.question) else matcher.match(case.question)
        if result is None or result.outcome == "fallback":
            scored.append((bool(case.topics), None))
        else:
            scored.append((bool(case.topics), result.in_scope if result.refusable else NEVER_REFUSED))
    inside = sum(1 for in_scope, _ in scored if in_scope) or 1
    outside = (len(scored) - inside) or 1
    sweep = []
    for cut in CUTS:
        refused = [(in_scope, p is None or p < cut) for in_scope, p in scored]
        refused_out = sum(r for in_scope, r in refused if not in_scope) / outside
        refused_in = sum(r for in_scope, r in refused if in_scope) / inside
        sweep.append((cut, refused_out, refused_in))
    allowed = [row for row in sweep if row[2] <= max_in_scope_refused] or sweep[:1]
    best = max(allowed, key=lambda row: (row[1], -row[2], -row[0]))
    matcher.refusal = replace(model, cut=best[0])
    return best[0], sweep


def tune(
    knowledge: Knowledge,
    build: Callable[..., FaqMatcher],
    cases: Sequence[Case],
    routed: Callable[[str], bool],
    max_in_scope_refused: float,
) -> Tuned:
    """`build(entries, out_of_scope, examples)` makes a matcher like the shipped one from other content."""
    rows, labels = cross_fitted(knowledge, build)
    weights, bias = fit(rows, labels)
    model = RefusalModel(weights=weights, bias=bias, cut=0.5)
    matcher = build(list(knowledge.faq), knowledge.out_of_scope, knowledge.examples)
    cut, sweep = choose_cut(matcher, model, cases, routed, max_in_scope_refused)
    model = replace(model, cut=cut)
    names = list(FEATURES)
    correct = sum(
        (model.in_scope_features(dict(zip(names, row, strict=True))) >= cut) == bool(label)
        for row, label in zip(rows, labels, strict=True)
    )
    return Tuned(model, len(rows), sum(labels), correct / len(rows), sweep)


def header(tuned: Tuned, tuning_files: str, knowledge: Knowledge) -> str:
    cut = next(row for row in tuned.sweep if row[0] == tuned.model.cut)
    return "\n".join(
        [
            "Refusal model: logistic weights over the matcher's signals (bot/knowledge/refusal.py).",
            f"Written by `canhgiac faq tune` on {dt.date.today().isoformat()}; do not edit by hand.",
            f"Weights: {tuned.examples} cross-fitted examples ({tuned.in_scope} FAQ phrasings and topic examples, "
            f"{tuned.examples - tuned.in_scope} out-of-scope texts in {len(knowledge.out_of_scope)} kinds), "
            f"{FOLDS} folds; {tuned.cross_fit_accuracy:.1%} right at the cut.",
            f"Cut: chosen on {tuning_files}: {cut[1]:.1%} out of scope refused, {cut[2]:.1%} in scope refused.",
        ]
    )
