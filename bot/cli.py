"""The `canhgiac` command line (also `python -m bot`).

    canhgiac                 serve Telegram and/or Zalo if a token is set, else open the terminal chat
    canhgiac run             serve every configured channel (--webhook / --zalo-webhook URL for webhooks)
    canhgiac chat            talk to the bot in this terminal; needs no token
    canhgiac ask TEXT        what the bot answers to a question (--json; --jsonl reads stdin)
    canhgiac faq eval FILE   score the FAQ matcher on an evaluation file
    canhgiac faq gaps        questions the FAQ could not answer, grouped, most frequent first
    canhgiac content check   validate every content file
    canhgiac check VALUE     what the bot knows about a number, link or account (--json; --jsonl)
    canhgiac blocklist import FILE   load a list of phishing hosts and URLs (--source NAME)
    canhgiac reports export  reports for the authorities as CSV or XLSX
    canhgiac privacy purge   anonymise reports older than --older-than DAYS
    canhgiac broadcast send|list|status|cancel   weekly warnings and staff messages
    canhgiac areas list      the areas citizens subscribe to (--json)
    canhgiac subscribers list   who receives warnings (--area A, --json)
    canhgiac poster AREA -o FILE   a printable A4 poster with the subscribe QR code
    canhgiac db info         where the database is, its schema version and row counts
    canhgiac version

Configuration problems end with one line on stderr and exit code 2.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from bot import __version__
from bot.content import ContentError
from bot.migrations import SchemaTooNew, schema_version
from bot.settings import Settings, SettingsError, load_settings

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
blocklist_app = _group("blocklist", "Lists of phishing links.")
reports_app = _group("reports", "Citizens' reports.")
privacy_app = _group("privacy", "Personal data retention.")
broadcast_app = _group("broadcast", "Broadcasts to subscribers.")
areas_app = _group("areas", "Areas of subscription.")
subscribers_app = _group("subscribers", "Subscribers.")

EXIT_CONFIG = 2


def _settings(*, level: str | None = None) -> Settings:
    from bot.logs import setup_logging

    settings = load_settings()
    if settings.allowlist:
        from bot.checks import allow_list

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
    from bot.storage import Storage

    with _opening_database(settings):
        storage = Storage(settings.db_path)
    try:
        yield storage
    finally:
        storage.close()


def _core(settings: Settings):
    from bot.services import build_services
    from handlers import PUBLIC_COMMANDS, build_router

    library = _library(settings)
    with _opening_database(settings):
        services = build_services(settings, library=library)
    return services, build_router(), PUBLIC_COMMANDS


def _serve(settings: Settings, webhook_url: str | None, zalo_webhook_url: str | None = None) -> None:
    from bot.instance import serving
    from bot.serve import build_channels, run_until_signal

    # Only serving takes the database's lock, first, before anything is loaded or opened: a second
    # server would send the outbox and broadcasts again. `chat` and the other commands do not take
    # it: they only read, or write rows (a broadcast, a decision) that the running server sends, in
    # transactions SQLite serialises; staff use them while the bot serves.
    with serving(settings.db_path):
        services, router, commands = _core(settings)
        urls = {"webhook_url": webhook_url, "zalo_webhook_url": zalo_webhook_url}
        try:
            build_channels(settings, services, router, commands, **urls)  # fail fast on configuration
            run_until_signal(settings, services, router, commands, **urls)
        finally:
            services.close()


def _chat(settings: Settings, user: str, name: str) -> None:
    import asyncio

    from bot.channels.terminal import chat as terminal_chat

    services, router, _ = _core(settings)
    try:
        asyncio.run(terminal_chat(router, services, user_id=user, display_name=name))
    finally:
        services.close()


@app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """With no command: serve Telegram when a token is set, otherwise chat in the terminal."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if settings.telegram_bot_token is not None or settings.zalo_bot_token is not None:
        _serve(_settings(), webhook_url=None)
    else:
        _chat(_settings(level="WARNING"), user="local", name="")


