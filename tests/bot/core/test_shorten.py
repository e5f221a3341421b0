"""Cutting a label to fit a button: at a word boundary, with "…", never inside a word."""

import pytest

from bot.core.textnorm import shorten


def test_short_text_is_kept_whole():
    assert shorten("Tín dụng đen", 48) == "Tín dụng đen"
    assert shorten("a" * 48, 48) == "a" * 48


@pytest.mark.parametrize("limit", [10, 20, 30, 47])
def test_long_text_is_cut_between_words_with_an_ellipsis(limit):
    text = "Giả danh nhân viên điện lực, thuế, bảo hiểm, ngân hàng, nhà mạng"
    cut = shorten(text, limit)
    assert len(cut) <= limit and cut.endswith("…")
    kept = cut.removesuffix("…")
    assert text.startswith(kept) and text[len(kept)] in " ,"  # the next character ends a word
    assert not kept.endswith((",", " "))  # no dangling comma before the ellipsis


def test_one_long_word_is_cut_inside_it_as_a_last_resort():
    cut = shorten("x" * 100, 20)
    assert cut == "x" * 19 + "…"


def test_a_clause_is_kept_whole_when_it_holds_half_the_room():
    """Vietnamese words are several syllables ("đặt phòng"): a comma is the safer place to cut."""
    text = "Mua bán online, shipper giả, hoàn tiền, đặt phòng, vé"
    assert shorten(text, 47) == text[: text.rindex(",", 0, 46)] + "…"
    short_clause = "Cho thuê, mua bán tài khoản ngân hàng"  # the first clause is under half the room
    assert shorten(short_clause, 30) == short_clause[: short_clause.rindex(" ", 0, 29)] + "…"
