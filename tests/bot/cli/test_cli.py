"""The command line as an operator meets it: real subprocesses, real files."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def shown(template: str, **values: object) -> str:
    """The first line of a reply as the terminal prints it, with default settings: assertions on
    subprocess output follow the content instead of copying its wording."""
    from bot.core import paths
    from bot.core.content import Content
    from bot.core.richtext import to_plain
    from bot.core.settings import Settings
    from bot.services import _template_globals

    texts = Content(paths.content_dir(), "vi", _template_globals(Settings(_env_file=None))).texts("vi")
    return to_plain(texts.render(template, **values)).splitlines()[0]


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
    assert shown("welcome", name="") in result.stdout and "5656" in result.stdout
    assert (tmp_path / "data" / "canhgiac.db").exists()


def test_chat_as_a_given_user_in_a_given_database(tmp_path):
    env = {"CANHGIAC_DB": str(tmp_path / "elsewhere" / "x.db")}
    result = canhgiac("chat", "--user", "77", "--name", "Tư", cwd=tmp_path, stdin="/baomat\n", env=env)
    assert result.returncode == 0, result.stderr
    assert shown("welcome", name="Tư") in result.stdout and "91/2025/QH15" in result.stdout
    info = canhgiac("db", "info", cwd=tmp_path, env=env)
    from bot.core.migrations import MIGRATIONS

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
    assert record["in_scope"] > 0.5
    assert not (tmp_path / "data").exists()  # asking stores nothing


def test_ask_json_refuses_a_question_that_is_not_ours(tmp_path):
    import json

    result = canhgiac("ask", "ai là tổng thống mỹ hiện nay", "--json", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert record["outcome"] == "fallback" and record["faq_id"] is None and record["in_scope"] < 0.5


def test_ask_jsonl_reads_questions_from_stdin(tmp_path):
    import json

    result = canhgiac("ask", "--jsonl", cwd=tmp_path, stdin="công an gọi bắt chuyển tiền\n\ngiá lúa hôm nay\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == ["công an gọi bắt chuyển tiền", "giá lúa hôm nay"]
    assert records[0]["topic"] == "fake-authority-call"
    assert records[1]["topic"] is None and records[1]["faq_id"] is None
    assert records[1]["answer"].startswith(shown("not_understood"))


def test_plain_ask_prints_what_the_chat_says(tmp_path, library):
    result = canhgiac("ask", "bị lừa chuyển tiền rồi phải làm gì ngay", cwd=tmp_path)
    entry = library.knowledge_for("vi").entry("reporting-help-first-steps-after-transfer")
    assert result.returncode == 0 and entry.question in result.stdout  # the answer to the right question


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

    from bot.core import paths

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


def _canhgiac_bytes(*args: str, cwd: Path, stdin: bytes, env: dict | None = None):
    """As `canhgiac`, with stdin as bytes; PYTHONIOENCODING=utf-8 reads stdin strictly, as a UTF-8 locale does."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    environment.update({"PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, input=stdin, capture_output=True, env=environment, timeout=120
    )


MIXED_LINES = "công an gọi bắt chuyển tiền\n".encode() + b"\xff\xfe h\xe1i\n\n" + b"0912 345 678\n\xed\xa0\x80\n"


def test_ask_jsonl_answers_every_line_and_marks_the_invalid_utf8_ones(tmp_path):
    import json

    result = _canhgiac_bytes("ask", "--jsonl", cwd=tmp_path, stdin=MIXED_LINES)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]  # valid UTF-8 out
    assert records[0]["topic"] == "fake-authority-call"
    assert records[1] == {"line": 2, "error": "invalid_utf8"}
    assert records[2]["question"] == "0912 345 678"
    assert records[3] == {"line": 5, "error": "invalid_utf8"}  # an encoded surrogate is not UTF-8 either
    assert len(records) == 4  # the blank line 3 is skipped, as before


