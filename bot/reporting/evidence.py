"""Evidence photos kept as files next to the database.

A report's photo must outlive the conversation: Zalo hands the bot an image URL that expires (hours
to days later police would open a dead link), and a Telegram file id is usable by this bot alone,
not by an officer reading an export. So the photo is downloaded while the citizen is still in the
flow and written to `evidence/` beside the database, named by its content (the same picture sent
twice is one file), readable by the bot's user only. The report stores the file's name.

Only pictures that `bot.images.open_picture` would open are kept (its size, format and pixel
limits: no decompression bombs, no other files under an image's name).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from bot.images.picture import FORMATS, open_picture

FOLDER = "evidence"
PREFIX = f"{FOLDER}/"  # how a kept photo's name starts in `reports.evidence` (a file id never does)
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}
_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif", "bmp": "image/bmp"}


def folder_for(db_path: Path) -> Path:
    return db_path.parent / FOLDER


def keep(folder: Path, data: bytes) -> str:
    """Write the picture (raising `bot.images.NotAPicture` for anything else); its stored name."""
    kind = _format(data)
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{_EXTENSIONS[kind]}"
    path = folder / name
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written whole or not at all: a crash mid-write must not leave half a photo under its name.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return PREFIX + name


def is_kept(evidence: str | None) -> bool:
    return bool(evidence and evidence.startswith(PREFIX))


def path_of(folder: Path, evidence: str) -> Path:
    """The file of a kept photo (only names `keep` wrote: no path leaves the folder)."""
    name = evidence.removeprefix(PREFIX)
    if not is_kept(evidence) or "/" in name or name.startswith("."):
        raise ValueError(f"not a kept photo: {evidence!r}")
    return folder / name


def media_type(evidence: str) -> str:
    """The content type of a kept photo, from the extension `keep` gave it (by its real format)."""
    return _MEDIA_TYPES.get(evidence.rsplit(".", 1)[-1], "application/octet-stream")


def _format(data: bytes) -> str:
    """The picture's format, once `open_picture` has found it safe to open."""
    open_picture(data)
    with Image.open(io.BytesIO(data), formats=FORMATS) as image:
        return str(image.format)
