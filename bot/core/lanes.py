"""Threads that run calls for the event loop, in the order given: the database's writer and
readers (`storage.py`) and the CPU work of updates (`Services.compute`).

What `loop.run_in_executor` with a `ThreadPoolExecutor` does, with less per call (issue 19: an
update hands work to a thread 3–4 times): no `concurrent.futures.Future` chained to an asyncio
future through callbacks, no executor locks and idle-thread semaphore; a queue in, the loop's
own future out, set from the thread with one `call_soon_threadsafe`. About 10 µs of CPU per
hand-over instead of 20–24 on this machine (one call in flight per coroutine, 8 coroutines).
The call runs in a copy of the caller's context variables, as `asyncio.to_thread` does. As
with an executor, a caller cancelled while its call runs does not stop the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class Lane:
    """`threads` threads taking calls from one queue, started at the first call. They are daemons,
    so an interpreter that exits without `close()` does not wait for them (SQLite keeps what was
    committed either way)."""

    def __init__(self, name: str, threads: int = 1):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._name, self._count = name, threads
        self._threads: list[threading.Thread] = []
        self._starting = threading.Lock()

    def _start(self) -> None:
        with self._starting:
            if not self._threads:
                self._threads = [
                    threading.Thread(target=self._serve, name=f"{self._name}_{n}", daemon=True)
                    for n in range(self._count)
                ]
                for thread in self._threads:
                    thread.start()

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            fn, loop, future = call
            try:
                result = fn()
            except BaseException as error:  # handed to the caller, as an executor would
                self._answer(loop, future, None, error)
            else:
                self._answer(loop, future, result, None)
            del call, fn, loop, future  # keep no reference to the last call's objects while idle

    @staticmethod
    def _answer(loop: Any, future: Any, result: Any, error: BaseException | None) -> None:
        if loop is None:  # a caller outside the event loop (`call_sync`)
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
            return
        with contextlib.suppress(RuntimeError):  # the loop was closed meanwhile: nobody awaits the answer
            loop.call_soon_threadsafe(_settle, future, result, error)

    async def call(self, fn: Callable[[], T]) -> T:
        """`fn()` on one of the lane's threads, awaited."""
        if not self._threads:
            self._start()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        # In the caller's context, as `asyncio.to_thread` does: what a turn sets in context
        # variables (a test's record of what it rendered, say) holds for the work it hands over.
        self._calls.put((functools.partial(contextvars.copy_context().run, fn), loop, future))
        return await future

    def call_sync(self, fn: Callable[[], T]) -> T:
        """`fn()` on one of the lane's threads, waited for (the command line, start-up)."""
        if not self._threads:
            self._start()
        future: Future = Future()
        self._calls.put((fn, None, future))
        return future.result()

    def close(self) -> None:
        """Finish the calls queued, then stop the threads."""
        threads, self._threads = self._threads, []
        for _ in threads:
            self._calls.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()
