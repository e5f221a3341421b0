"""A statistical model of scam messages, trained from the team's own corpus (`content/messages/`).

Features: TF-IDF over character 2–5-grams and word 1–2-grams of the folded text (`phrase_key`:
no diacritics, lower case, so "chuyen tien" and "chuyển tiền" are one feature); models: one
logistic regression says how much a message looks like a scam, a second one, trained on the scam
messages only, names the trick (a topic of the taxonomy). scikit-learn fits them; nothing is
downloaded, and the model is rebuilt from the repository's files in a few seconds
(`MessageModel.train(read_corpus(folder))`), so it is reproducible by construction.

Scoring does not use scikit-learn: the fitted model is kept as arrays (vocabularies, idf,
coefficients, intercepts, topic names), and `MessageModel.score_all` reimplements the pipeline's
transform and `predict_proba` with numpy (tests compare the two to 1e-9). So the bot imports
neither scikit-learn nor scipy (some 90 MB of memory). The arrays ship in
`data/models/message-model.npz` (`canhgiac models build`), headed by the digest of what they were
fitted from: the corpus files and FEATURES (bump it when the features or models change).
`load_or_train` trusts weights only when that digest matches, and otherwise trains (one log line)
and keeps the result in the user's cache folder (`default_model_path`) or where
CANHGIAC_MESSAGE_MODEL says; within one process a corpus is trained once. Weights are `.npz`
arrays read without pickle: no code is loaded from a file.

This is the statistical half of the verdict; the other half is the named red flags of
`bot/checking/flags.py`, which explain it; `message_verdict.py` joins them.

Imports: core only (and numpy; scikit-learn only to train).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core import paths
from bot.core import weights as stored
from bot.core.textnorm import phrase_key

LABELS = ("scam", "genuine")
COLUMNS = ["label", "topic", "style", "text"]
FEATURES = "tfidf-char2-5-word1-2-logreg-v1"
ARTEFACT = "message-model.npz"  # in data/models/

log = logging.getLogger("canhgiac.messages")


class CorpusError(ValueError):
    """A message file that cannot be read as the corpus format (its README says the format)."""


@dataclass(frozen=True)
class LabelledMessage:
    label: str  # "scam" or "genuine"
    topic: str  # a taxonomy slug for a scam, the kind of a genuine message
    style: str
    text: str

    @property
    def is_scam(self) -> bool:
        return self.label == "scam"


def read_messages(path: Path) -> list[LabelledMessage]:
    """One TSV file of messages (`label topic style text`; "\\n" inside a text is a line break)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != COLUMNS:
        raise CorpusError(f"{path}: the first line must be the header {'<TAB>'.join(COLUMNS)}")
    messages = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(COLUMNS) or row[0] not in LABELS or not row[3].strip():
            raise CorpusError(f"{path}:{number}: expected label<TAB>topic<TAB>style<TAB>text, label scam|genuine")
        messages.append(LabelledMessage(row[0], row[1], row[2], row[3].replace("\\n", "\n")))
    return messages


def read_corpus(folder: Path) -> list[LabelledMessage]:
    """Every `*.tsv` of a folder, in name order."""
    files = sorted(folder.glob("*.tsv"))
    if not files:
        raise CorpusError(f"{folder}: no *.tsv message files")
    return [message for path in files for message in read_messages(path)]


@dataclass(frozen=True)
class Score:
    scam: float  # 0..1: how much the message looks like the scam messages of the corpus
    topic: str | None  # the trick it looks most like (None when no scam was trained)
    topic_probability: float


