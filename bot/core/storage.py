"""The SQLite database: one file, WAL mode, one writer thread, reads from a small thread pool.

Modelled on Datasette: every write runs on a single thread that owns the only write connection,
inside ``BEGIN IMMEDIATE`` … ``COMMIT``; async callers await it, so the event loop never blocks on
a lock and writes never interleave. Reads use per-thread connections and, thanks to WAL, see the
last committed state without waiting for the writer. A write that returns has been committed: the
bot acknowledges a citizen's data only after that.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from bot.core.lanes import Lane
from bot.core.migrations import migrate

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
# `BEGIN IMMEDIATE` tries again this many times when another process (a `canhgiac` command, an
# update process of `CANHGIAC_UPDATE_PROCESSES`) held the write lock past the busy timeout: nothing
# was done yet, so waiting longer is safe; a write fails only after all of them.
BEGIN_ATTEMPTS = 6
READ_THREADS = 2


def _connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, timeout=busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    # With WAL, NORMAL survives a crash of the process; only a power cut may lose the last commits.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class Storage:
    def __init__(self, path: Path | str, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Threads fed by a queue, cheaper per hand-over than an executor (`lanes.py`).
        self._writer = Lane("sqlite-writer")
        self._readers = Lane("sqlite-reader", READ_THREADS)
        self._local = threading.local()
        self._read_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_db = self._writer.call_sync(self._open_writer)

    def _open_writer(self) -> sqlite_utils.Database:
        conn = _connect(self.path, self.busy_timeout_ms)
        # Deleted and overwritten content is zeroed, not left in free space: erased personal data
        # must not stay readable in the file (the build default differs between platforms).
        conn.execute("PRAGMA secure_delete = ON")
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        migrate(db)
        return db

    def _read_db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = _connect(self.path, self.busy_timeout_ms)
            conn.execute("PRAGMA query_only = ON")
            with self._lock:
                self._read_conns.append(conn)
            db = self._local.db = sqlite_utils.Database(conn)
        return db

    def _in_transaction(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        db = self._write_db
        self._begin(db.conn)
        try:
            result = fn(db)
            # Inside the try: a failed COMMIT (a full disk, a deferred constraint) leaves the
            # transaction open, and every later write would then fail with "cannot start a
            # transaction within a transaction".
            db.conn.commit()
        except BaseException:
            db.conn.rollback()
            raise
        return result

    @staticmethod
    def _begin(conn: sqlite3.Connection) -> None:
        for attempt in range(1, BEGIN_ATTEMPTS + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if attempt == BEGIN_ATTEMPTS or "locked" not in str(error):
                    raise

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn(db)` in one committed transaction on the writer thread."""
        return await self._writer.call(lambda: self._in_transaction(fn))

    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn(db)` on a read-only connection."""
        return await self._readers.call(lambda: fn(self._read_db()))

    def write_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """The same as `write`, for the command line outside an event loop."""
        return self._writer.call_sync(lambda: self._in_transaction(fn))

    def read_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """The same as `read`, for the command line outside an event loop."""
        return self._readers.call_sync(lambda: fn(self._read_db()))

    def _checkpoint(self) -> bool:
        try:
            busy, _, _ = self._write_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:  # e.g. a full disk: what was committed stays committed
            return False
        return busy == 0

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it, so that rows just erased leave no old
        copy on disk (with secure_delete, the database file keeps none either). Never raises: False
        if a reader or an error kept it from completing; a later checkpoint finishes the job."""
        return await self._writer.call(self._checkpoint)

    def checkpoint_sync(self) -> bool:
        """The same as `checkpoint`, for the command line."""
        return self._writer.call_sync(self._checkpoint)

    def close(self) -> None:
        self._readers.close()
        with self._lock:
            for conn in self._read_conns:
                conn.close()
            self._read_conns.clear()
        self._writer.call_sync(self._write_db.conn.close)
        self._writer.close()
