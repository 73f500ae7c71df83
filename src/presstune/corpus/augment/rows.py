"""Training rows from generated items: chat rows, reading rows, and the weighted mix."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any, cast

from presstune.config.augment import AugmentConfig, MixWeights
from presstune.prompts import chat_prompt, qa_prompt
from presstune.records import GeneratedQA, RowMeta, TrainingRow
from presstune.retrieval import Retriever, chunk_documents, rag_question
from presstune.rundir import read_jsonl


def _chat_row(
    system_prompt: str, user: str, assistant: str, meta: RowMeta, kind: str, answer: str | None = None
) -> TrainingRow:
    row: TrainingRow = {
        "prompt": chat_prompt(system_prompt, user),
        "completion": [{"role": "assistant", "content": assistant}],
        **meta,
    }
    if answer is not None:
        row["answer"] = answer
    row["kind"] = kind
    return row


def as_text_row(row: TrainingRow) -> TrainingRow:
    """A chat row as plain text (article-style corpora train on text rows only)."""
    user = row["prompt"][-1]["content"]
    answer = row["completion"][0]["content"]
    rest = {k: v for k, v in row.items() if k not in ("prompt", "completion")}
    return cast(TrainingRow, {"text": f"{user}\n\n{answer}", **rest})


def as_sentence(answer: str) -> str:
    """A span answer as the one-sentence reply the QA instruction asks for."""
    return answer if answer.endswith((".", "!", "?", "”", '"')) else answer + "."


def qa_reply(item: GeneratedQA, style: str) -> str:
    """The trained reply to a QA item: its answer as a sentence, or (``style`` "statement") the
    clause stating the fact where the generator gave one. A 135M model tuned on bare spans answers
    every question of the QA instruction with a bare span, general ones too, and its general
    answers fall apart ("What is the capital of Italy?" -> "Italieta."); the base model answers in a
    sentence that restates the question and retrieves as it goes."""
    said = item.get("statement") if style == "statement" else None
    return said if said else as_sentence(item["answer"])


def generated_rows(
    doc: dict[str, Any], generated: dict[str, Any], meta: RowMeta, cfg: AugmentConfig, system_prompt: str
) -> dict[str, list[TrainingRow]]:
    rows: dict[str, list[TrainingRow]] = {"qa": [], "paraphrase": [], "facts": []}
    for item in generated.get("qa", []):
        rows["qa"].append(
            _chat_row(
                system_prompt,
                qa_prompt(cfg.qa_instruction, item["question"]),
                qa_reply(item, cfg.qa_answer),
                meta,
                "qa",
                # the span itself, whatever the reply: the asked-as-trained diagnostic scores it
                # (training keeps only the chat columns)
                answer=item["answer"],
            )
        )
    for kind in ("paraphrase", "facts"):
        for item in generated.get(kind, []):
            rows[kind].append(_chat_row(system_prompt, item["prompt"], item["text"], meta, kind))
    return rows


def reading_passages(
    question: str, answer: str, article_id: str, retriever, passages: list, k: int, rng: random.Random
):
    """The top-k passages retrieved for ``question``, with the passage of ``article_id`` that holds
    ``answer`` put in at a seeded place when retrieval missed it (a reading row teaches reading,
    not guessing), and whether it was put in; None when no passage of that article holds the answer."""
    hits = retriever.search([question], k)[0]
    if any(answer in p.text for p in hits):
        return hits, False
    gold = [p for p in passages if p.article_id == article_id and answer in p.text]
    if not gold:
        return None
    hits = [*hits[:-1], gold[0]]
    rng.shuffle(hits)
    return hits, True


def reading_rows(
    docs: list[dict[str, Any]],
    asked: set[str],
    generated: dict[str, Any],
    skip_questions: set[str],
    cfg: AugmentConfig,
    system_prompt: str,
    meta_for,
) -> tuple[list[TrainingRow], Counter, dict[str, int]]:
    """For each article of ``docs`` whose id is in ``asked`` (the non-probe train articles), up to
    ``reading_per_article`` of its QA pairs (first wording of each fact, a seeded sample) as
    questions with the top-k passages of all ``docs`` (the train split, the pool evaluation
    retrieves from) in the prompt; a question in ``skip_questions`` (a probe article's) is never
    used. Returns the rows, the rejection counts and how often retrieval found the answer's passage."""
    rejected: Counter = Counter()
    found = {"answer_passage_retrieved": 0, "answer_passage_put_in": 0}
    passages = chunk_documents(docs, cfg.reading_passage_words)
    if not passages or cfg.reading_per_article == 0:
        return [], rejected, found
    retriever = Retriever(passages, "bm25")
    out: list[TrainingRow] = []
    for doc in sorted((d for d in docs if d["id"] in asked), key=lambda d: d["id"]):
        rng = random.Random(f"reading:{cfg.seed}:{doc['id']}")
        items = [
            it
            for it in (generated.get(doc["id"]) or {}).get("qa", [])
            if it.get("phrasing", 0) == 0 and qa_prompt(cfg.qa_instruction, it["question"]) not in skip_questions
        ]
        for item in rng.sample(items, min(cfg.reading_per_article, len(items))):
            got = reading_passages(
                item["question"], item["answer"], doc["id"], retriever, passages, cfg.reading_top_k, rng
            )
            if got is None:
                rejected["reading:answer_not_in_a_passage"] += 1
                continue
            hits, put_in = got
            found["answer_passage_put_in" if put_in else "answer_passage_retrieved"] += 1
            user = qa_prompt(cfg.qa_instruction, rag_question(item["question"], hits))
            out.append(_chat_row(system_prompt, user, qa_reply(item, cfg.qa_answer), meta_for(doc), "reading"))
    return out, rejected, found


def apply_mix(
    rows: dict[str, list[TrainingRow]],
    weights: MixWeights,
    seed: int,
    self_replay: list[TrainingRow] | None = None,
) -> list[TrainingRow]:
    """Rows of each kind repeated ``weight`` times (the fractional part a seeded sample), plus
    the replay share from ``weights.replay_file`` (``self_replay`` when it is ``base``)."""
    rng = random.Random(f"mix:{seed}")
    out: list[TrainingRow] = []
    for kind in ("article", "qa", "paraphrase", "facts", "reading"):
        weight, kind_rows = getattr(weights, kind), rows.get(kind, [])
        whole, frac = int(weight), weight - int(weight)
        for _ in range(whole):
            out.extend(kind_rows)
        if frac > 0 and kind_rows:
            out.extend(rng.sample(kind_rows, int(round(frac * len(kind_rows)))))
    if weights.replay > 0:
        if not weights.replay_file:
            raise ValueError("corpus.mix.replay > 0 needs corpus.mix.replay_file (general rows, JSONL)")
        # a general-instruction file of the user's: its rows are checked where the trainer loads them
        pool = (
            self_replay
            if weights.replay_file == "base"
            else cast(list[TrainingRow], read_jsonl(Path(weights.replay_file)))
        )
        if not pool:
            raise ValueError(f"corpus.mix.replay_file {weights.replay_file}: no rows")
        n = int(round(weights.replay * len(out) / (1 - weights.replay)))
        out.extend({**r, "kind": "replay"} for r in (rng.choices(pool, k=n) if n > len(pool) else rng.sample(pool, n)))
    return out
