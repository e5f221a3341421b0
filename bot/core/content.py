"""Content as data: per-language short labels (YAML) and reply templates (jinja2) under `content/`.

    content/
      taxonomy.yaml               topic slugs (shared by every language)
      vi/strings.yaml             labels: menu entries, buttons, command descriptions
      vi/reasons.yaml, countries.yaml   long label groups (why a number looks risky; country names)
      vi/phrases.yaml             words a citizen types that the bot acts on ("hủy", "có"), by group
      vi/shown_first.yaml         what is offered first where a few of many are shown (FAQ ids)
      vi/templates/*.html.j2      replies, in the HTML subset of `bot.core.messages.Reply`
      <lang>/…                    another language: the same files; anything missing falls back to vi

Code holds no Vietnamese that decides meaning: the words that route a message or answer a question
of a form are content too. Typed words of every language count (a chat's platform language says
little about the words its member types), so a language's phrases add to the default language's.

Adding a language is adding a folder. Templates are trusted files; text from citizens only ever
enters as an escaped variable (autoescape), never as template source, so `{{ 7*7 }}` typed by a
citizen stays those characters. Missing variables fail loudly (StrictUndefined) instead of
rendering a blank where a phone number should be.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml

from bot.core import paths
from bot.core.textnorm import phrase_key

TEMPLATE_SUFFIX = ".html.j2"
PHRASES_FILE = "phrases.yaml"
SHOWN_FIRST_FILE = "shown_first.yaml"


class ContentError(Exception):
    """Content files are missing or malformed."""


# libyaml's parser when PyYAML was built with it (the wheels are): the content is about 100 files and
# 4 MB of YAML, which the pure-Python parser reads in about 5 s of every start; the same safe subset.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """`yaml.safe_load`, faster."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


def _load_yaml(path: Path) -> Any:
    try:
        return read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"cannot read {path}: {error}") from error


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _groups(path: Path, data: Any, prefix: str = "") -> dict[str, tuple[str, ...]]:
    """{"forget.erase": ("có", …)} from nested mappings whose leaves are lists of text."""
    if not isinstance(data, Mapping):
        raise ContentError(f"{path}: expected groups of lists, found {type(data).__name__}")
    groups: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        if not isinstance(key, str):  # YAML reads a bare yes / no / on as a boolean
            raise ContentError(f"{path}: the key {key!r} must be text (put it in quotes)")
        name = prefix + key
        if isinstance(value, Mapping):
            groups.update(_groups(path, value, name + "."))
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            groups[name] = tuple(str(v) for v in value)
        else:
            raise ContentError(f"{path}: {name}: expected a list of words")
    return groups


def _optional_groups(path: Path) -> dict[str, tuple[str, ...]] | None:
    """The groups of a list file, or None when the language has no such file."""
    return _groups(path, _load_yaml(path) or {}) if path.exists() else None


class Phrases:
    """Words citizens type that the bot acts on (`<lang>/phrases.yaml`), every language's.

    Groups are named by what they trigger ("cancel", "forget.erase"). A phrase counts in every
    language: the router routes the union, and a form accepts its chat language's words and the
    default language's."""

    def __init__(self, by_language: Mapping[str, Mapping[str, tuple[str, ...]]], default_language: str):
        self.by_language = {language: dict(groups) for language, groups in by_language.items()}
        self.default_language = default_language
        # (group, language) -> keys: handlers ask for the same groups on every update, and keying
        # a group costs a Unicode normalisation per phrase. A few hundred small sets at most; a
        # reload builds new Phrases, so the cache never outlives the words it was made from.
        self._keys: dict[tuple[str, str | None], frozenset[str]] = {}

    @classmethod
    def load(cls, root: Path, default_language: str) -> Phrases:
        found = {f.name: _optional_groups(f / PHRASES_FILE) for f in sorted(root.iterdir()) if f.is_dir()}
        return cls({language: groups for language, groups in found.items() if groups is not None}, default_language)

    @staticmethod
    @functools.cache
    def shipped() -> Phrases:
        """The phrases of the content shipped with the code (for a router built without services)."""
        return Phrases.load(paths.content_dir(), "vi")

    def _of(self, language: str, group: str) -> tuple[str, ...]:
        return self.by_language.get(language, {}).get(group, ())

    def lacks(self, language: str, group: str) -> bool:
        """The default language, or a language with words of its own, has no such group."""
        own = language == self.default_language or language in self.by_language
        return own and not self._of(language, group)

    def phrases(self, group: str) -> tuple[str, ...]:
        """The group's phrases in every language, as written (the router keys them itself)."""
        languages = [self.default_language, *(lang for lang in self.by_language if lang != self.default_language)]
        found = [phrase for language in languages for phrase in self._of(language, group)]
        if not found:
            raise ContentError(f"no phrase group {group!r} in any language")
        return tuple(dict.fromkeys(found))

    def keys(self, group: str, language: str | None) -> frozenset[str]:
        """The phrase keys (`phrase_key`) a chat in `language` may type for `group`."""
        keys = self._keys.get((group, language))
        if keys is None:
            keys = self._keys[(group, language)] = self._keyed(group, language)
        return keys

    def _keyed(self, group: str, language: str | None) -> frozenset[str]:
        found = self._of(language or "", group) + self._of(self.default_language, group)
        if not found:
            raise ContentError(f"no phrase group {group!r} in language {language!r}")
        return frozenset(map(phrase_key, found))


