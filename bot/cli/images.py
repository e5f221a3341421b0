"""`canhgiac images eval DIR`: reading pictures (screenshots and QR codes), measured."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _settings, images_app
from bot.core.settings import SettingsError


@images_app.command("eval")
def images_eval(
    folder: Annotated[Path, typer.Argument(help="A folder made by tests/images/render.py (pictures + manifest.tsv).")],
    misses: Annotated[bool, typer.Option("--misses", help="Also list every picture read wrong.")] = False,
) -> None:
    """Identifier recall and precision, verdict agreement with the text pasted, QR decode rate and
    time per picture, on the pictures of FOLDER."""
    from bot.checking.message_tune import empty_database
    from bot.cli.knowledge import _message_judge, _shipped_corpus
    from bot.images import ocr
    from bot.images.evaluate import evaluate

    _settings(level="WARNING")
    if not (folder / "manifest.tsv").is_file():
        raise SettingsError(
            f"{folder}/manifest.tsv not found: make the set with `python tests/images/render.py {folder}`"
        )
    if not ocr.available():
        raise SettingsError("Tesseract with its Vietnamese model is not installed (apt install tesseract-ocr-vie)")
    judge, db = _message_judge(_shipped_corpus()), empty_database()
    report = evaluate(folder, lambda text: judge.judge(db, text).risk)
    typer.echo(report.summary())
    if misses:
        for line in report.misses:
            typer.echo(f"MISS {line}")
