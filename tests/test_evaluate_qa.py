"""Closed-book QA items and scoring: accepted answers besides the canonical one (fact-sheet
``aliases`` / ``answers``), what a QA set's questions were written from, and the real dev set's
aliases read through the ``evaluate.facts_file`` form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presstune.evaluate.qa import (
    QAItem,
    answer_in_question,
    contains_answer,
    exact_match,
    fact_answers,
    facts_questions,
    question_source,
)
from presstune.records import FactQuestion, FactSheetLine, read_fact_sheets


def test_fact_sheet_entries_give_their_aliases_in_either_form():
    def answers(**entry) -> tuple[str, tuple[str, ...]]:
        return fact_answers(FactQuestion(**entry))

    assert answers(answer="five hours") == ("five hours", ())
    assert answers(answer="five hours", aliases=["5 hours", "5 h"]) == ("five hours", ("5 hours", "5 h"))
    # answers: all accepted answers, the first canonical
    assert answers(answers=["René Rast", "Rene Rast"]) == ("René Rast", ("Rene Rast",))
    # answer and answers together: answer is canonical, answers add to the aliases
    assert answers(answer="527 points", answers=["527"], aliases=["527 pts"]) == ("527 points", ("527", "527 pts"))
    # forms that normalise alike score nothing new and are dropped; empty ones too
    assert answers(answer="BMW Museum", aliases=["the BMW Museum", "", "bmw  museum"]) == ("BMW Museum", ())
    records = [
        {"id": "A1", "qa": [{"question": "How long?", "answers": ["five hours", "5 hours"], "fact_key": "number"}]},
        {"id": "A2", "qa": [{"question": "Who?", "answer": "Maro Engel"}, {"question": "", "answer": "x"}]},
    ]
    items = facts_questions([FactSheetLine.model_validate(r) for r in records], {"A1", "A2"})
    assert [(it.qid, it.answer, it.aliases) for it in items] == [
        ("A1:0", "five hours", ("5 hours",)),
        ("A2:0", "Maro Engel", ()),
    ]
    assert items[0].to_dict()["aliases"] == ["5 hours"] and json.dumps(items[0].to_dict())
    # one question per line (the real dev set's questions.jsonl): grouped by article, numbered within it
    flat = [
        {"article_id": "B", "question": "Which plant?", "answer": "Leipzig", "kind": "place"},
        {"article_id": "C", "question": "Who?", "answer": "Anton Huber"},
        {"article_id": "B", "question": "How long?", "answer": "five hours", "aliases": ["5 hours"]},
    ]
    lines = [FactSheetLine.model_validate(r) for r in flat]
    assert [(it.qid, it.fact_key, it.aliases) for it in facts_questions(lines, {"B"})] == [
        ("B:0", "place", ()),
        ("B:1", "", ("5 hours",)),
    ]


def test_a_hit_on_an_alias_counts_and_a_miss_on_all_does_not():
    aliases = ("5 hours", "5 h")
    assert contains_answer("They drove for 5 hours in total.", "five hours", aliases)
    assert contains_answer("They drove for five hours.", "five hours", aliases)
    assert not contains_answer("They drove for 5 hours in total.", "five hours")  # without the alias: a miss
    assert not contains_answer("They drove for 15 hours.", "five hours", aliases)  # whole words only
    assert not contains_answer("They drove all day.", "five hours", aliases)
    assert exact_match("5 hours", "five hours", aliases) and not exact_match("5 hours", "five hours")
    assert not exact_match("about 5 hours", "five hours", aliases)
    # an alias standing in the question makes it answerable by copying, like the canonical answer
    copyable = QAItem("a:0", "a", "How long did the 5 hours test last?", "five hours", "number", "facts", aliases)
    assert answer_in_question(copyable)
    assert not answer_in_question(
        QAItem("a:1", "a", "How long did the test last?", "five hours", "n", "facts", aliases)
    )


def test_question_source_names_the_replica_a_users_file_or_the_templates(tmp_path: Path):
    assert question_source("facts", tmp_path / "run" / "replica_facts.jsonl") == (
        "replica fact sheets (replica_facts.jsonl)"
    )
    assert question_source("facts", tmp_path / "_replica" / "facts.jsonl").startswith("replica fact sheets")
    assert question_source("facts", None).startswith("replica fact sheets (rebuilt")
    assert question_source("facts", tmp_path / "realdev" / "facts.jsonl") == "facts file facts.jsonl"
    assert question_source("templates").startswith("cloze templates")
    assert question_source("training_rows") == "the training rows' own QA questions"


@pytest.fixture(scope="module")
def realdev() -> Path:
    """The real PressClub dev set (``../shared/realdev`` from the repository root); skips where absent."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "realdev"
    if not (path / "questions.jsonl").is_file():
        pytest.skip(f"{path}/questions.jsonl not present (the real dev set lives outside the repository)")
    return path


def test_real_dev_questions_file_serves_as_a_facts_file_with_its_aliases(realdev: Path):
    """questions.jsonl (one question per line, with aliases) read as ``evaluate.facts_file``: the
    same questions with the same ids as facts.jsonl (its fact-sheet form), plus the aliases."""

    def read(name: str) -> list[dict]:
        return [json.loads(line) for line in (realdev / name).read_text(encoding="utf-8").splitlines() if line]

    questions = read("questions.jsonl")
    ids = {q["article_id"] for q in questions}
    items = facts_questions(read_fact_sheets(realdev / "questions.jsonl"), ids)
    sheets = facts_questions(read_fact_sheets(realdev / "facts.jsonl"), ids)
    assert len(items) == len(questions)
    assert [(it.qid, it.question, it.answer) for it in items] == [(it.qid, it.question, it.answer) for it in sheets]
    by_question = {q["question"]: q for q in questions}
    assert all(list(it.aliases) == [a for a in by_question[it.question]["aliases"] if a in it.aliases] for it in items)
    with_aliases = [it for it in items if it.aliases]
    assert len(with_aliases) >= len(questions) // 2  # most real answers have other accepted forms
    # a prediction in an alias's words is a hit only through the alias
    hit = next(it for it in with_aliases if not contains_answer(it.aliases[0], it.answer))
    assert contains_answer(f"It was {hit.aliases[0]}.", hit.answer, hit.aliases)
    assert not contains_answer(f"It was {hit.aliases[0]}.", hit.answer)
    # no real question holds its own answer or an alias of it
    assert not any(answer_in_question(it) for it in items)
