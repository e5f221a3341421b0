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

A large matrix can be kept uncompressed in the file (`write(..., mapped=...)`) and memory-mapped
by `read`: the FAQ classifier's weights are 18 MB, of which scoring a question touches a few rows,
so only those pages become resident instead of the whole matrix for the life of the process. The
files are replaced whole (`os.replace`), never rewritten in place, so a running bot's mapping stays
valid when `canhgiac models build` writes a new file.

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


def write(
    path: Path, header: Mapping[str, object], arrays: Mapping[str, np.ndarray], mapped: Sequence[str] = ()
) -> int:
    """The weights at `path`, written whole or not at all; the file's size. Arrays named in
    `mapped` are stored uncompressed, so that `read` can memory-map them; the others compressed.
    The layout is numpy's `.npz` (a zip of `.npy` files): `np.load` reads it as any other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    blob = np.frombuffer(json.dumps(dict(header), sort_keys=True).encode("utf-8"), dtype=np.uint8)
    with zipfile.ZipFile(partial, "w") as archive:
        for name, array in {HEADER: blob, **arrays}.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))  # reproducible bytes
            member.compress_type = zipfile.ZIP_STORED if name in mapped else zipfile.ZIP_DEFLATED
            with archive.open(member, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)
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
    """(header, arrays) of the weights at `path` if they were fitted from what `digest` names;
    arrays stored uncompressed are memory-mapped (read-only), the others read."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            found = json.loads(stored[HEADER].tobytes().decode("utf-8"))
            if found.get("digest") != digest:
                return None
            names = [name for name in stored.files if name != HEADER]
            stored_only = _stored_members(path)
            arrays = {name: stored[name] for name in names if name not in stored_only}
        return found, arrays | {name: _mapped(path, offset) for name, offset in stored_only.items()}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
        return None


def _stored_members(path: Path) -> dict[str, int]:
    """Array name -> where its `.npy` bytes start in the file, for the uncompressed members."""
    found = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for member in archive.infolist():
            if member.compress_type != zipfile.ZIP_STORED or not member.filename.endswith(".npy"):
                continue
            handle.seek(member.header_offset)
            local = handle.read(30)  # the local file header: its name and extra field lengths at 26 and 28
            if local[:4] != b"PK\x03\x04":
                raise ValueError(f"{path}: damaged zip member {member.filename}")
            name_length, extra_length = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
            found[member.filename.removesuffix(".npy")] = member.header_offset + 30 + name_length + extra_length
    return found


def _mapped(path: Path, offset: int) -> np.ndarray:
    with path.open("rb") as handle:
        handle.seek(offset)
        version = np.lib.format.read_magic(handle)
        readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in readers:
            raise ValueError(f"{path}: .npy format {version}")
        shape, fortran, dtype = readers[version](handle)
        if dtype.hasobject:
            raise ValueError(f"{path}: an array of objects")
        start = handle.tell()
    order = "F" if fortran else "C"
    return np.memmap(path, dtype=dtype, mode="r", offset=start, shape=shape, order=order)


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
