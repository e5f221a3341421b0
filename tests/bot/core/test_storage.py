import asyncio
import sqlite3

import pytest

from bot.core.storage import Storage


@pytest.fixture
def storage(tmp_path):
    s = Storage(tmp_path / "sub" / "folder" / "bot.db")
    yield s
    s.close()


def test_creates_folder_and_uses_wal(storage):
    assert storage.path.exists()
    assert storage.read_sync(lambda db: db.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    assert storage.read_sync(lambda db: db.execute("PRAGMA busy_timeout").fetchone()[0]) >= 1000


async def test_a_returned_write_is_visible_to_another_connection(storage):
    await storage.write(lambda db: db.execute("INSERT INTO chats VALUES ('t', '1', 'vi', 'a', 'a')"))
    other = sqlite3.connect(storage.path)
    assert other.execute("SELECT count(*) FROM chats").fetchone()[0] == 1
    other.close()


async def test_a_failing_write_rolls_back_entirely(storage):
    def half(db):
        db.execute("INSERT INTO chats VALUES ('t', '1', 'vi', 'a', 'a')")
        raise ValueError("stop")

    with pytest.raises(ValueError):
        await storage.write(half)
    assert await storage.read(lambda db: db["chats"].count) == 0


async def test_concurrent_writes_are_serialised_without_loss(storage):
    async def add(i):
        await storage.write(lambda db: db.execute("INSERT INTO chats VALUES ('t', ?, 'vi', 'a', 'a')", [str(i)]))

    await asyncio.gather(*(add(i) for i in range(200)))
    assert await storage.read(lambda db: db["chats"].count) == 200


async def test_readers_cannot_write(storage):
    with pytest.raises(sqlite3.OperationalError):
        await storage.read(lambda db: db.execute("INSERT INTO chats VALUES ('t', '1', 'vi', 'a', 'a')"))


async def test_a_checkpoint_empties_the_wal_so_erased_bytes_leave_the_disk(storage):
    secret = "Trần Thị Mai +84987654321"
    await storage.write(lambda db: db.execute("INSERT INTO chats VALUES ('t', ?, 'vi', 'a', 'a')", [secret]))
    await storage.write(lambda db: db.execute("DELETE FROM chats"))
    await storage.read(lambda db: db["chats"].count)  # a reader connection is open, as in the bot
    await storage.checkpoint()
    wal = storage.path.with_name(storage.path.name + "-wal")
    on_disk = storage.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert secret.encode() not in on_disk and b"987654321" not in on_disk
    assert not wal.exists() or wal.stat().st_size == 0


def test_the_busy_timeout_is_a_parameter(tmp_path):
    quick = Storage(tmp_path / "quick.db", busy_timeout_ms=50)
    other = sqlite3.connect(quick.path)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            quick.write_sync(lambda db: db.execute("INSERT INTO chats VALUES ('t', '1', 'vi', 'a', 'a')"))
        other.rollback()
        quick.write_sync(lambda db: db.execute("INSERT INTO chats VALUES ('t', '1', 'vi', 'a', 'a')"))
    finally:
        other.close()
        quick.close()


def test_a_failed_commit_is_rolled_back_and_the_next_write_works(tmp_path):
    # A deferred foreign key is checked at COMMIT: a real commit failure, as a full disk gives one.
    storage = Storage(tmp_path / "c.db")
    try:
        setup = sqlite3.connect(tmp_path / "c.db")
        setup.executescript(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER"
            " REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"
        )
        setup.close()
        with pytest.raises(sqlite3.IntegrityError):
            storage.write_sync(lambda db: db.execute("INSERT INTO child (parent) VALUES (42)"))
        storage.write_sync(lambda db: db.execute("INSERT INTO parent (id) VALUES (42)"))
        assert storage.read_sync(lambda db: db.execute("SELECT count(*) FROM child").fetchone()[0]) == 0
        assert storage.read_sync(lambda db: db.execute("SELECT count(*) FROM parent").fetchone()[0]) == 1
    finally:
        storage.close()
