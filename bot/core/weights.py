"""Fitted model weights as data: one `.npz` file of numpy arrays with a JSON header inside.

The bot's two statistical models (the FAQ topic classifier, the scam-message model) are fitted
with scikit-learn, but what scoring needs is a handful of arrays: a vocabulary, idf weights,
coefficients, intercepts, class names. Shipping those arrays (`data/models/`, built by `canhgiac
models build`) instead of fitting at each start keeps scikit-learn and scipy out of the bot's
process: about 90 MB of memory, and the seconds of fitting. An `.npz` is read with
`allow_pickle=False`: arrays only, no code, unlike a pickle of scikit-learn objects.

The header (`HEADER` member: UTF-8 JSON) names the digest of what the weights were fitted from;
a reader passes the digest it expects and gets None when the file holds other weights, so content
an operator changed is never scored with weights fitted on the old content. It also records the
library versions the weights were fitted with, for whoever wonders.

Strings (a vocabulary, class names) are stored as one UTF-8 blob joined by newlines: none of the
features contain one (they come from split text), and a blob costs a byte per character on disk
instead of a fixed-width array's four per character of the longest string.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bot.core import paths

HEADER = "header"
SEPARATOR = "\n"


def cache_dir() -> Path:
    """The user's cache folder for weights fitted on this machine (content an operator changed)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "canhgiac"


def pack_strings(strings: Sequence[str]) -> np.ndarray:
    for text in strings:
        if SEPARATOR in text:
            raise ValueError(f"a string to store contains a newline: {text!r}")
    return np.frombuffer(SEPARATOR.join(strings).encode("utf-8"), dtype=np.uint8)


def unpack_strings(blob: np.ndarray, count: int) -> list[str]:
    strings = blob.tobytes().decode("utf-8").split(SEPARATOR) if count else []
    if len(strings) != count:
        raise ValueError(f"expected {count} strings, found {len(strings)}")
    return strings


def write(path: Path, header: Mapping[str, object], arrays: Mapping[str, np.ndarray]) -> int:
    """The weights at `path`, written whole or not at all; the file's size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    blob = np.frombuffer(json.dumps(dict(header), sort_keys=True).encode("utf-8"), dtype=np.uint8)
    with partial.open("wb") as handle:
        np.savez_compressed(handle, **{HEADER: blob}, **arrays)
    os.replace(partial, path)
    return path.stat().st_size


def header(path: Path) -> dict | None:
    """The header of the weights at `path`, without loading the arrays; None when unreadable."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return json.loads(stored[HEADER].tobytes().decode("utf-8"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
        return None


def read(path: Path, digest: str) -> tuple[dict, dict[str, np.ndarray]] | None:
    """(header, arrays) of the weights at `path` if they were fitted from what `digest` names."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            found = json.loads(stored[HEADER].tobytes().decode("utf-8"))
            if found.get("digest") != digest:
                return None
            return found, {name: stored[name] for name in stored.files if name != HEADER}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
        return None


def find(pattern: str, digest: str, folders: Sequence[Path] | None = None) -> tuple[Path, dict, dict] | None:
    """The first file matching `pattern` (a glob) in the shipped folder, then the cache, whose
    header names `digest`: (path, header, arrays)."""
    for folder in folders if folders is not None else (paths.models_dir(), cache_dir()):
        for path in sorted(folder.glob(pattern)):
            found = header(path)
            if found is not None and found.get("digest") == digest:
                loaded = read(path, digest)
                if loaded is not None:
                    return path, *loaded
    return None


def library_versions() -> dict[str, str]:
    """Versions of the libraries the weights were fitted with (recorded, not compared)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("scikit-learn", "numpy", "scipy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found