class MessageModel:
    """The fitted model as arrays, scored with numpy alone (`score_all`), exactly as scikit-learn's
    pipeline of `train` would: the same analyzers, TF-IDF, l2 norms and logistic functions."""

    def __init__(self, arrays: Mapping[str, np.ndarray], counts: Mapping[str, int]) -> None:
        self._arrays = dict(arrays)
        self._counts = dict(counts)
        self._char = _vocabulary(arrays["char_vocabulary"], counts["char"])
        self._word = _vocabulary(arrays["word_vocabulary"], counts["word"])
        self._char_idf, self._word_idf = arrays["char_idf"], arrays["word_idf"]
        self._scam, self._scam_bias = arrays["scam_coef"], float(arrays["scam_intercept"][0])
        self._topics, self._topic_bias = arrays["topic_coef"], arrays["topic_intercept"]
        self.topics = stored.unpack_strings(arrays["topics"], counts["topics"])

    @classmethod
    def train(cls, messages: Sequence[LabelledMessage]) -> MessageModel:
        return cls.from_fitted(*fit(messages))

    @classmethod
    def from_fitted(cls, char, word, scam, topics) -> MessageModel:
        """The arrays of fitted scikit-learn objects (the two vectorizers, the two regressions)."""
        for vectorizer, analyzer, ngrams in ((char, "char_wb", (2, 5)), (word, "word", (1, 2))):
            # what `_tfidf` reimplements; anything else would score differently
            assert (vectorizer.analyzer, vectorizer.ngram_range) == (analyzer, ngrams)
            assert vectorizer.lowercase and vectorizer.sublinear_tf and vectorizer.norm == "l2"
            assert vectorizer.token_pattern == TOKEN_PATTERN and vectorizer.preprocessor is None
            assert vectorizer.strip_accents is None and vectorizer.stop_words is None and vectorizer.use_idf
        assert list(scam.classes_) == [False, True]  # P(scam) is the sigmoid of the decision
        topic_coef, topic_intercept = topics.coef_, topics.intercept_
        if len(topics.classes_) == 2:
            # scikit-learn keeps one row for two classes and answers [1 - sigmoid(d), sigmoid(d)]:
            # the softmax of (0, d), which `score_all` computes for any number of classes.
            topic_coef = np.vstack([np.zeros_like(topic_coef), topic_coef])
            topic_intercept = np.concatenate([[0.0], topic_intercept])
        char_terms = sorted(char.vocabulary_, key=char.vocabulary_.get)
        word_terms = sorted(word.vocabulary_, key=word.vocabulary_.get)
        arrays = {
            "char_vocabulary": stored.pack_strings(char_terms),
            "char_idf": np.asarray(char.idf_, dtype=np.float64),
            "word_vocabulary": stored.pack_strings(word_terms),
            "word_idf": np.asarray(word.idf_, dtype=np.float64),
            "scam_coef": np.ascontiguousarray(scam.coef_[0], dtype=np.float64),
            "scam_intercept": np.asarray(scam.intercept_, dtype=np.float64),
            "topic_coef": np.ascontiguousarray(topic_coef.T, dtype=np.float64),  # feature -> a score per topic
            "topic_intercept": np.asarray(topic_intercept, dtype=np.float64),
            "topics": stored.pack_strings([str(t) for t in topics.classes_]),
        }
        return cls(arrays, {"char": len(char_terms), "word": len(word_terms), "topics": len(topics.classes_)})

    def score(self, text: str) -> Score:
        return self.score_all([text])[0]

    def score_all(self, texts: Iterable[str]) -> list[Score]:
        scores = []
        for text in texts:
            columns, values = self.features(text)
            # scikit-learn's LogisticRegression: the sigmoid of the decision for two classes
            # (`_predict_proba_lr`), the softmax of the decisions for more (multinomial, lbfgs).
            scam = 1.0 / (1.0 + math.exp(-(float(values @ self._scam[columns]) + self._scam_bias)))
            decision = values @ self._topics[columns] + self._topic_bias
            odds = np.exp(decision - decision.max())
            odds /= odds.sum()
            best = int(odds.argmax())
            scores.append(Score(scam, self.topics[best], float(odds[best])))
        return scores

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's TF-IDF features: (columns, values), the two vectorizers side by side."""
        folded = phrase_key(text).lower()  # scikit-learn's lowercase step (phrase_key already is)
        char_columns, char_values = _tfidf(char_wb_ngrams(folded), self._char, self._char_idf)
        word_columns, word_values = _tfidf(word_ngrams(folded), self._word, self._word_idf)
        columns = np.concatenate([char_columns, word_columns + len(self._char)])
        return columns, np.concatenate([char_values, word_values])

    def arrays(self) -> dict[str, np.ndarray]:
        return dict(self._arrays)

    def header(self, digest: str) -> dict:
        return {"model": FEATURES, "digest": digest, **self._counts, "fitted_with": stored.library_versions()}


