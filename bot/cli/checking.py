"""`canhgiac check`, `canhgiac blocklist import` and `canhgiac messages gaps`: what the bot knows about a
number, link, account or message, and the messages it was unsure of."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import (
    _database,
    _jsonl_out,
    _library,
    _settings,
    _stdin_lines,
    _utf8_argument,
    app,
    blocklist_app,
    messages_app,
)
from bot.core.settings import SettingsError


@app.command("check")
def check_command(
    value: Annotated[
        str | None, typer.Argument(help="A phone number, link or bank account, or a whole message, as received.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of text.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Values or messages on stdin, one per line; JSON lines out.")
    ] = False,
    image: Annotated[
        Path | None, typer.Option("--image", help="A picture (screenshot, QR code): read it, then check what it holds.")
    ] = None,
) -> None:
    """What the bot knows about a number, link or account, or whether a message looks like a scam."""
    import json

    from bot.checking import BrandTable
    from bot.checking.inputs import check_input
    from bot.checking.verdict import allow_list

    if image is not None:
        _check_image(image, as_json)
        return
    if not jsonl and not value:
        raise SettingsError("give a value: canhgiac check 0912345678 (or --jsonl with values on stdin)")
    value = _utf8_argument(value)
    settings = _settings(level="WARNING")
    brands, allow, judge = BrandTable.load(), allow_list(settings), _LibraryJudge(settings)
    with _database(settings) as storage:
        if jsonl:

            def answer(line: str) -> dict:
                return storage.read_sync(lambda db: check_input(db, line, judge, brands, allow)).as_json()

            for number, line in _stdin_lines():
                _jsonl_out(number, line, answer)
            return
        data = storage.read_sync(lambda db: check_input(db, value, judge, brands, allow)).as_json()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif data["kind"] == "message":
        _echo_message(data)
    else:
        _echo_value(data, value)


def _check_image(path: Path, as_json: bool) -> None:
    """`check --image`: the picture read as the chat reads it (QR codes, then text), then the
    text's check and each code's account or link checked, as `check` shows them."""
    import json

    from bot.checking import BrandTable
    from bot.checking.inputs import check_input
    from bot.checking.verdict import allow_list, check
    from bot.images import NotAPicture, ocr, read_picture

    settings = _settings(level="WARNING")
    try:
        reading = read_picture(path.read_bytes(), ocr=ocr.available())
    except OSError as error:
        raise SettingsError(f"cannot read {path}: {error.strerror or error}") from None
    except NotAPicture:
        raise SettingsError(f"{path} is not a picture the bot opens (JPEG, PNG, WebP, GIF, BMP up to 10 MB)") from None
    brands, allow, judge = BrandTable.load(), allow_list(settings), _LibraryJudge(settings)
    identifiers = [c.payment.account for c in reading.codes if c.payment and c.payment.account]
    identifiers += [c.link for c in reading.codes if c.link]
    with _database(settings) as storage:
        text_check = (
            storage.read_sync(lambda db: check_input(db, reading.text, judge, brands, allow)).as_json()
            if reading.text.strip()
            else None
        )
        checks = storage.read_sync(lambda db: [check(db, i, brands, allow=allow).as_json() for i in identifiers])
    data = {
        "kind": "picture",
        "text_read": ocr.available(),
        "lines": list(reading.lines),
        "text": reading.text,
        "codes": [{"kind": c.kind, "text": c.text} for c in reading.codes],
        "text_check": text_check,
        "code_checks": checks,
        "seconds": round(reading.seconds, 3),
    }
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data["text_read"]:
        typer.echo("text: not read (Tesseract with its Vietnamese model is not installed)")
    for line in reading.text.splitlines():
        typer.echo(f"read: {json.dumps(line, ensure_ascii=False)}")
    for code in data["codes"]:
        typer.echo(f"qr {code['kind']}: {json.dumps(code['text'], ensure_ascii=False)}")
    if text_check is not None:
        _echo_message(text_check) if text_check["kind"] == "message" else _echo_value(text_check, reading.text)
    for result in checks:
        _echo_value(result, result["input"])


class _LibraryJudge:
    """The library's message judge, loaded for the first message: a value alone needs no model."""

    def __init__(self, settings) -> None:
        self._settings, self._judge = settings, None

    def judge(self, db, text: str, allow):
        if self._judge is None:
            self._judge = _library(self._settings).messages
        return self._judge.judge(db, text, allow)


def _echo_value(data: dict, value: str, indent: str = "") -> None:
    typer.echo(
        f"{indent}{data['kind']} {data['normalized'] or value}: risk {data['risk']}, {data['reports']} reporters"
    )
    for signal in data["signals"]:
        typer.echo(f"{indent}  {signal['level']:<6} {signal['code']}")


def _echo_message(data: dict) -> None:
    """A message's verdict as text; the quotes JSON-escaped, so the message's own characters
    (quotes, line breaks, control characters) cannot break or forge a line."""
    import json

    looks = f", looks like {data['topic']}" if data["topic"] else ""
    typer.echo(f"message: risk {data['risk']}{looks}")
    for flag in data["flags"]:
        typer.echo(f"  flag {flag['code']} {json.dumps(flag['quote'], ensure_ascii=False)}")
    for identifier in data["identifiers"]:
        _echo_value(identifier, identifier["input"], indent="  ")


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


@messages_app.command("gaps")
def messages_gaps(
    limit: Annotated[int, typer.Option(help="How many groups to show.")] = 30,
    days: Annotated[int, typer.Option(help="Only messages of the last DAYS days.")] = 30,
) -> None:
    """Messages the classifier was unsure of (masked), grouped by similarity: new tricks to learn."""
    import json
    from datetime import timedelta

    from bot.checking.message_gaps import group, recorded_since
    from bot.core.clock import to_iso, utc_now

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        since = to_iso(utc_now() - timedelta(days=days))
        rows = storage.read_sync(lambda db: recorded_since(db, since))
    groups = group(rows)
    typer.echo(f"{len(rows)} messages the classifier was unsure of in the last {days} days, {len(groups)} groups")
    for gap in groups[:limit]:
        risks = ", ".join(f"{risk} {count}" for risk, count in sorted(gap.risks.items()))
        topic = max(gap.topics, key=gap.topics.get) if gap.topics else "-"
        example = json.dumps(gap.example, ensure_ascii=False)  # one line, whatever the message holds
        typer.echo(f"{gap.count:>4}  last {gap.last_recorded[:10]}  ({risks}; looks like {topic})  {example}")
