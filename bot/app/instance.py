"""One serving process per database.

Two `canhgiac run` on one database would both drain the outbox and the broadcast deliveries, and
send most of them twice. The serving process holds an exclusive `flock` on `<database>.lock`,
beside the database, for its whole life; a second one finds it taken and refuses to start with
one line. The OS drops the lock when its process ends, however it ends: after a `kill -9` or a
power cut, the next start takes it at once, whatever the file still says. The file is never
deleted: deleting it would let a third process lock a new file while the second holds the old.

The update processes of `CANHGIAC_UPDATE_PROCESSES` (`bot/app/update_processes.py`) are the serving
process's children, not second servers: they never take the lock (nor inherit it: the descriptor
is close-on-exec), and send no outbox or broadcast.

The file holds the holder's pid, for the message only. Locks on network file systems (NFS) may
not be honoured: keep the database on a local disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from bot.core.settings import SettingsError


class AlreadyServing(SettingsError):
    """Another process serves this database (a settings error: one line on stderr, exit 2)."""


def lock_path(db_path: Path | str) -> Path:
    """`<database>.lock`, beside the file the path names once links are followed: two spellings of
    one database (relative, absolute, through a symlink) meet on the same lock."""
    real = Path(db_path).resolve()
    return real.with_name(real.name + ".lock")


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {text})"
    return ""  # the holder has not written its pid yet


@contextlib.contextmanager
def serving(db_path: Path | str) -> Iterator[None]:
    """Hold the database's serving lock for the `with` block; `AlreadyServing` if another has it."""
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise SettingsError(f"cannot create the lock file {path}: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyServing(f"another canhgiac run is serving {db_path}{_holder(fd)}; stop it first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def served(db_path: Path | str) -> bool:
    """Whether a `canhgiac run` holds this database's serving lock now (so it sends what is queued)."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False  # no lock file: never served
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the lock if this took it
    return False
