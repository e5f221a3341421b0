"""`canhgiac report deadlines` and `canhgiac report target` as an operator runs them: real
subprocesses on a real database file; bad values end with one line and exit code 2."""

from __future__ import annotations

from bot.activity import deadlines, targets
from bot.core.storage import Storage
from tests.bot.cli.test_cli import canhgiac


def _calendar(tmp_path):
    storage = Storage(tmp_path / "data" / "canhgiac.db")
    try:
        return storage.read_sync(deadlines.all_deadlines)
    finally:
        storage.close()


def test_deadlines_list_add_edit_off(tmp_path):
    listed = canhgiac("report", "deadlines", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 7 and len(_calendar(tmp_path)) == 7
    added = canhgiac("report", "deadlines", "add", "--date", "15/6", "--kind", "half", "--note", "6 tháng",
                     cwd=tmp_path)  # fmt: skip
    assert added.returncode == 0, added.stderr
    [half] = [d for d in _calendar(tmp_path) if d.kind == "half"]
    assert (half.day, half.month, half.year, half.note, half.active) == (15, 6, None, "6 tháng", True)
    moved = canhgiac("report", "deadlines", "edit", str(half.id), "--date", "10/7", "--year", "2027", cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    off = canhgiac("report", "deadlines", "off", str(half.id), cwd=tmp_path)
    assert off.returncode == 0 and "(off)" in off.stdout
    [again] = [d for d in _calendar(tmp_path) if d.id == half.id]
    assert (again.day, again.month, again.year, again.active) == (10, 7, 2027, False)


def test_bad_deadlines_are_one_line(tmp_path):
    assert canhgiac("report", "deadlines", "list", cwd=tmp_path).returncode == 0
    for args in (
        ("frob",),
        ("add",),
        ("add", "--date", "31/2"),
        ("add", "--date", "mai"),
        ("add", "--date", "1/1", "--kind", "party"),
        ("edit",),
        ("edit", "999", "--date", "1/1"),
        ("add", "--date", "1/1", "--area", "nowhere-at-all"),
    ):
        result = canhgiac("report", "deadlines", *args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr, args
    assert len(_calendar(tmp_path)) == 7  # nothing added by a refused command


def test_a_deadline_for_one_province(tmp_path):
    added = canhgiac("report", "deadlines", "add", "--date", "20/6", "--kind", "half", "--area", "t-15",
                     "--note", "6 tháng tỉnh", cwd=tmp_path)  # fmt: skip
    assert added.returncode == 0, added.stderr
    [mine] = [d for d in _calendar(tmp_path) if not d.preset]
    assert (mine.area_code, mine.day, mine.month) == ("t-15", 20, 6)
    assert "[t-15]" in added.stdout


def test_target_of_a_commune(tmp_path):
    done = canhgiac("report", "target", "x-02647", "--villages", "12", "--share", "80", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    storage = Storage(tmp_path / "data" / "canhgiac.db")
    try:
        assert storage.read_sync(lambda db: targets.get(db, "x-02647")) == targets.Target("x-02647", 12, 0.8)
    finally:
        storage.close()
    refused = [
        ("t-15", "--villages", "12", "--share", "80"),  # a province, not a commune
        ("x-02647", "--villages", "0", "--share", "80"),
        ("x-02647", "--villages", "12", "--share", "120"),
        ("zzz", "--villages", "1", "--share", "5"),
    ]
    for args in refused:
        result = canhgiac("report", "target", *args, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.strip().count("\n") == 0, args
