"""Choosing the lines of the message verdict (`canhgiac messages tune`) on the training corpus only.

5-fold stratified cross-validation (by label and topic, fixed seed) over `content/messages/train`:
each fifth is judged by a model trained on the other four, so every message gets an out-of-fold
score. Its flags and identifier checks (on an empty database: no citizen reports, only what the
identifiers themselves show) are computed once with it and reduced to a `Case`; `search` then tries
every `Lines` of the grid on those cases with `risk_for`, the very rule `decide` applies, and keeps
the one with the highest scam recall whose false alarms on genuine messages stay within the bound.
The evaluation file plays no part: its figures stay honest.

Imports: core, checking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlite_utils

from bot.checking import BrandTable
from bot.checking.flags import RedFlagPhrases
from bot.checking.message_model import LabelledMessage, MessageModel
from bot.checking.message_verdict import LINES, Lines, MessageJudge, risk_for
from bot.core.migrations import migrate

FOLDS = 5
SEED = 13
MAX_FALSE_ALARMS = 0.02  # a false alarm on a real bank SMS costs as much trust as a miss
STEP = 5  # hundredths: the grid's step of 0.05
ALARMS = range(50, 96, STEP)  # hundredths: 0.50 … 0.95
FLAG_ALARM_FROM = 20


@dataclass(frozen=True)
class Case:
    """One message's evidence reduced to what `risk_for` reads, with its label."""

    scam: bool
    words_only: bool  # no link, number or account: the words are the only evidence
    score: float
    strong: bool
    flags: int
    identifiers: str  # the identifiers' risk together: high, medium, low


@dataclass(frozen=True)
class Outcome:
    lines: Lines
    scams: int
    caught: int  # scam messages judged medium or high
    words_only: int
    words_only_caught: int
    scam_high: int  # scam messages judged high
    genuine: int
    false_alarms: int  # genuine messages judged medium or high
    genuine_high: int  # genuine messages judged high: the worst kind of false alarm

    @property
    def recall(self) -> float:
        return self.caught / self.scams if self.scams else 0.0

    @property
    def words_only_recall(self) -> float:
        return self.words_only_caught / self.words_only if self.words_only else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.genuine if self.genuine else 0.0

    @property
    def high_share(self) -> float:
        """The share of scam verdicts (medium or high) that are high."""
        return self.scam_high / self.caught if self.caught else 0.0

    def rank(self) -> tuple:
        """Best first when sorted in reverse: recall, then fewer false alarms, fewer genuine
        messages at high, more scams at high, and of equals the higher (more cautious) lines."""
        return (
            self.caught,
            self.words_only_caught,
            -self.false_alarms,
            -self.genuine_high,
            self.scam_high,
            self.lines.alarm,
            self.lines.flag_alarm,
        )


def grid(unsure: float = LINES.unsure) -> list[Lines]:
    """Every Lines with alarm 0.50–0.95, high from alarm to 0.95, flag_alarm 0.20–alarm, by 0.05
    (hundredths as integers, so 0.7 is 0.7 and not 0.7000000000000001). `unsure` only chooses what
    goes to the gaps log, not the verdict: it is kept as it is."""
    return [
        Lines(alarm=alarm / 100, high=high / 100, flag_alarm=flag / 100, unsure=unsure)
        for alarm in ALARMS
        for high in range(alarm, ALARMS.stop, STEP)
        for flag in range(FLAG_ALARM_FROM, alarm + 1, STEP)
    ]


def measure(cases: Sequence[Case], lines: Lines) -> Outcome:
    counts = dict.fromkeys(("scams", "caught", "words_only", "words_only_caught", "scam_high"), 0)
    genuine = false_alarms = genuine_high = 0
    for case in cases:
        risk = risk_for(case.score, case.strong, case.flags, case.identifiers, lines)
        alarm = risk != "low"
        if case.scam:
            counts["scams"] += 1
            counts["caught"] += alarm
            counts["words_only"] += case.words_only
            counts["words_only_caught"] += case.words_only and alarm
            counts["scam_high"] += risk == "high"
        else:
            genuine += 1
            false_alarms += alarm
            genuine_high += risk == "high"
    return Outcome(lines, genuine=genuine, false_alarms=false_alarms, genuine_high=genuine_high, **counts)


def search(
    cases: Sequence[Case], candidates: Sequence[Lines] | None = None, max_false_alarms: float = MAX_FALSE_ALARMS
) -> list[Outcome]:
    """Every candidate whose false alarms stay within `max_false_alarms`, best first (`Outcome.rank`);
    empty when none does. Pure: the same cases give the same answer."""
    outcomes = [measure(cases, lines) for lines in (grid() if candidates is None else candidates)]
    allowed = [o for o in outcomes if o.false_alarm_rate <= max_false_alarms]
    return sorted(allowed, key=Outcome.rank, reverse=True)


def distinct_alarms(ranked: Sequence[Outcome], count: int) -> list[Outcome]:
    """The best outcome of each (alarm, flag_alarm) pair, in rank order: runner-ups that differ by
    more than where `high` is drawn."""
    seen: set[tuple[float, float]] = set()
    kept = []
    for outcome in ranked:
        key = (outcome.lines.alarm, outcome.lines.flag_alarm)
        if key not in seen:
            seen.add(key)
            kept.append(outcome)
    return kept[:count]


def empty_database() -> sqlite_utils.Database:
    """A database with the schema and no rows: identifiers are judged by what they show alone."""
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    return db


def cases_of(judge: MessageJudge, db: sqlite_utils.Database, messages: Sequence[LabelledMessage]) -> list[Case]:
    cases = []
    for message in messages:
        evidence = judge.evidence(db, message.text)
        cases.append(
            Case(
                scam=message.is_scam,
                words_only=not evidence.results,
                score=evidence.score.scam,
                strong=evidence.strong,
                flags=len(evidence.flags),
                identifiers=evidence.identifiers,
            )
        )
    return cases


def out_of_fold_cases(
    messages: Sequence[LabelledMessage],
    phrases: RedFlagPhrases,
    brands: BrandTable,
    folds: int = FOLDS,
    seed: int = SEED,
    progress: Callable[[int], None] = lambda fold: None,
) -> list[Case]:
    """Every message's evidence as judged by a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    strata = [f"{m.label}:{m.topic}" for m in messages]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    db = empty_database()
    cases: list[Case] = []
    for fold, (train, held_out) in enumerate(splitter.split(strata, strata), start=1):
        model = MessageModel.train([messages[i] for i in train])
        cases += cases_of(MessageJudge(model, phrases, brands), db, [messages[i] for i in held_out])
        progress(fold)
    return cases
