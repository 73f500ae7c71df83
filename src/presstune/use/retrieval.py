"""Passages from the run's corpus for ``ask --rag`` / ``chat --rag``: BM25 (bm25s) over
``dataset/documents.jsonl`` split into paragraph-sized passages.

Kept small on purpose: the knowledge stage's RAG evaluation may bring its own retriever; the
two are meant to be unified then (this one reads only the corpus stage's documented file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from presstune.rundir import read_jsonl


class RetrievalError(RuntimeError):
    """No corpus to retrieve from."""


@dataclass(frozen=True)
class Passage:
    doc_id: str
    title: str
    text: str


def passages(documents: list[dict], max_words: int = 120) -> list[Passage]:
    """Each document's paragraphs, joined up to about ``max_words`` words per passage."""
    out = []
    for doc in documents:
        chunk: list[str] = []
        for para in str(doc.get("body") or "").split("\n"):
            if not para.strip():
                continue
            chunk.append(para.strip())
            if sum(len(p.split()) for p in chunk) >= max_words:
                out.append(Passage(str(doc.get("id")), str(doc.get("title") or ""), " ".join(chunk)))
                chunk = []
        if chunk:
            out.append(Passage(str(doc.get("id")), str(doc.get("title") or ""), " ".join(chunk)))
    return out


class Retriever:
    def __init__(self, items: list[Passage]):
        from presstune.evaluate.rag import import_bm25s

        bm25s = import_bm25s()

        if not items:
            raise RetrievalError("no passages to retrieve from")
        self.items = items
        self.name = "BM25 (bm25s) over dataset/documents.jsonl passages"
        self._bm25 = bm25s.BM25()
        corpus = [f"{p.title}\n{p.text}" for p in items]
        self._bm25.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    @classmethod
    def from_run(cls, run_dir: str | Path) -> Retriever:
        path = Path(run_dir) / "dataset" / "documents.jsonl"
        documents = read_jsonl(path)
        if not documents:
            raise RetrievalError(f"--rag needs the corpus: {path} is missing or empty (run `presstune corpus`)")
        return cls(passages(documents))

    def search(self, query: str, k: int = 3) -> list[Passage]:
        from presstune.evaluate.rag import import_bm25s

        bm25s = import_bm25s()

        k = min(k, len(self.items))
        ids, scores = self._bm25.retrieve(
            bm25s.tokenize([query], stopwords="en", show_progress=False), k=k, show_progress=False
        )
        return [self.items[int(i)] for i, s in zip(ids[0], scores[0]) if s > 0]


def with_passages(question: str, found: list[Passage]) -> str:
    """The user turn with the retrieved passages in front of the question."""
    if not found:
        return question
    context = "\n\n".join(f"[{i}] {p.title}\n{p.text}" for i, p in enumerate(found, 1))
    return f"Answer using these press-release passages.\n\n{context}\n\nQuestion: {question}"
