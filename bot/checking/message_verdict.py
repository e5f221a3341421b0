"""The verdict on a whole message a citizen forwards or pastes: the one place that decides its risk.

Three kinds of evidence meet here: the message model's score and the trick it looks like
(`message_model.py`), the named red flags quoted from the message (`flags.py`), and the checks of
the numbers, links and accounts it carries (`verdict.py`: stored reports, blocklist, look-alike
domains). The levels are those of the identifier check: `high` (🔴 very likely a scam), `medium`
(🟠 suspicious signs), `low` (⚪ no sign found, never "safe").

How they combine (`decide`):
- an identifier judged `high` (a look-alike link, a blocklisted site, a number many citizens
  reported) makes the message `high`: the strongest evidence there is;
- the model's score alone raises an alarm from `Lines.alarm`, and makes it `high` from `Lines.high`;
- a strong red flag (asks for money to "verify", an OTP, a fee for a prize…) lowers the line to
  `Lines.flag_alarm`: the flag explains what the model half-sees; two different flags with the
  score over `Lines.alarm` make it `high`;
- an identifier judged `medium` (a shortened link, a foreign number) raises an alarm only with the
  score over `Lines.flag_alarm`: plenty of genuine messages carry a short link.
A false alarm on a real bank SMS costs as much trust as a miss, so the lines are chosen by
cross-validation on the training corpus only (`canhgiac messages tune`, `message_tune.py`), for at
most 2% false alarms there; the evaluation file is never used to choose them. `risk_for` is the
rule on the evidence reduced to a few numbers, so the tuning tries hundreds of lines on evidence
computed once (`MessageJudge.evidence`).

`unsure` marks the verdicts worth a human look (the score near the alarm line, or an alarm that
rests on flags): they go to the message gaps log, masked (`bot/checking/message_gaps.py`).

Imports: core, identifiers, checking, reporting (through `verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from bot.checking import AllowList, BrandTable, verdict
from bot.checking.flags import Flag, RedFlagPhrases, find_flags
from bot.checking.message_model import MessageModel, Score
from bot.checking.official import EMPTY, official_site
from bot.checking.verdict import CheckResult
from bot.identifiers import Identifier, Link, extract_identifiers


@dataclass(frozen=True)
class Lines:
    """Lines on the model's score (0..1) that `decide` draws (the rules in the module docstring)."""

    alarm: float  # the score alone raises an alarm (medium)
    high: float  # the score alone makes it high
    flag_alarm: float  # with a strong flag or a medium identifier, an alarm from here
    unsure: float  # from here up to `alarm` the model is unsure: worth a human look in the gaps log


# From `canhgiac messages tune` (5-fold cross-validation on content/messages/train, at most 2% false
# alarms on its genuine messages): alarm and flag_alarm as chosen there. The high line is a product
# call among the ones it lists: 0.90 keeps 🔴 off all but 2 of 1,296 genuine messages while 3 scam
# alarms in 4 are 🔴 (0.95: none, but only 3 in 5; 0.85: 6 genuine).
LINES = Lines(alarm=0.70, high=0.90, flag_alarm=0.40, unsure=0.35)
MAX_CHECKED = 5  # identifiers checked per message, as in the chat's check
# What is judged of a message: its tricks are told at the start (the corpus's longest message has
# under 400 characters), and the time of the model and of reading numbers grows with the length; a
# Telegram message may hold 4,096 characters, a paste in the terminal any number.
JUDGED_CHARS = 1500

# Flags that on their own describe a scam's ask (the others, urgency and secrecy, colour one).
STRONG_FLAGS = frozenset(
    {
        "transfer_to_verify",
        "asks_otp",
        "install_app",
        "threat_arrest_lock",
        "fee_for_prize",
        "task_job_deposit",
        "brand_sms_link",
        "relative_emergency_money",
        "lookalike_link",
    }
)
# Identifier signals of a link dressed as a brand's: they become the `lookalike_link` flag.
LOOKALIKE_SIGNALS = frozenset(
    {"lookalike_domain", "homoglyph_domain", "brand_in_subdomain", "brand_with_bait_words", "gov_impersonation"}
)


