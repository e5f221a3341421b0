"""Where the shipped content, reference tables and fonts are.

In a wheel they are copied under ``bot/_content``, ``bot/_data`` and ``bot/_fonts`` (see
pyproject.toml); in a source checkout or an editable install they are the top-level ``content/``,
``data/reference/`` and ``data/fonts/`` folders (and ``bot/_models`` or ``data/models/``, the fitted
weights of the statistical models). Looking in both places keeps one code path for
both layouts.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # bot/, this file being bot/core/paths.py
_SOURCE_ROOT = PACKAGE_DIR.parent


def _first_dir(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of these folders exists: {', '.join(map(str, candidates))}")


def content_dir() -> Path:
    return _first_dir(PACKAGE_DIR / "_content", _SOURCE_ROOT / "content")


def reference_dir() -> Path:
    return _first_dir(PACKAGE_DIR / "_data", _SOURCE_ROOT / "data" / "reference")


def fonts_dir() -> Path:
    return _first_dir(PACKAGE_DIR / "_fonts", _SOURCE_ROOT / "data" / "fonts")


def models_dir() -> Path:
    """The shipped fitted weights (`bot/core/weights.py`); a checkout without them yet has none."""
    for candidate in (PACKAGE_DIR / "_models", _SOURCE_ROOT / "data" / "models"):
        if candidate.is_dir():
            return candidate
    return _SOURCE_ROOT / "data" / "models"
