"""`canhgiac report periodic` as an operator meets it: bad input ends in one line, never a traceback;
an empty period still writes the report, which says nothing happened."""

from __future__ import annotations

import docx
import pytest

from tests.bot.cli.test_cli import canhgiac


@pytest.mark.parametrize(
    "args",
    [
        ("--period", "2099-Q1", "--area", "t-15"),  # not begun
        ("--period", "2026-Q5", "--area", "t-15"),  # no such quarter
        ("--period", "2026-12", "--area", "nowhere-at-all"),  # unknown area
        ("--from", "2026-12-10", "--to", "2026-12-01", "--area", "t-15"),  # reversed
        ("--period", "2026-12", "--from", "2026-12-01", "--to", "2026-12-02", "--area", "t-15"),  # both
        ("--area", "t-15"),  # no period
    ],
)
def test_bad_input_is_one_line(tmp_path, args):
    env = {"CANHGIAC_DB": str(tmp_path / "x.db")}
    result = canhgiac("report", "periodic", *args, "-o", str(tmp_path / "r.docx"), cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert not (tmp_path / "r.docx").exists()


def test_an_empty_period_writes_a_report_that_says_so(tmp_path):
    from bot.core import paths
    from bot.core.content import Content
    from bot.core.settings import Settings
    from bot.services import _template_globals

    env = {"CANHGIAC_DB": str(tmp_path / "x.db")}
    result = canhgiac("report", "periodic", "--period", "2025-03", "--area", "x-02647", "-o", "r.docx",
                      cwd=tmp_path, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.docx").exists() and (tmp_path / "r-phu-luc.xlsx").exists()
    t = Content(paths.content_dir(), "vi", _template_globals(Settings(_env_file=None))).texts("vi")
    assert t.label("periodic.nothing") in [p.text for p in docx.Document(tmp_path / "r.docx").paragraphs]
