"""One serving process per database: a lock file beside it that the OS releases with the process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.app.instance import AlreadyServing, lock_path, serving
from bot.core.settings import SettingsError
from tests.fakes.running_bot import TOKEN

REPO = Path(__file__).resolve().parents[3]


def test_a_second_holder_is_refused_with_one_line_naming_the_database_and_the_pid(tmp_path):
    db = tmp_path / "data" / "canhgiac.db"
    with serving(db):
        assert lock_path(db) == tmp_path / "data" / "canhgiac.db.lock"
        with pytest.raises(AlreadyServing) as refused, serving(db):
            pass
    message = str(refused.value)
    assert isinstance(refused.value, SettingsError)  # the CLI turns it into one line and exit 2
    assert message == f"another canhgiac run is serving {db} (pid {os.getpid()}); stop it first"
    assert "\n" not in message


def test_released_on_exit_and_another_path_to_the_same_file_is_the_same_lock(tmp_path, monkeypatch):
    db = tmp_path / "canhgiac.db"
    with serving(db):
        pass
    with serving(db):  # released: taken again
        monkeypatch.chdir(tmp_path)
        (tmp_path / "link").symlink_to(tmp_path)
        for other in (Path("canhgiac.db"), tmp_path / "link" / "canhgiac.db"):
            with pytest.raises(AlreadyServing), serving(other):
                pass


def test_a_process_killed_with_sigkill_leaves_nothing_locked(tmp_path):
    db = tmp_path / "canhgiac.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from bot.app.instance import serving
            with serving({str(db)!r}):
                print("held", flush=True)
                time.sleep(60)
        """)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyServing, match=f"pid {holder.pid}"), serving(db):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    finally:
        holder.kill()
        holder.wait(10)
    with serving(db):  # the stale file is still there, with the dead pid in it: no matter
        assert lock_path(db).read_text().strip() == str(os.getpid())


def test_a_folder_where_the_lock_cannot_be_made_is_one_line_too(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(SettingsError, match="cannot create the lock file") as error, serving(folder / "x.db"):
            pass
        assert "\n" not in str(error.value)
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("args", [["run"], []], ids=["canhgiac run", "canhgiac"])
def test_serving_commands_refuse_a_served_database_in_one_line_with_exit_2(tmp_path, args):
    db = tmp_path / "canhgiac.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    env.update(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=TOKEN, CANHGIAC_DB=str(db))
    with serving(db):
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"canhgiac: another canhgiac run is serving {db} (pid {os.getpid()}); stop it first"
    ]
    assert not db.exists()  # refused before opening anything
