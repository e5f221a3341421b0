"""The shipped quiz: every topic with a card has questions, and the right answer cannot be found
without reading, neither by its length nor by its place (the bot also shuffles the order)."""

import html
import re
from collections import Counter, defaultdict

TAG = re.compile(r"<[^>]+>")


def _length(option: str) -> int:
    """Characters a citizen reads: tags and entities do not count."""
    return len(html.unescape(TAG.sub("", option)).strip())


def _by_topic(library) -> dict[str, list]:
    questions = defaultdict(list)
    for question in library.knowledge_for("vi").quiz:
        questions[question.topic].append(question)
    return questions


def test_every_topic_with_a_card_has_at_least_five_questions(library):
    knowledge = library.knowledge_for("vi")
    per_topic = Counter(question.topic for question in knowledge.quiz)
    assert set(knowledge.cards) <= set(per_topic)
    assert {topic: per_topic[topic] for topic in knowledge.cards if per_topic[topic] < 5} == {}


def test_the_right_answer_is_the_longest_option_in_at_most_half_of_each_file(library):
    too_often = {}
    for topic, questions in _by_topic(library).items():
        longest = [
            q.id
            for q in questions
            if all(_length(q.options[q.answer]) > _length(o) for i, o in enumerate(q.options) if i != q.answer)
        ]
        if len(longest) * 2 > len(questions):
            too_often[topic] = longest
    assert too_often == {}


def test_answers_are_spread_over_the_positions(library):
    quiz = library.knowledge_for("vi").quiz
    places = Counter(question.answer for question in quiz)
    assert len(places) >= 3 and max(places.values()) * 2 <= len(quiz), places
    four = Counter(question.answer for question in quiz if len(question.options) == 4)
    assert len(four) >= 2, four  # four-option questions do not all keep the answer last


def test_options_of_a_question_differ_and_number_three_or_four(library):
    for question in library.knowledge_for("vi").quiz:
        assert 3 <= len(question.options) <= 4, question.id
        assert len(set(question.options)) == len(question.options), question.id
