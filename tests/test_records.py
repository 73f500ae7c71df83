"""The typed records of the files stages hand over: a malformed line is refused on reading with
its file, line and field, by the reader of each contract file and by the stage that reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presstune.evaluate.data import EvaluateError, load_eval_data, load_probe_ids
from presstune.records import (
    FactSheetLine,
    RecordFileError,
    read_documents,
    read_fact_sheets,
    read_held_out_questions,
    read_question_rows,
)
from presstune.rundir import RunDir

DOCUMENT = {
    "id": "T1",
    "family_id": "T1",
    "language": "en",
    "date": "2025-01-02",
    "title": "A release",
    "split": "eval",
    "source": "pdf",
    "chars": 9,
    "teaser": "",
    "body": "Some text",
}


def write_lines(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_qa_file_row_without_an_answer_is_refused_naming_file_and_line(tmp_path: Path):
    good = json.dumps({"id": "A", "question": "When?", "answer": "In June.", "aliases": [], "fact_kind": "date"})
    path = write_lines(tmp_path / "qa_valid.jsonl", good, "", json.dumps({"id": "A", "question": "Who?"}))
    with pytest.raises(RecordFileError, match=r"qa_valid\.jsonl:3: not a held-out question .*answer: Field required"):
        read_held_out_questions(path)
    write_lines(path, good, "", good)
    assert [(q.id, q.answer, q.fact_kind) for q in read_held_out_questions(path)] == [("A", "In June.", "date")] * 2
    assert read_held_out_questions(tmp_path / "missing.jsonl") == []  # no file: no records


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", r"documents\.jsonl:2: invalid JSON"),
        ('"a string"', r"documents\.jsonl:2: not a JSON object"),
        (
            json.dumps({k: v for k, v in DOCUMENT.items() if k != "split"}),
            r"documents\.jsonl:2: .*split: Field required",
        ),
        (json.dumps({**DOCUMENT, "chars": "many"}), r"documents\.jsonl:2: .*chars: Input should be a valid integer"),
    ],
)
def test_evaluation_refuses_a_malformed_document_with_its_line(tmp_path: Path, line: str, why: str):
    run = RunDir(tmp_path)
    write_lines(run.documents, json.dumps(DOCUMENT), line)
    with pytest.raises(RecordFileError, match=why):
        load_eval_data(run, None)


def test_documents_read_back_as_written_keys_and_all(tmp_path: Path):
    run = RunDir(tmp_path)
    write_lines(run.documents, json.dumps({**DOCUMENT, "extra": 1}))
    assert read_documents(run.documents) == [{**DOCUMENT, "extra": 1}]  # later keys pass through
    data = load_eval_data(run, None)
    assert data["documents"] == read_documents(run.documents) and data["texts"] == [{"id": "T1", "text": "Some text"}]
    older = {k: v for k, v in DOCUMENT.items() if k != "teaser"}  # written before documents had a teaser
    write_lines(run.documents, json.dumps(older))
    assert read_documents(run.documents) == [older]


def test_fact_sheets_in_either_form_and_a_bad_line(tmp_path: Path):
    sheet = {"id": "A1", "title": "t", "qa": [{"question": "How many?", "answer": 527, "fact_key": "number"}]}
    one = {"article_id": "B", "question": "Who?", "answer": "Anton Huber", "aliases": ["A. Huber"], "kind": "person"}
    path = write_lines(tmp_path / "facts.jsonl", json.dumps(sheet), json.dumps(one), json.dumps({"id": "C", "qa": []}))
    lines = read_fact_sheets(path)
    assert [(x.article, [(q.question, q.answer, q.fact_key or q.kind) for q in x.entries()]) for x in lines] == [
        ("A1", [("How many?", "527", "number")]),  # a number answer reads as its text
        ("B", [("Who?", "Anton Huber", "person")]),
        ("C", []),
    ]
    assert FactSheetLine.model_validate({"id": "D"}).entries() == []  # neither qa nor a question
    write_lines(path, json.dumps(sheet), json.dumps({"id": "A2", "qa": "not a list"}))
    with pytest.raises(RecordFileError, match=r"facts\.jsonl:2: not a fact sheet or a question: qa: "):
        read_fact_sheets(path)


def test_question_rows_and_the_probe_file(tmp_path: Path):
    run = RunDir(tmp_path)
    row = {"qid": "A:0", "article_id": "A", "question": "When?", "gold": "June", "contains_answer": True}
    write_lines(run.metric_rows("qa", "base"), json.dumps(row), json.dumps({**row, "contains_answer": "perhaps"}))
    with pytest.raises(RecordFileError, match=r"base\.jsonl:2: .*contains_answer: Input should be a valid boolean"):
        read_question_rows(run.metric_rows("qa", "base"))
    assert load_probe_ids(run) == set()  # no probe file: no probe articles
    write_lines(run.probe, json.dumps({"articles": ["A", "B"], "share": 0.2, "seed": 0}))
    assert load_probe_ids(run) == {"A", "B"}
    write_lines(run.probe, json.dumps({"articles": "A"}))
    with pytest.raises(EvaluateError, match=r"probe\.json: not the corpus stage's probe file"):
        load_probe_ids(run)
