"""`canhgiac check` and `canhgiac blocklist import`: what the bot knows about a number, link or account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _database, _jsonl_out, _settings, _stdin_lines, _utf8_argument, app, blocklist_app
from bot.core.settings import SettingsError


@app.command("check")
def check_command(
    value: Annotated[str | None, typer.Argument(help="A phone number, link or bank account, as received.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of text.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Values on stdin, one per line; JSON lines out.")] = False,
) -> None:
    """What the bot knows about a number, link or account: kind, reports, risk and reasons."""
    import json

    from bot.checking import BrandTable
    from bot.checking.verdict import allow_list, check_value

    if not jsonl and not value:
        raise SettingsError("give a value: canhgiac check 0912345678 (or --jsonl with values on stdin)")
    value = _utf8_argument(value)
    settings = _settings(level="WARNING")
    brands, allow = BrandTable.load(), allow_list(settings)
    with _database(settings) as storage:
        if jsonl:

            def answer(line: str) -> dict:
                return storage.read_sync(lambda db: check_value(db, line, brands, allow)).as_json()

            for number, line in _stdin_lines():
                _jsonl_out(number, line, answer)
            return
        result = storage.read_sync(lambda db: check_value(db, value, brands, allow))
        data = result.as_json()
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            typer.echo(
                f"{data['kind']} {data['normalized'] or value}: risk {data['risk']}, {data['reports']} reporters"
            )
            for signal in data["signals"]:
                typer.echo(f"  {signal['level']:<6} {signal['code']}")


@blocklist_app.command("import")
def blocklist_import(
    file: Annotated[Path, typer.Argument(help="One host, host/path, URL or IP per line; # starts a comment.")],
    source: Annotated[str | None, typer.Option(help="Name of the list; re-importing it replaces it.")] = None,
) -> None:
    """Load a list of phishing hosts and URLs (entries with a path match as URL prefixes)."""
    import time

    from bot.checking import blocklist
    from bot.core.clock import utc_now

    if not file.is_file():
        raise SettingsError(f"no such file: {file}")
    settings = _settings(level="WARNING")
    started = time.perf_counter()
    with _database(settings) as storage:
        result = storage.write_sync(lambda db: blocklist.import_file(db, file, source, utc_now()))
    typer.echo(
        f"{result.source}: {result.hosts} hosts, {result.prefixes} URL prefixes, {len(result.skipped)} lines skipped "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for line in result.skipped[:10]:
        typer.echo(f"  skipped: {line[:120]}")
