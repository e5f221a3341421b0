"""`canhgiac content check`: every problem in the content, each with the file and entry to fix.

Checks: every template, label, group of typed words (`phrases.yaml`) and list of ids offered first
(`shown_first.yaml`) the code uses exists in every language (found by reading the code:
`bot/app/content_refs.py`), and those lists name things that exist; templates compile and render;
topic slugs are known; FAQ ids are unique and fit a button; each entry has enough phrasings; no
two entries ask the same or nearly the same question; every phrasing retrieves its own entry; cards
fit a phone screen; quiz answers point at an option; campaigns render for every area and fit a
phone screen (the areas and the calendar are checked when they load); no text a citizen reads
names a district-level office as if it still existed, nor uses jargon such as "VoIP" or "KOL",
nor a variant where one term is the rule ("xác thực 2 lớp" for "xác thực hai yếu tố"), nor the
number of a law or decree that the facts sheet of `content/STYLE.md` does not list; the shipped
content's fitted weights (`data/models/`) were fitted on this very content (the bot would otherwise
fit them at each start, with scikit-learn in its memory: `canhgiac models build` rebuilds them).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import jinja2
import yaml
from rapidfuzz import fuzz

from bot.activity import deadlines
from bot.app.content_refs import code_references
from bot.checking import message_model
from bot.core import paths
from bot.core import weights as stored
from bot.core.content import LABEL_FILES, PHRASES_FILE, SHOWN_FIRST_FILE, TEMPLATE_SUFFIX, ContentError
from bot.core.messages import CALLBACK_DATA_MAX_BYTES
from bot.core.richtext import to_plain
from bot.core.textnorm import phrase_key, strip_diacritics
from bot.knowledge import classifier
from bot.knowledge.catalog import Knowledge
from bot.knowledge.normalize import normalize
from bot.services import Library, message_corpus
from bot.web.pages import SUFFIX as PAGE_SUFFIX
from bot.web.pages import Pages

# Not words a citizen reads as prose: template code, addresses, commands and copyable examples.
_NOT_PROSE = re.compile(
    r"\{%.*?%\}|\{\{.*?\}\}|<code>.*?</code>|https?://\S+|\b[\w.-]+\.(?:vn|com|net|org|gov)\b\S*|(?<!\w)/[a-z]+",
    re.IGNORECASE | re.DOTALL,
)
# A law's or decree's number, matched on accent-folded text: "91/2025/QH15", "13/2023/NĐ-CP", "1988/QĐ-BTTTT",
# "Luật số 91", "Nghị định 13/2023", "nghi dinh so 13".
LAW_NUMBER = re.compile(
    r"\b(?P<number>\d{1,5})/(?:(?P<year>\d{4})/)?(?P<kind>QH\d{1,2}|ND-CP|NQ-[A-Z]+|TT-[A-Z]+|QD-[A-Z]+|CT-[A-Z]+)\b"
    r"|\b(?P<named>luat|nghi dinh|nghi quyet|thong tu|quyet dinh|chi thi)\s+"
    r"(?:so\s+(?P<n1>\d{1,5})(?:/(?P<y1>\d{4}))?|(?P<n2>\d{1,5})/(?P<y2>\d{4}))(?![\d/])",
    re.IGNORECASE,
)
# What a document's name says of the suffix of its number: "Luật" is the National Assembly's (QH…).
_NAMED_KINDS = {"luat": ("qh",), "nghi dinh": ("nd-",), "nghi quyet": ("qh", "nq-"), "thong tu": ("tt-",),
                "quyet dinh": ("qd-",), "chi thi": ("ct-",)}  # fmt: skip
FACTS_SHEET = "## Facts sheet"

MIN_PHRASINGS = 4
NEAR_DUPLICATE = 92  # token-sort similarity of two entries' normalised questions
CARD_MAX_CHARS = 1000  # page 1 of a card: one phone screen
MORE_MAX_CHARS = 2000
CAMPAIGN_MAX_CHARS = 900  # a weekly warning, one phone screen before the footer
ID_PREFIX = "faq:"  # the button value a question travels in


@dataclass
class Findings:
    problems: list[str]
    counts: dict[str, int]


def _render(t, source: str, where: str, problems: list[str]) -> str:
    try:
        return t.render_text(source)
    except jinja2.TemplateError as error:
        problems.append(f"{where}: template error: {error}")
        return ""


def _check_ids_and_topics(folder: str, items, slugs: set[str], problems: list[str]) -> None:
    """Ids unique within the folder; every item's topic a known slug."""
    ids = Counter(item.id for item in items)
    problems += [f"{folder}: id {i!r} is used {n} times" for i, n in ids.items() if n > 1]
    problems += [
        f"{folder}/{item.topic}.yaml: {item.id}: unknown topic {item.topic!r}"
        for item in items
        if item.topic not in slugs
    ]


