"""Free text goes to the FAQ: answer, suggestions, or an honest fallback that still protects."""

from handlers.menu import MAIN_MENU


async def _gaps(services):
    return await services.storage.read(lambda db: list(db["faq_gaps"].rows))


async def test_a_question_without_accents_gets_its_answer(chat, services):
    await chat.send("cong an goi dien bat chuyen tien vao tai khoan tam giu co that khong")
    assert chat.templates == ["faq_answer"] and "113" in chat.text and "{{" not in chat.text
    assert chat.choice_values == ["menu"]
    assert await _gaps(services) == []  # answered: nothing to log


async def test_off_topic_falls_back_protects_and_logs_the_gap_without_identity(chat, services):
    await chat.send("giá lúa hôm nay ở Cần Thơ bao nhiêu, 5tr một tấn")
    assert chat.templates == ["not_understood"] and len(chat.choice_values) == len(MAIN_MENU)
    [gap] = await _gaps(services)
    assert gap["outcome"] == "fallback" and "[số tiền]" in gap["text"] and "5tr" not in gap["text"]


async def test_a_vague_question_offers_the_closest_and_a_way_out(chat, services):
    replies = await chat.send("tài khoản")
    assert chat.templates == ["faq_suggest"]
    assert chat.choice_values[-1] == "faq:none" and 3 <= len(replies[0].choices) <= 4
    await chat.press(chat.choice_values[0])
    assert chat.templates == ["faq_answer"]
    [gap] = await _gaps(services)
    assert gap["outcome"] == "suggest"


async def test_none_of_these_offers_to_rephrase_read_the_cards_or_report(chat):
    await chat.press("faq:none")
    assert chat.templates == ["faq_not_these"]
    assert chat.choice_values == ["methods", "report:start", "menu"]
    await chat.press("methods")
    assert chat.templates == ["methods_list"]


async def test_short_replies_get_one_line_not_the_refusal(chat, services):
    for text in ("ok", "vâng", "uh", "Okeee", "👍", "?", "??", "dạ vâng"):
        await chat.send(text)
        assert chat.templates == ["acknowledged"], text
        assert chat.choice_values == ["menu"] and len(chat.text.splitlines()) == 1, text
    assert await _gaps(services) == []  # nothing asked: nothing to log as unanswered


async def test_a_lone_question_mark_is_asked_what_the_question_is(chat, services):
    question = services.content.texts("vi").render("acknowledged", kind="question")
    await chat.send("?")
    assert chat.text == question
    await chat.send("👍")
    assert chat.text != question  # the two short replies say different things


async def test_ask_entry_shows_examples_that_exist(chat, services):
    await chat.press("ask")
    assert chat.templates == ["faq_intro"]
    popular = services.content.texts("vi").shown_first("faq")  # content/vi/shown_first.yaml
    assert len(popular) == 4 and chat.choice_values == [f"faq:{i}" for i in popular] + ["menu"]
    for value in chat.choice_values[:-1]:
        await chat.press(value)
        assert chat.templates == ["faq_answer"]


async def test_greetings_and_thanks_never_reach_the_faq(chat, services):
    for text in ("chào", "cảm ơn nhiều"):
        await chat.send(text)
    assert await _gaps(services) == []
