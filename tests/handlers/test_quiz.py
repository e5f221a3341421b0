import html
import json

from handlers import quiz
from handlers.menu import MAIN_MENU


def _asked(chat) -> tuple[int, int]:
    """(number, total) of the question the last turn asked."""
    question = chat.values_of("quiz_question")
    return question["number"], question["total"]


async def _current(chat, services):
    state = (await services.conversations.get(chat.key)).data
    return services.library.knowledge_for("vi").question(state["ids"][state["index"]]), state


def _shown(state, question) -> int:
    """The shown position (from 0) of the question's right answer."""
    return state["orders"][state["index"]].index(question.answer)


def _reversed(monkeypatch) -> None:
    """Every question shows its options in reverse: a known order instead of a random one."""
    monkeypatch.setattr(quiz, "_draw_order", lambda options: list(range(options))[::-1])


async def test_a_whole_quiz_with_feedback_and_a_stored_score(chat, services):
    replies = await chat.press("quiz:start")
    assert chat.templates == ["quiz_intro", "quiz_question"] and len(replies) == 2 and _asked(chat) == (1, 5)
    for number in range(5):
        question, state = await _current(chat, services)
        assert question.question in html.unescape(chat.text)
        right = _shown(state, question)
        wrong = (right + 1) % len(question.options)
        pick = right if number % 2 == 0 else wrong  # right, wrong, right, wrong, right
        replies = await chat.press(f"quiz:{question.id}:{pick}")
        assert chat.templates[0] == "quiz_feedback" and len(replies) == 2
        assert chat.values_of("quiz_feedback")["correct"] == (pick == right)
        assert question.options[question.answer] in html.unescape(replies[0].text) or pick == right
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
    question, state = await _current(chat, services)
    replies = await chat.send("không biết nữa")
    assert chat.templates == ["quiz_reask", "quiz_question"] and len(replies) == 2 and _asked(chat) == (1, 5)
    replies = await chat.send(str(_shown(state, question) + 1))
    assert chat.templates == ["quiz_feedback", "quiz_question"] and len(replies) == 2
    assert chat.values_of("quiz_feedback")["correct"] and _asked(chat) == (2, 5)


async def test_a_button_of_an_earlier_question_does_not_answer_the_current_one(chat, services):
    await chat.send("/quiz")
    first, state = await _current(chat, services)
    await chat.press(f"quiz:{first.id}:{_shown(state, first)}")
    await chat.press(f"quiz:{first.id}:{_shown(state, first)}")  # pressed again on the old message
    assert chat.templates[-1] == "quiz_question" and _asked(chat) == (2, 5)
    assert "quiz_feedback" not in chat.templates  # not answered a second time
    _, state = await _current(chat, services)
    assert state["index"] == 1 and state["score"] == 1


async def test_quiz_survives_a_restart_and_can_be_cancelled(chat, services, settings, clock, router):
    from bot.services import build_services
    from tests.conftest import Chat

    await chat.send("/quiz")
    question, state = await _current(chat, services)
    again = build_services(settings, clock=clock)
    try:
        resumed = Chat(router, again, chat.chat_id)
        replies = await resumed.press(f"quiz:{question.id}:{_shown(state, question)}")
        assert resumed.templates == ["quiz_feedback", "quiz_question"] and len(replies) == 2
        assert resumed.values_of("quiz_feedback")["correct"]  # the order drawn at the start survived
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


# --- option order: drawn per question at the start, kept in the state ---


async def test_each_question_gets_an_order_of_its_options_in_the_state(chat, services):
    await chat.send("/quiz")
    question, state = await _current(chat, services)
    assert len(state["orders"]) == len(state["ids"])
    knowledge = services.library.knowledge_for("vi")
    for question_id, order in zip(state["ids"], state["orders"], strict=True):
        assert sorted(order) == list(range(len(knowledge.question(question_id).options)))
    shown = chat.values_of("quiz_question")["options"]
    assert [html.unescape(option) for option in shown] == [question.options[i] for i in state["orders"][0]]


async def test_pressing_the_shown_position_of_the_right_answer_scores(chat, services, monkeypatch):
    _reversed(monkeypatch)
    await chat.send("/quiz")
    question, _ = await _current(chat, services)
    shown = len(question.options) - 1 - question.answer  # where the reversed order shows the answer
    assert html.unescape(chat.values_of("quiz_question")["options"][shown]) == question.options[question.answer]
    await chat.press(f"quiz:{question.id}:{shown}")
    feedback = chat.values_of("quiz_feedback")
    assert feedback["correct"] and feedback["right_option"].startswith(f"{shown + 1}. ")
    _, state = await _current(chat, services)
    assert state["score"] == 1


async def test_a_wrong_pick_names_the_right_answer_by_its_shown_number(chat, services, monkeypatch):
    _reversed(monkeypatch)
    await chat.send("/quiz")
    question, _ = await _current(chat, services)
    shown = len(question.options) - 1 - question.answer
    if question.answer != len(question.options) - 1 - question.answer:
        await chat.press(f"quiz:{question.id}:{question.answer}")  # the written position: wrong here
    else:
        await chat.press(f"quiz:{question.id}:{(shown + 1) % len(question.options)}")
    feedback = chat.values_of("quiz_feedback")
    assert not feedback["correct"] and feedback["right_option"].startswith(f"{shown + 1}. ")


async def test_typed_number_and_letter_map_through_the_order(chat, services, monkeypatch):
    _reversed(monkeypatch)
    await chat.send("/quiz")
    first, _ = await _current(chat, services)
    await chat.send("2")  # the second shown option: reversed, the one written second to last
    assert chat.values_of("quiz_feedback")["correct"] == (first.answer == len(first.options) - 2)
    second, _ = await _current(chat, services)
    await chat.send("b")
    assert chat.values_of("quiz_feedback")["correct"] == (second.answer == len(second.options) - 2)
    third, _ = await _current(chat, services)
    await chat.send("abcd"[len(third.options) - 1 - third.answer])
    assert chat.values_of("quiz_feedback")["correct"]


async def test_a_state_saved_without_orders_shows_and_scores_the_written_order(chat, services):
    await chat.send("/quiz")
    _, state = await _current(chat, services)
    old = {key: value for key, value in state.items() if key != "orders"}  # saved before orders existed
    await services.conversations.start(chat.key, quiz.FLOW, "question", old)
    first, _ = await _current(chat, services)
    await chat.press(f"quiz:{first.id}:{first.answer}")
    assert chat.values_of("quiz_feedback")["correct"]
    assert chat.values_of("quiz_feedback")["right_option"].startswith(f"{first.answer + 1}. ")
    second, _ = await _current(chat, services)
    assert [html.unescape(option) for option in chat.values_of("quiz_question")["options"]] == list(second.options)
    await chat.send(str(second.answer + 1))
    _, state = await _current(chat, services)
    assert state["score"] == 2 and "orders" not in state