@functools.cache
def shipped_labels(name: str, language: str = "vi") -> dict[str, str]:
    """A label file of the shipped content (`countries`), for code that has no `Content` at hand
    (`canhgiac check --json` names a caller's country without loading the library)."""
    data = _load_yaml(paths.content_dir() / language / f"{name}.yaml") or {}
    return {str(key): str(value) for key, value in data.items()}


class Texts:
    """Labels and templates of one language."""

    def __init__(
        self,
        language: str,
        strings: dict[str, Any],
        env: jinja2.Environment,
        phrases: Phrases | None = None,
        shown_first: Mapping[str, tuple[str, ...]] | None = None,
    ):
        self.language = language
        self._strings = strings
        self._env = env
        self._phrases = phrases or Phrases({}, language)
        self._shown_first = dict(shown_first or {})
        self._compiled: dict[str, jinja2.Template] = {}

    def phrases(self, group: str) -> frozenset[str]:
        """Phrase keys that mean `group` ("report.skip"): compare `phrase_key(text)` with them."""
        return self._phrases.keys(group, self.language)

    def shown_first(self, what: str) -> tuple[str, ...]:
        """Ids offered first, in order (`shown_first("faq")`: popular FAQ ids)."""
        if what not in self._shown_first:
            raise ContentError(f"no list {what!r} in {SHOWN_FIRST_FILE} of language {self.language!r}")
        return self._shown_first[what]

    def label(self, key: str) -> str:
        node: Any = self._strings
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ContentError(f"no label {key!r} in language {self.language!r}")
            node = node[part]
        if not isinstance(node, str):
            raise ContentError(f"label {key!r} in language {self.language!r} is not text")
        return node

    def labels(self, key: str) -> dict[str, str]:
        node: Any = self._strings
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            raise ContentError(f"no label group {key!r} in language {self.language!r}")
        return {str(k): str(v) for k, v in node.items()}

    def render(self, template: str, /, **values: Any) -> str:
        try:
            return self._env.get_template(template + TEMPLATE_SUFFIX).render(**values).strip()
        except jinja2.TemplateNotFound as error:
            raise ContentError(f"no template {template!r} in language {self.language!r}") from error

    def render_text(self, source: str, /, **values: Any) -> str:
        """Render a template kept in a content file (an FAQ answer, a card): trusted source only."""
        template = self._compiled.get(source)
        if template is None:  # compiling costs far more than rendering: once per text is enough
            template = self._compiled[source] = self._env.from_string(source)
        return template.render(**values).strip()

    def compile(self, template: str, /) -> None:
        """Parse a template without rendering it (raises jinja2.TemplateError)."""
        self._env.get_template(template + TEMPLATE_SUFFIX)

    def template_names(self) -> list[str]:
        return sorted(
            n.removesuffix(TEMPLATE_SUFFIX) for n in self._env.list_templates() if n.endswith(TEMPLATE_SUFFIX)
        )


# Label groups kept in a file of their own beside strings.yaml, because they are long.
LABEL_FILES = ("reasons", "countries")


def _strings(folder: Path) -> dict[str, Any]:
    strings = _load_yaml(folder / "strings.yaml") or {}
    for name in LABEL_FILES:
        if (folder / f"{name}.yaml").exists():
            strings[name] = _load_yaml(folder / f"{name}.yaml")
    return strings


class Content:
    def __init__(self, root: Path, default_language: str, template_globals: Mapping[str, Any]):
        self.root = root
        self.default_language = default_language
        self.taxonomy = _load_yaml(root / "taxonomy.yaml")["topics"]
        languages = sorted(p.parent.name for p in root.glob("*/strings.yaml"))
        if default_language not in languages:
            raise ContentError(f"no content for the default language {default_language!r} under {root}")
        default_strings = _strings(root / default_language)
        self.phrases = Phrases.load(root, default_language)
        default_lists = _optional_groups(root / default_language / SHOWN_FIRST_FILE) or {}
        self._texts: dict[str, Texts] = {}
        for language in languages:
            strings = _merge(default_strings, _strings(root / language))
            lists = {**default_lists, **(_optional_groups(root / language / SHOWN_FIRST_FILE) or {})}
            folders = [root / language / "templates", root / default_language / "templates"]
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader([str(f) for f in dict.fromkeys(folders)]),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
            )
            texts = Texts(language, strings, env, self.phrases, lists)
            env.globals.update(template_globals)
            env.globals["label"] = texts.label  # templates use the same labels as the buttons
            self._texts[language] = texts

    @property
    def languages(self) -> list[str]:
        return list(self._texts)

    def texts(self, language: str | None) -> Texts:
        """The texts of `language`, or of the default language when it has none."""
        return self._texts.get(language or "", self._texts[self.default_language])
