import asyncio
import sqlite3

import pytest

from bot.storage import Storage


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
