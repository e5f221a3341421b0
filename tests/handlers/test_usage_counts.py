"""Anonymous usage counters (bot/core/tally.py): the chat's answers add to per-day counts, with the
area the chat subscribed in, and nothing that names the chat or what it sent."""

from __future__ import annotations

from bot.broadcast import subscriptions
from bot.core.tally import day_of
from tests.handlers.test_quiz import _current, _shown


async def _counts(services) -> list[tuple]:
    return await services.storage.read(
        lambda db: db.execute(
            "SELECT day, kind, outcome, topic, area_code, count FROM usage_counts ORDER BY kind"
        ).fetchall()
    )


async def test_a_check_counts_its_risk_with_the_subscribed_area(chat, services, clock):
    await services.storage.write(lambda db: subscriptions.subscribe(db, chat.key, "x-02647", clock()))
    await chat.send("vietcombank-xacthuc.com")
    await chat.send("0912 345 678")
    await chat.send("0912 345 679")
    rows = await _counts(services)
    day = day_of(clock())
    assert rows == [(day, "check", "high", "", "x-02647", 1), (day, "check", "low", "", "x-02647", 2)]


async def test_a_question_counts_its_outcome_and_topic_and_nothing_of_its_words(chat, services, library):
    entry = library.knowledge["vi"].faq[0]
    await chat.send(entry.question)
    [row] = await _counts(services)
    assert row[1:] == ("question", "answered", entry.topic, "", 1)
    text = entry.question.casefold()
    stored = await services.storage.read(lambda db: db.execute("SELECT * FROM usage_counts").fetchall())
    assert all(text not in str(value).casefold() for value in stored[0])


async def test_a_message_judged_counts_its_risk(chat, services):
    await chat.send(
        "Cong an quan thong bao ban lien quan duong day rua tien, "
        "chuyen ngay 50 trieu vao tai khoan 1027845566 de xac minh"
    )
    assert chat.templates[0] == "message_verdict"
    verdict = chat.values_of("message_verdict")
    [row] = await _counts(services)
    assert row[1:3] == ("message_check", verdict["risk"]) and row[5] == 1


async def test_a_finished_quiz_counts_its_score(chat, services):
    await chat.press("quiz:start")
    for number in range(5):
        question, state = await _current(chat, services)
        right = _shown(state, question)
        await chat.press(f"quiz:{question.id}:{right if number < 4 else (right + 1) % len(question.options)}")
    [row] = await _counts(services)
    assert row[1:] == ("quiz", "4/5", "", "", 1)
