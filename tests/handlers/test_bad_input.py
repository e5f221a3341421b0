"""Whatever a citizen sends gets a helpful reply: no crash, no unescaped echo, no template run."""

import re

import pytest

from bot.models import Contact, Photo
from handlers.menu import MAIN_MENU

BAD_TEXTS = {
    "empty": "",
    "spaces": "   \n\t ",
    "long": "lừa đảo " * 700,  # 5,600 characters
    "emoji": "😡😡😡🙏",
    "zero_width": "\u200b\u200c\u200d\ufeff",
    "rtl": "\u202eالسلام عليكم\u202c",
    "html": "<b>bold</b><script>alert(1)</script>",
    "template": "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}",
    "sql": "'; DROP TABLE chats; --",
    "control": "\x00\x07abc\x1b[31m",
    "command_like": "/",
    "choice_number": "99",
}

_ALLOWED_TAGS = re.compile(r"</?(b|i|u|s|code|pre|blockquote|a)(\s[^>]*)?>")


def assert_safe(replies):
    assert replies, "every message gets an answer"
    for reply in replies:
        assert reply.text.strip()
        assert "49" not in reply.text
        leftover = _ALLOWED_TAGS.sub("", reply.text)
        assert "<" not in leftover and ">" not in leftover, reply.text
        assert reply.choices, "a dead end always offers the menu"


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
async def test_bad_text_gets_a_helpful_reply(chat, services, name):
    replies = await chat.send(BAD_TEXTS[name])
    assert_safe(replies)
    assert await services.storage.read(lambda db: db["chats"].count) == 1  # the tables are intact


async def test_empty_text_is_told_so(chat):
    await chat.send("\u200b")
    assert "chưa thấy chữ nào" in chat.text


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"photo": Photo(ref="AgACAgQ-file")}, "chỉ đọc được chữ"),
        ({"unsupported": "sticker"}, "chỉ đọc được tin nhắn bằng chữ"),
        ({"unsupported": "voice"}, "chỉ đọc được tin nhắn bằng chữ"),
        ({"contact": Contact(phone_number="+84912345678")}, "không lưu lại"),
    ],
)
async def test_media_outside_a_flow(chat, services, fields, expected):
    await chat.send(**fields)
    assert expected in chat.text and len(chat.choice_values) == len(MAIN_MENU)
    dump = "\n".join(services.storage.read_sync(lambda db: list(db.iterdump())))
    assert "912345678" not in dump  # a contact we did not ask for is not stored


async def test_photo_in_the_middle_of_a_flow_is_handled_by_the_flow(chat, services):
    await chat.send("/xoadulieu")
    await chat.send(photo=Photo(ref="AgACAgQ-file"))
    assert "Có, xóa hết" in chat.text  # asked again, nothing lost
    assert (await services.conversations.get(chat.key)).flow == "forget"


async def test_unknown_command_and_stale_button(chat):
    await chat.send("/khongcolenhnay")
    assert "không có lệnh này" in chat.text
    await chat.press("zzz:old")
    assert "Nút này đã cũ" in chat.text


async def test_no_answer_still_protects_and_warns_victims_about_recovery_offers(chat):
    await chat.send("giá lúa hôm nay bao nhiêu")
    assert "coi như chưa đáng tin" in chat.text and "113" in chat.text
    assert "chặn giao dịch" in chat.text and "lấy lại tiền" in chat.text
