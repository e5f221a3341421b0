"""One chat's long message does not stall the others (issue 10).

Reading identifiers and matching the FAQ are CPU work: handlers hand them to `Services.compute`,
a small thread pool, so the event loop keeps serving other chats meanwhile. Checked two ways: the
heavy functions are never called on the event loop's thread (a count, not a time), and while a
4,000-character pathological message is handled for one chat, another chat is answered and the
loop never goes long without a turn (a generous bounded wait).
"""

from __future__ import annotations

import asyncio
import threading

import pytest

import handlers.check
import handlers.report
from bot.knowledge.matcher import FaqMatcher
from bot.services import build_services
from tests.conftest import Chat, LoopTicker

# The costliest shapes for the exact lane and for the FAQ matcher, at Telegram's length.
PATHOLOGICAL = {
    "digit groups": "0 0 1 " * 666,
    "dotted digits": "1." * 2000 + "1x",
    "dotted words": "a." * 2000,
}


@pytest.fixture
def loop_thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the heavy functions that ran on the event loop's own thread."""
    on_loop: list[str] = []

    def watch(name: str, fn):
        def watched(*args, **kwargs):
            try:
                asyncio.get_running_loop()
                on_loop.append(name)
            except RuntimeError:  # no loop in this thread: a worker's
                pass
            return fn(*args, **kwargs)

        return watched

    for module in (handlers.check, handlers.report):
        for name in ("extract_identifiers", "parse_identifier"):
            monkeypatch.setattr(module, name, watch(f"{module.__name__}.{name}", getattr(module, name)))
    monkeypatch.setattr(FaqMatcher, "match", watch("FaqMatcher.match", FaqMatcher.match))
    return on_loop


async def test_reading_and_matching_never_run_on_the_event_loop(chat, loop_thread_calls):
    await chat.send("Có người gọi 0912 345 678 bảo tôi chuyển tiền vào tài khoản tạm giữ")  # check + FAQ
    assert chat.templates[0] in ("check_result", "message_verdict")  # the number was checked either way
    await chat.send("làm sao nhận biết cuộc gọi giả danh công an")  # FAQ only
    await chat.send("/kiemtra vcb-xacthuc.com")  # the check command with a value
    await chat.send("/kiemtra")
    await chat.send("0912 345 678")  # the value the check flow asked for
    await chat.send("/baocao")
    await chat.press("report:what:call")
    await chat.send("gọi từ số 0912.345.678 đó")  # the report flow's identifier step
    assert "report:via:phone_call" in chat.choice_values
    assert loop_thread_calls == []


async def test_the_services_pool_stops_with_the_services(settings, clock, library):
    services = build_services(settings, clock=clock, library=library)
    assert await services.compute(sum, [1, 2, 3]) == 6
    worker = await services.compute(threading.current_thread)
    assert worker is not threading.current_thread() and worker.name.startswith("canhgiac-compute")
    services.close()
    assert not worker.is_alive()


@pytest.mark.parametrize("shape", PATHOLOGICAL)
async def test_a_long_message_in_one_chat_does_not_stall_another(router, services, shape):
    alice, bob = Chat(router, services, "2001"), Chat(router, services, "2002")
    await bob.send("chào")  # both chats exist: the comparison is about handling, not first contact
    await alice.send("chào")
    with LoopTicker() as ticker:
        long_one = asyncio.create_task(alice.send(PATHOLOGICAL[shape]))
        await asyncio.sleep(0.01)  # Alice's message is being read
        await bob.send("0912 345 678")
        await long_one
    assert bob.templates == ["check_result"]
    assert alice.last, "the long message gets an answer too"
    # A bounded wait, generous for a busy machine: the loop was never held for 200 ms.
    assert ticker.longest < 0.2, f"the event loop stalled for {ticker.longest * 1000:.0f} ms"


def test_a_huge_text_is_cut_before_it_is_cleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The router cleans text on the event loop; the terminal and Zalo have no length limit, and
    cleaning a megabyte took 0.2–0.4 s. Only the first MAX_RAW_CHARS are read (16 times what is
    kept), so the work is bounded whatever arrives."""
    from bot.core import textnorm

    seen: list[int] = []
    monkeypatch.setattr(textnorm, "without_surrogates", lambda text: seen.append(len(text)) or text)
    assert textnorm.clean_input("lừa đảo " * 125_000) == ("lừa đảo " * 513)[: textnorm.MAX_INPUT_CHARS]
    assert seen == [textnorm.MAX_RAW_CHARS] and textnorm.MAX_RAW_CHARS == 16 * textnorm.MAX_INPUT_CHARS


async def test_a_very_long_message_still_gets_a_helpful_answer(chat):
    await chat.send("Có người gọi 0912 345 678 bảo chuyển tiền. " * 25_000)  # a megabyte, pasted
    assert chat.templates[0] == "message_verdict" and "0912 345 678" in chat.text
