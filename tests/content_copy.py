"""A copy of the shipped content folder for a test to break or extend (the real one stays as it is)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.core import paths


def content_copy(tmp_path: Path) -> Path:
    """The shipped content folder, copied to ``tmp_path / "content"``."""
    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    return root


def edit_yaml(path: Path, change: Callable[[dict], object]) -> None:
    """Load the YAML file, let `change` edit the data in place, write it back."""
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def add_language(
    root: Path, code: str, *, strings: str = "language_name: English\n", phrases: str | None = None
) -> Path:
    """A language folder of its own under `root`: no templates, these strings (and phrases)."""
    folder = root / code
    (folder / "templates").mkdir(parents=True)
    (folder / "strings.yaml").write_text(strings, "utf-8")
    if phrases is not None:
        (folder / "phrases.yaml").write_text(phrases, "utf-8")
    return folder
