"""The run's evaluation data: the eval split (scored), the train split's documents and rows
(knowledge QA), the probe articles and every training row's text (the leak check)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict, cast

from pydantic import ValidationError

from presstune.corpus.augment import row_text
from presstune.records import CorpusDocument, ProbeFile, TrainingRow, read_documents
from presstune.rundir import RunDir, read_jsonl


class EvaluateError(RuntimeError):
    """A problem that stops the evaluation of one variant (message names it)."""


class EvalText(TypedDict):
    """A text scored for perplexity: a document's body, or a text row."""

    id: str | None
    text: str


class EvalData(TypedDict):
    """What the evaluation reads of the corpus stage's files (:func:`load_eval_data`)."""

    chat: list[TrainingRow]  # the eval split's chat rows (scored), at most the limit
    texts: list[EvalText]  # the eval split's texts (scored), at most the limit
    documents: list[CorpusDocument]  # the eval split's documents
    eval_rows: list[TrainingRow]
    train_documents: NotRequired[list[CorpusDocument]]
    train_rows: NotRequired[list[TrainingRow]]


def training_rows(path) -> list[TrainingRow]:
    """A training-rows file as written by the corpus stage (not checked here: rows are checked
    where the trainer loads them, ``presstune.train.data``)."""
    return cast(list[TrainingRow], read_jsonl(path))


def load_eval_data(run: RunDir, limit: int | None) -> EvalData:
    """The eval split (scored) and the train split's documents/rows (knowledge QA only).

    The split is recorded by the corpus stage: ``dataset/documents.jsonl`` gives every kept
    document its ``split``; ``dataset/{train,eval}.jsonl`` rows carry their document's ``id``.
    """
    eval_rows = training_rows(run.eval_rows)
    all_documents = read_documents(run.documents)
    documents = [d for d in all_documents if d.get("split") == "eval"]
    chat = [r for r in eval_rows if r.get("prompt") and r.get("completion")]
    texts: list[EvalText] = [{"id": d.get("id"), "text": d.get("body") or ""} for d in documents if d.get("body")]
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
        "train_rows": training_rows(run.train_rows),
    }


def split_ids(data: EvalData) -> tuple[set[str], set[str]]:
    """(train ids, eval ids) from documents.jsonl's ``split`` and the split files' row ids. An id
    found on both sides (cannot happen with the corpus stage's family split) counts as eval only,
    so knowledge QA never asks about a held-out article."""

    def ids(docs: list[CorpusDocument], rows: list[TrainingRow]) -> set[str]:
        return {str(x.get("id")) for x in [*docs, *rows] if x.get("id") is not None}

    eval_ids = ids(data["documents"], data["eval_rows"])
    return ids(data.get("train_documents", []), data.get("train_rows", [])) - eval_ids, eval_ids


def row_docs(rows: list[TrainingRow]) -> list[dict[str, Any]]:
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
        return set(ProbeFile.model_validate_json(path.read_text(encoding="utf-8")).articles)
    except ValidationError as exc:
        raise EvaluateError(f"{path}: not the corpus stage's probe file: {exc}") from None


def training_texts(run: RunDir) -> list[str]:
    """Every training row's text (all mixes: dataset/train*.jsonl), for the leak check."""
    texts: list[str] = []
    for path in sorted(run.dataset.glob("train*.jsonl")):
        texts.extend(row_text(r) for r in training_rows(path))
    return texts


def leaked_questions(items, train_texts: list[str]) -> int:
    """How many question strings occur verbatim in a training row (0 by construction)."""
    blob = "\n".join(train_texts)
    return sum(1 for it in items if it.question in blob)
