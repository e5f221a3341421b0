"""A periodic report from end to end: the figures read in one snapshot of the database, then the
charts, the Word document and its annex (`<name>-phu-luc.xlsx` beside it)."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Written:
    document: Path
    annex: Path
    figures: figures.Figures


def annex_path(output: Path) -> Path:
    return output.with_name(output.stem + ANNEX_SUFFIX)


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
