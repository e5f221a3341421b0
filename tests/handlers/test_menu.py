import pytest

from handlers.menu import MAIN_MENU

MENU_LABELS = [
    "Các thủ đoạn lừa đảo", "Hỏi đáp", "Kiểm tra số/đường link", "Báo cáo lừa đảo",
    "Nhận cảnh báo", "Trắc nghiệm", "Đường dây nóng", "Hướng dẫn",
]  # fmt: skip


@pytest.mark.parametrize("text", ["/start", "alo", "Alooo!", "chào", "Chao ban", "xin chào", "hi", "Hello 👋"])
async def test_greetings_get_the_welcome_and_the_main_menu(chat, text):
    replies = await chat.send(text)
    assert len(replies) == 1
    assert "Chào Lan" in chat.text and "Canh Giác" in chat.text
    labels = [c.label for c in replies[0].choices]
    assert len(labels) == len(MAIN_MENU)
    for label, expected in zip(labels, MENU_LABELS, strict=True):
        assert expected in label


async def test_welcome_mentions_the_locality(chat):
    await chat.send("/start")
    assert "phường Cốc Lếu" in chat.text


async def test_menu_word_command_and_button_show_the_menu(chat):
    for attempt in (chat.send("menu"), chat.send("/menu"), chat.press("menu")):
        await attempt
        assert "Menu chính" in chat.text and len(chat.choice_values) == len(MAIN_MENU)


async def test_menu_word_leaves_a_flow(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("Menu")
    assert "Menu chính" in chat.text
    assert await services.conversations.get(chat.key) is None


async def test_display_name_is_escaped_and_shortened(chat, router, services):
    from bot.core.messages import Incoming

    replies = await router.handle(
        Incoming(
            channel="test", chat_id="9", user_id="9", display_name="<script>x</script>" + "A" * 100, text="/start"
        ),
        services,
    )
    assert "<script>" not in replies[0].text and "&lt;script&gt;" in replies[0].text
    assert "A" * 41 not in replies[0].text
