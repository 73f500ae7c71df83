"""Passages from the run's corpus for ``ask --rag`` / ``chat --rag``.

The evaluation's retriever (``presstune.retrieval``: the same passages, BM25, the same prompt
layout) over every document of ``dataset/documents.jsonl``, so that what a user asks with --rag
is what ``rag_qa_train_*`` measured (and what the demo base learnt to read).
"""

from __future__ import annotations

from pathlib import Path

from presstune.records import read_documents
from presstune.retrieval import Passage, chunk_documents, rag_question
from presstune.retrieval import Retriever as _Index
from presstune.rundir import RunDir


class RetrievalError(RuntimeError):
    """No corpus to retrieve from."""


class Retriever:
    """BM25 over the run's documents, one query at a time."""

    def __init__(self, items: list[Passage]):
        if not items:
            raise RetrievalError("no passages to retrieve from")
        self.items = items
        self._index = _Index(items, "bm25")
        self.name = f"{self._index.name} over dataset/documents.jsonl passages"

    @classmethod
    def from_run(cls, run_dir: str | Path) -> Retriever:
        path = RunDir(run_dir).documents
        documents = read_documents(path)
        if not documents:
            raise RetrievalError(f"--rag needs the corpus: {path} is missing or empty (run `presstune corpus`)")
        return cls(chunk_documents(documents))

    def search(self, query: str, k: int = 3) -> list[Passage]:
        return self._index.search([query], k)[0]


def with_passages(question: str, found: list[Passage]) -> str:
    """The user turn with the retrieved passages in front of the question (the evaluation's layout)."""
    return rag_question(question, found) if found else question
