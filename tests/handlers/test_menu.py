import pytest

from handlers.menu import MAIN_MENU


@pytest.mark.parametrize("text", ["/start", "alo", "Alooo!", "chào", "Chao ban", "xin chào", "hi", "Hello 👋"])
async def test_greetings_get_the_welcome_and_the_main_menu(chat, services, text):
    replies = await chat.send(text)
    assert len(replies) == 1
    assert chat.templates == ["welcome"] and chat.values_of("welcome")["name"] == "Lan"
    t = services.content.texts("vi")
    assert [(c.label, c.value) for c in replies[0].choices] == [(t.label(key), value) for key, value in MAIN_MENU]


async def test_welcome_mentions_the_locality(chat):
    await chat.send("/start")
    assert "phường Cốc Lếu" in chat.text  # the configured locality's name, echoed


async def test_menu_word_command_and_button_show_the_menu(chat):
    for attempt in (chat.send("menu"), chat.send("/menu"), chat.press("menu")):
        await attempt
        assert chat.templates == ["menu"] and chat.choice_values == [value for _, value in MAIN_MENU]


async def test_menu_word_leaves_a_flow(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("Menu")
    assert chat.templates == ["menu"]
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
