"""The logging setup: secrets and phone numbers masked in every line, other libraries' DEBUG lines
(which carry whole updates and request bodies) never written, whatever the level."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest

from bot.core.logs import MASK, mask_phone_numbers, setup_logging

PHONES = [
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "0912-345-678",
    "091 234 5678",
    "+84 912 345 678",
    "+84912345678",
    "+84-912-345-678",
    "84912345678",
    "84 912 345 678",
    "(+84) 912 345 678",
    "0214 3820 113",
    "(0214) 3820 113",
    "02143820113",
    "01234567890",  # an old 11-digit mobile
    "+1 202 555 0123",
    "+44 20 7946 0958",
]

NOT_PHONES = [
    "2026-05-01T10:30:00+0700",
    "01/05/2026 10:30",
    "update=123456789",
    "update=845123456",  # a 9-digit Telegram update id that starts with 84
    "user=8412345678",  # 10 digits from 84 are no Vietnamese number
    "chat=-1001234567890",
    "latency_ms=12.3",
    "latency=0.912345678",
    "message_id=00000000000000000012",
    "BC-20260501-0001",
    "113",
    "1800 1567",
    "date=1715000000000",
    "at 0x7f3a12345678",
    "size=104857600",
    "amount=3000000",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked_in_any_common_writing(phone):
    line = f"x text=Số {phone} gọi tôi, rồi {phone}."
    masked = mask_phone_numbers(line)
    assert phone not in masked and masked.count(MASK) == 2, masked


@pytest.mark.parametrize("text", NOT_PHONES)
def test_timestamps_ids_and_figures_are_kept(text):
    assert mask_phone_numbers(text) == text


@pytest.fixture
def captured():
    stream = io.StringIO()
    yield stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for name in ("telegram", "httpx", "httpcore", "tornado", "canhgiac"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_other_libraries_debug_lines_are_never_written(captured):
    setup_logging("DEBUG", [], stream=captured)
    # python-telegram-bot logs every request's parameters and every update at DEBUG.
    for name in (
        "telegram.Bot",
        "telegram.ext.ExtBot",
        "telegram.ext.Application",
        "httpcore.http11",
        "tornado.general",
    ):
        logging.getLogger(name).debug("payload of %s: Nhắn bảo tài khoản bị khóa", name)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # even when someone lowers a level later
    logging.getLogger("httpx").debug("payload: Nhắn bảo tài khoản bị khóa")
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("canhgiac.router").debug("our own debug line")
    logged = captured.getvalue()
    assert "tài khoản bị khóa" not in logged
    assert "Application started" in logged and "our own debug line" in logged


def test_a_higher_level_still_holds_for_other_libraries(captured):
    setup_logging("WARNING", [], stream=captured)
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("canhgiac.router").info("update channel=telegram")
    assert captured.getvalue() == ""


def test_secrets_are_masked_even_when_given_with_whitespace(captured):
    token = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    setup_logging("DEBUG", [f"  {token}\n"], stream=captured)
    log = logging.getLogger("canhgiac.telegram")
    log.info("GET https://api.telegram.org/bot%s/getMe", token)
    log.info("url-encoded https://api.telegram.org/bot%s/getMe", token.replace(":", "%3A"))
    try:
        raise RuntimeError(f"failed with {token}")
    except RuntimeError:
        log.exception("update failed")
    logged = captured.getvalue()
    assert token.split(":")[1] not in logged and "update failed" in logged


def test_phone_numbers_are_masked_in_tracebacks_too(captured):
    setup_logging("INFO", [], stream=captured)
    try:
        raise ValueError("could not read 0987 654 321")
    except ValueError:
        logging.getLogger("canhgiac.router").exception("handler failed")
    logged = captured.getvalue()
    assert "handler failed" in logged and "ValueError" in logged and "654 321" not in logged


def _fresh_python(code: str) -> str:
    """`code` in a new interpreter: what importing a module does cannot hide behind this process's imports."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_bot_changes_no_logger():
    """Importing a module has no global effect: the logging setup is where filters are installed."""
    out = _fresh_python(
        "import logging, bot.core.settings, bot.channels.zalo, bot.channels.telegram\n"
        "print([n for n in ('', 'httpx', 'httpcore', 'telegram') if logging.getLogger(n).filters])"
    )
    assert out.strip() == "[]"


def test_the_logging_setup_masks_bot_tokens_in_request_urls():
    """httpx logs each request's URL; the Bot APIs put the token in the path (/bot<token>/getMe).
    The setup masks it even when the token is not one of the configured secrets."""
    out = _fresh_python(
        "import io, logging\n"
        "from bot.core.logs import setup_logging\n"
        "stream = io.StringIO()\n"
        "setup_logging('INFO', [], stream=stream)\n"
        "logging.getLogger('httpx').warning('POST https://api.example/bot123456:AbCdEfGhIjKlMnOpQrSt/getMe')\n"
        "print(stream.getvalue())"
    )
    assert "/bot***/getMe" in out and "AbCdEfGhIjKlMnOpQrSt" not in out