def _check_faq(lib: Library, language: str, knowledge: Knowledge, slugs: set[str], problems: list[str]) -> None:
    t = lib.content.texts(language)
    _check_ids_and_topics(f"{language}/faq", knowledge.faq, slugs, problems)
    for entry in knowledge.faq:
        where = f"{language}/faq/{entry.topic}.yaml: {entry.id}"
        if len((ID_PREFIX + entry.id).encode()) > CALLBACK_DATA_MAX_BYTES or not entry.id.replace("-", "").isalnum():
            problems.append(f"{where}: id must be lower-case words and hyphens, at most 60 characters")
        if len(entry.phrasings) < MIN_PHRASINGS:
            problems.append(f"{where}: {len(entry.phrasings)} phrasings, at least {MIN_PHRASINGS} needed")
        _render(t, entry.answer, where, problems)
    questions = [(entry, normalize(entry.question).plain) for entry in knowledge.faq]
    for index, (first, first_key) in enumerate(questions):
        for second, second_key in questions[index + 1 :]:
            if fuzz.token_sort_ratio(first_key, second_key) >= NEAR_DUPLICATE:
                problems.append(
                    f"{language}/faq: {first.id} and {second.id} ask (nearly) the same question: {first.question!r}"
                )
    matcher = lib.matchers[language]
    for entry in knowledge.faq:
        for text in entry.texts:
            ranked, _ = matcher.rank(normalize(text), limit=2)
            if not ranked or ranked[0].entry.id != entry.id or (len(ranked) > 1 and ranked[1].score >= ranked[0].score):
                found = f"{ranked[0].entry.id} ({ranked[0].score})" if ranked else "nothing"
                problems.append(
                    f"{language}/faq/{entry.topic}.yaml: {entry.id}: {text!r} does not retrieve its own entry "
                    f"(finds {found})"
                )


def _check_cards_and_quiz(lib: Library, language: str, knowledge: Knowledge, slugs: set[str], problems: list[str]):
    t = lib.content.texts(language)
    # Citizens read a topic's name from `topics` in strings.yaml, never the shared taxonomy's label.
    named = t.labels("topics")
    problems += [f"{language}/strings.yaml: topics: no name for {slug!r}" for slug in sorted(slugs - set(named))]
    problems += [f"{language}/strings.yaml: topics: unknown topic {slug!r}" for slug in sorted(set(named) - slugs)]
    for card in knowledge.cards.values():
        where = f"{language}/topics/{card.topic}.yaml"
        if card.topic not in slugs:
            problems.append(f"{where}: unknown topic {card.topic!r}")
        for name, source, limit in (("card", card.card, CARD_MAX_CHARS), ("more", card.more, MORE_MAX_CHARS)):
            rendered = _render(t, source, f"{where}: {name}", problems)
            if len(rendered) > limit:
                problems.append(f"{where}: `{name}` is {len(rendered)} characters, at most {limit}")
    _check_ids_and_topics(f"{language}/quiz", knowledge.quiz, slugs, problems)
    for question in knowledge.quiz:
        where = f"{language}/quiz/{question.topic}.yaml: {question.id}"
        if not 2 <= len(question.options) <= 4:
            problems.append(f"{where}: {len(question.options)} options, 2 to 4 allowed")
        if not 0 <= question.answer < len(question.options):
            problems.append(
                f"{where}: answer index {question.answer} is out of range (0 to {len(question.options) - 1})"
            )
        _render(t, question.explanation, where, problems)


