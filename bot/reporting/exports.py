"""`canhgiac reports export`: reports in the fields Vietnamese authorities ask for, as CSV or XLSX.

Two tables: one row per identifier (account number, holder, bank, counts, evidence — the fields of
a tinnhiemmang.vn or 5656 report) and one row per report. A reporter's phone number appears only
on reports whose reporter agreed to be contacted. Citizens' text is untrusted: cells that a
spreadsheet would run as a formula are neutralised.

`collect` keeps values typed (datetimes in Vietnam time, days, amounts as numbers); each writer
shows them its way: XLSX as real dates and numbers that sort and filter, CSV as plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

import sqlite_utils

from bot.core.clock import VIETNAM, from_iso, to_iso
from bot.core.content import Texts
from bot.identifiers import bank_by_code, display_stored
from bot.reporting import reports as reports_table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CONTENTS = 1000
# Excel's number formats (not Python's): days as Vietnam writes them, amounts as 15,500,000.
DATE_FORMAT = "dd/mm/yyyy"
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm"
MONEY_FORMAT = "#,##0"


class AreaNames(Protocol):
    """The area registry as exports use it (`bot.broadcast.areas.Areas`, which reporting may not import)."""

    def name_of(self, code: str) -> str: ...

    def within(self, code: str) -> set[str]: ...

    def code_for(self, place: str) -> str | None: ...

    def resolve(self, code: str) -> list[str]: ...


class _NoRegistry:
    def name_of(self, code: str) -> str:
        return code

    def within(self, code: str) -> set[str]:
        return set()

    def code_for(self, place: str) -> str | None:
        return None

    def resolve(self, code: str) -> list[str]:
        return [code]


def area_codes(areas: AreaNames, place: str) -> list[str]:
    """The current area codes an area filter means: a code, a code of before 2025 (the units its
    place went into), or a name that fits exactly one area; [] when it means none."""
    found = areas.resolve(place)
    if not found and (code := areas.code_for(place)) is not None:
        found = [code]
    return found


def day_bounds(since: date | None, until: date | None) -> tuple[str | None, str | None]:
    """Vietnamese calendar days, both inclusive, as the stored times' [since, until) (ISO, UTC)."""
    return (
        to_iso(datetime.combine(since, time(), VIETNAM)) if since else None,
        to_iso(datetime.combine(until + timedelta(days=1), time(), VIETNAM)) if until else None,
    )


@dataclass(frozen=True)
class Filters:
    since: date | None = None  # Vietnamese calendar days, both inclusive
    until: date | None = None
    status: str | None = None
    area: str | None = None  # an area code (or name): that area and the areas inside it
    kind: str | None = None  # identifiers of this kind
    topic: str | None = None  # whom the caller claimed to be (a topic's slug)
    scope: reports_table.Scope | None = None  # an officer's areas (the console's exports); None: all

    def query(self, areas: AreaNames) -> dict:
        """The arguments of `reports.for_export` these filters stand for."""
        wanted = None
        if self.area:
            codes = {self.area}  # unknown to the registry: only reports that stored exactly this
            for code in area_codes(areas, self.area):
                codes |= areas.within(code) | {code}
            # Reports filed before codes stored the locality's name: the names of these areas find them.
            wanted = codes | {areas.name_of(code) for code in codes}
        since, until = day_bounds(self.since, self.until)
        criteria = reports_table.Criteria(
            status=self.status or None, kind=self.kind, topic=self.topic, since=since, until=until
        )
        return {"criteria": criteria, "areas": wanted, "scope": self.scope}


@dataclass(frozen=True)
class Tables:
    identifiers: list[list]
    reports: list[list]


MONEY_COLUMNS = {"amount"}  # keys of export.* headers whose cells are amounts of money
# The day a "when did it happen" answer stands for, counted back from the report's own day; the
# other answers ("this week", "earlier") name a range, and only their label is exported.
HAPPENED_DAYS_BEFORE = {"today": 0, "yesterday": 1}


def _local(stamp: str | None) -> datetime | None:
    """A stored UTC time as Vietnam's wall clock, without a zone (spreadsheets keep none)."""
    return from_iso(stamp).astimezone(VIETNAM).replace(tzinfo=None) if stamp else None


def _happened_day(happened: str | None, created: datetime | None) -> date | None:
    days = HAPPENED_DAYS_BEFORE.get(happened or "")
    return created.date() - timedelta(days=days) if days is not None and created is not None else None


def _bank(code: str | None) -> str:
    bank = bank_by_code(code) if code else None
    return bank.name if bank else (code or "")


def _joined(values: Iterable[str | None]) -> str:
    return "; ".join(sorted({v for v in values if v}))


