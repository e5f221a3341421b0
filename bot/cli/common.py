"""The Typer app of `canhgiac`, its command groups, and the helpers every command shares."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import typer

from bot.core.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    add_completion=False, pretty_exceptions_enable=False, help="Canh Giác: a scam-awareness chatbot for Vietnam."
)


def _group(name: str, help: str) -> typer.Typer:
    """A subcommand group (`canhgiac <name> …`)."""
    group = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help=help)
    app.add_typer(group, name=name)
    return group


db_app = _group("db", "The SQLite database.")
faq_app = _group("faq", "The FAQ and its matcher.")
content_app = _group("content", "The content files.")
messages_app = _group("messages", "The model of scam messages (content/messages/).")
models_app = _group("models", "The statistical models' fitted weights (data/models/), loaded by the bot at start.")
images_app = _group("images", "Reading pictures: screenshots and QR codes.")
blocklist_app = _group("blocklist", "Lists of phishing links.")
reports_app = _group("reports", "Citizens' reports.")
report_app = _group(
    "report", "Periodic reports for the authorities (month, quarter, half year, year), their deadlines, targets."
)
privacy_app = _group("privacy", "Personal data retention.")
broadcast_app = _group("broadcast", "Broadcasts to subscribers.")
campaigns_app = _group("campaigns", "Weekly campaigns (content/campaigns/, shipped with the package).")
areas_app = _group("areas", "Areas of subscription.")
subscribers_app = _group("subscribers", "Subscribers.")
zalo_oa_app = _group("zalo-oa", "A Zalo Official Account as a channel: link it, see its tokens.")

EXIT_CONFIG = 2


def _settings(*, level: str | None = None) -> Settings:
    from bot.core.logs import setup_logging

    settings = load_settings()
    if settings.allowlist:
        from bot.checking.verdict import allow_list

        allow_list(settings)  # refuse an entry that is no number, link or account, whatever the command
    setup_logging(level or settings.log_level, settings.secrets())
    return settings


@contextlib.contextmanager
def _opening_database(settings: Settings) -> Iterator[None]:
    """Where every command opens the database: a CANHGIAC_DB that cannot be one (a folder, a file that
    is not SQLite, a file we may not open) is a configuration problem, said in one line."""
    import sqlite3

    path = settings.db_path
    if path.is_dir():
        raise SettingsError(f"CANHGIAC_DB={path} is a folder: give the path of a database file (created if missing)")
    try:
        yield
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise SettingsError(f"CANHGIAC_DB={path} is not an SQLite database (nothing was changed)") from None
        raise SettingsError(f"cannot open the database CANHGIAC_DB={path}: {error}") from None
    except OSError as error:
        raise SettingsError(f"cannot open the database CANHGIAC_DB={path}: {error.strerror or error}") from None


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator:
    """The database for one command, closed whatever happens."""
    from bot.core.storage import Storage

    with _opening_database(settings):
        storage = Storage(settings.db_path)
    try:
        yield storage
    finally:
        storage.close()


INVALID_UTF8 = "invalid_utf8"


def _utf8_argument(text: str | None) -> str | None:
    """A command-line argument; bytes that are not UTF-8 reach Python as surrogates, which nothing
    downstream can encode: one line, as for any bad input, instead of a traceback."""
    from bot.core.textnorm import without_surrogates

    if text is not None and without_surrogates(text) != text:
        raise SettingsError(f"the argument {text.encode('utf-8', 'replace').decode()[:40]!r} is not UTF-8 text")
    return text


def _stdin_lines() -> Iterator[tuple[int, str | None]]:
    """The non-blank lines of stdin, stripped, with their line numbers. Read as bytes and decoded one
    line at a time: a line that is not UTF-8 comes as None, so it is reported, and the batch goes on."""
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            yield number, None
            continue
        line = (line.removeprefix("\ufeff") if number == 1 else line).strip()  # a byte-order mark is not text
        if line:
            yield number, line


def _jsonl_out(number: int, line: str | None, answer) -> None:
    """One JSON line: `answer(line)`, or an error object for a line that could not be read."""
    import json

    record = {"line": number, "error": INVALID_UTF8} if line is None else answer(line)
    typer.echo(json.dumps(record, ensure_ascii=False))


def _library(settings: Settings):
    from bot.services import load_library

    return load_library(settings)
