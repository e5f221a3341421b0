"""/quiz: a short quiz of mixed questions, feedback after each answer, a score at the end.

The quiz is a flow: which questions, where the citizen is and the score so far live in the
conversation state, so it survives restarts. A button carries its question's id, so a tap on an
older question's button cannot answer the current one. Results are stored per chat.

Options are shown in an order drawn per question when the quiz starts and kept in the state
(`orders`: for each question, the original option index shown at each position), so the right
answer is not always at the same place. Buttons and typed numbers or letters name a shown
position, mapped back to the original index; a state saved before `orders` existed shows the
options in their written order.
"""

from __future__ import annotations

import random

from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import ascii_int, phrase_key
from bot.knowledge import quiz_results
from bot.routing import conversations
from bot.routing.choices import Button
from bot.services import Services
from handlers import flow
from handlers.menu import menu_button, with_menu

FLOW = "quiz"
BUTTON = Button("quiz", "what", "option")  # quiz:<question id>:<shown position>, quiz:stop, quiz:again
STOP, AGAIN = BUTTON.data(what="stop"), BUTTON.data(what="again")


def _order(state: dict, index: int, options: int) -> list[int]:
    """The original option index shown at each position of question `index`: the order drawn when
    the quiz started, or the written order for a state saved without one (or not fitting)."""
    orders = state.get("orders")
    order = orders[index] if isinstance(orders, list) and index < len(orders) else None
    if isinstance(order, list) and sorted(order) == list(range(options)):
        return order
    return list(range(options))


def _question_reply(svc: Services, msg: Incoming, state: dict, index: int) -> Reply:
    t = svc.texts(msg)
    ids = state["ids"]
    question = svc.knowledge(msg).question(ids[index])
    order = _order(state, index, len(question.options))
    text = t.render(
        "quiz_question",
        number=index + 1,
        total=len(ids),
        question=t.render_text(question.question),
        options=[t.render_text(question.options[original]) for original in order],
    )
    choices = tuple(Choice(str(n + 1), BUTTON.data(what=question.id, option=n)) for n in range(len(order)))
    return Reply(text, choices=choices + (Choice(t.label("buttons.quiz_stop"), STOP),), columns=len(choices))


def _pick_questions(svc: Services, msg: Incoming) -> list[str]:
    """Mixed topics: at most one question per topic while topics last."""
    by_topic: dict[str, list[str]] = {}
    for question in svc.knowledge(msg).quiz:
        by_topic.setdefault(question.topic, []).append(question.id)
    topics = random.sample(sorted(by_topic), k=len(by_topic))
    picked = [random.choice(by_topic[topic]) for topic in topics]
    return picked[: svc.settings.quiz_length]


def _draw_order(options: int) -> list[int]:
    """A random order of a question's options: the original index shown at each position."""
    return random.sample(range(options), k=options)


async def start(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    ids = _pick_questions(svc, msg)
    if not ids:
        return with_menu(t, "coming_soon", feature=t.labels("features")["quiz"])
    knowledge = svc.knowledge(msg)
    orders = [_draw_order(len(knowledge.question(i).options)) for i in ids]
    state = {"ids": ids, "index": 0, "score": 0, "orders": orders}
    await svc.conversations.start(msg.conversation_key, FLOW, "question", state)
    return [Reply(t.render("quiz_intro", total=len(ids)), fresh_numbers=True), _question_reply(svc, msg, state, 0)]


def _chosen_position(msg: Incoming, question_id: str, options: int) -> int | None:
    """The shown position (from 0) the citizen picked, by button, number or letter."""
    if msg.choice:
        pressed = BUTTON.read(msg.choice)
        index = ascii_int(pressed["option"])
        if pressed["what"] == question_id and index is not None and index < options:
            return index
        return None
    key = phrase_key(msg.text or "")
    letters = "abcd"
    typed = ascii_int(key)
    if typed is not None and 1 <= typed <= options:
        return typed - 1
    if len(key) == 1 and key in letters[:options]:
        return letters.index(key)
    return None


async def answer(msg: Incoming, svc: Services) -> list[Reply]:
    t = svc.texts(msg)
    conversation, instead = await flow.current(msg, svc, FLOW, cancel=msg.choice == STOP)
    if conversation is None:
        return instead
    state = dict(conversation.data)
    ids, index = state["ids"], state["index"]
    question = svc.knowledge(msg).question(ids[index])
    order = _order(state, index, len(question.options))
    position = _chosen_position(msg, question.id, len(order))
    if position is None:
        if msg.choice:  # a button of an earlier question
            return [_question_reply(svc, msg, state, index)]
        return [Reply(t.render("quiz_reask")), _question_reply(svc, msg, state, index)]
    correct = order[position] == question.answer
    state["score"] += int(correct)
    state["index"] += 1
    feedback = Reply(
        t.render(
            "quiz_feedback",
            correct=correct,
            right_option=f"{order.index(question.answer) + 1}. {t.render_text(question.options[question.answer])}",
            explanation=t.render_text(question.explanation),
        )
    )
    if state["index"] < len(ids):
        await svc.conversations.start(msg.conversation_key, FLOW, "question", state)
        return [feedback, _question_reply(svc, msg, state, state["index"])]

    def finish(db) -> None:
        quiz_results.record(db, msg.chat, state["score"], ids, svc.clock())
        svc.count_use(db, msg, "quiz", f"{state['score']}/{len(ids)}")
        conversations.end_in(db, msg.conversation_key)

    await svc.storage.write(finish)
    result = Reply(
        t.render("quiz_result", score=state["score"], total=len(ids)),
        choices=(Choice(t.label("buttons.quiz_again"), AGAIN), *menu_button(t)),
    )
    return [feedback, result]


async def on_choice(msg: Incoming, svc: Services) -> list[Reply]:
    if msg.choice in (BUTTON.data(what="start"), AGAIN):
        return await start(msg, svc)
    return await answer(msg, svc)
