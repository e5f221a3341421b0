import sqlite3


async def test_privacy_says_what_is_kept(chat):
    await chat.send("/baomat")
    assert chat.templates == ["privacy"] and chat.values_of("privacy")["idle_minutes"] == 60
    assert "91/2025/QH15" in chat.text and "/xoadulieu" in chat.text and " 60 " in chat.text


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
    assert chat.templates == ["forget_done"]
    assert await _rows(services, chat) == 0


async def test_erasure_by_typed_answer_without_accents(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("co")
    assert chat.templates == ["forget_done"]
    assert await _rows(services, chat) == 0


async def test_saying_no_keeps_everything(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("Không")
    assert chat.templates == ["forget_kept"]
    assert await _rows(services, chat) == 1  # the chat row remains, the flow is over
    assert await services.conversations.get(chat.key) is None


async def test_unclear_answer_asks_again(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("để tôi nghĩ đã")
    assert chat.templates == ["forget_reask"] and chat.choice_values == ["forget:yes", "forget:no"]
    assert (await services.conversations.get(chat.key)).flow == "forget"


async def test_old_confirm_button_does_nothing_once_the_flow_is_over(chat, services):
    await chat.send("/start")
    await chat.send("/xoadulieu")
    await chat.send("/huy")
    await chat.press("forget:yes")
    assert chat.templates == ["stale_choice"]
    assert await _rows(services, chat) == 1


async def test_confirmation_expires_when_idle(chat, services, clock):
    await chat.send("/xoadulieu")
    clock.advance(hours=2)
    await chat.send("có")
    assert "forget_done" not in chat.templates
    assert await _rows(services, chat) >= 1  # the chat row is still there


async def test_erasure_keeps_reports_anonymised_and_stops_their_notices(chat, services):
    from bot.core import outbox
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


# --- erasure leaves nothing readable on disk ---

MAI = "Trần Thị Mai"
NUMBER_FORMS = (b"987654321", b"987 654 321", b"987.654.321")  # every stored form (+84…, 84…, 0…) holds these


def _disk_bytes(path) -> bytes:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def _absent(data: bytes) -> list[str]:
    found = [form.decode() for form in NUMBER_FORMS if form in data]
    return found + ([MAI] if MAI.encode() in data else [])


async def test_erasure_leaves_the_number_and_name_nowhere_on_disk(chat, services):
    from tests.handlers.test_report import walk_to_consent

    await walk_to_consent(chat)
    await chat.press("report:consent:contact")
    await chat.send("0987 654 321")
    await chat.press("report:confirm")
    # A second report left half-way: its draft holds the name and the number.
    await chat.send("/baocao")
    await chat.press("report:what:call")
    await chat.send("0912 111 222")
    await chat.press("report:via:phone_call")
    await chat.press("report:claimed:unknown")
    await chat.press("report:happened:today")
    await chat.press("report:amount:0")
    await chat.send(f"Tôi là {MAI}, số tôi 0987.654.321, họ gọi bảo tôi chuyển tiền")
    assert _absent(_disk_bytes(services.storage.path))  # the test can see them before erasure
    await chat.send("/xoadulieu")
    await chat.press("forget:yes")
    assert chat.templates == ["forget_done"]
    assert _absent(_disk_bytes(services.storage.path)) == []


def test_privacy_purge_leaves_the_number_nowhere_on_disk(tmp_path):
    from datetime import timedelta

    from bot.core.clock import utc_now
    from bot.core.messages import ChatKey
    from bot.core.storage import Storage
    from bot.identifiers import parse_identifier
    from bot.reporting import reports
    from tests.bot.cli.test_cli import canhgiac

    path = tmp_path / "data" / "canhgiac.db"
    storage = Storage(path)
    draft = reports.Draft(identifier=parse_identifier("0912345678"), what="call", via="phone_call",
                          claimed_topic=None, happened="today", description="gọi xưng công an",
                          contact_consent=True, updates_consent=True, contact_phone="+84987654321")  # fmt: skip
    try:
        storage.write_sync(
            lambda db: reports.file(db, draft, ChatKey("telegram", "42"), utc_now() - timedelta(days=100))
        )
    finally:
        storage.close()
    assert b"987654321" in _disk_bytes(path)
    # The bot keeps the database open while an operator purges (reading the files is done before
    # it connects: closing any file of the database drops this process's SQLite locks on it).
    running_bot = sqlite3.connect(path)
    try:
        running_bot.execute("SELECT count(*) FROM reports").fetchone()
        result = canhgiac("privacy", "purge", "--older-than", "90", cwd=tmp_path)
        assert result.returncode == 0 and "anonymised 1 reports" in result.stdout
        assert b"987654321" not in _disk_bytes(path)
    finally:
        running_bot.close()


async def test_privacy_lists_everything_erasure_forgets(chat, services):
    """/baomat's list is `bot.privacy.HELD`, the same list erasure runs: it cannot miss a kind."""
    from bot import privacy

    await chat.send("/baomat")
    held = chat.values_of("privacy")["held"]
    assert [h["name"] for h in held] == [name for name, _ in privacy.HELD]
    assert all(h["text"] for h in held)
    assert tuple(forget for _, forget in privacy.HELD) == privacy.FORGETS
    assert chat.values_of("privacy")["subscription"] is None


async def test_privacy_shows_the_citizens_own_subscription(chat, services):
    await chat.press("sub:pick:x-02647")
    await chat.press("sub:topics")
    await chat.press("sub:topic:job-scam")
    await chat.send("/baomat")
    subscription = chat.values_of("privacy")["subscription"]
    assert subscription["area"] == services.library.areas.full_name("x-02647")
    # The topic's name as the chat shows it (strings.yaml; the shared taxonomy's may use jargon such as "online")
    assert subscription["topics"] == [services.content.texts("vi").labels("topics")["job-scam"]]


async def test_the_erasure_confirmation_names_what_goes_and_what_stays(chat):
    from bot import privacy

    await chat.send("/xoadulieu")
    values = chat.values_of("forget_confirm")
    goes, stays = [h["name"] for h in values["held"]], [k["name"] for k in values["kept"]]
    assert sorted(goes + stays) == sorted(name for name, _ in privacy.HELD)
    assert "subscription" in goes and stays == list(privacy.KEPT)  # the reports stay, anonymised
    assert all(k["text"] for k in values["kept"])
