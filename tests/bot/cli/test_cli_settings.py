"""Settings that look well-formed alone but cannot work, refused at start in one line (exit 2)."""

from tests.bot.cli.test_cli import canhgiac


def _one_line_exit_2(result, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    for word in words:
        assert word in result.stderr


def test_a_staff_or_police_area_that_does_not_exist_is_refused_at_start(tmp_path):
    env = {"CANHGIAC_STAFF_IDS": "22=x-02647|x-0264, zalo:abc=t-15"}
    _one_line_exit_2(canhgiac("chat", cwd=tmp_path, stdin="/hotline\n", env=env), "CANHGIAC_STAFF_IDS", "x-0264")
    env = {"CANHGIAC_POLICE_IDS": "11=t-99"}
    _one_line_exit_2(canhgiac("chat", cwd=tmp_path, stdin="/hotline\n", env=env), "CANHGIAC_POLICE_IDS", "t-99")
    # Current codes, and a code printed before 2025 (it leads to the unit it went into), start.
    env = {"CANHGIAC_STAFF_IDS": "22=x-02647|coc-leu", "CANHGIAC_POLICE_IDS": "11=t-15, 12"}
    result = canhgiac("chat", cwd=tmp_path, stdin="/hotline\n", env=env)
    assert result.returncode == 0, result.stderr


def test_an_answer_threshold_below_the_suggest_threshold_is_refused(tmp_path):
    env = {"CANHGIAC_FAQ_ANSWER_THRESHOLD": "20", "CANHGIAC_FAQ_SUGGEST_THRESHOLD": "30"}
    result = canhgiac("chat", cwd=tmp_path, stdin="/hotline\n", env=env)
    _one_line_exit_2(result, "CANHGIAC_FAQ_ANSWER_THRESHOLD", "CANHGIAC_FAQ_SUGGEST_THRESHOLD")
    equal = {"CANHGIAC_FAQ_ANSWER_THRESHOLD": "30", "CANHGIAC_FAQ_SUGGEST_THRESHOLD": "30"}
    assert canhgiac("faq", "gaps", cwd=tmp_path, env=equal).returncode == 0


def test_poster_refuses_a_name_telegram_cannot_give_a_bot(tmp_path):
    for name in ("bad name!", "canhgiac", "bot", "1canhgiac_bot", "a" * 30 + "bot"):
        result = canhgiac("poster", "x-02647", "-o", "p.png", "--bot", name, cwd=tmp_path)
        _one_line_exit_2(result, "--bot")
    setting = canhgiac("poster", "x-02647", "-o", "p.png", cwd=tmp_path, env={"TELEGRAM_BOT_USERNAME": "canhgiac"})
    _one_line_exit_2(setting, "TELEGRAM_BOT_USERNAME")
    assert not (tmp_path / "p.png").exists()
    result = canhgiac("poster", "x-02647", "-o", "p.png", "--bot", "@CanhGiac_Bot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
