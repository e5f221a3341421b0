import logging
import re
import sqlite3

import pytest

from bot.core.messages import Incoming, Reply
from bot.routing.router import Router, command_of
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


async def test_handler_failure_is_answered_and_logged_without_content(services, caplog, rendered):
    router = build_router()

    async def explode(m, s):
        raise RuntimeError("handler bug")

    router.command(explode, "explode")
    with caplog.at_level(logging.INFO, logger="canhgiac.router"):
        replies = await router.handle(msg("/explode bí mật 0912345678"), services)
    assert rendered == ["failure"] and replies[0].choices
    assert replies[0].text == services.content.texts("vi").render("failure")
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


async def test_stored_language_picks_the_content(router, services, tmp_path, rendered):
    await router.handle(msg("hi"), services)
    await services.storage.write(lambda db: db.execute("UPDATE chats SET language = 'xx'"))
    before = len(rendered)
    replies: list[Reply] = await router.handle(msg("/help"), services)
    assert rendered[before:] == ["help"]
    # An unknown language falls back to Vietnamese.
    assert replies[0].text == services.content.texts("vi").render("help", roles=[])


# --- nothing acknowledged unless committed: a write that fails gets the "not saved" apology ---


@pytest.fixture
def quick_services(settings, clock, library):
    """Services whose writer gives up on a lock after 100 ms instead of 5 s."""
    from datetime import timedelta

    from bot.core.storage import Storage
    from bot.routing.conversations import Conversations
    from bot.services import Services

    storage = Storage(settings.db_path, busy_timeout_ms=100)
    idle = timedelta(minutes=settings.conversation_idle_minutes)
    svc = Services(settings, storage, library, Conversations(storage, clock, idle), clock)
    yield svc
    svc.close()


def turn(rendered, before: int) -> list[str]:
    """The templates rendered since `before` (the length of `rendered` when the turn began)."""
    return list(rendered[before:])


async def test_a_write_lock_past_the_busy_timeout_is_answered_with_the_not_saved_apology(
    router, quick_services, rendered
):
    not_saved = quick_services.content.texts("vi").render("not_saved")
    other = sqlite3.connect(quick_services.storage.path)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for longer than we wait
    try:
        sent = [msg("/start", update_id="1"), msg("0912345678 có lừa không", update_id="2"),
                msg("/baocao", update_id="3"), msg(choice="report:what:call", update_id="4")]  # fmt: skip
        answers = []
        for m in sent:
            before = len(rendered)
            answers.append((await router.handle(m, quick_services), turn(rendered, before)))
    finally:
        other.rollback()
        other.close()
    for replies, templates in answers:
        assert len(replies) == 1 and templates[-1] == "not_saved" and replies[0].text == not_saved
    # Nothing was claimed, so a redelivery of the same update is handled once the lock is gone.
    before = len(rendered)
    again = await router.handle(msg("/start", update_id="1"), quick_services)
    assert turn(rendered, before) == ["welcome"] and again[0].text != not_saved


async def test_a_handler_whose_write_fails_says_nothing_was_saved_not_done(services, rendered):
    router = build_router()

    async def save(m, s):
        def insert(db):
            raise sqlite3.OperationalError("database or disk is full")  # what SQLite says when the disk is full

        await s.storage.write(insert)
        return [Reply("✅ Đã lưu")]

    router.command(save, "luu")
    replies = await router.handle(msg("/luu"), services)
    assert rendered == ["not_saved"]  # the apology, and not the handler's "saved" reply
    assert len(replies) == 1 and replies[0].text == services.content.texts("vi").render("not_saved")


# Flows in groups (a flow per member): tests/handlers/test_groups.py.


async def test_owed_codes_come_from_what_the_router_is_given(services):
    """The router knows no reports: the codes a chat is owed come from the `OwedCodes` it is built
    with (handlers.build_router gives it bot.reporting.reports); it tells them and marks them told."""

    class Owed:
        REF = re.compile(r"\bX-\d+\b")
        told: list[set[str]] = []

        def owed_refs(self, db, chat):
            return ["X-1", "X-2"]

        def mark_told(self, db, chat, refs):
            self.told.append(set(refs))
            return 1

    router = Router(owed=Owed())

    async def shows_one(m, s):
        return [Reply("Mã X-2 đã lưu.")]

    router.command(shows_one, "hi")
    replies = await router.handle(msg("/hi"), services)
    assert "X-1" in replies[0].text and "X-2" not in replies[0].text  # X-2 is shown by the reply itself
    await router.delivered(msg("/hi"), replies, services)
    assert Owed.told == [{"X-1", "X-2"}]
    bare = Router()  # owes nothing
    bare.command(shows_one, "hi")
    assert [r.text for r in await bare.handle(msg("/hi"), services)] == ["Mã X-2 đã lưu."]


async def test_button_data_its_spec_cannot_read_never_reaches_the_handler(services):
    from bot.routing.choices import Button

    router = build_router()
    pressed = []

    async def record(m, s):
        pressed.append(Button("probe", "action", "item").read(m.choice))
        return [Reply("ok")]

    router.choice(Button("probe", "action", "item"), record)
    await router.handle(msg(choice="probe:confirm:12"), services)
    await router.handle(msg(choice="probe:confirm:12:extra"), services)  # a crafted callback
    assert pressed == [{"action": "confirm", "item": "12"}]
