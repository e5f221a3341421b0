"""The knowledge content of one language: FAQ entries, scam-method cards and quiz questions.

Parsed from `content/<lang>/{faq,topics,quiz,examples}/<slug>.yaml` (formats in content/README.md). Parsing
is strict about shape, so a malformed file fails at start-up with its path, not mid-conversation;
`canhgiac content check` adds the checks that need the matcher (self-retrieval, near-duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.content import ContentError, read_yaml
from bot.knowledge import refusal
from bot.knowledge.refusal import RefusalModel


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    phrasings: tuple[str, ...]
    answer: str  # a jinja2 template in the HTML subset

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.question, *self.phrasings)


@dataclass(frozen=True)
class TopicCard:
    topic: str
    title: str
    summary: str
    card: str
    more: str


@dataclass(frozen=True)
class QuizQuestion:
    id: str
    topic: str
    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str


@dataclass(frozen=True)
class Knowledge:
    faq: tuple[FaqEntry, ...]
    cards: dict[str, TopicCard]
    quiz: tuple[QuizQuestion, ...]
    keywords: dict[str, tuple[str, ...]]  # topic -> words that point to it (for the classifier)
    # Messages that are not about scams, by kind ("weather", "banking_howto"): each kind is a class of
    # the topic classifier, so refusing does not rest on one broad bag of negatives.
    out_of_scope: dict[str, tuple[str, ...]]
    refusal: RefusalModel  # whether a question is ours to answer (`refusal.yaml`, learnt by `faq tune`)
    # Messages citizens send about each topic, in their own words (`examples/<topic>.yaml`): the
    # topic classifier learns from them as from the FAQ's phrasings, but no entry answers with them.
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.faq if e.id == entry_id), None)

    def question(self, question_id: str) -> QuizQuestion | None:
        return next((q for q in self.quiz if q.id == question_id), None)


def _files(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    loaded = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = read_yaml(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ContentError(f"{path}: not valid YAML: {error}") from error
        if not isinstance(data, dict) or data.get("topic") != path.stem:
            raise ContentError(f"{path}: needs `topic: {path.stem}` (the file's name)")
        loaded.append((path, data))
    return loaded


def _field(path: Path, item: dict[str, Any], name: str, kind: type = str) -> Any:
    value = item.get(name)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise ContentError(f"{path}: {item.get('id', '?')}: `{name}` must be a non-empty {kind.__name__}")
    return value.strip() if kind is str else value


def load_knowledge(root: Path) -> Knowledge:
    """Everything under `root` (one language's folder); missing folders mean no such content."""
    faq = []
    for path, data in _files(root / "faq"):
        for item in data.get("entries") or []:
            phrasings = _field(path, item, "phrasings", list)
            faq.append(
                FaqEntry(
                    id=_field(path, item, "id"),
                    topic=data["topic"],
                    question=_field(path, item, "question"),
                    phrasings=tuple(str(p).strip() for p in phrasings if str(p).strip()),
                    answer=_field(path, item, "answer"),
                )
            )
    cards = {}
    for path, data in _files(root / "topics"):
        cards[data["topic"]] = TopicCard(
            topic=data["topic"],
            title=_field(path, data, "title"),
            summary=_field(path, data, "summary"),
            card=_field(path, data, "card"),
            more=_field(path, data, "more"),
        )
    quiz = []
    for path, data in _files(root / "quiz"):
        for item in data.get("questions") or []:
            quiz.append(
                QuizQuestion(
                    id=_field(path, item, "id"),
                    topic=data["topic"],
                    question=_field(path, item, "question"),
                    options=tuple(str(o).strip() for o in _field(path, item, "options", list)),
                    answer=_field(path, item, "answer", int),
                    explanation=_field(path, item, "explanation"),
                )
            )
    keywords = _optional_yaml(root / "keywords.yaml", dict)
    out_of_scope: dict[str, list[str]] = {}
    for path in sorted((root / "out_of_scope").glob("*.yaml")):
        for kind, texts in _optional_yaml(path, dict).items():
            if not isinstance(texts, list):
                raise ContentError(f"{path}: {kind}: expected a list of messages")
            out_of_scope.setdefault(str(kind), []).extend(str(text) for text in texts)
    examples = {}
    for path, data in _files(root / "examples"):
        examples[data["topic"]] = tuple(str(text).strip() for text in _field(path, data, "examples", list))
    return Knowledge(
        faq=tuple(faq),
        cards=cards,
        quiz=tuple(quiz),
        keywords={str(topic): tuple(str(w) for w in words or ()) for topic, words in keywords.items()},
        out_of_scope={kind: tuple(texts) for kind, texts in sorted(out_of_scope.items())},
        refusal=refusal.load(root),
        examples=examples,
    )


def _optional_yaml(path: Path, kind: type) -> Any:
    if not path.exists():
        return kind()
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, kind):
        raise ContentError(f"{path}: expected a {kind.__name__}")
    return data
