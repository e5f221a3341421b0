import logging

import pytest

from bot.models import Incoming, Reply
from bot.router import Router, command_of
from handlers import build_router


def msg(text=None, **fields):
    return Incoming(channel="test", chat_id="5", user_id="5", text=text, **fields)


def test_command_parsing():
    assert command_of(msg("/start dk-hn-001")) == ("start", "dk-hn-001")
    assert command_of(msg("/Huy@canhgiac_bot")) == ("huy", "")
    assert command_of(msg("/")) is None and command_of(msg("hỏi /start")) is None


def test_a_phrase_cannot_go_to_two_handlers():
    router = Router()

    async def a(m, s):
        return []  # noqa: E704

    async def b(m, s):
        return []  # noqa: E704

    router.words(a, "hủy", "huỷ")  # the same key twice for one handler is fine
    with pytest.raises(ValueError, match="huy"):
        router.words(b, "Hủy!")


async def test_repeated_update_is_handled_once(router, services):
    first = await router.handle(msg("/start", update_id="900"), services)
    again = await router.handle(msg("/start", update_id="900"), services)
    assert first and again == []
    other_channel = await router.handle(
        Incoming(channel="zalo", chat_id="5", user_id="5", text="/start", update_id="900"), services
    )
    assert other_channel  # ids are per channel


async def test_handler_failure_is_answered_and_logged_without_content(services, caplog):
    router = build_router()

    async def explode(m, s):
        raise RuntimeError("handler bug")

    router.command(explode, "explode")
    with caplog.at_level(logging.INFO, logger="canhgiac.router"):
        replies = await router.handle(msg("/explode bí mật 0912345678"), services)
    assert "trục trặc" in replies[0].text and replies[0].choices
    assert "handler bug" in caplog.text and "outcome=error" in caplog.text
    assert "0912345678" not in caplog.text and "bí mật" not in caplog.text


async def test_one_log_line_per_update_with_handler_and_latency(router, services, caplog):
    with caplog.at_level(logging.INFO, logger="canhgiac.router"):
        await router.handle(msg("số của tôi là 0987654321, tên Nguyễn Văn A"), services)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("update ")]
    assert len(lines) == 1
    assert "channel=test" in lines[0] and "handler=handlers.check.inbox" in lines[0]
    assert "latency_ms=" in lines[0] and "0987654321" not in caplog.text and "Nguyễn" not in caplog.text


async def test_groups_get_answers_only_to_commands_and_buttons(router, services):
    assert await router.handle(msg("alo mọi người", is_group=True), services) == []
    assert await router.handle(msg("/hotline@canhgiac_bot", is_group=True), services)
    assert await router.handle(msg(choice="help", is_group=True), services)


async def test_new_chat_gets_the_default_language(router, services):
    await router.handle(msg("hi"), services)
    row = await services.storage.read(lambda db: db["chats"].get(("test", "5")))
    assert row["language"] == "vi"


async def test_stored_language_picks_the_content(router, services, tmp_path):
    await router.handle(msg("hi"), services)
    await services.storage.write(lambda db: db.execute("UPDATE chats SET language = 'xx'"))
    replies: list[Reply] = await router.handle(msg("/help"), services)
    assert "Cách dùng" in replies[0].text  # an unknown language falls back to Vietnamese
