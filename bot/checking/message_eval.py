"""Scoring the message model on an evaluation file (`canhgiac messages eval FILE`).

The figures issue 13 names: scam recall, recall on scam messages that carry no link, number or
account (their words are the only evidence), the right kind (top-1 topic) on scam messages, the
false-alarm rate on genuine messages, and the time per message. The file must be one the model
was not trained or tuned on (`tests/eval/messages-eval.tsv`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.checking.message_model import LabelledMessage, MessageModel
from bot.identifiers import extract_identifiers

THRESHOLD = 0.5  # a score from here counts as "looks like a scam"


@dataclass
class MessageReport:
    scams: int = 0
    caught: int = 0
    words_only: int = 0  # scam messages without a link, number or account
    words_only_caught: int = 0
    right_kind: int = 0
    genuine: int = 0
    false_alarms: int = 0
    times_ms: list[float] = field(default_factory=list)
    misses: list[tuple[str, LabelledMessage, float]] = field(default_factory=list)  # (why, message, score)

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        def share(part: int, whole: int) -> str:
            return f"{part / whole:.1%} ({part}/{whole})" if whole else "n/a"

        return "\n".join(
            [
                f"messages: {self.scams} scam, {self.genuine} genuine; threshold {THRESHOLD}",
                f"scam recall: {share(self.caught, self.scams)}",
                f"scam recall without link, number or account: {share(self.words_only_caught, self.words_only)}",
                f"right kind (top-1 topic) on scam messages: {share(self.right_kind, self.scams)}",
                f"false alarms on genuine messages: {share(self.false_alarms, self.genuine)}",
                f"time per message: p50 {self.percentile_ms(0.5):.2f} ms, p99 {self.percentile_ms(0.99):.2f} ms",
            ]
        )


def evaluate(model: MessageModel, messages: list[LabelledMessage]) -> MessageReport:
    report = MessageReport()
    for message in messages:
        started = time.perf_counter()
        score = model.score(message.text)
        report.times_ms.append((time.perf_counter() - started) * 1000)
        flagged = score.scam >= THRESHOLD
        if message.is_scam:
            report.scams += 1
            report.caught += flagged
            if not extract_identifiers(message.text):
                report.words_only += 1
                report.words_only_caught += flagged
            report.right_kind += score.topic == message.topic
            if not flagged:
                report.misses.append(("missed", message, score.scam))
            elif score.topic != message.topic:
                report.misses.append((f"kind {score.topic}", message, score.scam))
        else:
            report.genuine += 1
            report.false_alarms += flagged
            if flagged:
                report.misses.append(("false alarm", message, score.scam))
    return report