@app.command()
def run(
    webhook: Annotated[
        str | None,
        typer.Option(help="Public HTTPS URL for Telegram to post updates to; listens on CANHGIAC_WEBHOOK_PORT."),
    ] = None,
    zalo_webhook: Annotated[
        str | None,
        typer.Option(help="Public HTTPS URL for Zalo to post updates to; listens on CANHGIAC_ZALO_WEBHOOK_PORT."),
    ] = None,
) -> None:
    """Serve every channel whose token is configured, together (long polling unless a webhook is given)."""
    for option, url in (("--webhook", webhook), ("--zalo-webhook", zalo_webhook)):
        if url is not None and not url.startswith("https://"):
            raise SettingsError(f"{option} must be an https:// URL (the platforms post only to HTTPS)")
    _serve(_settings(), webhook_url=webhook, zalo_webhook_url=zalo_webhook)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Act as this user id (each id has its own state).")] = "local",
    name: Annotated[str, typer.Option(help="Display name the bot greets.")] = "",
) -> None:
    """Talk to the bot in this terminal: same handlers and database, no token needed."""
    _chat(_settings(level="WARNING"), user=user, name=name)


INVALID_UTF8 = "invalid_utf8"


def _utf8_argument(text: str | None) -> str | None:
    """A command-line argument; bytes that are not UTF-8 reach Python as surrogates, which nothing
    downstream can encode: one line, as for any bad input, instead of a traceback."""
    from bot.textnorm import without_surrogates

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


def _as_text(replies) -> str:
    from bot.richtext import to_plain

    return "\n\n".join(
        "\n".join([to_plain(r.text), *(f"[{n}] {c.label}" for n, c in enumerate(r.choices, 1))]) for r in replies
    )


class _Asker:
    """Answers as the chat would: the router's own phrases (greetings, thanks, commands) and texts
    with identifiers through the real router on a throwaway database, the rest through the matcher."""

    def __init__(self, settings: Settings):
        import tempfile

        from bot.services import build_services
        from handlers import build_router

        self._folder = tempfile.TemporaryDirectory(prefix="canhgiac-ask-")
        self.services = build_services(settings.model_copy(update={"db_path": Path(self._folder.name) / "ask.db"}))
        self.router = build_router()

    def record(self, question: str) -> dict:
        import asyncio

        from bot.identifiers import extract_identifiers
        from bot.models import Incoming
        from handlers.faq import replies_for

        library = self.services.library
        language = library.default_language
        # Phrases the router answers itself, and messages with a number or link (checked first).
        if self.router.answers_without_faq(question) or extract_identifiers(question):
            msg = Incoming(channel="cli", chat_id="ask", user_id="ask", text=question)
            replies = asyncio.run(self.router.handle(msg, self.services))
            return {"question": question, "outcome": "router", "topic": None, "faq_id": None, "score": 0.0,
                    "answer": _as_text(replies), "suggestions": []}  # fmt: skip
        result = library.matcher_for(language).match(question)
        best = result.best if result.outcome != "fallback" else None
        return {
            "question": question,
            "outcome": result.outcome,
            "topic": best.entry.topic if best else None,
            "faq_id": best.entry.id if best else None,
            "score": result.best.score if result.best else 0.0,
            "answer": _as_text(replies_for(library.content.texts(language), result)),
            "suggestions": [
                {"faq_id": m.entry.id, "question": m.entry.question, "topic": m.entry.topic, "score": m.score}
                for m in result.matches
            ],
        }

    def close(self) -> None:
        self.services.close()
        self._folder.cleanup()


@app.command()
def ask(
    text: Annotated[str | None, typer.Argument(help="The question, as a citizen would type it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of the chat text.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Questions on stdin, one per line; JSON lines out.")] = False,
) -> None:
    """Show what the bot answers to a question, as the chat would (nothing is kept)."""
    import json

    if not jsonl and not text:
        raise SettingsError('give a question: canhgiac ask "công an gọi bắt chuyển tiền" (or --jsonl with stdin)')
    text = _utf8_argument(text)
    asker = _Asker(_settings(level="WARNING"))
    try:
        if jsonl:
            for number, line in _stdin_lines():
                _jsonl_out(number, line, asker.record)
            return
        record = asker.record(text)
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2) if as_json else record["answer"])
    finally:
        asker.close()


