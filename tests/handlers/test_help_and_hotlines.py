import pytest


@pytest.mark.parametrize("how", ["/help", "/huongdan", "hướng dẫn", "giup", "button"])
async def test_help(chat, how):
    await (chat.press("help") if how == "button" else chat.send(how))
    assert chat.templates == ["help"] and "/huy" in chat.text
    assert chat.choice_values == ["menu"]


@pytest.mark.parametrize("how", ["/hotline", "/duongdaynong", "đường dây nóng", "duong day nong", "button"])
async def test_hotlines_show_national_and_local_numbers(chat, how):
    await (chat.press("hotlines") if how == "button" else chat.send(how))
    text = chat.text
    assert chat.templates == ["hotlines"]
    for number in ("113", "5656", "156", "111", "0214 3820 113"):
        assert number in text
    assert "Công an phường Cốc Lếu" in text  # the configured hotline's own label, echoed
    assert chat.choice_values == ["menu"]


async def test_help_works_in_the_middle_of_a_flow_and_keeps_it(chat, services):
    await chat.send("/xoadulieu")
    await chat.send("/help")
    assert chat.templates == ["help"]
    assert (await services.conversations.get(chat.key)).flow == "forget"


@pytest.mark.parametrize("text", ["cảm ơn", "Cam on nhieu", "thanks!", "tks"])
async def test_thanks_gets_a_short_answer(chat, text):
    await chat.send(text)
    assert chat.templates == ["thanks"] and chat.choice_values == ["menu"]
