"""`canhgiac db info`: the SQLite database."""

from __future__ import annotations

import typer

from bot.cli.common import _database, _settings, db_app
from bot.core.migrations import schema_version


@db_app.command("info")
def db_info() -> None:
    """Show the database file, its schema version and how many rows each table holds."""

    settings = _settings(level="WARNING")
    with _database(settings) as storage:

        def describe(db) -> list[str]:
            lines = [f"database: {storage.path.resolve()}", f"schema version: {schema_version(db)}"]
            lines += [f"{name}: {db[name].count}" for name in sorted(db.table_names())]
            return lines

        typer.echo("\n".join(storage.read_sync(describe)))
