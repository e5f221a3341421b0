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


@reports_app.command("export")
def reports_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.csv or .xlsx).")],
    format: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "xlsx",
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (Vietnam time).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD, included.")] = None,
    status: Annotated[str | None, typer.Option(help="Only reports in this status.")] = None,
    area: Annotated[
        str | None, typer.Option(help="Only reports from this area (an area code, t-15 or x-02647, or its name).")
    ] = None,
) -> None:
    """Reports for the authorities: one row per identifier, and one per report (a second sheet or file)."""
    from bot.reporting import exports, reports

    if format not in ("csv", "xlsx"):
        raise SettingsError(f"--format must be csv or xlsx, got {format[:20]!r}")
    if status is not None and status not in reports.STATUSES:
        raise SettingsError(f"--status must be one of {', '.join(reports.STATUSES)}")
    filters = exports.Filters(since=_day(since, "--since"), until=_day(until, "--until"), status=status, area=area)
    settings = _settings(level="WARNING")
    library = _library(settings)
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
