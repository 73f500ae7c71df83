"""The run's evaluation data: the eval split (scored), the train split's documents and rows
(knowledge QA), the probe articles and every training row's text (the leak check)."""

from __future__ import annotations

import json
from typing import Any

from presstune.corpus.augment import row_text
from presstune.rundir import RunDir, read_jsonl


class EvaluateError(RuntimeError):
    """A problem that stops the evaluation of one variant (message names it)."""


def load_eval_data(run: RunDir, limit: int | None) -> dict[str, Any]:
    """The eval split (scored) and the train split's documents/rows (knowledge QA only).

    The split is recorded by the corpus stage: ``dataset/documents.jsonl`` gives every kept
    document its ``split``; ``dataset/{train,eval}.jsonl`` rows carry their document's ``id``.
    """
    eval_rows = read_jsonl(run.eval_rows)
    all_documents = read_jsonl(run.documents)
    documents = [d for d in all_documents if d.get("split") == "eval"]
    chat = [r for r in eval_rows if r.get("prompt") and r.get("completion")]
    texts = [{"id": d.get("id"), "text": d.get("body") or ""} for d in documents if d.get("body")]
    if not texts:  # no documents file: the article-style rows are whole text
        texts = [{"id": r.get("id"), "text": r["text"]} for r in eval_rows if r.get("text")]
    if not eval_rows and not documents:
        raise EvaluateError(f"no eval data: {run / 'dataset' / 'eval.jsonl'} and documents.jsonl are missing or empty")
    return {
        "chat": chat[:limit] if limit else chat,
        "texts": texts[:limit] if limit else texts,
        "documents": documents,
        "eval_rows": eval_rows,
        "train_documents": [d for d in all_documents if d.get("split") == "train"],
        "train_rows": read_jsonl(run.train_rows),
    }


def split_ids(data: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(train ids, eval ids) from documents.jsonl's ``split`` and the split files' row ids. An id
    found on both sides (cannot happen with the corpus stage's family split) counts as eval only,
    so knowledge QA never asks about a held-out article."""

    def ids(docs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> set[str]:
        return {str(x.get("id")) for x in [*docs, *rows] if x.get("id") is not None}

    eval_ids = ids(data["documents"], data["eval_rows"])
    return ids(data.get("train_documents", []), data.get("train_rows", [])) - eval_ids, eval_ids


def row_docs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Document-like dicts from split rows (no documents.jsonl): article rows' text, else the
    assistant completion (instruct rows hold the whole release there); one per id."""
    out, seen = [], set()
    for r in rows:
        text = r.get("text") or "".join(m.get("content", "") for m in r.get("completion") or [] if isinstance(m, dict))
        if text and r.get("id") not in seen:
            seen.add(r.get("id"))
            out.append({"id": r.get("id"), "title": r.get("title"), "date": r.get("date"), "text": text})
    return out


def load_probe_ids(run: RunDir) -> set[str]:
    """The probe articles of the corpus stage (dataset/probe.json; none without augmentation)."""
    path = run.probe
    if not path.is_file():
        return set()
    try:
        return {str(i) for i in json.loads(path.read_text(encoding="utf-8")).get("articles", [])}
    except json.JSONDecodeError:
        return set()


def training_texts(run: RunDir) -> list[str]:
    """Every training row's text (all mixes: dataset/train*.jsonl), for the leak check."""
    texts: list[str] = []
    for path in sorted(run.dataset.glob("train*.jsonl")):
        texts.extend(row_text(r) for r in read_jsonl(path))
    return texts


def leaked_questions(items, train_texts: list[str]) -> int:
    """How many question strings occur verbatim in a training row (0 by construction)."""
    blob = "\n".join(train_texts)
    return sum(1 for it in items if it.question in blob)
