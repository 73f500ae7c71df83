"""The augmentation's audit against evaluation questions and its dataset-card section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from presstune.corpus.llm import word_ngrams
from presstune.records import TrainingRow, read_fact_sheets
from presstune.rundir import RunDir


def ngram_overlap(questions: list[str], rows: list[TrainingRow], n: int = 8) -> dict[str, Any]:
    """How much of the evaluation questions' text the training rows hold: verbatim questions,
    and the share of question word n-grams found in any training row."""
    texts = [row_text(r) for r in rows]
    have: set[tuple[str, ...]] = set()
    for t in texts:
        have.update(word_ngrams(t, n))
    blob = "\n".join(texts)
    verbatim = sum(1 for q in questions if q in blob)
    grams = [g for q in questions for g in word_ngrams(q, n)]
    shared = sum(1 for g in grams if g in have)
    return {
        "questions": len(questions),
        "verbatim_in_training": verbatim,
        "ngram": n,
        "question_ngrams": len(grams),
        "shared_share": round(shared / len(grams), 4) if grams else 0.0,
    }


def row_text(row: TrainingRow) -> str:
    if "text" in row:
        return str(row["text"])
    return "\n".join(m.get("content", "") for m in [*row.get("prompt", []), *row.get("completion", [])])


def audit_against_facts(run: Path, train_ids: set[str], rows: list[TrainingRow]) -> dict[str, Any] | None:
    """Question/answer overlap of the training rows with the replica's ground-truth questions of
    the train articles (the knowledge-QA pool). Only an audit: generation never reads these."""
    path = RunDir(run).fact_sheets()
    if path is None:
        return None
    questions, answers = [], []
    for rec in read_fact_sheets(path):
        if rec.article in train_ids:
            for qa in rec.qa or []:
                questions.append(qa.question or "")
                answers.append(qa.answer or "")
    result = ngram_overlap(questions, rows, 8)
    result["question_4gram_shared_share"] = ngram_overlap(questions, rows, 4)["shared_share"]
    blob = "\n".join(row_text(r) for r in rows if r.get("kind") == "qa")
    result["answers"] = len(answers)
    result["answers_in_qa_rows"] = sum(1 for a in answers if a and a in blob)
    result["source"] = path.name
    return result


def card_section(stats: dict[str, Any]) -> list[str]:
    """The dataset card's lines about augmentation, the mixes and the evaluation audit."""
    lines = [
        "## Knowledge augmentation",
        "",
        f"Backend **{stats['backend']}** over {stats['articles']} train articles "
        f"(cache: {', '.join(f'{k} {v}' for k, v in sorted(stats['cache'].items())) or 'none'}); "
        f"{stats['atomic_facts']} atomic facts found by the rules. The generator reads the article text only.",
        "",
        "| kind | generated rows |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(stats["generated"].items())],
        "",
        "| rejected (kind:reason) | pairs |",
        "|---|---|",
        *([f"| {k} | {v} |" for k, v in sorted(stats["rejected"].items())] or ["| (none) | 0 |"]),
        "",
        f"Probe articles (QA withheld from every mix): {stats['probe_articles']}, "
        f"{stats['withheld_qa_rows']} QA rows withheld (`probe.json`).",
        "",
        f"Held-out questions (`qa_valid.jsonl`): {stats.get('valid_questions', 0)} — one wording of a seeded "
        f"{stats.get('valid_share', 0):.0%} of each other train article's facts, in no training row (the fact is "
        "trained through its other wordings): questions about trained facts asked in words never trained.",
        "",
        "## Training mixes",
        "",
        "Weight = copies of every row of that kind per epoch; `train.jsonl` is the default mix, `train.<name>.jsonl` "
        "the others.",
        "",
        "| mix | article | qa | paraphrase | facts | reading | replay | rows by kind |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, w in stats["mix"].items():
        got = ", ".join(f"{k} {v}" for k, v in sorted(stats["mix_rows"].get(name, {}).items()))
        lines.append(
            f"| {name} | {w['article']} | {w['qa']} | {w['paraphrase']} | {w['facts']} | {w['reading']} "
            f"| {w['replay']} | {got} |"
        )
    replay = stats.get("self_replay")
    if replay:
        lines += [
            "",
            f"Self-rehearsal replay (`replay_file: base`): {replay['model']} answered {replay['instructions']} general "
            f"instructions ({'reused' if replay.get('reused') else 'generated'}); {replay['rows']} answers kept, "
            f"{replay['too_short']} too short and {replay.get('cut_off', 0)} cut off at the token limit left out "
            "(`replay/base.jsonl`).",
        ]
    reading = stats.get("reading")
    if reading:
        lines += [
            "",
            f"Reading rows: {reading['rows']} questions asked with the top {reading['top_k']} BM25 passages of the "
            f"train articles; retrieval found the answer's passage for {reading['answer_passage_retrieved']}, for "
            f"{reading['answer_passage_put_in']} it was put in (a reading row never asks what its passages lack).",
        ]
    audit = stats.get("audit")
    lines += ["", "## Audit against the evaluation questions", ""]
    if audit:
        lines += [
            f"Ground-truth questions of the train articles ({audit['source']}, {audit['questions']} questions; "
            "used only for this audit): "
            f"**{audit['verbatim_in_training']}** occur verbatim in a training row; "
            f"{audit['shared_share']:.1%} of their word 8-grams and {audit['question_4gram_shared_share']:.1%} of "
            "their 4-grams occur in some training row (the titles the questions quote are in every row); "
            f"{audit['answers_in_qa_rows']} of {audit['answers']} gold answers occur in generated QA rows "
            "(answers are spans of the article, so a correct generator finds the same facts).",
        ]
    else:
        lines.append("No ground-truth questions in this run (real corpus): nothing to audit.")
    return [*lines, ""]
