"""Scoring the message verdict on an evaluation file (`canhgiac messages eval FILE`).

The whole verdict is scored, as the chat gives it (`MessageJudge.judge`: the model, the red flags,
the identifier checks, `decide` with the shipped lines), not the bare model: a scam message counts
as caught when its risk is medium or high, a genuine one as a false alarm then. The figures issue 13
names: scam recall, recall on scam messages that carry no link, number or account (their words are
the only evidence), the right kind (the model's top-1 topic) on scam messages, the false-alarm rate
on genuine messages and the time per message, flags and identifier checks included; and the share
of scam alarms that are high. Identifiers are checked against an empty database (no citizen
reports), so the figures depend on the repository alone. The file must be one the model was not
trained or tuned on (`tests/eval/messages-eval.tsv`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlite_utils

from bot.checking.message_model import LabelledMessage
from bot.checking.message_verdict import MessageJudge, decide


@dataclass
class MessageReport:
    scams: int = 0
    caught: int = 0  # scam messages judged medium or high
    caught_high: int = 0  # of them, judged high
    words_only: int = 0  # scam messages without a link, number or account
    words_only_caught: int = 0
    right_kind: int = 0
    genuine: int = 0
    false_alarms: int = 0
    false_highs: int = 0  # genuine messages judged high
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
                f"messages: {self.scams} scam, {self.genuine} genuine; an alarm is a risk of medium or high",
                f"scam recall: {share(self.caught, self.scams)}",
                f"scam recall without link, number or account: {share(self.words_only_caught, self.words_only)}",
                f"right kind (top-1 topic) on scam messages: {share(self.right_kind, self.scams)}",
                f"false alarms on genuine messages: {share(self.false_alarms, self.genuine)}"
                f" (high: {self.false_highs})",
                f"scam alarms that are high: {share(self.caught_high, self.caught)}",
                f"time per message: p50 {self.percentile_ms(0.5):.2f} ms, p99 {self.percentile_ms(0.99):.2f} ms",
            ]
        )


def evaluate(judge: MessageJudge, messages: list[LabelledMessage], db: sqlite_utils.Database) -> MessageReport:
    report = MessageReport()
    for message in messages:
        started = time.perf_counter()
        evidence = judge.evidence(db, message.text)
        risk = decide(message.text, evidence, judge.lines).risk
        report.times_ms.append((time.perf_counter() - started) * 1000)
        _count(report, message, risk, evidence.score.topic, evidence.score.scam, words_only=not evidence.results)
    return report


def _count(
    report: MessageReport, message: LabelledMessage, risk: str, topic: str | None, score: float, *, words_only: bool
) -> None:
    alarm = risk != "low"
    if not message.is_scam:
        report.genuine += 1
        report.false_alarms += alarm
        report.false_highs += risk == "high"
        if alarm:
            report.misses.append((f"false alarm {risk}", message, score))
        return
    report.scams += 1
    report.caught += alarm
    report.caught_high += risk == "high"
    report.right_kind += topic == message.topic
    if words_only:
        report.words_only += 1
        report.words_only_caught += alarm
    if not alarm:
        report.misses.append(("missed", message, score))
    elif topic != message.topic:
        report.misses.append((f"kind {topic}", message, score))
