"""Choosing the verdict's lines: the grid, the pure search on synthetic evidence, and the rule it
shares with `decide`. Scores here are made up; no model is trained."""

from __future__ import annotations

import pytest

from bot.checking.message_model import Score
from bot.checking.message_tune import Case, distinct_alarms, grid, measure, search
from bot.checking.message_verdict import LINES, Evidence, Lines, decide, risk_for


def scam(score: float, *, strong: bool = False, flags: int = 0, identifiers: str = "low", words_only=True) -> Case:
    return Case(True, words_only, score, strong, flags, identifiers)


def genuine(score: float, *, strong: bool = False, flags: int = 0, identifiers: str = "low") -> Case:
    return Case(False, True, score, strong, flags, identifiers)


def test_the_grid_keeps_high_over_alarm_and_flag_alarm_under_it_by_steps_of_five_hundredths():
    lines = grid()
    assert len(lines) == len(set(lines)) == 550
    assert {x.alarm for x in lines} == {n / 100 for n in range(50, 96, 5)}
    assert all(x.alarm <= x.high <= 0.95 and 0.2 <= x.flag_alarm <= x.alarm for x in lines)
    assert all(round(v * 100) % 5 == 0 for x in lines for v in (x.alarm, x.high, x.flag_alarm))
    assert LINES in lines  # today's lines are one of the candidates


def test_search_picks_the_highest_recall_whose_false_alarms_stay_within_the_bound():
    # 50 genuine messages: one at 0.62 (one false alarm, 2%, allowed), one more at 0.58 (a second
    # would be 4%); scams spread from 0.5 up. The best alarm line is therefore 0.60.
    cases = [genuine(0.1)] * 48 + [genuine(0.58), genuine(0.62)]
    cases += [scam(s) for s in (0.52, 0.56, 0.61, 0.66, 0.71, 0.9, 0.97)]
    best, *_ = search(cases)
    assert best.lines.alarm == 0.6
    assert (best.caught, best.scams, best.false_alarms, best.genuine) == (5, 7, 1, 50)
    assert all(o.false_alarm_rate <= 0.02 for o in search(cases))
    assert search(cases, max_false_alarms=0.0)[0].lines.alarm == 0.65  # no false alarm at all


def test_a_strong_flag_lets_the_lower_line_catch_what_the_score_alone_misses():
    cases = [genuine(0.1)] * 50 + [genuine(0.45)]  # a genuine message near the line, without a flag
    cases += [scam(0.3, strong=True, flags=1), scam(0.9)]
    best, *_ = search(cases)
    assert best.caught == 2 and best.false_alarms == 0
    assert best.lines.flag_alarm <= 0.3 and best.lines.alarm > 0.45


def test_high_is_drawn_where_no_genuine_message_is_high_then_as_low_as_it_can():
    cases = [genuine(0.1)] * 60 + [genuine(0.82)] + [scam(s) for s in (0.75, 0.86, 0.9, 0.99)]
    ranked = search(cases, candidates=[Lines(0.7, high / 100, 0.5, 0.35) for high in range(70, 96, 5)])
    assert ranked[0].lines.high == 0.85 and ranked[0].genuine_high == 0
    assert ranked[0].high_share == pytest.approx(3 / 4)


def test_no_candidate_within_the_bound_gives_nothing():
    cases = [genuine(0.99)] * 3 + [scam(0.99)]
    assert search(cases) == []


def test_measure_counts_words_only_scams_apart_and_identifiers_decide_as_in_the_verdict():
    cases = [
        scam(0.1, identifiers="high", words_only=False),  # a look-alike link: high whatever the score
        scam(0.45, identifiers="medium", words_only=False),  # a short link and a score over flag_alarm
        scam(0.2),
        genuine(0.45, identifiers="medium"),
    ]
    outcome = measure(cases, Lines(alarm=0.7, high=0.85, flag_alarm=0.4, unsure=0.35))
    assert (outcome.caught, outcome.scam_high, outcome.words_only, outcome.words_only_caught) == (2, 1, 1, 0)
    assert (outcome.false_alarms, outcome.genuine_high) == (1, 0)


def test_runner_ups_differ_by_more_than_the_high_line():
    cases = [genuine(0.1)] * 50 + [scam(s) for s in (0.55, 0.8, 0.9)]
    runner_ups = distinct_alarms(search(cases), 4)
    pairs = [(o.lines.alarm, o.lines.flag_alarm) for o in runner_ups]
    assert len(pairs) == len(set(pairs)) == 4


@pytest.mark.parametrize(
    ("scam_score", "lines", "risk"),
    [
        (0.6, LINES, "low"),
        (0.6, Lines(alarm=0.55, high=0.9, flag_alarm=0.4, unsure=0.35), "medium"),
        (0.6, Lines(alarm=0.55, high=0.6, flag_alarm=0.4, unsure=0.35), "high"),
    ],
)
def test_decide_draws_the_lines_it_is_given(scam_score, lines, risk):
    verdict = decide("text", Evidence(Score(scam_score, "job-scam", 0.9), [], [], 0), lines)
    assert verdict.risk == risk == risk_for(scam_score, False, 0, "low", lines)
    assert (verdict.topic is None) == (risk == "low")