@faq_app.command("eval")
def faq_eval(
    file: Annotated[Path, typer.Argument(help="question<TAB>topics lines, like ../shared/eval/faq-sample.tsv")],
    misses: Annotated[bool, typer.Option("--misses", help="Also list every line the matcher got wrong.")] = False,
) -> None:
    """Score the matcher: topic accuracy, refusals, latency."""
    from bot.faq.evaluate import evaluate, read_cases

    library = _library(_settings(level="WARNING"))
    try:
        cases = read_cases(file, set(library.content.taxonomy))
    except OSError as error:  # missing, a folder, no permission: one line, like any input problem
        raise SettingsError(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise SettingsError(f"{file} is not UTF-8 text (byte {error.start}): save it as UTF-8") from None
    from handlers import build_router

    report = evaluate(library.matcher_for(library.default_language), cases, build_router().answers_without_faq)
    typer.echo(report.summary())
    if misses:
        for question, expected, got in report.misses:
            typer.echo(f"MISS expected={expected} got={got}\t{question}")


@faq_app.command("gaps")
def faq_gaps(
    limit: Annotated[int, typer.Option(help="How many groups to show.")] = 30,
    days: Annotated[int, typer.Option(help="Only questions of the last DAYS days.")] = 30,
) -> None:
    """Questions the FAQ could not answer with confidence, grouped by similarity."""
    from datetime import timedelta

    from bot.clock import to_iso, utc_now
    from bot.faq.gaps import group

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        since = to_iso(utc_now() - timedelta(days=days))
        rows = storage.read_sync(lambda db: list(db.query("SELECT * FROM faq_gaps WHERE asked_at >= ?", [since])))
    groups = group(rows)
    typer.echo(f"{len(rows)} unanswered or uncertain questions in the last {days} days, {len(groups)} groups")
    for gap in groups[:limit]:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(gap.outcomes.items()))
        closest = max(gap.best_faq_ids, key=gap.best_faq_ids.get) if gap.best_faq_ids else "-"
        typer.echo(f"{gap.count:>4}  last {gap.last_asked[:10]}  ({outcomes}; closest {closest})  {gap.example}")


@content_app.command("check")
def content_check() -> None:
    """Validate every content file; exit 1 with one line per problem."""
    from bot.content_check import check

    findings = check(_library(_settings(level="WARNING")))
    for problem in findings.problems:
        typer.echo(problem, err=True)
    typer.echo(", ".join(f"{name}: {count}" for name, count in findings.counts.items()))
    if findings.problems:
        typer.echo(f"{len(findings.problems)} problems", err=True)
        raise typer.Exit(1)
    typer.echo("content ok")


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


@app.command("check")
def check_command(
    value: Annotated[str | None, typer.Argument(help="A phone number, link or bank account, as received.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of text.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Values on stdin, one per line; JSON lines out.")] = False,
) -> None:
    """What the bot knows about a number, link or account: kind, reports, risk and reasons."""
    import json

    from bot.checks import allow_list, check_value
    from bot.risk import BrandTable

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

    from bot import blocklist
    from bot.clock import utc_now

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
    area: Annotated[str | None, typer.Option(help="Only reports from this area.")] = None,
) -> None:
    """Reports for the authorities: one row per identifier, and one per report (a second sheet or file)."""
    from bot import exports, reports

    if format not in ("csv", "xlsx"):
        raise SettingsError(f"--format must be csv or xlsx, got {format[:20]!r}")
    if status is not None and status not in reports.STATUSES:
        raise SettingsError(f"--status must be one of {', '.join(reports.STATUSES)}")
    filters = exports.Filters(since=_day(since, "--since"), until=_day(until, "--until"), status=status, area=area)
    settings = _settings(level="WARNING")
    texts = _library(settings).content.texts(settings.default_language)
    with _database(settings) as storage:
        tables = storage.read_sync(lambda db: exports.collect(db, texts, filters))
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

    from bot.clock import utc_now
    from bot.reports import anonymise_older_than

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        count = storage.write_sync(lambda db: anonymise_older_than(db, utc_now() - timedelta(days=older_than)))
        storage.checkpoint_sync()  # no old copy of the erased numbers left in the WAL
    typer.echo(f"anonymised {count} reports older than {older_than} days")


