"""`canhgiac ask` shows options the way the chat does: numbered across the whole answer."""

from __future__ import annotations

import re

from bot.cli.ask import _Asker

# An option line: its number, then a label that starts with a symbol (every label of a choice
# the router shows here does: "🚨 Báo cáo", "🏠 Về menu chính"), unlike numbered advice in a text.
_OPTION = re.compile(r"^\s*\[?(\d+)[\].]\s+(\S.*)$")


def option_numbers(answer: str) -> list[int]:
    found = (_OPTION.match(line) for line in answer.splitlines())
    return [int(m.group(1)) for m in found if m and not m.group(2)[0].isalnum()]


def test_options_are_numbered_across_all_replies(settings):
    asker = _Asker(settings)
    try:
        answer = asker.record("Số 0912345678 gọi nói là công an, bắt chuyển tiền")["answer"]
    finally:
        asker.close()
    numbers = option_numbers(answer)
    assert len(numbers) >= 4 and numbers == list(range(1, len(numbers) + 1)), (
        answer
    )  # the answer's go on from the check's