def _check_campaigns(lib: Library, problems: list[str]) -> None:
    """Every campaign renders for every area, under one phone screen, with nothing left unescaped."""
    t = lib.content.texts(lib.default_language)
    for campaign in lib.campaigns.by_id.values():
        where = f"campaigns/{campaign.id}.yaml"
        for area in lib.areas:
            try:
                rendered = t.render_text(campaign.text, area=lib.areas.template_values(area.code))
            except jinja2.TemplateError as error:
                problems.append(f"{where}: template error: {error}")
                break
            if len(to_plain(rendered)) > CAMPAIGN_MAX_CHARS:
                problems.append(
                    f"{where}: {len(to_plain(rendered))} characters for {area.code}, at most {CAMPAIGN_MAX_CHARS}"
                )
                break


def _check_deadlines(lib: Library, problems: list[str]) -> int:
    """`deadlines.yaml` reads: every preset has a key of its own, a kind and a day of the year."""
    try:
        return len(deadlines.presets_in(lib.content.root))
    except (ValueError, yaml.YAMLError) as error:
        problems.append(f"deadlines.yaml: {str(error)[:200]}")
        return 0


_SENTENCE_END = re.compile(r"[\n.!?;]+")


def _leaves(data: object, prefix: str = "") -> list[tuple[str, str]]:
    """("a.b", text) of every text in a nested YAML mapping or list."""
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, f"{prefix}{key}.")]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value, prefix)]
    return [(prefix.rstrip("."), str(data))] if data is not None else []


def _citizen_texts(lib: Library, language: str) -> list[tuple[str, str]]:
    """(where, text) of everything a citizen reads in `language`: FAQ questions and answers, topic
    cards, quiz, templates, labels, reasons, topic names and (default language) campaigns. FAQ
    phrasings and keywords (what people type) are not among them."""
    folder = lib.content.root / language
    knowledge = lib.knowledge.get(language)
    texts: list[tuple[str, str]] = []
    if knowledge is not None:
        texts += [(f"{language}/faq/{e.topic}.yaml: {e.id}", f"{e.question}\n{e.answer}") for e in knowledge.faq]
        texts += [
            (f"{language}/topics/{c.topic}.yaml", f"{c.title}\n{c.summary}\n{c.card}\n{c.more}")
            for c in knowledge.cards.values()
        ]
        texts += [
            (f"{language}/quiz/{q.topic}.yaml: {q.id}", "\n".join([q.question, *q.options, q.explanation]))
            for q in knowledge.quiz
        ]
    templates = sorted((folder / "templates").glob(f"*{TEMPLATE_SUFFIX}"))
    texts += [(f"{language}/{path.relative_to(folder)}", path.read_text(encoding="utf-8")) for path in templates]
    for name in ("strings", *LABEL_FILES):
        path = folder / f"{name}.yaml"
        if path.exists():  # the values only: keys ("voip:") and comments are the code's, not the citizen's
            leaves = _leaves(yaml.safe_load(path.read_text("utf-8")))
            texts += [(f"{language}/{name}.yaml: {key}", value) for key, value in leaves]
    if language == lib.default_language:
        texts += [(f"campaigns/{c.id}.yaml", f"{c.title}\n{c.text}") for c in lib.campaigns.by_id.values()]
    return texts


