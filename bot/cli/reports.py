"""`canhgiac reports export` and `canhgiac privacy purge`: citizens' reports and their retention."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _database, _library, _settings, privacy_app, reports_app
from bot.core.settings import SettingsError


def _day(text: str | None, option: str):
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"{option} must be a date like 2026-11-01, got {text[:30]!r}") from None


FORMATS = ("csv", "xlsx")


def _format(option: str | None, output: Path) -> str:
    """The format to write: --format, else the file name's extension. A file named .csv must hold
    CSV and one named .xlsx a workbook, whatever the case of the extension; any other name (or none)
    takes whichever --format says."""
    if option is not None and option not in FORMATS:
        raise SettingsError(f"--format must be csv or xlsx, got {option[:20]!r}")
    extension = output.suffix.lower().removeprefix(".")
    if option is None:
        if extension not in FORMATS:
            raise SettingsError(
                f"cannot tell the format from {output.name[:40]!r}: name it .csv or .xlsx, or give --format"
            )
        return extension
    if extension in FORMATS and extension != option:
        raise SettingsError(f"--format {option} contradicts the file name {output.name[:40]!r} (.{extension})")
    return option


@reports_app.command("export")
def reports_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.csv or .xlsx).")],
    format: Annotated[
        str | None, typer.Option("--format", help="csv or xlsx; default: the file name's extension.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (Vietnam time).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD, included.")] = None,
    status: Annotated[str | None, typer.Option(help="Only reports in this status.")] = None,
    area: Annotated[
        str | None, typer.Option(help="Only reports from this area (an area code, t-15 or x-02647, or its name).")
    ] = None,
) -> None:
    """Reports for the authorities: one row per identifier, and one per report (a second sheet or file)."""
    from bot.reporting import exports, reports

    format = _format(format, output)
    if status is not None and status not in reports.STATUSES:
        raise SettingsError(f"--status must be one of {', '.join(reports.STATUSES)}")
    first, last = _day(since, "--since"), _day(until, "--until")
    if first is not None and last is not None and first > last:
        raise SettingsError(f"--since {first} is after --until {last}: nothing could match")
    settings = _settings(level="WARNING")
    library = _library(settings)
    if area is not None and not exports.area_codes(library.areas, area):
        raise SettingsError(f"unknown area {area[:40]!r}: give a code or name from canhgiac areas list")
    filters = exports.Filters(since=first, until=last, status=status, area=area)
    texts = library.content.texts(settings.default_language)
    with _database(settings) as storage:
        tables = storage.read_sync(lambda db: exports.collect(db, texts, filters, library.areas))
    output.parent.mkdir(parents=True, exist_ok=True)
    writer = exports.write_csv if format == "csv" else exports.write_xlsx
    for path in writer(tables, texts, output):
        typer.echo(f"wrote {path}")
    typer.echo(f"{len(tables.identifiers)} identifiers, {len(tables.reports)} reports")


@privacy_app.command("purge")
def privacy_purge(
    older_than: Annotated[int, typer.Option("--older-than", min=1, help="Age in days.")],
) -> None:
    """Anonymise reports older than DAYS: no chat, no reporter link, no contact number (counts stay)."""
    from datetime import timedelta

    from bot.core.clock import utc_now
    from bot.reporting.reports import anonymise_older_than

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        count = storage.write_sync(lambda db: anonymise_older_than(db, utc_now() - timedelta(days=older_than)))
        storage.checkpoint_sync()  # no old copy of the erased numbers left in the WAL
    typer.echo(f"anonymised {count} reports older than {older_than} days")