def collect(db: sqlite_utils.Database, t: Texts, filters: Filters, areas: AreaNames | None = None) -> Tables:
    """`areas` names the stored area codes (and widens an area filter to the areas inside it)."""
    areas = areas or _NoRegistry()
    rows = reports_table.for_export(db, **filters.query(areas))
    labels = {group: t.labels(f"report.{group}") for group in ("what", "via", "claimed", "happened")}
    kinds, statuses = t.labels("police.kinds"), t.labels("police.statuses")

    def label(group: str, value: str | None) -> str:
        return labels[group].get(value or "", value or "")

    def report(row: dict) -> list:
        created = _local(row["created_at"])
        cells = {
            "ref": row["ref"],
            "created": created,
            "what": label("what", row["what"]),
            "kind": kinds.get(row["id_kind"], row["id_kind"]),
            "value": display_stored(row["id_kind"], row["id_value"]),
            "bank": _bank(row["bank_code"]),
            "holder": row["account_holder"] or "",
            "via": label("via", row["via"]),
            "claimed": label("claimed", row["claimed_topic"]),
            "happened": _happened_day(row["happened"], created),
            "happened_said": label("happened", row["happened"]),
            "amount": row["amount_lost"],
            "description": row["description"] or "",
            "evidence": row["evidence"] or "",
            "area": areas.name_of(row["shown_area"]) if row["shown_area"] else "",
            "status": statuses.get(row["status"], row["status"]),
            "contact": row["contact_phone"] if row["contact_consent"] and row["contact_phone"] else "",
        }
        return [cells[key] for key in t.labels("export.reports")]

    reports = [report(row) for row in rows]
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["identifier_id"], []).append(row)
    identifiers = []
    for group in grouped.values():
        first = group[0]
        identifiers.append(
            [
                kinds.get(first["id_kind"], first["id_kind"]),
                display_stored(first["id_kind"], first["id_value"]),
                _joined(_bank(r["bank_code"]) for r in group),
                _joined(r["account_holder"] for r in group),
                len({r["reporter"] for r in group}),
                len(group),
                _local(group[0]["created_at"]),
                _local(group[-1]["created_at"]),
                _joined(label("claimed", r["claimed_topic"]) for r in group),
                _joined(label("via", r["via"]) for r in group),
                _joined(areas.name_of(r["shown_area"]) for r in group if r["shown_area"]),
                sum(r["amount_lost"] or 0 for r in group),
                sum(1 for r in group if r["evidence"]),
                statuses.get(first["id_status"], first["id_status"]),
                first["status_note"] or "",
                " | ".join(r["description"] for r in group if r["description"])[:MAX_CONTENTS],
            ]
        )
    identifiers.sort(key=lambda row: (-row[4], row[1]))  # most reporters first
    return Tables(identifiers=identifiers, reports=reports)


def headers(t: Texts) -> tuple[list[str], list[str]]:
    return list(t.labels("export.identifiers").values()), list(t.labels("export.reports").values())


def _safe(value: object) -> object:
    """Text a spreadsheet would evaluate (=HYPERLINK(…), +cmd…) is kept as text with a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def reports_path(path: Path) -> Path:
    """The second CSV file, beside the first: export.csv → export-reports.csv."""
    return path.with_name(f"{path.stem}-reports{path.suffix or '.csv'}")


def _csv_cell(value: object) -> object:
    """Dates as text a spreadsheet opening the CSV reads the same in every locale; no value, empty."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return _safe("" if value is None else value)


def write_csv(tables: Tables, t: Texts, path: Path) -> list[Path]:
    identifier_headers, report_headers = headers(t)
    written = []
    for target, head, rows in (
        (path, identifier_headers, tables.identifiers),
        (reports_path(path), report_headers, tables.reports),
    ):
        # UTF-8 with a byte-order mark: Excel on Windows otherwise garbles Vietnamese letters.
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(head)
            writer.writerows([_csv_cell(v) for v in row] for row in rows)
        written.append(target)
    return written


def write_xlsx(tables: Tables, t: Texts, path: Path) -> list[Path]:
    from openpyxl import Workbook

    identifier_headers, report_headers = headers(t)
    sheets = t.labels("export.sheets")
    book = Workbook()
    first = book.active
    first.title = sheets["identifiers"]
    second = book.create_sheet(sheets["reports"])
    for sheet, head, keys, rows in (
        (first, identifier_headers, list(t.labels("export.identifiers")), tables.identifiers),
        (second, report_headers, list(t.labels("export.reports")), tables.reports),
    ):
        sheet.append(head)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for key, cell in zip(keys, cells, strict=False):
                _format_cell(cell, key)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions  # the header row's sort and filter buttons
        for column in sheet.columns:
            width = max(len(_shown(cell.value)) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    book.save(path)
    return [path]


def _format_cell(cell, key: str) -> None:
    """Typed cells: dates and times (Vietnam time) that sort and filter as dates, amounts with
    thousands separators, citizens' text never a formula."""
    value = cell.value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the citizen typed
    elif isinstance(value, datetime):
        cell.number_format = DATE_TIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float) and key in MONEY_COLUMNS:
        cell.number_format = MONEY_FORMAT


def _shown(value: object) -> str:
    """About what a cell shows, to size its column."""
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, date):
        return "00/00/0000"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value or "")