def _check_retired_levels(lib: Library, problems: list[str]) -> None:
    """Since 1 July 2025 Vietnam has provinces and communes only; district police ended on 1 March
    2025. A sentence a citizen reads that names one (`content_check.retired` in phrases.yaml) without
    saying it is gone (`content_check.gone`) sends people to an office that does not exist. Accents
    and case do not matter; FAQ phrasings (what people type) are not read."""
    for language in lib.content.languages:
        t = lib.content.texts(language)
        retired, gone = t.phrases("content_check.retired"), t.phrases("content_check.gone")
        for where, text in _citizen_texts(lib, language):
            for sentence in _SENTENCE_END.split(text):
                key = f" {phrase_key(sentence)} "
                if any(f" {word} " in key for word in retired) and not any(f" {word} " in key for word in gone):
                    problems.append(
                        f"{where}: names a district office that no longer exists (since 2025 people go to "
                        f"công an xã, phường or call 113): {sentence.strip()!r}"
                    )


def _check_jargon(lib: Library, problems: list[str]) -> None:
    """Words many citizens do not know ("VoIP", "OTT", "KOL": `content_check.jargon` in
    phrases.yaml) in anything a citizen reads: say it plainly ("cuộc gọi qua mạng", "người nổi
    tiếng trên mạng"). What people type (FAQ phrasings, keywords) may use them."""
    for language in lib.content.languages:
        jargon = lib.content.texts(language).phrases("content_check.jargon")
        allowed = lib.content.texts(language).phrases("content_check.brands")
        for where, text in _citizen_texts(lib, language):
            for line in _NOT_PROSE.sub(" ", text).splitlines():
                key = f" {phrase_key(line)} "
                for brand in allowed:  # "App Store", "Google Play": names, not jargon
                    key = key.replace(f" {brand} ", " ")
                found = [word for word in sorted(jargon) if f" {word} " in key]
                if found:
                    problems.append(f"{where}: jargon a citizen may not know ({', '.join(found)}): {line.strip()!r}")


def _terms(lib: Library, language: str) -> dict[str, str]:
    """Variant (as a phrase key) → the term the content uses: `content_check.terms` in phrases.yaml,
    a mapping of each term to its variants."""
    path = lib.content.root / language / PHRASES_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    terms = ((data or {}).get("content_check") or {}).get("terms") or {}
    return {phrase_key(variant): term for term, variants in terms.items() for variant in variants or ()}


def _check_terms(lib: Library, problems: list[str]) -> None:
    """One term for one thing ("đường dây nóng", "xác thực hai yếu tố", "ứng dụng"): a citizen who
    reads two names thinks of two things. What people type may use any."""
    for language in lib.content.languages:
        variants = _terms(lib, language)
        for where, text in _citizen_texts(lib, language):
            for line in _NOT_PROSE.sub(" ", text).splitlines():
                key = f" {phrase_key(line)} "
                for variant, term in variants.items():
                    if f" {variant} " in key:
                        problems.append(f"{where}: say {term!r}, not {variant!r}: {line.strip()!r}")


def _fold(text: str) -> str:
    """`text` without accents, one character for one, so that a match's offsets are the original's."""
    return "".join((strip_diacritics(ch) or " ")[0] for ch in text)


@dataclass(frozen=True)
class LawRef:
    """A law or decree as the content names it: number, and year and kind ("qh15", "nd-cp") if given."""

    number: str
    year: str | None
    kinds: tuple[str, ...]  # the full suffix ("qh15"), or the prefixes a document's name allows ("qh",)
    named: bool = False  # "Luật số 91": the kind comes from the name


def law_refs(text: str) -> list[tuple[str, LawRef]]:
    """(as written, reference) of every law or decree number in `text`, with or without accents."""
    text = unicodedata.normalize("NFC", text)
    refs = []
    for m in LAW_NUMBER.finditer(_fold(text)):
        if m["number"]:
            ref = LawRef(m["number"], m["year"], (m["kind"].lower(),))
        else:
            ref = LawRef(m["n1"] or m["n2"], m["y1"] or m["y2"], _NAMED_KINDS[m["named"].lower()], named=True)
        refs.append((text[m.start() : m.end()], ref))
    return refs


