"""`canhgiac report periodic`: the monthly, quarterly, 6-month or yearly report of an area, as a
Word document and an XLSX annex."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _database, _library, _settings, report_app
from bot.core.settings import SettingsError


@report_app.command("periodic")
def report_periodic(
    area: Annotated[str, typer.Option(help="A province or commune: its code (t-15, x-02647) or its name.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The Word file to write (.docx).")],
    period: Annotated[
        str | None, typer.Option(help="2026-12 (month), 2026-Q4 (quarter), 2026-H2 (half year) or 2026 (year).")
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (instead of --period).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD, included.")] = None,
) -> None:
    """The report of AREA for a period: FILE.docx and its annex FILE-phu-luc.xlsx."""
    from bot.core.clock import VIETNAM, utc_now
    from bot.periodic import build, periods
    from bot.reporting import exports

    if output.suffix.lower() != ".docx":
        raise SettingsError(f"the report is a Word file: name it .docx, got {output.name[:40]!r}")
    today = utc_now().astimezone(VIETNAM).date()
    try:
        if period is not None and (first or last):
            raise periods.PeriodError("give --period or --from/--to, not both")
        if period is not None:
            chosen = periods.parse(period, today)
        elif first and last:
            chosen = periods.between(first, last, today)
        else:
            raise periods.PeriodError("give --period (2026-Q4, 2026-12, 2026-H2, 2026) or both --from and --to")
    except periods.PeriodError as error:
        raise SettingsError(str(error)) from None
    settings = _settings(level="WARNING")
    library = _library(settings)
    codes = exports.area_codes(library.areas, area)
    if len(codes) != 1:
        raise SettingsError(f"unknown area {area[:40]!r}: give a code or name from canhgiac areas list")
    t = library.content.texts(settings.default_language)
    with _database(settings) as storage:
        # With what staff recorded: the activity log (/ghinhan) and the sections (/baocaoky).
        written = build.generate(storage, library.areas, t, codes[0], chosen, output)
    typer.echo(f"wrote {written.document}")
    typer.echo(f"wrote {written.annex}")
    found = written.figures
    if found.empty:
        typer.echo("no activity in this period and area: the report says so")
    else:
        typer.echo(
            f"{found.total('reports')} reports, {found.total('check') + found.total('message_check')} checks, "
            f"{found.total('question.answered')} questions answered, {found.subscribers_total} subscribers"
        )
