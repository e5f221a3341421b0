from bot.textnorm import MAX_INPUT_CHARS, clean_input, phrase_key, strip_diacritics


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
