"""`canhgiac report deadlines` and `canhgiac report target`: what the periodic reports are due by
and measured against (`bot/activity/`)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import _database, _library, _settings, _utf8_argument, report_app
from bot.core.settings import SettingsError

ACTIONS = ("list", "add", "edit", "off", "on")
ACTOR = "cli"  # who changed a deadline or a target from the command line


def _day_month(text: str) -> tuple[int, int]:
    try:
        day, month = (int(part) for part in text.strip().split("/"))
    except ValueError:
        raise SettingsError(f"--date must be a day and month like 21/3, got {text[:20]!r}") from None
    return day, month


@report_app.command("deadlines")
def report_deadlines(
    action: Annotated[str, typer.Argument(help="list, add, edit, off or on.")] = "list",
    deadline_id: Annotated[int | None, typer.Argument(help="The deadline's number (edit, off, on).")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Day and month it is due before: 21/3.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="quarter, campaign, half, year, month or other (default for add: other).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Only in this year (default: every year).")] = None,
    every_year: Annotated[bool, typer.Option("--every-year", help="edit: make it every year again.")] = False,
    note: Annotated[str | None, typer.Option(help="What is due, as staff read it in the reminder.")] = None,
    area: Annotated[
        str | None, typer.Option(help="add: only for this province or commune (a code or name; default: every area).")
    ] = None,
) -> None:
    """The calendar of reporting deadlines: list it, add one, move or rename one, turn one off or on.
    Staff are reminded CANHGIAC_DEADLINE_REMINDER_DAYS days before each, the staff of the areas it
    applies to (a province's: its communes' too). Staff change their areas' own in /hanbaocao."""
    from bot.activity import deadlines
    from bot.core.clock import utc_now

    if action not in ACTIONS:
        raise SettingsError(f"the action must be one of {', '.join(ACTIONS)}, got {action[:20]!r}")
    if action in ("edit", "off", "on") and deadline_id is None:
        raise SettingsError(f"give the deadline's number: canhgiac report deadlines {action} ID")
    if action == "add" and date is None:
        raise SettingsError("give the day it is due before: --date 21/3")
    note = _utf8_argument(note)
    settings = _settings(level="WARNING")
    library = _library(settings)
    presets = deadlines.presets_in(library.content.root)
    area_code = _one_area(library.areas, _utf8_argument(area) or "") if area else None
    now = utc_now()
    day, month = _day_month(date) if date else (None, None)

    def run(db) -> list[deadlines.Deadline]:
        deadlines.load_presets(db, presets, now)
        if action == "add":
            deadlines.add(db, kind=kind or "other", month=month, day=day, year=year, note=note or "", actor=ACTOR,
                          now=now, area_code=area_code)  # fmt: skip
        elif action != "list":
            active = {"off": False, "on": True}.get(action)
            deadlines.edit(db, deadline_id, actor=ACTOR, now=now, kind=kind, month=month, day=day, year=year,
                           every_year=every_year, note=note, active=active)  # fmt: skip
        return deadlines.all_deadlines(db)

    with _database(settings) as storage:
        try:
            listed = storage.write_sync(run)
        except ValueError as error:
            raise SettingsError(str(error)) from None
    for d in listed:
        when = f"{d.day:02d}/{d.month:02d}" + (f"/{d.year}" if d.year else "")
        state = "" if d.active else "  (off)"
        where = f"  [{d.area_code}]" if d.area_code else ""
        typer.echo(f"{d.id:>3}  before {when:<10}  {d.kind:<8}  {d.note}{where}{state}")


def _one_area(areas, text: str) -> str:
    """The one province or commune a code or name means, or a SettingsError."""
    from bot.reporting import exports

    codes = [code for code in exports.area_codes(areas, text) if areas.get(code)]
    if len(codes) != 1:
        raise SettingsError(f"{text[:40]!r} is not one area: give a code from canhgiac areas list")
    return codes[0]


@report_app.command("target")
def report_target(
    area: Annotated[str, typer.Argument(help="The commune: a code (x-02647) or its name.")],
    villages: Annotated[int, typer.Option(help="How many villages (thôn, bản, tổ dân phố) the commune has.")],
    share: Annotated[float, typer.Option(help="The share of them to reach in a period, in percent: 80.")],
) -> None:
    """A commune's target: its number of villages and the share to reach with at least one session."""
    from bot.activity import targets
    from bot.core.clock import utc_now
    from bot.reporting import exports

    area = _utf8_argument(area) or ""
    settings = _settings(level="WARNING")
    areas = _library(settings).areas
    codes = [code for code in exports.area_codes(areas, area) if areas.get(code) and areas.get(code).parent]
    if len(codes) != 1:
        raise SettingsError(f"{area[:40]!r} is not one commune: give a code from canhgiac areas list")
    fraction = share / 100
    problem = targets.check(villages, fraction)
    if problem == "villages":
        raise SettingsError(f"--villages must be from 1 to {targets.MAX_VILLAGES}")
    if problem == "share":
        raise SettingsError("--share must be a percentage above 0, at most 100")
    with _database(settings) as storage:
        storage.write_sync(lambda db: targets.set_target(db, codes[0], villages, fraction, ACTOR, utc_now()))
    typer.echo(f"{areas.full_name(codes[0])}: {villages} villages, target {share:g}%")
