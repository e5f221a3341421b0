import re

from bot.core.richtext import split_html, to_plain


def _balanced(part: str) -> bool:
    stack = []
    for closing, name in re.findall(r"<(/?)(\w+)[^>]*>", part):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_short_text_is_one_part():
    assert split_html("<b>ngắn</b>", 4096) == ["<b>ngắn</b>"]


def test_splits_on_paragraphs_and_keeps_them_whole():
    paragraphs = [f"Đoạn {i}: " + "chữ " * 200 for i in range(6)]
    text = "\n\n".join(paragraphs)
    parts = split_html(text, 2000)  # two paragraphs fit in a part, three do not
    assert all(len(p) <= 2000 for p in parts)
    assert parts == ["\n\n".join(paragraphs[i : i + 2]).strip() for i in (0, 2, 4)]


def test_formatting_open_across_a_cut_is_closed_and_reopened():
    text = "<b>" + "rất quan trọng " * 100 + "</b>\n\n<i>" + "nghiêng " * 100 + "</i>"
    parts = split_html(text, 500)
    assert len(parts) > 3
    for part in parts:
        assert len(part) <= 500 and _balanced(part), part
    assert to_plain("\n".join(parts)).split() == to_plain(text).split()


def test_tags_and_entities_are_never_cut():
    text = ('<a href="https://example.vn/a-very-long-path">liên kết</a> &amp; ' * 200).strip()
    for part in split_html(text, 300):
        assert len(part) <= 300 and _balanced(part)
        assert re.search(r"<[^>]*$", part) is None and re.search(r"&\w*$", part) is None


def test_a_word_longer_than_the_limit_is_cut():
    parts = split_html("x" * 450, 200)
    assert [len(p) for p in parts] == [200, 200, 50]


def test_to_plain_keeps_link_addresses_and_decodes_entities():
    assert (
        to_plain('<b>Gọi</b> <a href="https://x.vn">trang này</a> &lt;ngay&gt;')
        == "Gọi trang này (https://x.vn) <ngay>"
    )
