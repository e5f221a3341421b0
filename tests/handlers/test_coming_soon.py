import pytest

from handlers.coming_soon import COMMANDS
from handlers.menu import MAIN_MENU


@pytest.mark.parametrize("value", [v for _, v in MAIN_MENU if v.startswith("soon:")])
async def test_every_unbuilt_menu_entry_answers_politely_with_the_hotline(chat, value):
    await chat.press(value)
    assert "đang được hoàn thiện" in chat.text and "113" in chat.text
    assert len(chat.choice_values) == len(MAIN_MENU)


@pytest.mark.parametrize("command", sorted(COMMANDS))
async def test_feature_commands_answer_too(chat, command):
    await chat.send(f"/{command}")
    assert "đang được hoàn thiện" in chat.text


async def test_unknown_feature_is_a_stale_button(chat):
    await chat.press("soon:teleport")
    assert "Nút này đã cũ" in chat.text