@dataclass(frozen=True)
class MessageVerdict:
    text: str
    risk: str  # high, medium, low
    topic: str | None  # the trick it looks like (a taxonomy slug), None when nothing looks wrong
    score: float
    flags: list[Flag] = field(default_factory=list)
    identifiers: list[CheckResult] = field(default_factory=list)
    more_identifiers: int = 0  # found but not checked (beyond MAX_CHECKED)
    unsure: bool = False

    def as_json(self) -> dict[str, Any]:
        """The public contract of `canhgiac check --json` for a message (README): keep it stable."""
        return {
            "input": self.text,
            "kind": "message",
            "risk": self.risk,
            "topic": self.topic,
            "score": round(self.score, 3),
            "flags": [{"code": f.code, "quote": f.quote} for f in self.flags],
            "identifiers": [result.as_json() for result in self.identifiers],
        }


@dataclass(frozen=True)
class Evidence:
    score: Score
    flags: list[Flag]
    results: list[CheckResult]
    more: int  # identifiers found but not checked (beyond MAX_CHECKED)

    @property
    def strong(self) -> bool:
        return any(f.code in STRONG_FLAGS for f in self.flags)

    @property
    def identifiers(self) -> str:
        """The risk of the identifiers checked, together."""
        return verdict.risk_of([s for r in self.results for s in r.signals])


@dataclass(frozen=True)
class MessageJudge:
    """What judging a message needs from the library: the model, the phrases, the brands."""

    model: MessageModel
    phrases: RedFlagPhrases
    brands: BrandTable
    lines: Lines = LINES

    def judge(self, db: sqlite_utils.Database, text: str, allow: AllowList = EMPTY) -> MessageVerdict:
        return decide(text, self.evidence(db, text, allow), self.lines)

    def evidence(self, db: sqlite_utils.Database, text: str, allow: AllowList = EMPTY) -> Evidence:
        """Everything `decide` needs, before any line is drawn, read from the message's first
        JUDGED_CHARS characters."""
        text = text[:JUDGED_CHARS]
        found = extract_identifiers(text)
        results = [verdict.check(db, i, self.brands, allow=allow) for i in found[:MAX_CHECKED]]
        flags = find_flags(
            text,
            self.phrases,
            has_link=any(self._unofficial_link(i) for i in found),
            lookalike_hosts=[r.identifier.host_unicode for r in results if _dressed_as_brand(r)],
        )
        return Evidence(self.model.score(text), flags, results, len(found) - len(results))

    def _unofficial_link(self, identifier: Identifier) -> bool:
        return isinstance(identifier, Link) and official_site(identifier, self.brands) is None


def _dressed_as_brand(result: CheckResult) -> bool:
    return isinstance(result.identifier, Link) and any(s.code in LOOKALIKE_SIGNALS for s in result.signals)


def decide(text: str, evidence: Evidence, lines: Lines = LINES) -> MessageVerdict:
    """The risk of a message from all its evidence (the rules in the module docstring)."""
    scam = evidence.score.scam
    risk = risk_for(scam, evidence.strong, len(evidence.flags), evidence.identifiers, lines)
    unsure = (lines.unsure <= scam < lines.alarm) or (risk != "low" and scam < lines.alarm)
    return MessageVerdict(
        text=text,
        risk=risk,
        topic=evidence.score.topic if risk != "low" else None,
        score=scam,
        flags=evidence.flags,
        identifiers=evidence.results,
        more_identifiers=max(0, evidence.more),
        unsure=unsure,
    )


def risk_for(scam: float, strong: bool, flags: int, identifiers: str, lines: Lines = LINES) -> str:
    """The rule of `decide` on the evidence reduced to numbers: the model's score, whether a strong
    flag was found, how many flags, and the identifiers' risk together."""
    if identifiers == "high" or scam >= lines.high or (scam >= lines.alarm and strong and flags >= 2):
        return "high"
    if scam >= lines.alarm or (scam >= lines.flag_alarm and (strong or identifiers == "medium")):
        return "medium"
    return "low"
