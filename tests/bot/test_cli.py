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


def test_ask_json_follows_the_contract(tmp_path):
    import json

    result = canhgiac("ask", "cho thue tai khoan ngan hang co bi phat k", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"question", "topic", "faq_id", "score", "answer"} <= set(record)
    assert record["topic"] == "bank-account-trade" and record["faq_id"].startswith("bank-account-trade-")
    assert 0 < record["score"] <= 100 and "❓" in record["answer"] and "<b>" not in record["answer"]
    assert not (tmp_path / "data").exists()  # asking stores nothing


def test_ask_jsonl_reads_questions_from_stdin(tmp_path):
    import json

    result = canhgiac("ask", "--jsonl", cwd=tmp_path, stdin="công an gọi bắt chuyển tiền\n\ngiá lúa hôm nay\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == ["công an gọi bắt chuyển tiền", "giá lúa hôm nay"]
    assert records[0]["topic"] == "fake-authority-call"
    assert records[1]["topic"] is None and records[1]["faq_id"] is None and "chưa trả lời được" in records[1]["answer"]


def test_plain_ask_prints_what_the_chat_says(tmp_path):
    result = canhgiac("ask", "bị lừa chuyển tiền rồi phải làm gì ngay", cwd=tmp_path)
    assert result.returncode == 0 and "ngân hàng" in result.stdout


def test_faq_eval_prints_the_figures(tmp_path):
    sample = tmp_path / "eval.tsv"
    sample.write_text("# comment\ncong an goi bat chuyen tien\tfake-authority-call\ngiá vàng hôm nay\tnone\n", "utf-8")
    result = canhgiac("faq", "eval", str(sample), "--misses", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    figures = ("top-1 topic accuracy (in scope): 100.0%", "out of scope correctly refused", "in scope wrongly refused")
    for figure in (*figures, "p50", "p99"):
        assert figure in result.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text("câu hỏi\tno-such-topic\n", "utf-8")
    result = canhgiac("faq", "eval", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and "no-such-topic" in result.stderr


def test_faq_gaps_groups_what_the_chat_could_not_answer(tmp_path):
    canhgiac("chat", cwd=tmp_path, stdin="giá lúa hôm nay\ngiá lúa hôm nay bao nhiêu\ncách nấu canh chua cá lóc\n")
    result = canhgiac("faq", "gaps", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("3 unanswered or uncertain questions") and "2 groups" in lines[0]
    assert lines[1].split()[0] == "2" and "giá lúa" in lines[1]


def test_content_check_passes_and_reports_problems_precisely(tmp_path):
    import shutil

    from bot import paths

    assert canhgiac("content", "check", cwd=tmp_path).stdout.strip().endswith("content ok")
    broken = tmp_path / "content"
    shutil.copytree(paths.content_dir(), broken)
    quiz = broken / "vi" / "quiz" / "job-scam.yaml"
    quiz.write_text(quiz.read_text("utf-8").replace("answer: 1", "answer: 7", 1), "utf-8")
    faq = broken / "vi" / "faq" / "bot-help.yaml"
    faq.write_text(faq.read_text("utf-8").replace("{{ hotlines.police }}", "{{ hotlines.police ", 1), "utf-8")
    result = canhgiac("content", "check", cwd=tmp_path, env={"CANHGIAC_CONTENT_DIR": str(broken)})
    assert result.returncode == 1
    assert "vi/quiz/job-scam.yaml" in result.stderr and "answer index 7 is out of range" in result.stderr
    assert "vi/faq/bot-help.yaml: bot-help-is-official: template error" in result.stderr
