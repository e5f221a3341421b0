"""Where a staff member may act on what the periodic reports are fed with, and the refusals every
write of this package gives instead of a traceback.

The area hierarchy belongs to `bot/broadcast/areas.py`, which this package may not import (core
only): callers hand in their `Areas` (anything with `lineage` and `within`), and `reach` turns the
codes a staff member holds into what the writes check, inside the write that acts on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, TypeVar


class Refused(ValueError):
    """A write that is not done, and why (`reason`): "gone" (no such row any more, e.g. a button of
    a deleted item pressed again), "scope" (outside the staff member's areas), "preset" (a
    preloaded deadline: hidden, never deleted), or what is wrong with a value ("day", "title", …)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Area(Protocol):
    code: str


class AreaTree(Protocol):
    def lineage(self, code: str) -> Sequence[_Area]: ...

    def within(self, code: str) -> set[str]: ...


@dataclass(frozen=True)
class Reach:
    """`held`: the area codes held (None: every area, an admin). `lineages`: for each held area, the
    codes from its province down to it. `inside`: the held areas and every area within them (what
    they own); None: everywhere."""

    held: tuple[str, ...] | None
    lineages: tuple[tuple[str, ...], ...]
    inside: frozenset[str] | None

    @cached_property
    def places(self) -> frozenset[str]:
        """Every code of every lineage: an area's deadline elsewhere is ruled out at once."""
        return frozenset(code for lineage in self.lineages for code in lineage)

    def owns(self, area_code: str | None) -> bool:
        """Whether a row of this area is theirs to change (a national one: admins only)."""
        if self.inside is None:
            return True
        return area_code is not None and area_code in self.inside


EVERYWHERE = Reach(None, (), None)


def reach(tree: AreaTree, held: Sequence[str] | None) -> Reach:
    if held is None:
        return EVERYWHERE
    codes = tuple(dict.fromkeys(held))
    lineages = tuple(tuple(area.code for area in tree.lineage(code)) for code in codes)
    inside = frozenset().union(*(tree.within(code) for code in codes)) if codes else frozenset()
    return Reach(codes, tuple(lineage for lineage in lineages if lineage), inside)


class _InArea(Protocol):
    area_code: str | None


Row = TypeVar("Row", bound=_InArea)


def theirs(reach: Reach, row: Row | None) -> Row:
    """`row` (a deadline, a session) read inside the write, if it still exists and is theirs to
    change; otherwise `Refused`: "gone" (a button of a deleted item pressed again) or "scope"."""
    if row is None:
        raise Refused("gone")
    if not reach.owns(row.area_code):
        raise Refused("scope")
    return row
