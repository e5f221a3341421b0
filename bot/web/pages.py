"""The console's page templates: `content/<lang>/web/*.html.j2`, whole HTML pages.

Autoescaped and strict about missing variables, like the chat's templates; a language without a
page of its own uses the default language's. Pages use the chat's labels (`label("police.kinds.phone")`)
so a status or a kind reads the same in the chat and in the console.
"""

from __future__ import annotations

from typing import Any

import jinja2

from bot.core.content import Content

SUFFIX = ".html.j2"
FOLDER = "web"


class Pages:
    def __init__(self, content: Content, language: str):
        folders = [content.root / language / FOLDER, content.root / content.default_language / FOLDER]
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in dict.fromkeys(folders)]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        texts = content.texts(language)
        self._env.globals["label"] = texts.label
        self.language = language

    def page(self, name: str, /, **values: Any) -> str:
        return self._env.get_template(name + SUFFIX).render(language=self.language, **values)

    def compile(self, name: str) -> None:
        """Parse a page (a syntax error raises jinja2.TemplateError), for `canhgiac content check`."""
        self._env.get_template(name + SUFFIX)

    def names(self) -> list[str]:
        return sorted(n.removesuffix(SUFFIX) for n in self._env.list_templates() if n.endswith(SUFFIX))
