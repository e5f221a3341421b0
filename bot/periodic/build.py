"""A periodic report from end to end: the figures read in one snapshot of the database, then the
charts, the Word document and its annex (`<name>-phu-luc.xlsx` beside it).

`generate` writes the two files where it is told (`canhgiac report periodic`); `in_memory` returns
their bytes and names, for the console's download and the chat's `/baocaoky` alike. Both take
seconds for a province's year: callers off the event loop run them on a worker thread
(`Services.compute`)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.activity import log, notes
from bot.broadcast.areas import Areas
from bot.core.content import Texts
from bot.core.storage import Storage
from bot.periodic import figures
from bot.periodic.inputs import ActivityCount
from bot.periodic.periods import Period

ANNEX_SUFFIX = "-phu-luc.xlsx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Written:
    document: Path
    annex: Path
    figures: figures.Figures


@dataclass(frozen=True)
class Files:
    """A report's two files as bytes, with the names they are downloaded under."""

    document: bytes
    annex: bytes
    document_name: str
    annex_name: str
    figures: figures.Figures


def annex_path(output: Path) -> Path:
    return output.with_name(output.stem + ANNEX_SUFFIX)


def file_name(period_key: str, area_code: str) -> str:
    """The Word file's name, the same from the console and the chat: `bao-cao-2026-Q4-x-02647.docx`."""
    return f"bao-cao-{period_key}-{area_code}.docx"


def generate(
    storage: Storage,
    areas: Areas,
    t: Texts,
    area_code: str,
    period: Period,
    output: Path,
    *,
    activities: Sequence[ActivityCount] | None = None,
    sections: Mapping[str, str] | None = None,
) -> Written:
    """The report of `area_code` for `period`. Activities and sections are the ones staff recorded
    (`/ghinhan`, `/baocaoky`), read in the same snapshot as the figures, unless given."""

    def read(db) -> tuple[figures.Figures, Mapping[str, str]]:
        covered, _ = figures.area_rows(areas, area_code)
        done = log.summary(db, period.first, period.last, covered) if activities is None else activities
        written = sections
        if written is None:
            written = notes.sections(db, period.key, area_code) if period.key else {}
        found = figures.compute(db, areas, area_code, period, done)
        reached = (log.coverage(db, period.first, period.last, commune) for commune in found.communes)
        found.coverage = [c for c in reached if c.villages is not None]  # only where a target was set
        return found, written

    found, texts = storage.read_sync(read)
    # Imported here, not at the top: matplotlib, python-docx (lxml) and openpyxl cost `canhgiac run`
    # some 60 MB of memory from start-up on, for a download staff make a few times a quarter.
    from bot.periodic import annex, charts, document

    pictures = [] if found.empty else charts.render(found, t)
    written = document.write(found, areas, t, texts, pictures, output)
    sheet = annex.write(found, areas, t, document.period_words(found, t), annex_path(output))
    return Written(written, sheet, found)


def in_memory(storage: Storage, areas: Areas, t: Texts, area_code: str, period: Period) -> Files:
    """`generate` into a temporary folder, read back: the files' bytes, the folder gone."""
    folder = Path(tempfile.mkdtemp(prefix="canhgiac-periodic-"))
    name = file_name(period.key or f"{period.first}-{period.last}", area_code)
    try:
        written = generate(storage, areas, t, area_code, period, folder / name)
        return Files(written.document.read_bytes(), written.annex.read_bytes(), written.document.name,
                     written.annex.name, written.figures)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
