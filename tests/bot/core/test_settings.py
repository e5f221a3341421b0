from pathlib import Path

import pytest

from bot.core.settings import DEFAULT_DB_PATH, SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_defaults_need_no_environment():
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.db_path == DEFAULT_DB_PATH == Path("data/canhgiac.db")
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"


def test_reads_environment_variables(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CANHGIAC_DB", "/tmp/x/bot.db")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot/")
    settings = load_settings()
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.db_path == Path("/tmp/x/bot.db")
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram_file_base_url == "http://127.0.0.1:8081/file/bot"


def test_reads_dotenv_file_in_current_folder(tmp_path):
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nCANHGIAC_CONVERSATION_IDLE_MINUTES=15\n")
    settings = load_settings()
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.conversation_idle_minutes == 15


def test_blank_token_counts_as_unset(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    assert load_settings().telegram_bot_token is None


def test_malformed_value_names_the_variable_in_one_line(monkeypatch):
    monkeypatch.setenv("CANHGIAC_CONVERSATION_IDLE_MINUTES", "abc")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "CANHGIAC_CONVERSATION_IDLE_MINUTES" in message and "'abc'" in message
    assert "\n" not in message


def test_bad_token_is_reported_without_its_value(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-real-token-secret-value")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value)
    assert "not-a-real-token-secret-value" not in str(caught.value)


def test_police_hotlines_from_label_number_pairs(monkeypatch):
    monkeypatch.setenv("CANHGIAC_POLICE_HOTLINES", "Công an phường Cốc Lếu=0214 3820 113; Công an tỉnh=069.2xx.xxx")
    with pytest.raises(SettingsError, match="CANHGIAC_POLICE_HOTLINES"):
        load_settings()
    monkeypatch.setenv(
        "CANHGIAC_POLICE_HOTLINES", "Công an phường Cốc Lếu=0214 3820 113; Công an tỉnh=+84 214 3840 000"
    )
    hotlines = load_settings().police_hotlines
    assert [(h.label, h.number) for h in hotlines] == [
        ("Công an phường Cốc Lếu", "0214 3820 113"),
        ("Công an tỉnh", "+84 214 3840 000"),
    ]


def test_secrets_lists_every_configured_secret(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_header-value")
    assert set(load_settings().secrets()) == {TOKEN, "s3cret_header-value"}


def test_allowlist_of_numbers_domains_and_accounts(monkeypatch):
    assert load_settings().allowlist == []
    monkeypatch.setenv("CANHGIAC_ALLOWLIST", " 0214 3820 113, congan.laocai.gov.vn ;stk 1027845566 MB,, ")
    assert load_settings().allowlist == ["0214 3820 113", "congan.laocai.gov.vn", "stk 1027845566 MB"]


def test_an_allowlist_entry_that_is_not_an_identifier_is_one_clear_line(monkeypatch):
    """Settings keep the entries as typed (they import no identifier parser); the check reads them
    and refuses one that is no number, link or account. Every command does so at start
    (tests/bot/cli/test_checks_cli.py)."""
    from bot.checking.verdict import allow_list

    monkeypatch.setenv("CANHGIAC_ALLOWLIST", "113, công an tỉnh")
    settings = load_settings()
    assert settings.allowlist == ["113", "công an tỉnh"]
    with pytest.raises(SettingsError) as caught:
        allow_list(settings)
    message = str(caught.value)
    assert message.startswith("invalid setting CANHGIAC_ALLOWLIST:") and "'công an tỉnh'" in message
    assert "\n" not in message


def test_whitespace_around_any_setting_is_dropped(monkeypatch, tmp_path):
    """A pasted token with a newline or spaces must work, and be masked in logs as it is used."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f"  {TOKEN}\n")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "\thook_secret-123 ")
    monkeypatch.setenv("ZALO_BOT_TOKEN", " 3141592653:zaLoBoTtOkEn\r\n")
    monkeypatch.setenv("ZALO_WEBHOOK_SECRET", " s3cret-for-zalo ")
    monkeypatch.setenv("CANHGIAC_POLICE_CHAT_ID", " -100200 ")
    monkeypatch.setenv("CANHGIAC_LOG_LEVEL", " debug\n")
    monkeypatch.setenv("CANHGIAC_LOCALITY", "  phường Cốc Lếu ")
    settings = load_settings()
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.secrets() == [TOKEN, "hook_secret-123", "3141592653:zaLoBoTtOkEn", "s3cret-for-zalo"]
    assert settings.police_chat_id == "-100200" and settings.log_level == "debug"
    assert settings.locality_name == "phường Cốc Lếu"


def test_zalo_bot_link_is_an_https_url_taken_as_configured(monkeypatch):
    assert load_settings().zalo_bot_link is None
    monkeypatch.setenv("CANHGIAC_ZALO_BOT_LINK", " https://zalo.me/2741837465902153847 ")
    assert load_settings().zalo_bot_link == "https://zalo.me/2741837465902153847"
    monkeypatch.setenv("CANHGIAC_ZALO_BOT_LINK", "  ")
    assert load_settings().zalo_bot_link is None


@pytest.mark.parametrize("link", ["http://zalo.me/123", "zalo.me/123", "https://", "https://zalo me/1", "ftp://x.vn"])
def test_a_zalo_bot_link_that_is_not_an_https_url_is_one_line(monkeypatch, link):
    monkeypatch.setenv("CANHGIAC_ZALO_BOT_LINK", link)
    with pytest.raises(SettingsError, match="CANHGIAC_ZALO_BOT_LINK") as caught:
        load_settings()
    assert "\n" not in str(caught.value)