def _parse_at(text: str | None):
    """--at "2026-11-25 08:30" (Vietnam time) or an ISO time with its offset."""
    from datetime import datetime

    from bot.clock import VIETNAM, utc_now

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise SettingsError(f"--at must look like 2026-11-25 08:30 (Vietnam time), got {text[:30]!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)
    if moment <= utc_now():
        raise SettingsError("--at is in the past")
    return moment


def _check_areas(library, codes: list[str]) -> None:
    unknown = [code for code in codes if library.areas.get(code) is None]
    if unknown:
        raise SettingsError(f"unknown area {unknown[0]!r}: see canhgiac areas list")


@broadcast_app.command("send")
def broadcast_send(
    text: Annotated[
        str | None, typer.Option("--text", help="A message in your own words (sent as plain text).")
    ] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="A campaign id from content/campaigns/.")] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="Target area code; repeat for more; none: all.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="When, e.g. '2026-11-25 08:30' (Vietnam time).")] = None,
) -> None:
    """Queue a broadcast; the running `canhgiac run` sends it (now, or at --at)."""
    from bot import broadcasts
    from bot.clock import utc_now

    if (text is None) == (campaign is None):
        raise SettingsError("give exactly one of --text or --campaign")
    if text is not None and not text.strip():
        raise SettingsError("--text is empty")
    settings = _settings(level="WARNING")
    library = _library(settings)
    if campaign is not None and library.campaigns.get(campaign) is None:
        raise SettingsError(f"unknown campaign {campaign!r}: see content/campaigns/")
    _check_areas(library, area or [])
    moment = _parse_at(at)
    with _database(settings) as storage:
        broadcast_id = storage.write_sync(
            lambda db: broadcasts.create(
                db, created_by="cli", now=utc_now(), at=moment, campaign_id=campaign,
                text=text.strip() if text else None, areas=area or [],
            )
        )  # fmt: skip
    typer.echo(f"broadcast {broadcast_id} queued" + (f" for {at}" if at else "") + "; `canhgiac run` sends it")


@broadcast_app.command("list")
def broadcast_list(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20) -> None:
    """Recent broadcasts: id, kind, status, when, recipients, what."""
    from bot import broadcasts

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        rows = storage.read_sync(lambda db: broadcasts.recent(db, limit))
    for b in rows:
        what = b.campaign_id or (b.text or "")[:40] or f"weekly {b.iso_week}"
        where = ",".join(b.areas) or "all"
        when = broadcasts.local_time(b.scheduled_for)
        typer.echo(f"{b.id:>5}  {b.kind:<7} {b.status:<10} {when}  {b.recipients:>6} recipients  {where}  {what}")


def _progress_line(state, status: str) -> str:
    width = 30
    filled = int(width * state.done / state.total) if state.total else width
    counts = ", ".join(f"{k} {v}" for k, v in sorted(state.counts.items()))
    resent = f", resent after a restart {state.resent}" if state.resent else ""
    bar = "#" * filled + "." * (width - filled)
    return f"[{bar}] {state.done}/{state.total} {status}: {counts or 'nothing yet'}{resent}"


@broadcast_app.command("status")
def broadcast_status(
    broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id (see broadcast list).")],
    watch: Annotated[bool, typer.Option(help="Keep a live progress bar while it is sending.")] = True,
) -> None:
    """Progress of a broadcast: delivered, blocked, failed, and how many may have arrived twice."""
    import time

    from bot import broadcasts

    settings = _settings(level="WARNING")
    live = watch and sys.stdout.isatty()
    with _database(settings) as storage:
        try:
            while True:
                broadcast = storage.read_sync(lambda db: broadcasts.get(db, broadcast_id))
                if broadcast is None:
                    raise SettingsError(f"no broadcast {broadcast_id}")
                state = storage.read_sync(lambda db: broadcasts.progress(db, broadcast_id))
                line = _progress_line(state, broadcast.status)
                if not live or broadcast.status not in ("sending", "scheduled"):
                    typer.echo(("\r" if live else "") + line)
                    return
                typer.echo("\r" + line, nl=False)
                time.sleep(0.5)
        except KeyboardInterrupt:
            typer.echo("")


