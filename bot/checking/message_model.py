"""A statistical model of scam messages, trained from the team's own corpus (`content/messages/`).

Features: TF-IDF over character 2–5-grams and word 1–2-grams of the folded text (`phrase_key`:
no diacritics, lower case, so "chuyen tien" and "chuyển tiền" are one feature); models: one
logistic regression says how much a message looks like a scam, a second one, trained on the scam
messages only, names the trick (a topic of the taxonomy). scikit-learn does the work; nothing is
downloaded, and the model is rebuilt from the repository's files in a few seconds
(`MessageModel.train(read_corpus(folder))`), so it is reproducible by construction.

The trained artefact (`canhgiac messages build`, or the first start after the corpus changed) is a
pickle headed by the digest of what it was trained from: the corpus files, FEATURES (bump it when
the features or models change) and the scikit-learn version. `load_or_train` trusts a file only
when that header matches, and otherwise trains and writes it again; within one process a corpus is
trained once. The file is the operator's own, written by this code in the user's cache folder
(`default_model_path`) or where CANHGIAC_MESSAGE_MODEL says: no pickle from elsewhere is read.

This is the statistical half of the verdict; the other half is the named red flags of
`bot/checking/flags.py`, which explain it; `message_verdict.py` joins them.

Imports: core only (and scikit-learn).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import pickle
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.textnorm import phrase_key

LABELS = ("scam", "genuine")
COLUMNS = ["label", "topic", "style", "text"]
FEATURES = "tfidf-char2-5-word1-2-logreg-v1"

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
    def __init__(self, features, scam, topics) -> None:
        self._features, self._scam, self._topics = features, scam, topics

    @classmethod
    def train(cls, messages: Sequence[LabelledMessage]) -> MessageModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_union

        if {m.label for m in messages} != set(LABELS):
            raise CorpusError("the corpus needs both scam and genuine messages")
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        matrix = features.fit_transform([phrase_key(m.text) for m in messages])
        # Balanced: the corpus holds more scam than genuine messages, and a false alarm on a real
        # bank SMS costs as much trust as a miss.
        scam = LogisticRegression(C=10, max_iter=2000, class_weight="balanced")
        scam.fit(matrix, [m.is_scam for m in messages])
        scams = [i for i, m in enumerate(messages) if m.is_scam]
        topics = LogisticRegression(C=10, max_iter=2000)
        topics.fit(matrix[scams], [messages[i].topic for i in scams])
        return cls(features, scam, topics)

    def score(self, text: str) -> Score:
        return self.score_all([text])[0]

    def score_all(self, texts: Iterable[str]) -> list[Score]:
        matrix = self._features.transform([phrase_key(text) for text in texts])
        scam = self._scam.predict_proba(matrix)[:, list(self._scam.classes_).index(True)]
        topics = self._topics.predict_proba(matrix)
        best = topics.argmax(axis=1)
        return [
            Score(float(s), str(self._topics.classes_[b]), float(row[b]))
            for s, b, row in zip(scam, best, topics, strict=True)
        ]


def corpus_digest(folder: Path) -> str:
    """What a trained model depends on: the corpus files, the feature version, scikit-learn's."""
    import sklearn

    digest = hashlib.sha256(f"{FEATURES}|sklearn {sklearn.__version__}".encode())
    for path in sorted(folder.glob("*.tsv")):
        digest.update(f"|{path.name}|".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_model(model: MessageModel, digest: str, path: Path) -> int:
    """The artefact at `path` (header, then the model), written whole or not at all; its size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("wb") as handle:
        pickle.dump({"digest": digest}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
    return path.stat().st_size


def read_model(path: Path, digest: str) -> MessageModel | None:
    """The model stored at `path` if it was trained from what `digest` names, else None."""
    try:
        with path.open("rb") as handle:
            header = pickle.load(handle)
            if not isinstance(header, dict) or header.get("digest") != digest:
                return None
            model = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return model if isinstance(model, MessageModel) else None


_TRAINED: dict[str, MessageModel] = {}
_TRAINING = threading.Lock()


def default_model_path(digest: str) -> Path:
    """Where a model trained from the corpus `digest` names is kept by default: the user's cache
    folder, one file per corpus, so every process of the machine (the bot, the CLI, tests) trains a
    corpus once."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "canhgiac" / f"message-model-{digest[:16]}.pkl"


def load_or_train(folder: Path, path: Path | None = None) -> MessageModel:
    """The model for the corpus in `folder`: from this process, from `path` (default:
    `default_model_path`), or trained (and then written there when it can be; a read-only disk
    only costs the next start a training)."""
    digest = corpus_digest(folder)
    path = path or default_model_path(digest)
    with _TRAINING:
        model = _TRAINED.get(digest)
        if model is None:
            model = read_model(path, digest)
        if model is None:
            log.info("training the message model from %s", folder)
            model = MessageModel.train(read_corpus(folder))
            try:
                write_model(model, digest, path)
            except OSError as error:
                log.warning("could not write the message model to %s: %s", path, error.strerror or error)
        _TRAINED[digest] = model
    return model