def _sheet_laws(style: str) -> set[tuple[str, str | None, str]]:
    """(number, year or None, kind) of every full number on the facts sheet of STYLE.md."""
    sheet = style.split(FACTS_SHEET, 1)[1] if FACTS_SHEET in style else ""
    sheet = sheet.split("\n## ", 1)[0]  # the sheet's own section, not what follows it
    return {(r.number, r.year, r.kinds[0]) for _, r in law_refs(sheet) if not r.named}


def listed_laws(style: str) -> set[str]:
    """The full numbers on the facts sheet of STYLE.md, as keys: "91/2025/QH15" -> "912025qh15"."""
    return {f"{number}{year or ''}{kind.replace('-', '')}" for number, year, kind in _sheet_laws(style)}


def _is_listed(ref: LawRef, listed: set[tuple[str, str | None, str]]) -> bool:
    """A full number is listed as written; a named one ("Luật số 91", "Nghị định 13/2023") if a full
    number of its kind is."""
    return any(
        number == ref.number
        and (
            ref.year in (None, year) and kind.startswith(ref.kinds)
            if ref.named
            else (ref.year, ref.kinds[0]) == (year, kind)
        )
        for number, year, kind in listed
    )


def _check_law_numbers(lib: Library, problems: list[str]) -> None:
    """A law or decree named by number must be on the facts sheet (content/STYLE.md), where its
    source and the date it was last checked are: no invented or outdated laws."""
    style = lib.content.root / "STYLE.md"
    listed = _sheet_laws(style.read_text(encoding="utf-8")) if style.exists() else set()
    for language in lib.content.languages:
        for where, text in _citizen_texts(lib, language):
            for written, ref in law_refs(text):
                if not _is_listed(ref, listed):
                    problems.append(
                        f"{where}: {written!r} is not on the facts sheet of content/STYLE.md "
                        "(add it there with its source, or do not cite it)"
                    )


def _check_code_references(lib: Library, problems: list[str]) -> int:
    """Every template, label and list the code asks for, in every language (another language may
    lack them, as Vietnamese fills the gaps; Vietnamese may not), and every group of typed words in
    each language that has words of its own (a group left out there is a gap, not a fallback).
    Returns how many names were checked."""
    refs = code_references()
    content = lib.content

    def missing(t, kind: str, name: str) -> bool:
        try:
            if kind == "template":
                t.compile(name)
            elif kind == "label":
                t.label(name)
            elif kind == "phrases":
                return content.phrases.lacks(t.language, name)
            elif kind == "list":
                t.shown_first(name)
            else:
                t.labels(name)
        except (jinja2.TemplateNotFound, ContentError):
            return True
        except jinja2.TemplateError:
            return False  # a template that does not compile is reported with the templates
        return False

    def file_of(language: str, kind: str, name: str) -> str:
        if kind == "template":
            return f"{language}/templates/{name}{TEMPLATE_SUFFIX}"
        if kind in ("phrases", "list"):
            return f"{language}/{PHRASES_FILE if kind == 'phrases' else SHOWN_FIRST_FILE}"
        first = name.split(".")[0]
        return f"{language}/{first if first in LABEL_FILES else 'strings'}.yaml"

    default = content.texts(lib.default_language)
    wanted = [("template", refs.templates), ("label", refs.labels), ("group", refs.groups), ("group", refs.prefixes),
              ("phrases", refs.phrases), ("list", refs.shown_first)]  # fmt: skip
    problem = {"template": "missing", "label": "no label {name!r}", "group": "no label group {name!r}",
               "phrases": "no phrase group {name!r}", "list": "no list {name!r}"}  # fmt: skip
    for language in content.languages:
        t = content.texts(language)
        for kind, places in wanted:
            for name, where in sorted(places.items()):
                if not missing(t, kind, name):
                    continue
                if language != lib.default_language and missing(default, kind, name):
                    continue  # said once, for the default language the others fall back to
                what = problem[kind].format(name=name)
                problems.append(f"{file_of(language, kind, name)}: {what}, used at {', '.join(where[:3])}")
    return len(refs)


