"""What `canhgiac check` was given: one value (a number, link or account) or a whole message.

`check_input` decides, in one place:
- the whole input is one value when `parse_identifier` reads one and fewer than VALUE_WORDS words
  stand around it ("stk 1027845566 MB", "0912 345 678"): the single-value check, unchanged;
- otherwise it is a message when it has MESSAGE_WORDS words or more, or any number, link or
  account inside: the verdict on the message (`MessageJudge.judge`);
- anything else (one or two words that are nothing, emoji, a lone number) is the single-value
  check's `unrecognized` result.
Words are counted as the chat counts them (runs with a letter in them: a row of numbers is no
sentence), outside links, numbers and amounts: a long link is one value, not a sentence.

Imports: core, identifiers, checking.
"""

from __future__ import annotations

from typing import Protocol

import sqlite_utils

from bot.checking import AllowList, BrandTable
from bot.checking.message_verdict import MessageVerdict
from bot.checking.official import EMPTY
from bot.checking.verdict import CheckResult, check_value
from bot.core.gaplog import AMOUNT, NUMBER, URL
from bot.core.textnorm import phrase_key
from bot.identifiers import extract_identifiers, parse_identifier

# A value with this many words around it is a message about it ("số này 0912… có phải lừa đảo
# không"), as on the chat's check screen (`MESSAGE_WORDS_WITH_VALUES` in handlers/check.py).
VALUE_WORDS = 6
MESSAGE_WORDS = 3  # fewer words and nothing to check: not a message either


class Judge(Protocol):
    """What judges a message: `MessageJudge`, or one that loads it on first use."""

    def judge(self, db: sqlite_utils.Database, text: str, allow: AllowList = EMPTY) -> MessageVerdict: ...


def words(text: str) -> int:
    """Words with a letter in them, outside links, numbers and amounts."""
    for pattern in (URL, AMOUNT, NUMBER):
        text = pattern.sub(" ", text)
    return sum(any(ch.isalpha() for ch in word) for word in phrase_key(text).split())


def is_message(text: str) -> bool:
    """Whether `check_input` judges `text` as a message (the module docstring's rules)."""
    count = words(text)
    if count < VALUE_WORDS and parse_identifier(text) is not None:
        return False
    return count >= MESSAGE_WORDS or bool(extract_identifiers(text))


def check_input(
    db: sqlite_utils.Database, text: str, judge: Judge, brands: BrandTable, allow: AllowList = EMPTY
) -> CheckResult | MessageVerdict:
    """The check of one input as typed: a value's result, or a message's verdict."""
    if is_message(text):
        return judge.judge(db, text, allow)
    return check_value(db, text, brands, allow)
