"""Content as data: per-language short labels (YAML) and reply templates (jinja2) under `content/`.

    content/
      taxonomy.yaml               topic slugs (shared by every language)
      vi/strings.yaml             labels: menu entries, buttons, command descriptions
      vi/templates/*.html.j2      replies, in the HTML subset of `bot.core.messages.Reply`
      <lang>/…                    another language: the same files; anything missing falls back to vi

Adding a language is adding a folder. Templates are trusted files; text from citizens only ever
enters as an escaped variable (autoescape), never as template source, so `{{ 7*7 }}` typed by a
citizen stays those characters. Missing variables fail loudly (StrictUndefined) instead of
rendering a blank where a phone number should be.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml

TEMPLATE_SUFFIX = ".html.j2"


class ContentError(Exception):
    """Content files are missing or malformed."""


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
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


class Texts:
    """Labels and templates of one language."""

    def __init__(self, language: str, strings: dict[str, Any], env: jinja2.Environment):
        self.language = language
        self._strings = strings
        self._env = env
        self._compiled: dict[str, jinja2.Template] = {}

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
LABEL_FILES = ("reasons",)


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
        self._texts: dict[str, Texts] = {}
        for language in languages:
            strings = _merge(default_strings, _strings(root / language))
            folders = [root / language / "templates", root / default_language / "templates"]
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader([str(f) for f in dict.fromkeys(folders)]),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=False,
            )
            texts = Texts(language, strings, env)
            env.globals.update(template_globals)
            env.globals["label"] = texts.label  # templates use the same labels as the buttons
            self._texts[language] = texts

    @property
    def languages(self) -> list[str]:
        return list(self._texts)

    def texts(self, language: str | None) -> Texts:
        """The texts of `language`, or of the default language when it has none."""
        return self._texts.get(language or "", self._texts[self.default_language])
