"""`canhgiac images eval DIR` through the Typer app in process, on a small set drawn by
tests/images/render.py (the same drawing as the full evaluation set, fewer pictures)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from bot.cli import app
from tests.images import render
from tests.images.pictures import needs_ocr


def test_a_small_set_is_measured(tmp_path):
    needs_ocr()
    assert render.main([str(tmp_path), "--texts", "8", "--codes", "6"]) == 0
    result = CliRunner().invoke(app, ["images", "eval", str(tmp_path), "--misses"])
    assert result.exit_code == 0, result.output
    figures = dict(re.findall(r"(recall|precision|agreement with the text pasted:|exactly:) ([\d.]+)%", result.output))
    assert set(figures) == {"recall", "precision", "agreement with the text pasted:", "exactly:"}
    assert float(figures["exactly:"]) == 100.0  # drawn codes, at sizes any phone camera resolves
    assert "pictures: 14 (8 screenshots, 6 QR codes)" in result.output


def test_a_folder_without_a_manifest_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(app, ["images", "eval", str(tmp_path)])
    assert result.exit_code != 0 and "manifest.tsv" in str(result.exception or result.output)
