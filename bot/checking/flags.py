"""Named red flags in a message's words, each with the words quoted from the message.

`find_flags(text, phrases)` reads a forwarded or pasted message and returns the red flags it shows,
at most one per code, in the order they appear. The phrases live in `content/vi/red_flags.yaml`
(`RedFlagPhrases.load`); that file's header says how phrases, combos, negations and exceptions work.

| code | meaning |
| --- | --- |
| `transfer_to_verify` | asks to transfer money to "verify", "hold safely" or "prove innocence" |
| `asks_otp` | asks the reader to read out, send or give an OTP / verification code |
| `install_app` | asks to install an app, download a file (.apk) or follow an install link |
| `threat_arrest_lock` | threatens arrest, prosecution, account lock, asset freeze or SIM cut-off |
| `urgency` | pushes to act at once ("trong 24h", "ngay lập tức", "gấp", "hôm nay hết hạn") |
| `secrecy` | tells the reader to keep it secret ("không được nói với ai", "giữ bí mật") |
| `fee_for_prize` | a prize, gift or refund that needs a fee, tax or deposit first |
| `task_job_deposit` | easy-task job ("việc nhẹ lương cao", "làm nhiệm vụ") with deposits or orders to pay |
| `brand_sms_link` | a brand-name-style SMS (bank, carrier, delivery, state service) carrying a link |
| `relative_emergency_money` | a relative's emergency (accident, hospital, arrest) plus a request for money |
| `lookalike_link` | a link whose domain imitates a brand's (found by bot/checking/lookalike.py) |

Two codes depend on what the caller found in the message: `brand_sms_link` fires only with
`has_link=True` (pass it for links that are not the brand's official site), and `lookalike_link`
once for the first of `lookalike_hosts` (hosts `LookalikeDetector.check` gave a hit for); its quote
is where that host is written in the message, or the host itself with start = end = -1 when the
message spells it differently.

Matching runs on a folded copy of the message (lower case, no diacritics via textnorm, punctuation
as spaces, sentence ends and commas kept as breaks) with a map from every folded character back to
the original, so `quote == text[start:end]` is the message's own words, diacritics included, at most
QUOTE_LIMIT characters and cut between words. The cost is bounded whatever the message: one folding
pass, one pass of one precompiled regular expression (every phrase of every flag in one
alternation, tried only where a word starts), then bisections over the hits found.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.core import paths
from bot.core.content import read_yaml
from bot.core.textnorm import strip_diacritics

QUOTE_LIMIT = 60
CODES: tuple[str, ...] = (
    "transfer_to_verify",
    "asks_otp",
    "install_app",
    "threat_arrest_lock",
    "urgency",
    "secrecy",
    "fee_for_prize",
    "task_job_deposit",
    "brand_sms_link",
    "relative_emergency_money",
    "lookalike_link",
)
_CANCEL_WINDOW = 3  # words after a hit in which a `cancelled_by` phrase undoes it
_SENDER_WORDS = 3  # a brand-name sender is among the first words of the message
_SENTENCE = "\n"
_CLAUSE = ","
_BREAKS = frozenset(_SENTENCE + _CLAUSE)

# Internal phrase kinds, beside the flag codes.
_NEG, _NOT_NEG, _REPORTED, _SENDER = "~neg", "~notneg", "~reported", "~sender"


@dataclass(frozen=True)
class Flag:
    code: str
    quote: str  # the message's own words, == text[start:end] (start = end = -1: not found in it)
    start: int
    end: int


@dataclass(frozen=True)
class Rule:
    code: str
    groups: tuple[frozenset[str], ...]  # one group: any phrase fires; more: one from each
    window: int = 0  # words allowed between consecutive pieces of a combo
    ordered: bool = True
    same_sentence: bool = True
    negatable: bool = True
    blocked_by: frozenset[str] = frozenset()
    blocked_window: int = 2
    cancelled_by: frozenset[str] = frozenset()
    except_in: frozenset[str] = frozenset()


def fold_phrase(phrase: str) -> str:
    """A phrase as the folded message spells it: 'Chuyển tiền!' -> 'chuyen tien'."""
    return " ".join(_fold_char_run(strip_diacritics(phrase.casefold())).split())


def _fold_char_run(text: str) -> str:
    return "".join(ch if ch.isalnum() else " " for ch in text)


@dataclass(frozen=True)
class RedFlagPhrases:
    rules: tuple[Rule, ...]
    negations: frozenset[str]
    not_negations: frozenset[str]
    negation_window: int
    reported_speech: frozenset[str]
    brand_senders: frozenset[str]
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> RedFlagPhrases:
        return _load(path or paths.content_dir() / "vi" / "red_flags.yaml")

    @classmethod
    def from_data(cls, data: dict) -> RedFlagPhrases:
        def words(items: Iterable[object] | None) -> frozenset[str]:
            return frozenset(w for w in (fold_phrase(str(item)) for item in items or ()) if w)

        negation = data.get("negation") or {}
        rules: list[Rule] = []
        for code, spec in (data.get("flags") or {}).items():
            if code not in CODES:
                raise ValueError(f"red_flags: unknown flag code {code!r}")
            common = {
                "negatable": bool(spec.get("negatable", True)),
                "blocked_by": words(spec.get("blocked_by")),
                "blocked_window": int(spec.get("blocked_window", 2)),
                "cancelled_by": words(spec.get("cancelled_by")),
                "except_in": words(spec.get("except_in")),
            }
            if spec.get("phrases"):
                rules.append(Rule(code, (words(spec["phrases"]),), **common))
            for combo in spec.get("combos") or ():
                groups = tuple(words(group) for group in combo["groups"])
                if len(groups) < 2 or not all(groups):
                    raise ValueError(f"red_flags: a combo of {code} needs two or more non-empty groups")
                rules.append(
                    Rule(
                        code,
                        groups,
                        window=int(combo.get("window", 6)),
                        ordered=bool(combo.get("ordered", True)),
                        same_sentence=bool(combo.get("same_sentence", True)),
                        **common,
                    )
                )
        negations = words(negation.get("words"))
        not_negations = words(negation.get("not_negations"))
        reported = words(data.get("reported_speech"))
        senders = words(data.get("brand_senders"))
        every = set(negations | not_negations | reported | senders)
        for rule in rules:
            every.update(*rule.groups, rule.blocked_by, rule.cancelled_by, rule.except_in)
        # Longest first, so that at one position the longest phrase is the one found; every phrase is
        # tried only where a word starts, and the lookahead lets hits that start inside another count.
        alternation = "|".join(re.escape(p) for p in sorted(every, key=lambda p: (-len(p), p)))
        pattern = re.compile(rf"(?<![^\s,])(?=({alternation})(?![^\s,]))") if every else re.compile(r"(?!)")
        return cls(
            rules=tuple(rules),
            negations=negations,
            not_negations=not_negations,
            negation_window=int(negation.get("window", 4)),
            reported_speech=reported,
            brand_senders=senders,
            pattern=pattern,
        )


@lru_cache(maxsize=4)
def _load(path: Path) -> RedFlagPhrases:
    return RedFlagPhrases.from_data(read_yaml(path.read_text(encoding="utf-8")) or {})


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return strip_diacritics(ch).casefold()


@dataclass
class _Folded:
    """The message folded, with where each folded character came from in the original."""

    text: str
    starts: list[int]  # original index of each folded character
    ends: list[int]  # original index just after it (its combining marks included)
    word_at: list[int]  # number of words that start before each folded index (len(text) + 1 entries)
    sentence_at: list[int]  # sentence number at each folded index
    clause_at: list[int]  # clause number at each folded index


# Separators between words in the folded text, weakest first: a run of them keeps the strongest.
_SEPARATOR_RANK = {" ": 0, _CLAUSE: 1, _SENTENCE: 2}


def _fold(text: str) -> _Folded:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    rank = _SEPARATOR_RANK

    def put(ch: str, start: int, end: int) -> None:
        if ch in rank:
            if not out:
                return
            if out[-1] in rank:  # one separator between words: the strongest of the run
                if rank[ch] > rank[out[-1]]:
                    out[-1] = ch
                return
        out.append(ch)
        starts.append(start)
        ends.append(end)

    n = len(text)
    for i, ch in enumerate(text):
        if ch.isalnum():
            folded = _fold_char(ch)
            if not folded:  # a combining mark (text not in NFC): it belongs to the letter before
                if out and ends and ends[-1] == i:
                    ends[-1] = i + 1
                continue
            for piece in folded:
                put(piece if piece.isalnum() else " ", i, i + 1)
        elif ch in "!?;\n" or (ch == "." and (i + 1 == n or text[i + 1].isspace())):
            put(_SENTENCE, i, i + 1)
        elif ch == ",":
            put(_CLAUSE, i, i + 1)
        elif _fold_char(ch) == "" and out and ends[-1] == i:  # combining mark after a letter
            ends[-1] = i + 1
        else:
            put(" ", i, i + 1)
    folded = "".join(out)
    word_at, sentence_at, clause_at = [0] * (len(folded) + 1), [0] * (len(folded) + 1), [0] * (len(folded) + 1)
    words = sentences = clauses = 0
    previous = " "
    for j, ch in enumerate(folded):
        if ch == _SENTENCE:
            sentences += 1
            clauses += 1
        elif ch == _CLAUSE:
            clauses += 1
        word_at[j] = words
        sentence_at[j] = sentences
        clause_at[j] = clauses
        if ch.isalnum() and not previous.isalnum():
            words += 1
            word_at[j] = words - 1
        previous = ch
    word_at[len(folded)] = words
    sentence_at[len(folded)] = sentences
    clause_at[len(folded)] = clauses
    return _Folded(folded, starts, ends, word_at, sentence_at, clause_at)


@dataclass(frozen=True)
class _Hit:
    start: int  # in the folded text
    end: int


class _Scan:
    """Every phrase hit in one folded message, looked up by phrase."""

    def __init__(self, folded: _Folded, phrases: RedFlagPhrases):
        self.folded = folded
        self.by_phrase: dict[str, list[_Hit]] = {}
        for match in phrases.pattern.finditer(folded.text):
            found = match.group(1)
            self.by_phrase.setdefault(found, []).append(_Hit(match.start(1), match.end(1)))
        # Each phrase found with its shorter word prefixes, longest first: built once per message
        # rather than on each of the ~50 look-ups the rules make.
        self._prefixes = {
            key: [" ".join(words[:n]) for n in range(len(words) - 1, 0, -1)]
            for key, words in ((key, key.split(" ")) for key in self.by_phrase)
        }
        self._hits: dict[frozenset[str], list[_Hit]] = {}  # rules share groups (negations, blockers)
        not_neg = self.hits(phrases.not_negations)
        self.negations = [
            h for h in self.hits(phrases.negations) if not any(o.start <= h.start and h.end <= o.end for o in not_neg)
        ]
        self.negation_ends = [h.end for h in self.negations]
        self.reported = self.hits(phrases.reported_speech)
        self.reported_starts = [h.start for h in self.reported]

    def hits(self, group: frozenset[str]) -> list[_Hit]:
        """Where the phrases of `group` occur. At one position the pass keeps only the longest phrase,
        so a phrase is also found as the first words of a longer one ("đọc" in "đọc mã").
        The list is shared by every caller asking for the same group: read it, never change it."""
        found = self._hits.get(group)
        if found is None:
            found = self._hits[group] = self._find(group) if group else []
        return found

    def _find(self, group: frozenset[str]) -> list[_Hit]:
        found: list[_Hit] = []
        for key, hits in self.by_phrase.items():
            if key in group:
                found += hits
                continue
            for prefix in self._prefixes[key]:
                if prefix in group:
                    found += [_Hit(h.start, h.start + len(prefix)) for h in hits]
                    break
        return sorted(found, key=lambda h: (h.start, -h.end))

    def words_between(self, end: int, start: int) -> int:
        return self.folded.word_at[start] - self.folded.word_at[end]

    def preceded(self, hit: _Hit, before: list[_Hit], window: int, ends: list[int] | None = None) -> bool:
        """Whether one of `before` ends at most `window` words before `hit`, in the same clause."""
        ends = ends if ends is not None else [h.end for h in before]
        i = bisect.bisect_right(ends, hit.start) - 1
        clause = self.folded.clause_at[hit.start]
        while i >= 0:
            other = before[i]
            if self.words_between(other.end, hit.start) > window or self.folded.clause_at[other.end - 1] != clause:
                return False
            if other.end <= hit.start:
                return True
            i -= 1
        return False

    def followed(self, hit: _Hit, after: list[_Hit], window: int) -> bool:
        clause = self.folded.clause_at[hit.end - 1]
        for other in after:
            if (
                other.start >= hit.end
                and self.folded.clause_at[other.start] == clause
                and self.words_between(hit.end, other.start) <= window
            ):
                return True
        return False

    def in_reported_speech(self, hit: _Hit) -> bool:
        i = bisect.bisect_right(self.reported_starts, hit.start) - 1
        return i >= 0 and self.folded.sentence_at[self.reported[i].start] == self.folded.sentence_at[hit.start]


def _sorted_by_end(hits: list[_Hit]) -> tuple[list[_Hit], list[int]]:
    ordered = sorted(hits, key=lambda h: h.end)
    return ordered, [h.end for h in ordered]


def _usable(scan: _Scan, rule: Rule, phrases: RedFlagPhrases) -> list[list[_Hit]]:
    blockers, blocker_ends = _sorted_by_end(scan.hits(rule.blocked_by))
    cancellers = scan.hits(rule.cancelled_by)
    exceptions = scan.hits(rule.except_in)
    negations, negation_ends = scan.negations, scan.negation_ends
    out = []
    for group in rule.groups:
        kept = []
        for hit in scan.hits(group):
            if rule.negatable and scan.preceded(hit, negations, phrases.negation_window, negation_ends):
                continue
            if blockers and scan.preceded(hit, blockers, rule.blocked_window, blocker_ends):
                continue
            if cancellers and scan.followed(hit, cancellers, _CANCEL_WINDOW):
                continue
            if any(e.start <= hit.start and hit.end <= e.end and e != hit for e in exceptions):
                continue
            if scan.in_reported_speech(hit):
                continue
            kept.append(hit)
        out.append(kept)
    return out


def _combo(scan: _Scan, rule: Rule, groups: list[list[_Hit]]) -> tuple[_Hit, _Hit] | None:
    """The first chain with one hit of each group, consecutive pieces at most rule.window words apart."""
    folded = scan.folded
    for first in groups[0]:
        chain_start, last = first, first
        ok = True
        for group in groups[1:]:
            starts = [h.start for h in group]
            pick = None
            if rule.ordered:
                j = bisect.bisect_left(starts, last.end)
                if j < len(group) and scan.words_between(last.end, group[j].start) <= rule.window:
                    pick = group[j]
            else:
                lo = bisect.bisect_left(starts, chain_start.start - 200)
                for other in group[lo : lo + 64]:
                    if other.end <= chain_start.start:
                        near = scan.words_between(other.end, chain_start.start) <= rule.window
                    elif other.start >= last.end:
                        near = scan.words_between(last.end, other.start) <= rule.window
                    else:
                        near = False  # overlapping pieces are one word, not two
                    if near:
                        pick = other
                        break
            if pick is None:
                ok = False
                break
            low, high = min(chain_start.start, pick.start), max(last.end, pick.end)
            if rule.same_sentence and folded.sentence_at[low] != folded.sentence_at[high - 1]:
                ok = False
                break
            if pick.start < chain_start.start:
                chain_start = pick
            if pick.end > last.end:
                last = pick
        if ok:
            return chain_start, last
    return None


def _quote(text: str, folded: _Folded, first: _Hit, last: _Hit) -> Flag:
    """The original words from the first piece to the last; when longer than QUOTE_LIMIT, the last
    piece with as many whole words before it (in its sentence) as fit."""
    a, b = folded.starts[first.start], folded.ends[last.end - 1]
    if b - a > QUOTE_LIMIT:
        a = folded.starts[last.start]
        sentence = folded.sentence_at[last.start]
        j = last.start - 1
        while j > 0:
            ch = folded.text[j]
            if ch == _SENTENCE or folded.sentence_at[j] != sentence:
                break
            if ch.isalnum() and not folded.text[j - 1].isalnum():
                if b - folded.starts[j] > QUOTE_LIMIT:
                    break
                a = folded.starts[j]
            j -= 1
        if b - a > QUOTE_LIMIT:  # one piece longer than the limit: cut it between words
            cut = text.rfind(" ", a, a + QUOTE_LIMIT + 1)
            b = cut if cut > a else a + QUOTE_LIMIT
    return Flag("", text[a:b], a, b)


def _sender(scan: _Scan, phrases: RedFlagPhrases) -> _Hit | None:
    folded = scan.folded
    for hit in scan.hits(phrases.brand_senders):
        if folded.word_at[hit.start] < _SENDER_WORDS and folded.sentence_at[hit.start] == 0:
            return hit
    return None


def find_flags(
    text: str,
    phrases: RedFlagPhrases,
    *,
    has_link: bool = False,
    lookalike_hosts: Sequence[str] = (),
) -> list[Flag]:
    """The red flags in `text`, at most one per code, ordered by where they start."""
    if not text:
        return []
    folded = _fold(text)
    scan = _Scan(folded, phrases)
    found: dict[str, Flag] = {}
    for rule in phrases.rules:
        groups = _usable(scan, rule, phrases)
        if len(groups) == 1:
            span = (groups[0][0], groups[0][0]) if groups[0] else None
        else:
            span = _combo(scan, rule, groups) if all(groups) else None
        if span is None:
            continue
        flag = _quote(text, folded, *span)
        flag = Flag(rule.code, flag.quote, flag.start, flag.end)
        if rule.code not in found or (flag.start, -flag.end) < (found[rule.code].start, -found[rule.code].end):
            found[rule.code] = flag
    if has_link and (sender := _sender(scan, phrases)) is not None:
        flag = _quote(text, folded, sender, sender)
        found["brand_sms_link"] = Flag("brand_sms_link", flag.quote, flag.start, flag.end)
    for host in list(lookalike_hosts)[:1]:
        match = re.search(re.escape(host), text, re.IGNORECASE) if host else None
        if match:
            end = min(match.end(), match.start() + QUOTE_LIMIT)
            found["lookalike_link"] = Flag("lookalike_link", text[match.start() : end], match.start(), end)
        elif host:
            found["lookalike_link"] = Flag("lookalike_link", host[:QUOTE_LIMIT], -1, -1)
    return sorted(found.values(), key=lambda f: (f.start, CODES.index(f.code)))
