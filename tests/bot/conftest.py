"""Fixtures the tests of the bot's packages share."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Rendered


@pytest.fixture
def values(rendered: Rendered) -> Callable[[str], list[dict[str, object]]]:
    """`values(template)`: what each rendering of `template` during the test was given, in order
    (its values, not its wording)."""
    return lambda template: [given for name, given in zip(rendered, rendered.values, strict=True) if name == template]