@broadcast_app.command("cancel")
def broadcast_cancel(broadcast_id: Annotated[int, typer.Argument(help="The broadcast's id.")]) -> None:
    """Stop a broadcast: nothing more goes out (a message already in flight still arrives)."""
    from bot import broadcasts

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        cancelled = storage.write_sync(lambda db: broadcasts.cancel(db, broadcast_id))
    if not cancelled:
        raise SettingsError(f"broadcast {broadcast_id} is not scheduled or sending")
    typer.echo(f"broadcast {broadcast_id} cancelled")


@areas_app.command("list")
def areas_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False) -> None:
    """The areas of content/areas.yaml: code, name, parent."""
    import json

    library = _library(_settings(level="WARNING"))
    rows = [{"code": a.code, "name": a.name, "parent": a.parent} for a in library.areas]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for area in library.areas:
        depth = len(library.areas.lineage(area.code)) - 1
        typer.echo(f"{'  ' * depth}{area.code}  {area.name}")


@subscribers_app.command("list")
def subscribers_list(
    area: Annotated[str | None, typer.Option(help="Only this area and the areas inside it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
) -> None:
    """Who receives warnings: chat, channel, area, active (never a name or a phone number)."""
    import json

    from bot import subscriptions

    settings = _settings(level="WARNING")
    library = _library(settings)
    if area is not None:
        _check_areas(library, [area])
    codes = library.areas.within(area) if area else None
    with _database(settings) as storage:
        rows = storage.read_sync(lambda db: subscriptions.listing(db, codes))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['channel']}:{row['chat']}  {row['area']}  {'active' if row['active'] else 'stopped'}")
    typer.echo(f"{sum(r['active'] for r in rows)} active of {len(rows)}")


@app.command()
def poster(
    area: Annotated[str, typer.Argument(help="Area code (see canhgiac areas list).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write: .png or .pdf (A4).")],
    bot_username: Annotated[
        str | None, typer.Option("--bot", help="The bot's Telegram username; default TELEGRAM_BOT_USERNAME.")
    ] = None,
) -> None:
    """A printable A4 poster for an area, with a QR code that subscribes the phone to its warnings."""
    from bot.poster import PosterText, render_poster

    settings = _settings(level="WARNING")
    username = (bot_username or settings.telegram_bot_username or "").lstrip("@")
    if not username:
        raise SettingsError("give the bot's username: --bot canhgiac_bot (or set TELEGRAM_BOT_USERNAME)")
    library = _library(settings)
    _check_areas(library, [area])
    if output.suffix.lower() not in (".png", ".pdf"):
        raise SettingsError("the poster is written as .png or .pdf")
    t = library.content.texts(settings.default_language)
    text = PosterText(
        heading=t.label("poster.heading"),
        area_name=library.areas.get(area).name,
        warning=list(t.labels("poster.rules").values()),
        call_to_action=t.label("poster.call_to_action"),
        footer=t.label("poster.footer"),
    )
    url = f"https://t.me/{username}?start=dk-{area}"
    output.parent.mkdir(parents=True, exist_ok=True)
    render_poster(text, url, output)
    typer.echo(f"wrote {output} ({url})")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"canhgiac {__version__}")


def main() -> None:
    from bot.channels import ChannelStartError

    try:
        app()
    except (SettingsError, ContentError, SchemaTooNew, ChannelStartError) as error:
        print(f"canhgiac: {error}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except Exception:
        # Through the redacting log formatter: a traceback must not carry a token to the terminal.
        logging.getLogger("canhgiac").exception("unexpected error")
        sys.exit(1)