def fit(messages: Sequence[LabelledMessage]):
    """The fitted scikit-learn objects: the two vectorizers (side by side, as `make_union` puts
    them), the scam regression and the topic regression. Only training imports scikit-learn."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union

    if {m.label for m in messages} != set(LABELS):
        raise CorpusError("the corpus needs both scam and genuine messages")
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    matrix = make_union(char, word).fit_transform([phrase_key(m.text) for m in messages])
    # Balanced: the corpus holds more scam than genuine messages, and a false alarm on a real
    # bank SMS costs as much trust as a miss.
    scam = LogisticRegression(C=10, max_iter=2000, class_weight="balanced")
    scam.fit(matrix, [m.is_scam for m in messages])
    scams = [i for i, m in enumerate(messages) if m.is_scam]
    topics = LogisticRegression(C=10, max_iter=2000)
    topics.fit(matrix[scams], [messages[i].topic for i in scams])
    return char, word, scam, topics


TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)
_WHITE_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """scikit-learn's `char_wb` analyzer: white space runs made one space, each word padded with a
    space on both sides, its n-grams for n = low..high; a word shorter than n counted once."""
    ngrams = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            ngrams.append(word[offset : offset + n])
            while offset + n < len(word):
                offset += 1
                ngrams.append(word[offset : offset + n])
            if offset == 0:  # the padded word is no longer than n: its longer n-grams are itself again
                break
    return ngrams


def word_ngrams(text: str) -> list[str]:
    """scikit-learn's `word` analyzer with the default token pattern: words of two or more word
    characters, then each pair of neighbours joined by a space."""
    tokens = _TOKEN.findall(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


# 1 + log n for the counts most terms have, computed once: the same floats, without a log per term.
_SUBLINEAR = [math.nan] + [1 + math.log(n) for n in range(1, 64)]


def _tfidf(terms: list[str], vocabulary: Mapping[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear term frequency (1 + log n) times idf, unit length: one vectorizer's row."""
    counts = Counter(terms)  # counted in C; the known terms keep their first-seen order
    known = [t for t in counts if t in vocabulary]
    columns = np.array([vocabulary[t] for t in known], dtype=np.intp)
    values = np.array(
        [_SUBLINEAR[n] if n < len(_SUBLINEAR) else 1 + math.log(n) for n in map(counts.__getitem__, known)],
        dtype=np.float64,
    )
    values *= idf[columns]
    norm = math.sqrt(float(values @ values))
    if norm:
        values /= norm
    return columns, values


def _vocabulary(blob: np.ndarray, count: int) -> dict[str, int]:
    return {term: column for column, term in enumerate(stored.unpack_strings(blob, count))}


def corpus_digest(folder: Path) -> str:
    """What a trained model depends on: the corpus files and the feature version (the library
    versions it was fitted with are recorded in the weights' header, not compared)."""
    digest = hashlib.sha256(FEATURES.encode())
    for path in sorted(folder.glob("*.tsv")):
        digest.update(f"|{path.name}|".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_model(model: MessageModel, digest: str, path: Path) -> int:
    """The model's weights at `path`, written whole or not at all; its size."""
    return stored.write(path, model.header(digest), model.arrays())


def read_model(path: Path, digest: str) -> MessageModel | None:
    """The model stored at `path` if it was trained from what `digest` names, else None."""
    found = stored.read(path, digest)
    return _from_stored(*found) if found else None


def _from_stored(header: dict, arrays: Mapping[str, np.ndarray]) -> MessageModel | None:
    try:
        return MessageModel(arrays, {key: int(header[key]) for key in ("char", "word", "topics")})
    except (KeyError, ValueError, TypeError):
        return None


_TRAINED: dict[str, MessageModel] = {}
_TRAINING = threading.Lock()


def default_model_path(digest: str) -> Path:
    """Where a model trained from the corpus `digest` names is kept by default: the user's cache
    folder, one file per corpus, so every process of the machine (the bot, the CLI, tests) trains a
    corpus once."""
    return stored.cache_dir() / f"message-model-{digest[:16]}.npz"


def shipped_model_path() -> Path:
    """The weights shipped for the shipped corpus (`canhgiac models build`)."""
    return paths.models_dir() / ARTEFACT


def load_or_train(folder: Path, path: Path | None = None) -> MessageModel:
    """The model for the corpus in `folder`: from this process, from the shipped weights or `path`
    (default: the cache, `default_model_path`), whichever was fitted from this corpus, or trained
    (and then written to `path` when it can be; a read-only disk only costs the next start a
    training)."""
    digest = corpus_digest(folder)
    with _TRAINING:
        model = _TRAINED.get(digest)
        if model is None:
            candidates = [shipped_model_path(), path or default_model_path(digest)]
            model = next(filter(None, (read_model(p, digest) for p in candidates)), None)
        if model is None:
            target = path or default_model_path(digest)
            log.info(
                "trained the message model from %s at start: it differs from the shipped weights "
                "(canhgiac models build writes them to data/models/)",
                folder,
            )
            model = MessageModel.train(read_corpus(folder))
            try:
                write_model(model, digest, target)
            except OSError as error:
                log.warning("could not write the message model to %s: %s", target, error.strerror or error)
        _TRAINED[digest] = model
    return model
