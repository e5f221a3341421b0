"""The Word report (python-docx) in the layout of Vietnamese administrative documents: the issuing
body and the national heading side by side, number and date left blank to fill in, title, the
sections "Kết quả thực hiện", "Khó khăn, vướng mắc", "Kiến nghị, đề xuất", recipients and signature.
Times New Roman 14 on A4 with the margins administrative documents commonly use (top and bottom
2 cm, left 3 cm, right 1.5 cm). Every sentence comes from `periodic.*` in the content; staff edit the
file before signing."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import jinja2
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.broadcast.areas import Areas
from bot.core.content import Texts
from bot.core.money import format_vnd
from bot.periodic.figures import Figures
from bot.periodic.inputs import ACTIVITY_KINDS

FONT = "Times New Roman"
BODY = 14
MAX_TOPICS = 5
# Sentences are plain text: no escaping (a commune's name with "&" stays as written).
_ENV = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=False)


def number(value: int) -> str:
    """12345 → "12.345"."""
    return f"{value:,}".replace(",", ".")


def fill(source: str, **values) -> str:
    return _ENV.from_string(source).render(**values).strip()


def period_words(figures: Figures, t: Texts) -> str:
    """ "quý 4 năm 2026", "tháng 12 năm 2026", "từ ngày 01/10/2026 đến ngày 05/12/2026"."""
    period = figures.period
    labels = t.labels("periodic.period")
    return fill(
        labels[period.kind],
        number=period.number,
        roman=("", "I", "II", "III", "IV")[period.number] if period.kind == "quarter" else "",
        year=period.first.year,
        first=period.first.strftime("%d/%m/%Y"),
        last=period.last.strftime("%d/%m/%Y"),
    )


class _Writer:
    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        style = self.doc.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(BODY)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # Word picks this font for every script
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.line_spacing = 1.15

    def paragraph(self, text: str = "", *, bold=False, italic=False, size=BODY, align=None, indent=True, cell=None):
        target = cell if cell is not None else self.doc
        paragraph = target.add_paragraph()
        if align is None:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if indent:
                paragraph.paragraph_format.first_line_indent = Cm(1)
        else:
            paragraph.alignment = align
        if cell is not None:  # tables: tight rows
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.line_spacing = 1.0
        for index, line in enumerate(text.split("\n")):
            run = paragraph.add_run(line)
            run.bold, run.italic, run.font.size = bold, italic, Pt(size)
            if index < len(text.split("\n")) - 1:
                run.add_break()
        return paragraph


def _first_paragraph(cell, writer: _Writer, text: str, **style):
    """A table cell starts with an empty paragraph: write into it instead of adding one below."""
    paragraph = writer.paragraph(text, cell=cell, **style)
    first = cell.paragraphs[0]
    if not first.text and first is not paragraph:
        first._element.getparent().remove(first._element)
    return paragraph


def _widths(table, widths: list) -> None:
    """Column widths that Word and LibreOffice both keep: on the grid (LibreOffice reads it) and on
    every cell (Word does)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _no_borders(table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _items(counts: Mapping[str, int], names: Mapping[str, str], t: Texts, limit: int = MAX_TOPICS) -> str:
    shown = [f"{names.get(key, key)} {number(value)}" for key, value in list(counts.items())[:limit]]
    return "; ".join(shown) or t.label("periodic.none")


def write(
    figures: Figures,
    areas: Areas,
    t: Texts,
    sections: Mapping[str, str],
    charts: list[tuple[str, bytes]],
    output: Path,
) -> Path:
    p = t.labels("periodic")
    w = _Writer()
    area = areas.get(figures.area_code)
    province = areas.get(area.province)
    period = period_words(figures, t)
    center = WD_ALIGN_PARAGRAPH.CENTER

    heading = w.doc.add_table(rows=1, cols=2)
    heading.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(heading)
    heading.autofit = False
    left, right = heading.rows[0].cells
    _widths(heading, [Cm(6.0), Cm(10.5)])
    _first_paragraph(left, w, p["issuer_parent"] + "\n" + area.name.upper(), bold=True, size=13, align=center)
    w.paragraph("———", size=10, align=center, cell=left)
    w.paragraph(p["number"], size=13, align=center, cell=left)
    _first_paragraph(right, w, p["nation"], bold=True, size=12, align=center)
    w.paragraph(p["motto"], bold=True, size=13, align=center, cell=right)
    w.paragraph("———————————", size=10, align=center, cell=right)
    place = area.name.split(" ", 1)[-1] if area.kind != "thành phố" else area.name
    place = place.removeprefix("khu ").strip()
    w.paragraph(
        fill(p["place_date"], place=place, year=figures.period.last.year),
        italic=True,
        size=13,
        align=center,
        cell=right,
    )

    w.paragraph("")
    w.paragraph(p["title"], bold=True, align=center)
    w.paragraph(fill(p["subject"], period=period), bold=True, align=center)
    if figures.period.cut:
        w.paragraph(fill(p["cut"], last=figures.period.last.strftime("%d/%m/%Y")), italic=True, size=13, align=center)
    issuer = p["issuer_parent"].capitalize() + " " + area.name
    full = areas.full_name(figures.area_code)
    w.paragraph(fill(p["intro"], issuer=issuer, area=full, period=period))

    w.paragraph(p["results"], bold=True, indent=False)
    if figures.empty:
        w.paragraph(p["nothing"])
    else:
        _results(w, figures, areas, t, p)
    for index, (title, png) in enumerate(charts, 1):
        w.doc.add_picture(io.BytesIO(png), width=Cm(14))
        w.doc.paragraphs[-1].alignment = center
        w.doc.paragraphs[-1].paragraph_format.keep_with_next = True  # a chart and its caption on one page
        w.paragraph(f"{index}. {title}", italic=True, size=12, align=center)
    if len(figures.communes) > 1 and not figures.empty:
        _commune_table(w, figures, areas, t, p)
    w.paragraph(p["annex_note"], italic=True).paragraph_format.space_before = Pt(6)

    for key in ("difficulties", "recommendations"):
        w.paragraph(p[key], bold=True, indent=False)
        text = (sections.get(key) or "").strip()
        for line in text.split("\n") if text else [p["to_fill"]]:
            w.paragraph(line, italic=not text)

    footer = w.doc.add_table(rows=1, cols=2)
    _no_borders(footer)
    footer.autofit = False
    _keep_on_one_page(footer.rows[0])
    left, right = footer.rows[0].cells
    _widths(footer, [Cm(7.5), Cm(9)])
    _first_paragraph(left, w, p["recipients"], bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    w.paragraph(fill(p["recipients_list"], province=province.name), size=11, align=WD_ALIGN_PARAGRAPH.LEFT, cell=left)
    _first_paragraph(right, w, p["sign_for"] + "\n" + p["sign_title"], bold=True, size=13, align=center)
    w.paragraph(p["sign_note"], italic=True, size=12, align=center, cell=right)
    for _ in range(4):  # room for the signature and the seal
        w.paragraph("", size=12, align=center, cell=right)

    output.parent.mkdir(parents=True, exist_ok=True)
    w.doc.save(output)
    return output


def _results(w: _Writer, f: Figures, areas: Areas, t: Texts, p: dict) -> None:
    topics = t.labels("topics")
    w.paragraph(p["heading_warnings"], bold=True, indent=False)
    w.paragraph(
        fill(
            p["subscribers"],
            total=number(f.subscribers_total),
            new=number(f.total("subscribers.new")),
            stopped=number(f.total("subscribers.stopped")),
        )
    )
    w.paragraph(
        fill(
            p["broadcasts"],
            broadcasts=number(f.broadcasts_sent),
            messages=number(f.total("deliveries")),
            delivered=number(f.total("deliveries.delivered")),
            blocked=number(f.total("deliveries.blocked")),
            failed=number(f.total("deliveries.failed")),
        )
    )

    w.paragraph(p["heading_use"], bold=True, indent=False)
    for kind, key in (("check", "checks"), ("message_check", "messages")):
        w.paragraph(
            fill(
                p[key],
                **{key: number(f.total(kind))},
                **{risk: number(f.total(f"{kind}.{risk}")) for risk in ("high", "medium", "low")},
            )
        )
    w.paragraph(
        fill(p["questions"], **{o: number(f.total(f"question.{o}")) for o in ("answered", "suggested", "unanswered")})
    )
    if f.quiz_mean is None:
        w.paragraph(p["quizzes_none"])
    else:
        mean = f"{f.quiz_mean * 10:.1f}".replace(".", ",")
        w.paragraph(fill(p["quizzes"], quizzes=number(f.total("quiz")), mean=mean))
    asked: dict[str, int] = {}
    for prefix in ("check.topic", "message_check.topic", "question.topic"):
        for topic, value in f.breakdown(prefix).items():
            asked[topic] = asked.get(topic, 0) + value
    if asked:
        ordered = dict(sorted(asked.items(), key=lambda item: -item[1]))
        w.paragraph(fill(p["topics_asked"], topics=_items(ordered, topics, t)))

    w.paragraph(p["heading_reports"], bold=True, indent=False)
    w.paragraph(
        fill(
            p["reports"],
            reports=number(f.total("reports")),
            identifiers=number(f.identifiers),
            lost=format_vnd(f.total("reports.lost")),
        )
    )
    if f.total("reports"):
        w.paragraph(
            fill(p["reports_by_what"], items=_items(f.breakdown("reports.what"), t.labels("periodic.what"), t, 6))
        )
        w.paragraph(
            fill(p["reports_by_topic"], items=_items(f.breakdown("reports.topic"), t.labels("report.claimed"), t))
        )
        w.paragraph(fill(p["reports_by_via"], items=_items(f.breakdown("reports.via"), t.labels("report.via"), t)))
    if f.decisions:
        days = f"{f.median_days_to_decision:.1f}".replace(".", ",") if f.median_days_to_decision is not None else "-"
        w.paragraph(
            fill(
                p["decisions"],
                decisions=number(sum(f.decisions.values())),
                days=days,
                **{s: number(f.decisions.get(s, 0)) for s in ("forwarded", "confirmed", "rejected")},
            )
        )
    else:
        w.paragraph(p["decisions_none"])

    w.paragraph(p["heading_activities"], bold=True, indent=False)
    kinds = t.labels("periodic.activity_kinds")
    if f.activities:
        for kind in ACTIVITY_KINDS:
            sessions, people = f.activity(kind)
            if sessions or people:
                w.paragraph(fill(p["activity"], kind=kinds[kind], sessions=number(sessions), people=number(people)))
    else:
        w.paragraph(p["activities_none"])
    for reached in f.coverage:
        w.paragraph(
            fill(
                p["coverage"],
                area=areas.name_of(reached.area_code),
                reached=number(reached.villages_reached),
                villages=number(reached.villages),
                share=round(100 * (reached.share or 0)),
                target=round(100 * (reached.target_share or 0)),
                met=bool(reached.met),
            )
        )

    w.paragraph(p["heading_themes"], bold=True, indent=False)
    if f.themes:
        for example, count in f.themes:
            w.paragraph("- " + fill(p["theme"], example=example, count=number(count)))
    else:
        w.paragraph(p["themes_none"])


def _commune_table(w: _Writer, f: Figures, areas: Areas, t: Texts, p: dict) -> None:
    """One row per commune that has any figure (the annex lists them all)."""
    labels = t.labels("periodic.table")
    columns = [
        ("subscribers", lambda c: f.subscribers.get(c, 0)),
        ("delivered", lambda c: f.total("deliveries.delivered", area=c)),
        ("checks", lambda c: f.total("check", area=c)),
        ("messages", lambda c: f.total("message_check", area=c)),
        ("questions", lambda c: f.total("question.answered", area=c)),
        ("reports", lambda c: f.total("reports", area=c)),
        ("lost", lambda c: f.total("reports.lost", area=c)),
    ]
    rows = [(c, [value(c) for _, value in columns]) for c in f.communes]
    rows = [(c, values) for c, values in rows if any(values)]
    if not rows:
        return
    w.paragraph(p["heading_communes"], bold=True, indent=False).paragraph_format.keep_with_next = True
    table = w.doc.add_table(rows=1, cols=len(columns) + 1)
    table.style = "Table Grid"
    table.autofit = False
    for cell, key in zip(table.rows[0].cells, ["commune", *(k for k, _ in columns)], strict=True):
        _first_paragraph(cell, w, labels[key], bold=True, size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for code, values in rows:
        cells = table.add_row().cells
        _first_paragraph(cells[0], w, areas.name_of(code), size=10, align=WD_ALIGN_PARAGRAPH.LEFT)
        for cell, value in zip(cells[1:], values, strict=True):
            _first_paragraph(cell, w, number(value), size=10, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _widths(table, [Cm(3.3)] + [Cm(1.75)] * (len(columns) - 1) + [Cm(2.7)])


def _keep_on_one_page(row) -> None:
    """Recipients and signature are never split across two pages."""
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _repeat_header(row) -> None:
    """The table's first row is printed again at the top of every page it runs onto."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)
