import html
import json

from handlers.menu import MAIN_MENU


def _asked(chat) -> tuple[int, int]:
    """(number, total) of the question the last turn asked."""
    question = chat.values_of("quiz_question")
    return question["number"], question["total"]


async def _current(chat, services):
    state = (await services.conversations.get(chat.key)).data
    return services.library.knowledge_for("vi").question(state["ids"][state["index"]]), state


async def test_a_whole_quiz_with_feedback_and_a_stored_score(chat, services):
    replies = await chat.press("quiz:start")
    assert chat.templates == ["quiz_intro", "quiz_question"] and len(replies) == 2 and _asked(chat) == (1, 5)
    for number in range(5):
        question, state = await _current(chat, services)
        assert question.question in html.unescape(chat.text)
        wrong = (question.answer + 1) % len(question.options)
        pick = question.answer if number % 2 == 0 else wrong  # right, wrong, right, wrong, right
        replies = await chat.press(f"quiz:{question.id}:{pick}")
        assert chat.templates[0] == "quiz_feedback" and len(replies) == 2
        assert chat.values_of("quiz_feedback")["correct"] == (pick == question.answer)
        assert question.options[question.answer] in html.unescape(replies[0].text) or pick == question.answer
    assert chat.templates == ["quiz_feedback", "quiz_result"] and "quiz:again" in chat.choice_values
    assert (chat.values_of("quiz_result")["score"], chat.values_of("quiz_result")["total"]) == (3, 5)
    assert "3/5" in chat.text
    assert await services.conversations.get(chat.key) is None
    [row] = await services.storage.read(lambda db: list(db["quiz_results"].rows))
    assert (row["channel"], row["chat_id"], row["score"], row["total"]) == ("test", chat.chat_id, 3, 5)
    assert len(set(json.loads(row["questions"]))) == 5


async def test_questions_are_mixed_across_topics(chat, services):
    await chat.send("/quiz")
    state = (await services.conversations.get(chat.key)).data
    topics = {services.library.knowledge_for("vi").question(i).topic for i in state["ids"]}
    assert len(topics) == 5


async def test_typed_numbers_answer_and_other_text_asks_again(chat, services):
    await chat.send("/tracnghiem")
    question, _ = await _current(chat, services)
    replies = await chat.send("không biết nữa")
    assert chat.templates == ["quiz_reask", "quiz_question"] and len(replies) == 2 and _asked(chat) == (1, 5)
    replies = await chat.send(str(question.answer + 1))
    assert chat.templates == ["quiz_feedback", "quiz_question"] and len(replies) == 2
    assert chat.values_of("quiz_feedback")["correct"] and _asked(chat) == (2, 5)


async def test_a_button_of_an_earlier_question_does_not_answer_the_current_one(chat, services):
    await chat.send("/quiz")
    first, _ = await _current(chat, services)
    await chat.press(f"quiz:{first.id}:{first.answer}")
    await chat.press(f"quiz:{first.id}:{first.answer}")  # pressed again on the old message
    assert chat.templates[-1] == "quiz_question" and _asked(chat) == (2, 5)
    assert "quiz_feedback" not in chat.templates  # not answered a second time
    _, state = await _current(chat, services)
    assert state["index"] == 1 and state["score"] == 1


async def test_quiz_survives_a_restart_and_can_be_cancelled(chat, services, settings, clock, router):
    from bot.services import build_services
    from tests.conftest import Chat

    await chat.send("/quiz")
    question, _ = await _current(chat, services)
    again = build_services(settings, clock=clock)
    try:
        resumed = Chat(router, again, chat.chat_id)
        replies = await resumed.press(f"quiz:{question.id}:{question.answer}")
        assert resumed.templates == ["quiz_feedback", "quiz_question"] and len(replies) == 2
        assert _asked(resumed) == (2, 5)
        await resumed.send("/huy")
        assert resumed.templates == ["cancelled"] and resumed.values_of("cancelled")["was_active"]
        assert len(resumed.choice_values) == len(MAIN_MENU)
    finally:
        again.close()


async def test_stop_button_ends_the_quiz(chat, services):
    await chat.send("/quiz")
    await chat.press("quiz:stop")
    assert await services.conversations.get(chat.key) is None
