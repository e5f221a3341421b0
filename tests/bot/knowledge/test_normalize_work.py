"""The normaliser reads a long message in linear time (issue 10): its link and amount patterns once
restarted at every label of "a.a.a…" or group of "1.1.1…" and read the rest again (4 s for 4,096
characters, hours for 100,000). The regex engine's work cannot be counted from Python, so this is a
bounded wait in a child process; redact_identifiers (the gap log) has no length cap at all."""

import textwrap

from tests.conftest import lines_within

UNITS = ["1.", "1,", "a.", "1.1k", "1 ", "x.com ", "12.34 triệu "]


def test_long_messages_are_normalised_in_a_bounded_wait() -> None:
    script = textwrap.dedent(
        f"""
        from bot.knowledge.normalize import normalize, redact_identifiers
        for unit in {UNITS!r}:
            text = unit * (100_000 // len(unit)) + "x"
            redact_identifiers(text)
            normalize(text)
            print(unit, flush=True)
        """
    )
    assert lines_within(script, timeout=60) == UNITS


def test_links_and_amounts_are_still_taken_out() -> None:
    from bot.knowledge.normalize import normalize, redact_identifiers

    assert redact_identifiers("vào vcb-xacthuc.com.vn/login chuyển 5.000.000 đồng") == "vào [link] chuyển [số tiền]"
    assert normalize("chuyển 1.000.000.000.000 đồng vào a.b.c.d.e.vn").identifiers == ("link", "amount")
