"""`canhgiac faq eval|gaps`, `canhgiac messages eval|tune|build`, `canhgiac models build` and
`canhgiac content check`: the FAQ, its matcher, the verdict on scam messages and its model, the
models' shipped weights, and the content files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _database, _library, _settings, content_app, faq_app, messages_app, models_app
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


@faq_app.command("tune")
def faq_tune(
    tuning: Annotated[
        list[Path], typer.Option(help="Tuning files the cut is chosen on, together (never the held-out one).")
    ] = [  # noqa: B006 - typer reads it
        Path("tests/eval/faq-eval.tsv"),
        Path("tests/eval/faq-dev.tsv"),
        Path("tests/eval/faq-dev-2.tsv"),
        Path("tests/eval/faq-dev-3.tsv"),
    ],
    max_in_scope_refused: Annotated[
        float,
        typer.Option(
            help="In-scope refusals allowed at the cut on the tuning files. Issue 14's target is at most 3% on "
            "questions never seen; a blind file showed about twice the tuning files' share (4.0% against 2.2%), "
            "so half the target."
        ),
    ] = 0.015,
    write: Annotated[bool, typer.Option("--write", help="Write content/<lang>/refusal.yaml.")] = False,
) -> None:
    """Learn the refusal model from the content (cross-fitted) and choose its cut on TUNING."""
    from bot.knowledge.evaluate import read_cases
    from bot.knowledge.matcher import FaqMatcher
    from bot.knowledge.refusal import FILE
    from bot.knowledge.refusal_tune import header, tune
    from handlers import build_router

    settings = _settings(level="WARNING")
    library = _library(settings)
    language = library.default_language
    knowledge = library.knowledge_for(language)
    cases = [case for path in tuning for case in read_cases(path, set(library.content.taxonomy))]

    def build(entries, out_of_scope, examples) -> FaqMatcher:
        return FaqMatcher(
            entries,
            answer_threshold=settings.faq_answer_threshold,
            suggest_threshold=settings.faq_suggest_threshold,
            keywords=knowledge.keywords,
            out_of_scope=out_of_scope,
            examples=examples,
        )

    router = build_router(library.content.phrases)
    tuned = tune(knowledge, build, cases, router.answers_without_faq, max_in_scope_refused)
    for cut, refused_out, refused_in in tuned.sweep[::5] + [r for r in tuned.sweep if r[0] == tuned.model.cut]:
        mark = "  <- chosen" if cut == tuned.model.cut else ""
        typer.echo(f"cut {cut:.2f}: out of scope refused {refused_out:.1%}, in scope refused {refused_in:.1%}{mark}")
    text = tuned.model.as_yaml(header(tuned, " and ".join(map(str, tuning)), knowledge))
    typer.echo(text)
    if write:
        path = library.content.root / language / FILE
        path.write_text(text, encoding="utf-8")
        typer.echo(f"written: {path}")


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
    misses: Annotated[bool, typer.Option("--misses", help="Also list every message the verdict got wrong.")] = False,
) -> None:
    """Train the message model on content/messages/train and score the whole verdict on FILE."""
    from bot.checking.message_eval import evaluate
    from bot.checking.message_model import read_messages
    from bot.checking.message_tune import empty_database

    _settings(level="WARNING")
    cases = _reading_corpus(lambda: read_messages(file), file)
    judge = _message_judge(_shipped_corpus())
    report = evaluate(judge, cases, empty_database())
    typer.echo(report.summary())
    if misses:
        for why, message, score in report.misses:
            typer.echo(f"MISS {why} expected={message.topic} score={score:.2f}\t{message.text[:120]!r}")


@messages_app.command("tune")
def messages_tune(
    corpus: Annotated[
        Path | None, typer.Option(help="A folder of *.tsv messages (default: content/messages/train).")
    ] = None,
    runner_ups: Annotated[int, typer.Option(help="How many other lines to show.")] = 5,
) -> None:
    """Choose the verdict's lines by 5-fold cross-validation on the training corpus (never the
    evaluation file): the highest scam recall with at most 2% false alarms on genuine messages."""
    from bot.checking.message_model import read_corpus
    from bot.checking.message_tune import FOLDS, MAX_FALSE_ALARMS, distinct_alarms, measure, out_of_fold_cases, search
    from bot.checking.message_verdict import LINES

    folder = corpus or _shipped_corpus()
    messages = _reading_corpus(lambda: read_corpus(folder), folder)
    from bot.checking import BrandTable
    from bot.checking.flags import RedFlagPhrases

    typer.echo(f"{len(messages)} messages from {folder}; {FOLDS}-fold cross-validation")
    cases = out_of_fold_cases(
        messages,
        RedFlagPhrases.load(),
        BrandTable.load(),
        progress=lambda fold: typer.echo(f"  fold {fold}/{FOLDS} judged"),
    )
    ranked = search(cases)
    typer.echo(f"now:     {_outcome_line(measure(cases, LINES))}")
    if not ranked:
        typer.echo(f"no lines of the grid keep false alarms within {MAX_FALSE_ALARMS:.0%}")
        raise typer.Exit(1)
    best, *others = distinct_alarms(ranked, runner_ups + 1)
    typer.echo(f"chosen:  {_outcome_line(best)}")
    for outcome in others:
        typer.echo(f"runner-up: {_outcome_line(outcome)}")
    # `high` changes no alarm, only its colour: show the trade it makes with the chosen alarms.
    typer.echo("high line with the chosen alarms (scam verdicts high / genuine messages high):")
    for outcome in sorted(ranked, key=lambda o: o.lines.high):
        if (outcome.lines.alarm, outcome.lines.flag_alarm) == (best.lines.alarm, best.lines.flag_alarm):
            typer.echo(f"  high={outcome.lines.high:.2f}: {outcome.high_share:.1%} / {outcome.genuine_high}")


def _outcome_line(outcome) -> str:
    lines = outcome.lines
    return (
        f"Lines(alarm={lines.alarm:.2f}, high={lines.high:.2f}, flag_alarm={lines.flag_alarm:.2f}, "
        f"unsure={lines.unsure:.2f}): recall {outcome.recall:.1%} ({outcome.caught}/{outcome.scams}), "
        f"words-only {outcome.words_only_recall:.1%} ({outcome.words_only_caught}/{outcome.words_only}), "
        f"false alarms {outcome.false_alarm_rate:.1%} ({outcome.false_alarms}/{outcome.genuine}, "
        f"{outcome.genuine_high} high), scam verdicts high {outcome.high_share:.1%}"
    )


@messages_app.command("build")
def messages_build(
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write it (default: CANHGIAC_MESSAGE_MODEL).")
    ] = None,
) -> None:
    """Train the message model and write the artefact the bot loads at start."""
    import time

    from bot.checking.message_model import MessageModel, corpus_digest, default_model_path, read_corpus, write_model
    from bot.core import paths
    from bot.services import message_corpus

    settings = _settings(level="WARNING")
    folder = message_corpus(settings.content_dir or paths.content_dir())  # the corpus the bot will load
    started = time.perf_counter()
    messages = _reading_corpus(lambda: read_corpus(folder), folder)
    digest = corpus_digest(folder)
    path = out or settings.message_model_path or default_model_path(digest)
    model = MessageModel.train(messages)
    try:
        size = write_model(model, digest, path)
    except OSError as error:
        raise SettingsError(f"cannot write {path}: {error.strerror or error}") from None
    typer.echo(f"trained from {folder} ({len(messages)} messages)")
    typer.echo(f"wrote {path}: {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    typer.echo(f"digest {digest}")


@models_app.command("build")
def models_build(
    out: Annotated[
        Path | None, typer.Option("--out", help="The folder to write to (default: data/models/, what the bot loads).")
    ] = None,
) -> None:
    """Fit the FAQ topic model of each language and the message model on the content in use, and
    write their weights (the bot loads them instead of fitting; `content check` says when stale)."""
    import time

    from bot.checking.message_model import ARTEFACT, MessageModel, corpus_digest, read_corpus, write_model
    from bot.core import paths
    from bot.knowledge import classifier
    from bot.services import message_corpus

    settings = _settings(level="WARNING")
    folder = out or paths.models_dir()
    started = time.perf_counter()
    try:
        with classifier.fitting_afresh():
            library = _library(settings)
            for language, matcher in library.matchers.items():
                path = folder / classifier.ARTEFACT.format(language)
                size = classifier.write_weights(matcher.classifier, path)
                typer.echo(f"wrote {path}: {size / 1e6:.1f} MB, digest {matcher.classifier.digest[:16]}")
        corpus = message_corpus(library.content.root)
        messages = _reading_corpus(lambda: read_corpus(corpus), corpus)
        digest = corpus_digest(corpus)
        path = folder / ARTEFACT
        size = write_model(MessageModel.train(messages), digest, path)
    except OSError as error:
        raise SettingsError(f"cannot write to {folder}: {error.strerror or error}") from None
    typer.echo(f"wrote {path}: {size / 1e6:.1f} MB, digest {digest[:16]} ({len(messages)} messages)")
    typer.echo(f"fitted in {time.perf_counter() - started:.1f} s")


def _shipped_corpus() -> Path:
    from bot.core import paths

    return paths.content_dir() / "messages" / "train"


def _reading_corpus(read, where: Path):
    """read(), with a file that cannot be read as the corpus said in one line."""
    from bot.checking.message_model import CorpusError

    try:
        return read()
    except OSError as error:
        raise SettingsError(f"cannot read {where}: {error.strerror or error}") from None
    except CorpusError as error:
        raise SettingsError(str(error)) from None
    except UnicodeDecodeError as error:
        raise SettingsError(f"{where} is not UTF-8 text (byte {error.start}): save it as UTF-8") from None


def _message_judge(corpus: Path):
    """The judge the chat uses (shipped phrases and brands, shipped lines), on a model trained from
    `corpus`."""
    from bot.checking import BrandTable
    from bot.checking.flags import RedFlagPhrases
    from bot.checking.message_model import MessageModel, read_corpus
    from bot.checking.message_verdict import MessageJudge

    model = MessageModel.train(_reading_corpus(lambda: read_corpus(corpus), corpus))
    return MessageJudge(model, RedFlagPhrases.load(), BrandTable.load())
