"""Which words of Tesseract's reading are kept: sure words, and digit groups on a lower bar."""

import pytest

from bot.images.ocr import DIGITS_MIN_CONFIDENCE, MIN_CONFIDENCE, _kept


@pytest.mark.parametrize(
    ("word", "confidence", "kept"),
    [
        ("Vietcombank", MIN_CONFIDENCE, "Vietcombank"),
        ("Vietcombank", MIN_CONFIDENCE - 1, ""),  # a doubtful word: an icon's noise reads like this
        ("“0912", 38, "0912"),  # a number group beside the back arrow of a chat header
        ("+84", DIGITS_MIN_CONFIDENCE, "+84"),
        ("867", DIGITS_MIN_CONFIDENCE - 1, ""),
        ("12", 40, ""),  # two digits are too easily noise
        ("-Ö1", 40, ""),
        ("0912a", 40, ""),
    ],
)
def test_low_confidence_keeps_only_digit_groups(word, confidence, kept):
    assert _kept(word, confidence) == kept
