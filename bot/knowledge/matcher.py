"""Matching a question to FAQ entries: weighted word overlap on normalised text, typo-tolerant.

Every phrasing of every entry (and its canonical question) is indexed once, as words and word
pairs of its diacritics-free form. A word that few entries use weighs more (inverse document
frequency over entries), so "triệu tập" decides more than "không". The score of an entry is the
geometric mean of

- how much of the question's weight the entry's phrasings explain together (recall: an unknown
  word such as "lúa" in "giá lúa hôm nay" weighs heavily against every entry, which is what
  refuses off-topic text), and
- how much of its best phrasing's weight the question covers (precision),

on a 0–100 scale. Question words that the index does not
know are first corrected to the nearest known word when they are close (rapidfuzz), so typos
still match. When the person typed diacritics, entries whose accented words agree get a small
bonus, which separates "bán" from "bạn" that the plain form confuses.

Whether the question is ours at all is the refusal model's call (bot/knowledge/refusal.py), which
reads the classifier, the overlap and their agreement together. Then three outcomes, by two
thresholds chosen from the evaluation set (settings `CANHGIAC_FAQ_ANSWER_THRESHOLD`,
`CANHGIAC_FAQ_SUGGEST_THRESHOLD`): answer, suggest the closest questions, or fall back honestly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from bot.core.textnorm import strip_diacritics
from bot.knowledge.catalog import FaqEntry
from bot.knowledge.classifier import TopicClassifier, is_out_of_scope, out_of_scope_share
from bot.knowledge.normalize import Normalized, normalize
from bot.knowledge.refusal import UNTUNED, RefusalModel, Signals

Outcome = Literal["answer", "suggest", "fallback"]

SUGGESTIONS = 3
TYPO_MIN_LENGTH = 4  # shorter words are too easily "corrected" into another word
TYPO_CUTOFF = 80
COMMON_SHARE = 0.5  # words in more than half of the entries find candidates only as a last resort
ACCENT_BONUS = 6.0
OVERLAP_SHARE = 0.5  # of the final score: word overlap with the entry; the rest is the topic's probability
TOPIC_CANDIDATES = 2  # entries of the likeliest topics are candidates even without a shared word
EXACT = 98.0  # an overlap this high means the question is one of the entry's phrasings
MAX_CANDIDATE_DOCS = 200  # phrasings scored per question, found through the rarest shared words first
VAGUE_WORDS = 2  # "tài khoản" alone: show the closest questions rather than guess one
MAX_SCORED_ENTRIES = 40  # entries whose recall is computed: the score is at most sqrt(precision)
# Words in more phrasings than this also get their phrasings as a set: intersecting the candidates
# with it then costs the candidates, not the thousands of phrasings of a very common word (14
# words and 0.7 MB for the shipped FAQ; without them a 5,000-entry FAQ would match more slowly).
LONG_POSTINGS = 512


def _terms(words: Sequence[str]) -> set[str]:
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


@dataclass(frozen=True)
class Overlap:
    score: float  # 0-100: the geometric mean of recall and precision
    recall: float  # share of the question's word weight that the entry's phrasings know
    precision: float  # share of the entry's closest phrasing that the question covers


NO_OVERLAP = Overlap(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    matches: tuple[Match, ...]  # best first; empty when nothing shares a word
    normalized: Normalized
    in_scope: float = 1.0  # the refusal model's probability that the question is ours
    # Whether the refusal model decided: the scores alone would have answered or suggested, and
    # the question is not one of the FAQ's own phrasings.
    refusable: bool = False

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


class FaqMatcher:
    def __init__(
        self,
        entries: Sequence[FaqEntry],
        *,
        answer_threshold: float,
        suggest_threshold: float,
        keywords: Mapping[str, Sequence[str]] | None = None,
        out_of_scope: Mapping[str, Sequence[str]] | None = None,
        refusal: RefusalModel = UNTUNED,
        examples: Mapping[str, Sequence[str]] | None = None,
    ):
        self.entries = tuple(entries)
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.refusal = refusal
        docs: list[tuple[int, set[str]]] = []  # (entry index, plain terms) per phrasing
        entry_terms: list[set[str]] = [set() for _ in self.entries]
        self._accented: list[set[str]] = [set() for _ in self.entries]
        for index, entry in enumerate(self.entries):
            for text in entry.texts:
                norm = normalize(text)
                terms = _terms(norm.words)
                if terms:
                    docs.append((index, terms))
                    entry_terms[index] |= terms
                    self._accented[index] |= set(norm.accented.split())
        self._entry_terms = entry_terms
        count = max(1, len(self.entries))
        frequency: dict[str, int] = defaultdict(int)
        for terms in entry_terms:
            for term in terms:
                frequency[term] += 1
        self._idf = {t: math.log((count + 1) / (df + 0.5)) for t, df in frequency.items()}
        self._unknown_weight = math.log((count + 1) / 0.5)
        self._vocabulary = sorted(t for t in self._idf if " " not in t)
        self._common = COMMON_SHARE * count
        self._frequency = frequency
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._docs = docs
        self._doc_weight = []
        for doc_index, (_, terms) in enumerate(docs):
            self._doc_weight.append(sum(self._idf[t] for t in terms))
            for term in terms:
                self._postings[term].append(doc_index)
        self._long_postings = {t: frozenset(docs) for t, docs in self._postings.items() if len(docs) > LONG_POSTINGS}
        self._correct = lru_cache(maxsize=4096)(self._nearest_word)
        self._by_topic: dict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(self.entries):
            self._by_topic[entry.topic].append(index)
        labelled = [(entry.topic, text) for entry in self.entries for text in entry.texts]
        labelled += [(topic, text) for topic, texts in (examples or {}).items() for text in texts]
        self.classifier = TopicClassifier(
            ((topic, sorted(_terms(normalize(text).words))) for topic, text in labelled),
            keywords={t: [sorted(_terms(normalize(k).words)) for k in ks] for t, ks in (keywords or {}).items()},
            out_of_scope={
                kind: [sorted(_terms(normalize(text).words)) for text in texts]
                for kind, texts in (out_of_scope or {}).items()
            },
        )

    def _nearest_word(self, word: str) -> str:
        if word in self._idf or word in self.classifier.vocabulary or len(word) < TYPO_MIN_LENGTH:
            return word
        found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return found[0] if found else word

    def _weight(self, term: str) -> float:
        if term in self._idf:
            return self._idf[term]
        return 0.0 if " " in term else self._unknown_weight  # new word pairs say little; new words a lot

    def _overlap(self, query: set[str]) -> dict[int, Overlap]:
        """Entry index -> word overlap for entries sharing a distinctive word."""
        total = sum(self._weight(t) for t in sorted(query))
        if not total:
            return {}
        # Candidates come from the rarest shared words first, until there are enough: common words
        # then only add to the overlap of those candidates, which keeps a large FAQ fast.
        # Every order below is total (ties broken by the term or the index): a set of strings
        # iterates in the process's hash order, which would give another answer in another process.
        postings = self._postings
        candidates: set[int] = set()
        for term in sorted((t for t in query if t in postings), key=lambda t: (len(postings[t]), t)):
            common = self._frequency[term] > self._common
            if len(candidates) >= MAX_CANDIDATE_DOCS or (common and candidates):
                break  # a word most entries use finds candidates only when no rarer word did
            candidates.update(postings[term][:MAX_CANDIDATE_DOCS] if common else postings[term])
        known_query = {t: self._idf[t] for t in sorted(query) if t in self._idf}
        # The weights each candidate phrasing shares with the question, gathered word by word (a
        # set intersection in C per word) rather than testing every word against every phrasing.
        # Each phrasing's weights are kept in term order and summed as before: a float sum depends
        # on its order, and the scores must not move by a rounding.
        shared: dict[int, list[float]] = {d: [] for d in sorted(candidates)}
        for term, weight in known_query.items():
            for doc_index in candidates.intersection(self._long_postings.get(term) or postings[term]):
                shared[doc_index].append(weight)
        precision: dict[int, float] = {}  # an entry's: its most precise phrasing's
        docs, doc_weight = self._docs, self._doc_weight
        for doc_index, weights in shared.items():
            entry_index = docs[doc_index][0]
            doc_precision = sum(weights) / doc_weight[doc_index]
            if doc_precision > precision.get(entry_index, -1.0):
                precision[entry_index] = doc_precision
        best: dict[int, Overlap] = {}
        # The score is at most sqrt(precision): only the most precise entries can win.
        likely = sorted(precision, key=lambda e: (-precision[e], e))[:MAX_SCORED_ENTRIES]
        known_terms = set(known_query)
        for entry_index in likely:
            entry_precision = precision[entry_index]
            # Recall over everything the entry's phrasings say: a long message may combine words that
            # the entry's phrasings use separately. The few shared terms, in term order (as above).
            known = sorted(known_terms & self._entry_terms[entry_index])
            recall = sum([known_query[term] for term in known]) / total
            best[entry_index] = Overlap(100 * math.sqrt(recall * entry_precision), recall, entry_precision)
        return best

    @staticmethod
    def _blend(overlap: float, topic_probability: float) -> float:
        if overlap >= EXACT:
            return min(overlap, 100.0)  # the question is one of the entry's own phrasings
        return OVERLAP_SHARE * overlap + (1 - OVERLAP_SHARE) * 100 * topic_probability

    def rank(self, norm: Normalized, limit: int = SUGGESTIONS) -> tuple[list[Match], Signals]:
        """Entries best first, scored 0-100 by word overlap blended with the topic's probability;
        and what the refusal model reads about the question and its best entry."""
        query = _terms([self._correct(w) for w in norm.words])
        overlap = self._overlap(query)
        if norm.accented != norm.plain:
            self._reward_accents(norm, overlap)
        posterior = self.classifier.posterior(sorted(query))
        if not overlap and not posterior:
            return [], Signals.nothing_known(len(norm.words))
        in_scope = (t for t in posterior if not is_out_of_scope(t))
        topics = sorted(in_scope, key=posterior.get, reverse=True)[:TOPIC_CANDIDATES]
        # A likely topic's entries are candidates even without a shared word; they tie on overlap,
        # so its first entry stands for them all.
        candidates = set(overlap) | {self._by_topic[t][0] for t in topics if t in self._by_topic}
        scored = {
            i: self._blend(overlap.get(i, NO_OVERLAP).score, posterior.get(self.entries[i].topic, 0.0))
            for i in candidates
        }
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
        matches = [Match(self.entries[i], round(score, 1)) for i, score in ranked]
        best = overlap.get(ranked[0][0], NO_OVERLAP) if ranked else NO_OVERLAP
        signals = Signals(
            out_of_scope=out_of_scope_share(posterior),
            top_topic=posterior.get(topics[0], 0.0) if topics else 0.0,
            agree=bool(ranked and topics and self.entries[ranked[0][0]].topic == topics[0]),
            score=ranked[0][1] / 100 if ranked else 0.0,
            overlap=best.score / 100,
            recall=best.recall,
            precision=best.precision,
            unknown=self._unknown_share(query),
            words=len(norm.words),
        )
        return matches, signals

    def _unknown_share(self, query: set[str]) -> float:
        """How much of the question's word weight no FAQ phrasing uses ("lúa", "tổng thống")."""
        words = [t for t in sorted(query) if " " not in t]
        total = sum(self._weight(t) for t in words)
        return sum(self._unknown_weight for t in words if t not in self._idf) / total if total else 1.0

    def _reward_accents(self, norm: Normalized, best: dict[int, Overlap]) -> None:
        typed = {w for w in norm.accented.split() if w != strip_diacritics(w)}
        if not typed:
            return
        top = sorted(best, key=lambda i: (-best[i].score, i))[: SUGGESTIONS * 2]
        for entry_index in top:
            bonus = ACCENT_BONUS * len(typed & self._accented[entry_index]) / len(typed)
            best[entry_index] = replace(best[entry_index], score=best[entry_index].score + bonus)

    def match(self, text: str) -> Result:
        norm = normalize(text)
        ranked, signals = self.rank(norm)
        matches = tuple(ranked)
        best = matches[0].score if matches else 0.0
        vague = len(norm.words) <= VAGUE_WORDS and best < EXACT
        if best >= self.answer_threshold and not vague:
            outcome: Outcome = "answer"
        elif best >= self.suggest_threshold:
            outcome = "suggest"
        else:
            outcome = "fallback"
        in_scope = self.refusal.in_scope(signals)
        refusable = outcome != "fallback" and best < EXACT  # a phrasing of the FAQ is never refused
        if refusable and in_scope < self.refusal.cut:
            outcome = "fallback"
        return Result(outcome, matches, norm, in_scope, refusable)