def test_check_jsonl_answers_every_line_and_marks_the_invalid_utf8_ones(tmp_path):
    import json

    result = _canhgiac_bytes("check", "--jsonl", cwd=tmp_path, stdin=b"\xef\xbb\xbf0912345678\r\n\xc3\n113\n")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    rows = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert rows[0]["normalized"] == "+84912345678"  # a byte-order mark and CRLF are not part of the value
    assert rows[1] == {"line": 2, "error": "invalid_utf8"}
    assert rows[2]["kind"] == "phone" and len(rows) == 3


def test_an_argument_that_is_not_utf8_is_one_line(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    environment["PYTHONPATH"] = str(REPO)
    for args in ([b"check", b"vcb-xacthuc.com/\xff"], [b"ask", b"http://a.b/\xfe"]):
        result = subprocess.run(
            [sys.executable.encode(), b"-m", b"bot", *args], cwd=tmp_path, capture_output=True, text=True,
            env=environment, timeout=60,
        )  # fmt: skip
        _one_line_exit_2(result, "not UTF-8")


def _one_line_exit_2(result, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_database_path_that_cannot_be_a_database_is_one_line_for_every_command(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Ghi chú: đây không phải cơ sở dữ liệu.\n" * 20, "utf-8")
    loop = tmp_path / "loop.db"
    loop.symlink_to(loop)  # cannot be opened, even by root
    under_a_file = text_file / "x.db"
    for path, word in [(folder, "folder"), (text_file, "not an SQLite database"), (loop, "cannot open"),
                       (under_a_file, "cannot open")]:  # fmt: skip
        _one_line_exit_2(canhgiac("db", "info", cwd=tmp_path, env={"CANHGIAC_DB": str(path)}), str(path), word)
    # One place opens the database for every command: the ones that build the whole bot too.
    env = {"CANHGIAC_DB": str(text_file), "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}  # fmt: skip
    for command in [("chat",), ("run",), ("check", "0912"), ("faq", "gaps"), ("reports", "export", "-o", "r.csv")]:
        _one_line_exit_2(canhgiac(*command, cwd=tmp_path, env=env), "CANHGIAC_DB", "not an SQLite database")
    assert text_file.read_text("utf-8").startswith("Ghi chú")  # not overwritten


def test_an_unreadable_database_file_is_one_line(tmp_path):
    if os.geteuid() == 0:
        import pytest

        pytest.skip("root reads a chmod 000 file; the symlink loop above covers an unopenable file")
    locked = tmp_path / "locked.db"
    assert canhgiac("db", "info", cwd=tmp_path, env={"CANHGIAC_DB": str(locked)}).returncode == 0
    locked.chmod(0)
    try:
        _one_line_exit_2(canhgiac("db", "info", cwd=tmp_path, env={"CANHGIAC_DB": str(locked)}), "CANHGIAC_DB")
    finally:
        locked.chmod(0o600)


def test_faq_eval_on_a_missing_or_unreadable_file_is_one_line(tmp_path):
    _one_line_exit_2(canhgiac("faq", "eval", str(tmp_path / "missing.tsv"), cwd=tmp_path), "missing.tsv")
    _one_line_exit_2(canhgiac("faq", "eval", str(tmp_path), cwd=tmp_path), str(tmp_path))
    legacy = tmp_path / "legacy.tsv"
    legacy.write_bytes(b"c\xe2u h\xf4\xec\tnone\n")  # saved in a legacy one-byte encoding
    _one_line_exit_2(canhgiac("faq", "eval", str(legacy), cwd=tmp_path), "legacy.tsv", "UTF-8")


def test_chat_answers_a_line_that_is_not_utf8_and_goes_on(tmp_path):
    result = _canhgiac_bytes("chat", cwd=tmp_path, stdin=b"\xff\xfe h\xe1i\n/hotline\n")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    out = result.stdout.decode()
    assert "113" in out and "5656" in out  # the line after the bad one was answered
    assert "Traceback" not in result.stderr.decode(errors="replace")