def _check_lists(lib: Library, problems: list[str]) -> None:
    """The ids of `shown_first.yaml` name what exists: a renamed FAQ entry would silently drop
    its button."""
    for language in lib.content.languages:
        t = lib.content.texts(language)
        knowledge = lib.knowledge.get(language, lib.knowledge[lib.default_language])
        existing = {"faq": ("FAQ entry", {entry.id for entry in knowledge.faq})}  # list -> what its ids name
        for what, (kind, known) in existing.items():
            try:
                ids = t.shown_first(what)
            except ContentError:
                continue  # a missing list is reported with the code's references
            problems += [f"{language}/{SHOWN_FIRST_FILE}: {what}: no {kind} {i!r}" for i in ids if i not in known]


def _check_weights(lib: Library, problems: list[str]) -> None:
    """The weights shipped in data/models/ match the shipped content (an operator's own content
    folder has its weights fitted at start and kept in the cache: nothing to ship)."""
    if lib.content.root.resolve() != paths.content_dir().resolve():
        return
    rebuild = "the content changed since they were fitted: run `canhgiac models build` and commit data/models/"
    for language, matcher in lib.matchers.items():
        if matcher.classifier.source != "shipped":
            problems.append(f"data/models/{classifier.ARTEFACT.format(language)}: stale or missing, {rebuild}")
    shipped = message_model.shipped_model_path()
    found = stored.header(shipped)
    if not found or found.get("digest") != message_model.corpus_digest(message_corpus(lib.content.root)):
        problems.append(f"data/models/{shipped.name}: stale or missing, {rebuild}")


def check(lib: Library) -> Findings:
    problems: list[str] = []
    slugs = set(lib.content.taxonomy)
    used = _check_code_references(lib, problems)
    _check_lists(lib, problems)
    for language in lib.content.languages:
        t = lib.content.texts(language)
        for name in t.template_names():
            try:
                t.compile(name)
            except jinja2.TemplateError as error:
                problems.append(f"{language}/templates/{name}.html.j2: {error}")
    pages = 0
    for language in lib.content.languages:  # the web console's pages (staff and police read them)
        web = Pages(lib.content, language)
        for name in web.names():
            pages += 1
            try:
                web.compile(name)
            except jinja2.TemplateError as error:
                problems.append(f"{language}/web/{name}{PAGE_SUFFIX}: {error}")
    for language, knowledge in lib.knowledge.items():
        _check_faq(lib, language, knowledge, slugs, problems)
        _check_cards_and_quiz(lib, language, knowledge, slugs, problems)
        problems += [f"{language}/examples/{t}.yaml: unknown topic {t!r}" for t in knowledge.examples if t not in slugs]
    _check_campaigns(lib, problems)
    presets = _check_deadlines(lib, problems)
    _check_retired_levels(lib, problems)
    _check_jargon(lib, problems)
    _check_terms(lib, problems)
    _check_law_numbers(lib, problems)
    _check_weights(lib, problems)
    default = lib.knowledge[lib.default_language]
    counts = {
        "faq entries": len(default.faq),
        "phrasings": sum(len(e.phrasings) for e in default.faq),
        "topics with FAQ": len({e.topic for e in default.faq}),
        "topic examples": sum(len(texts) for texts in default.examples.values()),
        "cards": len(default.cards),
        "quiz questions": len(default.quiz),
        "campaigns": len(lib.campaigns.by_id),
        "areas": len(lib.areas),
        "reporting deadlines": presets,
        "web console pages": pages,
        "templates, labels and phrases used by the code": used,
    }
    return Findings(problems=problems, counts=counts)
