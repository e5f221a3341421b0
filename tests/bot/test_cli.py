"""The command line as an operator meets it: real subprocesses, real files."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def canhgiac(*args: str, cwd: Path, stdin: str = "", env: dict | None = None, timeout: float = 60):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, input=stdin, capture_output=True, text=True,
        env=environment, timeout=timeout,
    )  # fmt: skip


def test_run_without_a_token_says_what_to_do_in_one_line(tmp_path):
    result = canhgiac("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "canhgiac chat" in result.stderr


def test_malformed_setting_is_one_line_naming_the_variable(tmp_path):
    result = canhgiac("chat", cwd=tmp_path, env={"CANHGIAC_CONVERSATION_IDLE_MINUTES": "soon"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "CANHGIAC_CONVERSATION_IDLE_MINUTES" in result.stderr


def test_unreachable_bot_api_is_reported_without_the_token(tmp_path):
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    # Nothing listens on port 9: the Bot API cannot be reached.
    result = canhgiac(
        "run", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}
    )
    assert result.returncode == 2, result.stderr
    assert "TELEGRAM_API_BASE_URL" in result.stderr.splitlines()[-1]
    assert token not in result.stderr + result.stdout and token.split(":")[1] not in result.stderr


def test_no_command_and_no_token_opens_the_chat_with_a_database_under_data(tmp_path):
    result = canhgiac(cwd=tmp_path, stdin="7\n")
    assert result.returncode == 0, result.stderr
    assert "Chào bạn" in result.stdout and "5656" in result.stdout
    assert (tmp_path / "data" / "canhgiac.db").exists()


def test_chat_as_a_given_user_in_a_given_database(tmp_path):
    env = {"CANHGIAC_DB": str(tmp_path / "elsewhere" / "x.db")}
    result = canhgiac("chat", "--user", "77", "--name", "Tư", cwd=tmp_path, stdin="/baomat\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "Chào Tư" in result.stdout and "Nghị định 13/2023" in result.stdout
    info = canhgiac("db", "info", cwd=tmp_path, env=env)
    from bot.migrations import MIGRATIONS

    assert f"schema version: {MIGRATIONS[-1].version}" in info.stdout and "chats: 1" in info.stdout


def test_webhook_must_be_https(tmp_path):
    result = canhgiac("run", "--webhook", "http://bot.example.vn/tg", cwd=tmp_path)
    assert result.returncode == 2 and "https://" in result.stderr


def test_help_lists_the_commands(tmp_path):
    result = canhgiac("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "chat", "db", "version"):
        assert command in result.stdout


def test_version(tmp_path):
    result = canhgiac("version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("canhgiac 0.")
