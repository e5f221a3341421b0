import pytest

from bot.core.textnorm import MAX_INPUT_CHARS, ascii_int, clean_input, phrase_key, strip_diacritics


def test_invisible_and_direction_characters_are_removed():
    assert clean_input("al\u200bo\u200d \u202eabc\u202c\ufeff") == "alo abc"


def test_control_characters_and_blank_runs_are_tidied():
    assert clean_input("  dòng 1\r\n\r\n\r\n\x07dòng 2\t\t ") == "dòng 1\n\ndòng 2"


def test_decomposed_accents_are_composed():
    decomposed = "Chào".replace("à", "a\u0300")
    assert clean_input(decomposed) == "Chào"


def test_long_text_is_capped():
    assert len(clean_input("a" * 10_000)) == MAX_INPUT_CHARS


def test_empty_and_none():
    assert clean_input(None) == clean_input("") == clean_input("\u200b \n") == ""


def test_strip_diacritics_handles_d_bar():
    assert strip_diacritics("Đường dây nóng đó") == "Duong day nong do"


def test_phrase_key_folds_case_accents_punctuation_emoji_and_repeats():
    assert phrase_key("Chào!!! 👋") == phrase_key("chao") == "chao"
    assert phrase_key("Alooooo") == "alo"
    assert phrase_key("  HỦY   bỏ ") == "huy bo"


def test_halves_of_surrogate_pairs_are_replaced_and_pairs_joined():
    assert clean_input("\ud800") == "\ufffd"
    assert clean_input("abc\udfffdef") == "abc\ufffddef"
    assert clean_input("vui \ud83d\ude00") == "vui 😀"  # a pair left split is one character again
    clean_input("\ud83d số 0912").encode("utf-8")  # whatever comes out can be stored and sent


def test_full_width_letters_and_digits_are_ascii_other_digits_stay():
    assert clean_input("０９１２ ３４５ ６７８ ５００ｋ") == "0912 345 678 500k"
    assert clean_input("² ① Ⅻ ٣") == "² ① Ⅻ ٣"  # not read as numbers here: the parsers refuse them


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), ("０７", 7), ("123456", 123456), ("1234567", None), ("²", None), ("①", None), ("٣", None),
     ("𝟗", None), ("", None), ("-1", None), ("9" * 5000, None)],
)  # fmt: skip
def test_ascii_int_reads_only_short_ascii_numbers(text, number):
    assert ascii_int(text) == number
