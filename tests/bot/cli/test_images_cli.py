"""`canhgiac images eval DIR` through the Typer app in process, on a small set drawn by
tests/images/render.py (the same drawing as the full evaluation set, fewer pictures)."""

from __future__ import annotations

import json
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


def test_check_image_reads_a_qr_code_and_checks_its_account(tmp_path, monkeypatch):
    from bot.identifiers import vietqr
    from tests.images.pictures import qr_picture

    monkeypatch.setenv("CANHGIAC_DB_PATH", str(tmp_path / "bot.db"))
    picture = tmp_path / "qr.jpg"
    picture.write_bytes(qr_picture(vietqr.build("970436", "0123456789", "500000", "coc"), "poster"))
    result = CliRunner().invoke(app, ["check", "--image", str(picture), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "picture" and [c["kind"] for c in data["codes"]] == ["payment"]
    [account] = data["code_checks"]
    assert (account["kind"], account["normalized"]) == ("bank_account", "0123456789")


def test_check_image_refuses_what_is_not_a_picture(tmp_path):
    (tmp_path / "note.txt").write_text("not a picture")
    result = CliRunner().invoke(app, ["check", "--image", str(tmp_path / "note.txt")])
    assert result.exit_code != 0 and "not a picture" in str(result.exception)
