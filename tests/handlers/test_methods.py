from handlers.menu import MAIN_MENU


async def test_menu_lists_every_scam_method(chat, services):
    await chat.press("methods")
    cards = services.library.knowledge_for("vi").cards
    assert chat.templates == ["methods_list"]
    in_taxonomy_order = [f"topic:{slug}" for slug in services.content.taxonomy if slug in cards]
    assert [v for v in chat.choice_values if v.startswith("topic:")] == in_taxonomy_order
    assert chat.choice_values[0] == "topic:fake-authority-call"
    assert set(cards) == set(services.content.taxonomy) - {"bot-help"}


async def test_card_then_more_then_back(chat, services):
    await chat.send("/thudoan")
    await chat.press("topic:fake-authority-call")
    card = services.library.knowledge_for("vi").cards["fake-authority-call"]
    assert card.title in chat.text and "{{" not in chat.text
    assert chat.choice_values == ["topic:fake-authority-call:more", "methods", "menu"]
    await chat.press("topic:fake-authority-call:more")
    assert "113" in chat.text and "{{" not in chat.text
    assert chat.choice_values == ["methods", "menu"]
    await chat.press("methods")
    assert len(chat.choice_values) == len(services.library.knowledge_for("vi").cards) + 1


async def test_unknown_card_is_a_stale_button(chat):
    await chat.press("topic:nothing-here")
    assert chat.templates == ["stale_choice"] and len(chat.choice_values) == len(MAIN_MENU)
