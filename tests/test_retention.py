"""The packaged retention set: enough general questions for an interval that can show a loss,
scored honestly (no answer in its own question, aliases that count), and enough general texts."""

from __future__ import annotations

from presstune.config.evaluate import EvaluateConfig
from presstune.evaluate.qa import QAItem, answer_in_question, contains_answer, normalize_answer, wilson_interval
from presstune.evaluate.retention import GENERAL_QUESTIONS, GENERAL_TEXTS, SELECTION_RESERVED, general_questions


def test_enough_questions_for_an_interval_of_about_ten_points():
    assert len(GENERAL_QUESTIONS) >= 120
    assert len({g.question for g in GENERAL_QUESTIONS}) == len(GENERAL_QUESTIONS)
    # at the base's ~63 %, the Wilson interval's half-width is under 10 points (30 questions: ~17)
    low, high = wilson_interval(round(0.63 * len(GENERAL_QUESTIONS)), len(GENERAL_QUESTIONS))
    assert (high - low) / 2 < 0.10
    low30, high30 = wilson_interval(19, 30)
    assert (high30 - low30) / 2 > 0.15


def test_every_question_is_scored_honestly():
    for g in GENERAL_QUESTIONS:
        item = QAItem("g", "general", g.question, g.answer, "general", "general", g.aliases)
        assert not answer_in_question(item), g  # answerable by copying measures nothing
        for accepted in (g.answer, *g.aliases):
            assert normalize_answer(accepted), g  # a lone "a" normalises to nothing and could never score
        assert len(g.answer.split()) <= 3, g  # short answers: contains-scoring stays unambiguous
        assert contains_answer(f"The answer is {g.answer}.", g.answer, g.aliases)


def test_numbers_are_accepted_as_digits_and_as_words():
    seven = next(g for g in GENERAL_QUESTIONS if g.question == "How many days are there in a week?")
    assert contains_answer("A week has 7 days.", seven.answer, seven.aliases)
    assert contains_answer("There are seven days in a week.", seven.answer, seven.aliases)
    assert not contains_answer("A week has 17 days.", seven.answer, seven.aliases)


def test_all_questions_but_selections_by_default_and_enough_texts():
    assert EvaluateConfig().retention_questions is None
    assert general_questions(None) == GENERAL_QUESTIONS[:-SELECTION_RESERVED] and len(general_questions(10)) == 10
    assert len(general_questions(None)) >= 120  # a Wilson interval of about +-9 points near 60 %
    assert general_questions(0) == []
    assert len(GENERAL_TEXTS) >= 40 and EvaluateConfig().retention_texts >= len(GENERAL_TEXTS)
    assert len(set(GENERAL_TEXTS)) == len(GENERAL_TEXTS)
    assert all(100 <= len(t) <= 400 for t in GENERAL_TEXTS)  # short paragraphs
