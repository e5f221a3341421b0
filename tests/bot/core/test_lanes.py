"""Threads that run calls for the event loop (`bot/core/lanes.py`): in order, off the loop's
thread, results and exceptions handed back, a cancelled caller's call still finished."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from bot.core.lanes import Lane


async def test_calls_run_in_order_off_the_loop_and_answer_or_raise():
    lane, done = Lane("test-lane"), []
    try:
        results = await asyncio.gather(*(lane.call(lambda n=n: done.append(n) or n * 2) for n in range(50)))
        assert results == [n * 2 for n in range(50)] and done == list(range(50))
        assert (await lane.call(threading.current_thread)).name == "test-lane_0"
        with pytest.raises(ZeroDivisionError):
            await lane.call(lambda: 1 / 0)
        assert lane.call_sync(lambda: 7) == 7
        with pytest.raises(KeyError):
            lane.call_sync(lambda: {}["x"])
    finally:
        lane.close()
    assert not any(t.name.startswith("test-lane") for t in threading.enumerate())


async def test_a_cancelled_caller_leaves_its_call_to_finish_and_the_lane_serving():
    lane, finished = Lane("test-lane", 2), threading.Event()

    def slow() -> None:
        time.sleep(0.1)
        finished.set()

    task = asyncio.create_task(lane.call(slow))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await lane.call(lambda: "next") == "next"
    await asyncio.to_thread(finished.wait, 5)
    assert finished.is_set()
    await asyncio.sleep(0.01)  # the cancelled call's answer arrives at a done future: dropped
    lane.close()


async def test_a_call_sees_its_callers_context_variables():
    turn: contextvars.ContextVar[str] = contextvars.ContextVar("turn", default="none")
    lane = Lane("test-lane")

    async def caller(name: str) -> str:
        turn.set(name)
        return await lane.call(turn.get)

    try:
        assert await asyncio.gather(caller("a"), caller("b")) == ["a", "b"]
    finally:
        lane.close()
