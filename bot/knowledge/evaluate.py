"""Scoring the matcher on an evaluation file (the format of ../shared/eval/faq-sample.tsv).

Each line is `question<TAB>acceptable topics` (comma-separated slugs) or `question<TAB>none` for a
question the bot must not answer from the FAQ. Blank lines and lines starting with `#` are skipped.
Top-1 topic accuracy counts a suggestion too: its first choice is what the citizen sees first.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.content import ContentError
from bot.knowledge.matcher import FaqMatcher

BOT_HELP = "bot-help"


@dataclass(frozen=True)
class Case:
    question: str
    topics: frozenset[str]  # empty: out of scope


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    correct_topic: int = 0
    refused_out_of_scope: int = 0
    refused_in_scope: int = 0
    answered: int = 0
    suggested: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (question, expected, got)

    @property
    def topic_accuracy(self) -> float:
        return self.correct_topic / self.in_scope if self.in_scope else 0.0

    @property
    def out_of_scope_refused(self) -> float:
        return self.refused_out_of_scope / self.out_of_scope if self.out_of_scope else 1.0

    @property
    def in_scope_refused(self) -> float:
        return self.refused_in_scope / self.in_scope if self.in_scope else 0.0

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return "\n".join(
            [
                f"questions: {self.in_scope} in scope, {self.out_of_scope} out of scope",
                f"top-1 topic accuracy (in scope): {self.topic_accuracy:.1%}",
                f"out of scope correctly refused: {self.out_of_scope_refused:.1%}",
                f"in scope wrongly refused: {self.in_scope_refused:.1%}",
                f"outcomes: {self.answered} answered, {self.suggested} suggested, "
                f"{self.in_scope + self.out_of_scope - self.answered - self.suggested} refused",
                f"latency per question: p50 {self.percentile_ms(0.5):.2f} ms, p99 {self.percentile_ms(0.99):.2f} ms "
                f"(mean {statistics.fmean(self.latencies_ms or [0]):.2f} ms)",
            ]
        )


def read_cases(path: Path, known_topics: set[str]) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        question, sep, labels = line.rpartition("\t")
        topics = {t.strip() for t in labels.split(",") if t.strip()}
        if not sep or not question.strip() or not topics:
            raise ContentError(f"{path}:{number}: expected 'question<TAB>topics'")
        if topics == {"none"}:
            topics = set()
        unknown = topics - known_topics
        if unknown:
            raise ContentError(f"{path}:{number}: unknown topic {', '.join(sorted(unknown))}")
        cases.append(Case(question.strip(), frozenset(topics)))
    return cases


def evaluate(matcher: FaqMatcher, cases: list[Case], routed: Callable[[str], bool] = lambda text: False) -> Report:
    """Score `matcher`; questions for which `routed` is true (greetings, commands, menu words: the
    router answers them without the FAQ) count as not answered from the FAQ, except that a question
    about using the bot is then served by the router's own menu or help, which is the right answer."""
    report = Report()
    for case in cases:
        started = time.perf_counter()
        result = None if routed(case.question) else matcher.match(case.question)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        refused = result is None or result.outcome == "fallback"
        if result is None and BOT_HELP in case.topics:
            refused = False  # "mở menu", "/kiemtra": the router shows the menu or the command itself
        report.answered += not refused and (result is None or result.outcome == "answer")
        report.suggested += result is not None and result.outcome == "suggest"
        got = "none" if refused else BOT_HELP if result is None else result.best.entry.topic
        if case.topics:
            report.in_scope += 1
            report.refused_in_scope += refused
            if got in case.topics:
                report.correct_topic += 1
            else:
                report.misses.append((case.question, ",".join(sorted(case.topics)), got))
        else:
            report.out_of_scope += 1
            report.refused_out_of_scope += refused
            if not refused:
                report.misses.append((case.question, "none", got))
    return report
