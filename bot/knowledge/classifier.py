"""Which topic a question is about: a linear model over words and word pairs.

Trained at start-up on every FAQ phrasing (labelled with its entry's topic), on the topic
keywords of `content/<lang>/keywords.yaml`, and on `content/<lang>/out_of_scope/`, messages that
are not about scams. Each kind of those (weather, banking procedures, school maths, chit-chat…) is
a class of its own: one broad "everything else" class would spread its vocabulary thin and lose to
the topics' concentrated words, while "thời tiết" or "lãi suất tiết kiệm" make a kind as concentrated
as any topic. Refusing is then a prediction like any other rather than a guess from a low score;
`out_of_scope_share` adds the kinds up.

The model is logistic regression (one-vs-rest, fitted by stochastic gradient descent: about a
second for the shipped content) on TF-IDF features. Discriminative weights beat the naive Bayes
model this replaced on the tuning file (top-1 topic 91.7% → 94.5%), because a word shared by many
topics ("tiền", "tài khoản") gets little weight instead of its frequency in each. Scoring a
question is a sparse dot product done here with numpy, not through scikit-learn, so it stays
well under a millisecond. Fitted weights are kept per process for identical training data.

The fitted weights ship with the bot (`data/models/faq-topics-<language>.npz`, `canhgiac models
build`), headed by the digest of the training data (`training_digest`: every document's features
and weight, MODEL, the regularisation): the bot loads them instead of fitting, so neither
scikit-learn nor scipy is imported at run time (some 90 MB of memory). When an operator's content
differs from what they were fitted on, the digest differs: the model is fitted as before (importing
scikit-learn only then), one log line says so, and the weights are kept in the user's cache folder
for the next start. `canhgiac content check` fails on shipped weights that no longer match.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bot.core import weights as stored

OUT_OF_SCOPE = "__out_of_scope__"  # prefix of the out-of-scope kinds' class names
KEYWORD_WEIGHT = 2.0  # a curated keyword counts like this many phrasings
ALPHA = 3e-6  # L2 regularisation of the gradient descent (compared on the tuning files: 2e-5 to 1e-6)
EPOCHS = 30
MODEL = "faq-topics-tfidf-sgd-v1"  # bump when the features or the fitting change
ARTEFACT = "faq-topics-{}.npz"  # in data/models/, one per language; in the cache, one per digest
# Memory-mapped, not read: 18 MB of which a question touches a few rows (bot/core/weights.py).
MAPPED = ("weights",)

log = logging.getLogger("canhgiac.knowledge")

Fitted = tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray, list[str]]
_fitted: dict[str, tuple[Fitted, str]] = {}  # digest -> (weights, where they came from)
_search: tuple[Path, ...] | None = None  # folders to look in for weights (None: shipped, then cache)


class TopicClassifier:
    def __init__(
        self,
        labelled: Iterable[tuple[str, list[str]]],
        keywords: Mapping[str, Iterable[list[str]]] | None = None,
        out_of_scope: Mapping[str, Iterable[list[str]]] | None = None,
    ):
        """`labelled`: (topic, features) per phrasing; `keywords`: topic -> features per keyword;
        `out_of_scope`: kind -> features per off-topic message."""
        docs: list[tuple[str, list[str], float]] = [(topic, features, 1.0) for topic, features in labelled]
        for topic, groups in (keywords or {}).items():
            docs += [(topic, features, KEYWORD_WEIGHT) for features in groups]
        for kind, messages in (out_of_scope or {}).items():
            docs += [(out_of_scope_class(kind), features, 1.0) for features in messages]
        docs = [doc for doc in docs if doc[1]]
        self.digest = training_digest(docs)
        if self.digest not in _fitted:
            _fitted[self.digest] = _load_or_fit(docs, self.digest)
        fitted, self.source = _fitted[self.digest]  # source: "shipped", "cache" or "fitted"
        self._index, self._idf, self._weights, self._bias, self.classes = fitted
        self.vocabulary = self._index.keys()

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted weights as arrays (what `write_weights` stores)."""
        return _arrays((self._index, self._idf, self._weights, self._bias, self.classes))

    def posterior(self, features: Iterable[str]) -> dict[str, float]:
        """Probability of each class (topics and out-of-scope kinds); empty when no feature is known."""
        counts = Counter(f for f in features if f in self._index)
        if not counts or not self.classes:
            return {}
        rows = [self._index[f] for f in counts]
        values = np.array([1 + math.log(n) for n in counts.values()]) * self._idf[rows]
        values /= np.linalg.norm(values)
        scores = values @ self._weights[rows] + self._bias
        odds = 1 / (1 + np.exp(-np.clip(scores, -30, 30)))  # one-vs-rest: each class's own probability
        odds /= odds.sum()
        return dict(zip(self.classes, odds.tolist(), strict=True))


