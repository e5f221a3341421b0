"""Look-alike domains: a brand's name inside a domain that is not the brand's.

`LookalikeDetector.check(link)` returns at most one `Hit`, the strongest of:

- **homoglyph**: the name is spelled with characters that look the same (0/o, 1/l/i, rn/m, vv/w,
  Cyrillic or Greek letters, Vietnamese accents in an international name), or a label mixes
  Latin with Cyrillic/Greek letters;
- **government**: a government brand (bocongan, dichvucong, vneid…) or "gov" outside .gov.vn;
- **subdomain**: the brand or its official domain placed in front of someone else's domain
  (mbbank.com.vn.secure-login.xyz);
- **bait**: the brand glued to bait words (vcb-xacthuc.com, techcombank-khuyenmai.online);
- **look-alike**: the brand with filler or digits around it (vietcombank-vn.com, mbbank247.xyz),
  or one or two letters off (vietcombnk.com, agribanks.link).

How a brand token may appear depends on its length, so that short names do not match by chance:

- ≤ 3 letters (vcb, acb, mb): only as a whole part of a label (between dots, hyphens or digits),
  and only when the host also has a bait or filler word, or the TLD is risky;
- 4 letters (bidv, momo, tiki): when the rest of its label is only bait/filler words and digits,
  or the TLD is risky;
- 5 or more (vietcombank, shopee): as a whole part; or with only bait/filler/digits around it; or
  on a risky TLD; or (6+) with at most two stray letters; or (8+) anywhere;
- 6 or more, also one edit away (two for 9+ letters) from a letters-only part of a label, when
  the first letter is the same.

Official domains (and their subdomains) and anything under .gov.vn are never checked: the caller
(bot/checking/signals.py) answers those first. Everything is precompiled per `BrandTable`; a check is
a few regular-expression scans and, only when nothing matched exactly, rapidfuzz distances to the
few tokens that start with the same letter and have about the same length: tens of microseconds.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rapidfuzz.distance import Levenshtein

from bot.checking.brands import is_state_host
from bot.core import paths
from bot.core.content import read_yaml

if TYPE_CHECKING:
    from bot.checking.brands import Brand, BrandTable
    from bot.identifiers.model import Link

HitKind = Literal["homoglyph", "government", "subdomain", "bait", "lookalike"]
PRIORITY: tuple[HitKind, ...] = ("homoglyph", "government", "subdomain", "bait", "lookalike")


@dataclass(frozen=True)
class LinkVocabulary:
    shorteners: frozenset[str]
    risky_tlds: frozenset[str]
    bait_words: frozenset[str]
    filler_words: frozenset[str]

    @classmethod
    def load(cls, path: Path | None = None) -> LinkVocabulary:
        return _load_vocabulary(path or paths.reference_dir() / "link_signals.yaml")


@lru_cache(maxsize=4)
def _load_vocabulary(path: Path) -> LinkVocabulary:
    data = read_yaml(path.read_text(encoding="utf-8")) or {}

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).lower().strip().lstrip(".") for w in data.get(key) or ())

    return LinkVocabulary(words("shorteners"), words("risky_tlds"), words("bait_words"), words("filler_words"))


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    brand: Brand | None  # None for a generic "gov" or a mixed-script name without a known brand
    word: str = ""  # the bait word, for kind "bait"
    domain: str = ""  # the registered domain the link really belongs to


# Characters that pass for Latin letters. Cyrillic and Greek look-alikes (the usual IDN tricks)
# plus a few Latin letters from other blocks; Vietnamese accents are removed by NFKD below.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
        "ԁ": "d", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ь": "b", "ɡ": "g", "п": "n", "г": "r", "л": "n",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u",
        # Latin from other blocks
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ß": "b",
    }
)  # fmt: skip

# How a label is read by an eye that does not look closely: digits for letters, pairs of letters
# for one. Applied to brand tokens and labels alike.
_SKELETON = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("|", "l"))

_PARTS = re.compile(r"[a-z]+|[0-9]+")
_LETTERS = re.compile(r"[a-z]+")
_GOV_PART = re.compile(r"^(?:gov|govt|govn|govvn)$|^[a-z]+(?:gov|govn|govvn)$|^gov(?:t|vn)[a-z]+$")


def skeleton(text: str) -> str:
    for old, new in _SKELETON:
        text = text.replace(old, new)
    return text


def unicode_skeleton(label: str) -> str:
    """An international label as plain ASCII letters: confusables mapped, accents dropped."""
    text = unicodedata.normalize("NFKD", label.lower().translate(_CONFUSABLES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_CONFUSABLES)
    return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-")).lower()


def mixed_script(label: str) -> bool:
    """True when a label mixes Latin letters with Cyrillic or Greek ones ("vietcоmbank")."""
    latin = other = False
    for ch in label:
        if ch.isascii():
            latin = latin or ch.isalpha()
        elif ch.isalpha():
            name = unicodedata.name(ch, "")
            if name.startswith(("CYRILLIC", "GREEK")):
                other = True
            elif name.startswith("LATIN"):
                latin = True
    return latin and other


def _allowed_distance(token: str) -> int:
    return 1 if len(token) <= 8 else 2


class LookalikeDetector:
    def __init__(self, brands: BrandTable, vocabulary: LinkVocabulary):
        # No reference to the table itself: `detector_for` keeps detectors only while their table lives.
        self.vocabulary = vocabulary
        self._official = brands.official_domains
        token_brand: dict[str, Brand] = {}
        for brand in brands:
            for token in brand.tokens:
                token_brand.setdefault(token, brand)
        self._token_brand = token_brand
        self._short = frozenset(t for t in token_brand if len(t) <= 3)
        long_tokens = sorted((t for t in token_brand if len(t) >= 4), key=lambda t: (-len(t), t))
        self._token_re = re.compile("(?=(" + "|".join(map(re.escape, long_tokens)) + "))" if long_tokens else "(?!)")
        # Skeletons of tokens of 4+ letters, for spotting digit/letter swaps; a skeleton two
        # brands share says nothing, so it is dropped.
        skeletons: dict[str, Brand | None] = {}
        for token in long_tokens:
            skel = skeleton(token)
            if skeletons.get(skel, token_brand[token]) is not token_brand[token]:
                skeletons[skel] = None
            else:
                skeletons[skel] = token_brand[token]
        self._skeleton_brand = {s: b for s, b in skeletons.items() if b is not None}
        long_skeletons = sorted((s for s in self._skeleton_brand if len(s) >= 6), key=lambda s: (-len(s), s))
        self._skeleton_re = re.compile("|".join(map(re.escape, long_skeletons)))
        # Tokens of 6+ letters by first letter, as written and as skeletons, for the fuzzy pass.
        self._fuzzy_index: dict[str, list[tuple[str, str]]] = {}
        self._fuzzy_skeleton_index: dict[str, list[tuple[str, str]]] = {}
        for token in long_tokens:
            if len(token) >= 6:
                self._fuzzy_index.setdefault(token[0], []).append((token, token))
                skel = skeleton(token)
                self._fuzzy_skeleton_index.setdefault(skel[0], []).append((skel, token))
        self._words = vocabulary.bait_words | vocabulary.filler_words
        self._word_lengths = sorted({len(w) for w in self._words}, reverse=True)
        self._bait_re = re.compile(
            "|".join(map(re.escape, sorted((w for w in vocabulary.bait_words if len(w) >= 5), key=len, reverse=True)))
        )
        self._decompose = lru_cache(maxsize=16384)(self._decompose_uncached)

    # ── words around a brand name ────────────────────────────────────────────────────────────

    def _decompose_uncached(self, text: str) -> tuple[str, ...] | None:
        """Split text into bait/filler words and digit runs, or None when it cannot be."""
        n = len(text)
        ways: list[tuple[str, ...] | None] = [None] * (n + 1)
        ways[0] = ()
        for i in range(n):
            done = ways[i]
            if done is None:
                continue
            if text[i].isdigit():
                j = i
                while j < n and text[j].isdigit():
                    j += 1
                if ways[j] is None:
                    ways[j] = (*done, text[i:j])
                continue
            for length in self._word_lengths:
                word = text[i : i + length]
                if len(word) == length and word in self._words:
                    current = ways[i + length]
                    if current is None or (word in self.vocabulary.bait_words and not self._bait_in(current)):
                        ways[i + length] = (*done, word)
        return ways[n]

    def _bait_in(self, words: tuple[str, ...]) -> str:
        return next((w for w in words if w in self.vocabulary.bait_words), "")

    # ── the check ────────────────────────────────────────────────────────────────────────────

    def check(self, link: Link) -> Hit | None:
        host = link.host.lower().rstrip(".")
        if link.is_ip or not host or is_state_host(host):
            return None
        labels = host.split(".")
        suffix = (link.suffix or "").lower()
        n_suffix = len(suffix.split(".")) if suffix else 0
        names = labels[: len(labels) - n_suffix] if n_suffix else labels
        if not names:
            return None
        registered = _display_domain(link)
        risky = bool(suffix) and suffix.rsplit(".", 1)[-1] in self.vocabulary.risky_tlds
        last = len(names) - 1

        # Words on the whole host: bait makes a brand name "bait", and any word qualifies a short token.
        parts_by_label = [_PARTS.findall(label) for label in names]
        host_bait = ""
        host_has_words = False
        for parts in parts_by_label:
            for part in parts:
                if part.isdigit():
                    continue
                words = self._decompose(part)
                if words:
                    host_has_words = True
                    host_bait = host_bait or self._bait_in(words)
        if not host_bait:
            found = self._bait_re.search(".".join(names))
            host_bait = found.group(0) if found else ""

        hits: list[Hit] = []

        # An official domain, or gov.vn, written in front of another domain.
        for i in range(len(labels) - 2):
            for j in (i + 2, i + 3):
                if j < len(labels):
                    brand = self._official.get(".".join(labels[i:j]))
                    if brand is not None:
                        hits.append(self._hit("subdomain", brand, registered))
            if labels[i] == "gov" and labels[i + 1] == "vn":
                hits.append(Hit("government", None, domain=registered))

        # The brand's name, as written.
        for index, parts in enumerate(parts_by_label):
            hit = self._match_label(parts, risky, host_has_words, host_bait)
            if hit is not None:
                brand, word = hit
                hits.append(self._hit("subdomain" if index < last else ("bait" if word else "lookalike"), brand,
                                      registered, word))  # fmt: skip

        # International names: read them as the eye does.
        if "xn--" in host:
            unicode_labels = link.host_unicode.lower().split(".")
            unicode_names = unicode_labels[: len(names)] if len(unicode_labels) == len(labels) else []
            for label in unicode_names:
                if label.isascii():
                    continue
                plain = unicode_skeleton(label)
                hit = self._match_label(_PARTS.findall(plain), risky, host_has_words, host_bait)
                brand = hit[0] if hit else self._skeleton_match(plain) or self._fuzzy(plain)
                if brand is not None or mixed_script(label):
                    hits.append(self._hit("homoglyph", brand, registered))

        if not hits:
            for label, parts in zip(names, parts_by_label, strict=True):
                brand = self._skeleton_match(label, parts)
                if brand is not None:
                    hits.append(self._hit("homoglyph", brand, registered))
                    break

        if not hits:
            for index, parts in enumerate(parts_by_label):
                brand = self._fuzzy_parts(parts)
                if brand is not None:
                    hits.append(self._hit("subdomain" if index < last else "lookalike", brand, registered))
                    break

        foreign_gov = suffix == "gov" or suffix.startswith("gov.")
        if not hits and not foreign_gov and any(_GOV_PART.match(p) for parts in parts_by_label for p in parts):
            hits.append(Hit("government", None, domain=registered))

        if not hits:
            return None
        return min(hits, key=lambda h: PRIORITY.index(h.kind))

    def _hit(self, kind: HitKind, brand: Brand | None, registered: str, word: str = "") -> Hit:
        if brand is not None and brand.is_government and kind != "homoglyph":
            kind = "government"
        return Hit(kind, brand, word=word, domain=registered)

    def _match_label(
        self, parts: list[str], risky: bool, host_has_words: bool, host_bait: str
    ) -> tuple[Brand, str] | None:
        """The brand named in one label (given as its parts), and the bait word beside it ("" when none)."""
        best: tuple[int, Brand, str] | None = None
        if risky or host_has_words:
            for part in parts:
                if part in self._short and (best is None or len(part) > best[0]):
                    best = (len(part), self._token_brand[part], host_bait)
        compact = "".join(parts)
        for match in self._token_re.finditer(compact):
            token = match.group(1)
            if best is not None and best[0] >= len(token):
                continue
            start, end = match.start(), match.start() + len(token)
            left, right = compact[:start], compact[end:]
            around_left, around_right = self._decompose(left), self._decompose(right)
            words_ok = around_left is not None and around_right is not None
            if len(token) == 4:
                ok = words_ok or risky
            else:
                stray = sum(len(run) for run in _LETTERS.findall(left + right))
                ok = token in parts or words_ok or risky or len(token) >= 8 or (len(token) >= 6 and stray <= 2)
            if ok:
                word = self._bait_in((around_left or ()) + (around_right or ())) or host_bait
                best = (len(token), self._token_brand[token], word)
        return (best[1], best[2]) if best else None

    def _skeleton_match(self, label: str, parts: list[str] | None = None) -> Brand | None:
        """A brand spelled with swapped look-alike characters: "vietc0mbank", "rnbbank", "v1etinbank"."""
        parts = parts if parts is not None else _PARTS.findall(label)
        joined = label.replace("-", "")
        for candidate in (*parts, joined):
            if len(candidate) >= 4 and candidate not in self._token_brand:
                brand = self._skeleton_brand.get(skeleton(candidate))
                if brand is not None:
                    return brand
        if self._skeleton_re.pattern:
            found = self._skeleton_re.search(skeleton(joined))
            if found and not self._token_re.search(joined):
                return self._skeleton_brand[found.group(0)]
        return None

    def _fuzzy(self, label: str) -> Brand | None:
        return self._fuzzy_parts(_PARTS.findall(label))

    def _fuzzy_parts(self, parts: list[str]) -> Brand | None:
        """A brand one or two letters off: "vietcombnk", "techcombak", "agribanks".

        Typo-squats keep the first letter, so only tokens starting with the same letter and of
        about the same length are compared: a handful of C-level distance calls per label."""
        letters = [p for p in parts if not p.isdigit()]
        candidates = {p for p in letters if len(p) >= 5}
        if len(letters) > 1:
            candidates.add("".join(letters))
        for candidate in candidates:
            for probe, index in ((candidate, self._fuzzy_index), (skeleton(candidate), self._fuzzy_skeleton_index)):
                for target, token in index.get(probe[0], ()):
                    allowed = _allowed_distance(token)
                    if abs(len(target) - len(probe)) <= allowed:
                        distance = Levenshtein.distance(probe, target, score_cutoff=allowed)
                        if 0 < distance <= allowed:
                            return self._token_brand[token]
        return None


def _display_domain(link: Link) -> str:
    registered = (link.registered_domain or link.host).lower()
    if "xn--" not in registered:
        return registered
    try:
        return registered.encode("ascii").decode("idna")
    except UnicodeError:
        return registered


# One detector per brand table, kept as long as the table is (tests and commands load their own).
_DETECTORS: weakref.WeakKeyDictionary[BrandTable, LookalikeDetector] = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()  # checks run on worker threads: compile once


def detector_for(brands: BrandTable) -> LookalikeDetector:
    """The look-alike detector compiled for `brands` (about 30 ms, once per table). The library
    loader calls it, so a citizen's first check does not pay for it."""
    detector = _DETECTORS.get(brands)
    if detector is None:
        with _BUILDING:
            detector = _DETECTORS.get(brands)
            if detector is None:
                detector = _DETECTORS[brands] = LookalikeDetector(brands, LinkVocabulary.load())
    return detector
