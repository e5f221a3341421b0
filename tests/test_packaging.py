"""`pip install .` (a wheel, not an editable install) gives a working `canhgiac` anywhere."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tests.bot.cli.test_cli import shown

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_content_and_reference_data_and_runs_outside_the_checkout(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True, timeout=300,
    )  # fmt: skip
    [wheel] = (tmp_path / "dist").glob("canhgiac-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "bot/_content/vi/templates/welcome.html.j2",
        "bot/_content/vi/strings.yaml",
        "bot/_content/taxonomy.yaml",
        "bot/_data/hotlines.yaml",
        "bot/_data/banks.yaml",
        "bot/_content/areas.yaml",
        "bot/_content/campaigns/calendar.yaml",
        "bot/_fonts/DejaVuSans.ttf",
        "handlers/__init__.py",
    ):
        assert expected in names, expected
    assert not any(n.endswith(".db") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The wheel's dependencies come from the test environment's own site-packages (not the system's,
    # which `--system-site-packages` would give and which may hold nothing): a plain path line in a
    # .pth file appends it after the new venv's site-packages, so `bot` still resolves to the wheel.
    [new_site] = (venv / "lib").glob("python3*/site-packages")
    (new_site / "_test_env_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "PYTHONPATH"))}
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "from bot.core import paths; print(paths.content_dir())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(venv)
    chat = subprocess.run(
        [str(venv / "bin" / "canhgiac"), "chat"], cwd=elsewhere, env=env, input="7\n",
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert shown("welcome", name="") in chat.stdout and "5656" in chat.stdout
    assert (elsewhere / "data" / "canhgiac.db").exists()
