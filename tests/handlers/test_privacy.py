async def test_privacy_says_what_is_kept(chat):
    await chat.send("/baomat")
    assert "Nghị định 13/2023/NĐ-CP" in chat.text and "/xoadulieu" in chat.text and "60 phút" in chat.text


async def _rows(services, chat):
    def count(db):
        where = "channel = ? AND chat_id = ?"
        return sum(
            db.execute(f"SELECT count(*) FROM {t} WHERE {where}", [chat.channel, chat.chat_id]).fetchone()[0]
            for t in ("chats", "conversations")
        )

    return await services.storage.read(count)


async def test_erasure_after_confirming_with_a_button(chat, services):
    await chat.send("/start")
    await chat.send("/xoadulieu")
    assert chat.choice_values == ["forget:yes", "forget:no"]
    assert await _rows(services, chat) == 2
    await chat.press("forget:yes")
    assert "Đã xóa dữ liệu" in chat.text
    assert await _rows(services, chat) == 0


async def test_erasure_by_typed_answer_without_accents(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("co")
    assert "Đã xóa dữ liệu" in chat.text


async def test_saying_no_keeps_everything(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("Không")
    assert "không xóa gì" in chat.text
    assert await _rows(services, chat) == 1  # the chat row remains, the flow is over
    assert await services.conversations.get(chat.key) is None


async def test_unclear_answer_asks_again(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("để tôi nghĩ đã")
    assert "Có, xóa hết" in chat.text and chat.choice_values == ["forget:yes", "forget:no"]
    assert (await services.conversations.get(chat.key)).flow == "forget"


async def test_old_confirm_button_does_nothing_once_the_flow_is_over(chat, services):
    await chat.send("/start")
    await chat.send("/xoadulieu")
    await chat.send("/huy")
    await chat.press("forget:yes")
    assert "Nút này đã cũ" in chat.text
    assert await _rows(services, chat) == 1


async def test_confirmation_expires_when_idle(chat, services, clock):
    await chat.send("/xoadulieu")
    clock.advance(hours=2)
    await chat.send("có")
    assert "Đã xóa" not in chat.text


async def test_erasure_keeps_reports_anonymised_and_stops_their_notices(chat, services):
    from bot import outbox
    from tests.handlers.test_report import walk_to_consent

    await walk_to_consent(chat)
    await chat.press("report:consent:contact")
    await chat.send("0987 654 321")  # typed instead of the contact button
    await chat.press("report:confirm")
    await services.storage.write(
        lambda db: outbox.enqueue(db, "test", chat.chat_id, "tin", "report_status", services.clock())
    )
    await chat.send("/xoadulieu")
    await chat.press("forget:yes")
    [report] = await services.storage.read(lambda db: list(db["reports"].rows))
    assert report["chat_id"] is None and report["contact_phone"] is None and report["reporter"]
    assert await services.storage.read(lambda db: outbox.pending(db, ["test"])) == []
    assert await services.storage.read(lambda db: db["reporters"].count) == 0
