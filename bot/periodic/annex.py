"""The XLSX annex (openpyxl): every figure by commune and month.

- "Theo tháng": one row per commune and month (and the whole area per month), a column per figure;
- "Chi tiết": the breakdowns (reports by kind, topic and channel; checks, messages and answered
  questions by topic; decisions), one row per commune, month, group and item;
- "Hoạt động tại cơ sở": the off-line activities counted by staff.
Headers come from `periodic.annex` in the content; cells hold numbers, not text, so staff can sum them.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from bot.broadcast.areas import Areas
from bot.core.content import Texts
from bot.periodic.document import fill
from bot.periodic.figures import Figures
from bot.periodic.inputs import ACTIVITY_KINDS

# The columns of "Theo tháng", in order: keys of the figures' cells ("identifiers" is computed apart).
COLUMNS = (
    "subscribers.new", "subscribers.stopped", "deliveries", "deliveries.delivered", "deliveries.blocked",
    "deliveries.failed", "check", "check.high", "check.medium", "check.low", "message_check", "message_check.high",
    "message_check.medium", "message_check.low", "question.answered", "question.suggested", "question.unanswered",
    "quiz", "quiz.points", "quiz.questions", "reports", "identifiers", "reports.lost", "decisions",
)  # fmt: skip
GROUPS = (
    "reports.what",
    "reports.topic",
    "reports.via",
    "check.topic",
    "message_check.topic",
    "question.topic",
    "decisions",
)


def _names(t: Texts) -> dict[str, dict[str, str]]:
    """What each group's items are called: kinds, who they claimed to be, channels, topics, decisions."""
    topics = t.labels("topics")
    return {
        "reports.what": t.labels("periodic.what"),
        "reports.topic": t.labels("report.claimed"),
        "reports.via": t.labels("report.via"),
        "check.topic": topics,
        "message_check.topic": topics,
        "question.topic": topics,
        "decisions": t.labels("periodic.annex.decisions"),
    }


def _header(sheet, names: list[str]) -> None:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    sheet.append(cells)


def write(figures: Figures, areas: Areas, t: Texts, period_words: str, output: Path) -> Path:
    a = t.labels("periodic.annex")
    columns = t.labels("periodic.annex.columns")
    groups = t.labels("periodic.annex.groups")
    # Write-only: rows stream to the file, several times faster for a province's 30,000 rows;
    # widths and frozen panes are set before the first row.
    book = Workbook(write_only=True)
    months = figures.period.months()

    sheet = book.create_sheet(a["sheet_months"])
    sheet.column_dimensions["A"].width = 28
    sheet.freeze_panes = "D3"
    title = WriteOnlyCell(sheet, value=fill(a["title"], period=period_words))
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    _header(sheet, [a["commune"], a["code"], a["month"], *(columns[key] for key in COLUMNS)])
    rows = [(code, areas.name_of(code)) for code in figures.communes]
    if len(figures.communes) > 1:
        rows.append((None, a["total"]))
    for code, name in rows:
        for month in months:
            values = [
                (figures.identifiers_by_cell.get((code, month), 0) if code else None)
                if key == "identifiers"
                else figures.total(key, area=code, month=month)
                for key in COLUMNS
            ]
            sheet.append([name, code, month, *values])  # the whole area: no code of its own

    details = book.create_sheet(a["sheet_details"])
    details.freeze_panes = "D2"
    for letter, width in (("A", 28), ("D", 34), ("E", 44)):
        details.column_dimensions[letter].width = width
    _header(details, [a["commune"], a["code"], a["month"], a["group"], a["item"], a["value"]])
    names = _names(t)
    for (code, month), counts in sorted(figures.cells.items()):
        for group in GROUPS:
            for key, value in sorted(counts.items()):
                item = key.removeprefix(group + ".")
                if key.startswith(group + ".") and "." not in item and value:
                    details.append(
                        [areas.name_of(code), code, month, groups[group], names[group].get(item, item), value]
                    )

    activities = book.create_sheet(a["sheet_activities"])
    activities.column_dimensions["A"].width = 28
    activities.column_dimensions["C"].width = 34
    _header(activities, [a["commune"], a["code"], a["kind"], a["sessions"], a["people"]])
    kinds = t.labels("periodic.activity_kinds")
    for row in sorted(figures.activities, key=lambda r: (areas.name_of(r.area_code), ACTIVITY_KINDS.index(r.kind))):
        activities.append([areas.name_of(row.area_code), row.area_code, kinds[row.kind], row.sessions, row.people])

    output.parent.mkdir(parents=True, exist_ok=True)
    book.save(output)
    return output
