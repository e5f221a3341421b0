"""The check every identifier table test starts with: the text parses, and into these fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def parsed(parse: Callable[[str], T | None], text: str, **expected: Any) -> T:
    """`parse(text)`, asserted to be found with the `expected` field values; returned for more checks."""
    found = parse(text)
    assert found is not None, text
    assert {name: getattr(found, name) for name in expected} == expected, text
    return found