def training_digest(docs: list[tuple[str, list[str], float]]) -> str:
    """What the fitted weights depend on: every document, the model's version and parameters."""
    training = (MODEL, ALPHA, EPOCHS, sorted((t, sorted(f), w) for t, f, w in docs))
    return hashlib.sha256(repr(training).encode()).hexdigest()


def write_weights(classifier: TopicClassifier, path: Path) -> int:
    """The classifier's weights at `path`, headed by its digest; the file's size."""
    header = _header(classifier.digest, classifier._index, classifier.classes)
    return stored.write(path, header, classifier.arrays(), mapped=MAPPED)


def _header(digest: str, index: Mapping[str, int], classes: list[str]) -> dict:
    return {"model": MODEL, "digest": digest, "features": len(index), "classes": len(classes),
            "fitted_with": stored.library_versions()}  # fmt: skip


def _from_arrays(header: dict, arrays: Mapping[str, np.ndarray]) -> Fitted:
    terms = stored.unpack_strings(arrays["vocabulary"], header["features"])
    classes = stored.unpack_strings(arrays["classes"], header["classes"])
    return {t: i for i, t in enumerate(terms)}, arrays["idf"], arrays["weights"], arrays["bias"], classes


def _load_or_fit(docs: list[tuple[str, list[str], float]], digest: str) -> tuple[Fitted, str]:
    found = stored.find(ARTEFACT.format("*"), digest, _search)
    if found is not None:
        path, header, arrays = found
        return _from_arrays(header, arrays), "cache" if path.parent == stored.cache_dir() else "shipped"
    fitted = _fit(docs)
    if _search is None:  # not a build: keep the fit for the next start of this machine
        log.info(
            "fitted the FAQ topic model at start: the content differs from the shipped weights "
            "(canhgiac models build writes them to data/models/)"
        )
        path = stored.cache_dir() / ARTEFACT.format(digest[:16])
        try:
            stored.write(path, _header(digest, fitted[0], fitted[4]), _arrays(fitted), mapped=MAPPED)
        except (OSError, ValueError) as error:
            log.warning("could not keep the FAQ topic model in %s: %s", path, getattr(error, "strerror", None) or error)
    return fitted, "fitted"


def _arrays(fitted: Fitted) -> dict[str, np.ndarray]:
    index, idf, weights, bias, classes = fitted
    terms = sorted(index, key=index.get)
    return {"vocabulary": stored.pack_strings(terms), "idf": idf, "weights": weights, "bias": bias,
            "classes": stored.pack_strings(classes)}  # fmt: skip


@contextmanager
def fitting_afresh():
    """Within: every classifier built is fitted, not loaded (`canhgiac models build`)."""
    global _search
    _fitted.clear()
    _search = ()
    try:
        yield
    finally:
        _search = None
        _fitted.clear()


def _fit(docs: list[tuple[str, list[str], float]]) -> Fitted:
    """TF-IDF (sublinear term frequency, smoothed idf, unit length) and one-vs-rest logistic
    regression, as scikit-learn's TfidfVectorizer and SGDClassifier would do it."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import SGDClassifier

    index: dict[str, int] = {}
    frequency: Counter[str] = Counter()
    for _, features, _ in docs:
        for feature in sorted(set(features)):  # not set order, which varies by process: a build is reproducible
            index.setdefault(feature, len(index))
            frequency[feature] += 1
    idf = np.ones(len(index))
    for feature, df in frequency.items():
        idf[index[feature]] = math.log((1 + len(docs)) / (1 + df)) + 1
    data, columns, pointers = [], [], [0]
    for _, features, _ in docs:
        counts = Counter(features)
        row = np.array([(1 + math.log(n)) * idf[index[f]] for f, n in counts.items()])
        data += (row / np.linalg.norm(row)).tolist()
        columns += [index[f] for f in counts]
        pointers.append(len(columns))
    matrix = csr_matrix((data, columns, pointers), shape=(len(docs), len(index)))
    labels = [label for label, _, _ in docs]
    if len(set(labels)) < 2:  # nothing to tell apart: every question is the one class
        return index, idf, np.zeros((len(index), 1)), np.zeros(1), sorted(set(labels))
    model = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=EPOCHS, tol=None, random_state=0)
    model.fit(matrix, labels, sample_weight=[weight for _, _, weight in docs])
    classes = [str(c) for c in model.classes_]
    weights = np.ascontiguousarray(model.coef_.T)  # feature -> a score per class
    if len(classes) == 2:  # scikit-learn keeps one column for two classes
        weights = np.hstack([-weights, weights])
        bias = np.array([-model.intercept_[0], model.intercept_[0]])
    else:
        bias = model.intercept_.copy()
    return index, idf, weights, bias, classes


def out_of_scope_class(kind: str) -> str:
    return f"{OUT_OF_SCOPE}:{kind}"


def is_out_of_scope(label: str) -> bool:
    return label.startswith(OUT_OF_SCOPE)


def out_of_scope_share(posterior: Mapping[str, float]) -> float:
    """The probability that the question is about none of the topics."""
    return sum(p for label, p in posterior.items() if is_out_of_scope(label))
