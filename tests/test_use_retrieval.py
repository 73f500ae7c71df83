"""--rag's retriever: the evaluation's passages of dataset/documents.jsonl, BM25, the prompt it builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presstune.retrieval import RAG_INSTRUCTION, chunk_documents, rag_question
from presstune.retrieval import Retriever as EvalRetriever
from presstune.use.retrieval import RetrievalError, Retriever, with_passages

DOCS = [
    {
        "id": "A",
        "split": "train",
        "title": "BMW iX3 premiere",
        "body": "The BMW iX3 delivers 340 kW.\nIt is built in Debrecen.",
    },
    {"id": "B", "split": "train", "title": "MINI Countryman", "body": "The MINI Countryman starts at 40,000 euros."},
    {"id": "C", "split": "eval", "title": "Plant Leipzig", "body": "Plant Leipzig produces the BMW 1 Series.\n\n"},
]


def test_retrieves_the_passage_that_answers(tmp_path: Path) -> None:
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    retriever = Retriever.from_run(tmp_path)
    question = "How much power does the iX3 have?"
    found = retriever.search(question, k=2)
    assert found[0].article_id == "A"
    prompt = with_passages(question, found)
    assert prompt.startswith(RAG_INSTRUCTION) and "[1] BMW iX3 premiere" in prompt
    assert prompt.endswith(f"Question: {question}")
    assert with_passages("q", []) == "q"


def test_ask_rag_asks_what_the_evaluation_measured() -> None:
    """--rag retrieves the passages and builds the prompt of rag_qa_train_* (same chunks, ranking, layout)."""
    items = chunk_documents(DOCS)
    question = "Where is the BMW iX3 built?"
    measured = EvalRetriever(items, "bm25").search([question], 2)[0]
    asked = Retriever(items).search(question, k=2)
    assert asked == measured
    assert with_passages(question, asked) == rag_question(question, measured)


def test_missing_corpus_is_named(tmp_path: Path) -> None:
    with pytest.raises(RetrievalError, match="documents.jsonl is missing or empty"):
        Retriever.from_run(tmp_path)


def test_bm25s_is_imported_with_jax_kept_off_the_gpu(monkeypatch):
    """bm25s imports JAX where it is installed, and JAX's CUDA backend preallocates 75 % of the
    GPU: retrieval keeps JAX on the CPU unless the user configured it."""
    import os

    from presstune.retrieval import import_bm25s

    monkeypatch.delenv("JAX_PLATFORMS", raising=False)
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    assert import_bm25s().BM25 is not None
    assert os.environ["JAX_PLATFORMS"] == "cpu" and os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    monkeypatch.setenv("JAX_PLATFORMS", "cuda")
    import_bm25s()
    assert os.environ["JAX_PLATFORMS"] == "cuda"
