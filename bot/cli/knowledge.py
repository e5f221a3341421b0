"""`canhgiac faq eval|gaps`, `canhgiac messages eval` and `canhgiac content check`: the FAQ, its
matcher, the model of scam messages and the content files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _database, _library, _settings, content_app, faq_app, messages_app
from bot.core.settings import SettingsError


@faq_app.command("eval")
def faq_eval(
    file: Annotated[Path, typer.Argument(help="question<TAB>topics lines, like ../shared/eval/faq-sample.tsv")],
    misses: Annotated[bool, typer.Option("--misses", help="Also list every line the matcher got wrong.")] = False,
) -> None:
    """Score the matcher: topic accuracy, refusals, latency."""
    from bot.knowledge.evaluate import evaluate, read_cases

    library = _library(_settings(level="WARNING"))
    try:
        cases = read_cases(file, set(library.content.taxonomy))
    except OSError as error:  # missing, a folder, no permission: one line, like any input problem
        raise SettingsError(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise SettingsError(f"{file} is not UTF-8 text (byte {error.start}): save it as UTF-8") from None
    from handlers import build_router

    router = build_router(library.content.phrases)
    report = evaluate(library.matcher_for(library.default_language), cases, router.answers_without_faq)
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

    from bot.core.clock import to_iso, utc_now
    from bot.knowledge.gaps import asked_since, group

    settings = _settings(level="WARNING")
    with _database(settings) as storage:
        since = to_iso(utc_now() - timedelta(days=days))
        rows = storage.read_sync(lambda db: asked_since(db, since))
    groups = group(rows)
    typer.echo(f"{len(rows)} unanswered or uncertain questions in the last {days} days, {len(groups)} groups")
    for gap in groups[:limit]:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(gap.outcomes.items()))
        closest = max(gap.best_faq_ids, key=gap.best_faq_ids.get) if gap.best_faq_ids else "-"
        typer.echo(f"{gap.count:>4}  last {gap.last_asked[:10]}  ({outcomes}; closest {closest})  {gap.example}")


@content_app.command("check")
def content_check() -> None:
    """Validate every content file; exit 1 with one line per problem."""
    from bot.app.content_check import check

    findings = check(_library(_settings(level="WARNING")))
    for problem in findings.problems:
        typer.echo(problem, err=True)
    typer.echo(", ".join(f"{name}: {count}" for name, count in findings.counts.items()))
    if findings.problems:
        typer.echo(f"{len(findings.problems)} problems", err=True)
        raise typer.Exit(1)
    typer.echo("content ok")


@messages_app.command("eval")
def messages_eval(
    file: Annotated[
        Path, typer.Argument(help="label<TAB>topic<TAB>style<TAB>text lines, like tests/eval/messages-eval.tsv")
    ],
    misses: Annotated[bool, typer.Option("--misses", help="Also list every message the model got wrong.")] = False,
) -> None:
    """Train the message model on content/messages/train and score it on FILE."""
    from bot.checking.message_eval import evaluate
    from bot.checking.message_model import CorpusError, MessageModel, read_corpus, read_messages
    from bot.core import paths

    try:
        cases = read_messages(file)
        model = MessageModel.train(read_corpus(paths.content_dir() / "messages" / "train"))
    except OSError as error:
        raise SettingsError(f"cannot read {file}: {error.strerror or error}") from None
    except (CorpusError, UnicodeDecodeError) as error:
        raise SettingsError(str(error)) from None
    report = evaluate(model, cases)
    typer.echo(report.summary())
    if misses:
        for why, message, score in report.misses:
            typer.echo(f"MISS {why} expected={message.topic} score={score:.2f}\t{message.text[:120]!r}")
