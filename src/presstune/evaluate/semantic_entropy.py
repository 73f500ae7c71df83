"""Semantic entropy (Farquhar, Kossen, Kuhn & Gal, Nature 630, 2024).

Per question: N sampled answers (T=1) are clustered into meanings; two answers share a meaning
iff each entails the other according to an NLI model, with the question prepended to both
(the paper's "bidirectional entailment"). Clusters are built greedily: each answer not yet
assigned opens a cluster and every later unassigned answer equivalent to it joins (the
reference implementation's procedure; equivalence is not assumed transitive).

* discrete SE: entropy of the cluster frequencies ``n_c / N``;
* SE: each answer's length-normalised log-likelihood ``(sum of token log-probs) / length``;
  a cluster's log-probability is the log-sum-exp of its members, normalised over clusters;
  entropy ``-sum p_c log p_c``.

The cheaper mode replaces entailment by cosine similarity of sentence embeddings
(all-MiniLM-L6-v2) above a threshold; it is not the published method and is labelled so.
Written here because no maintained library implements the method (the paper's repository is
research code pinned to old libraries).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from presstune.models.embedding import load_sentence_encoder


def greedy_clusters(n: int, equivalent: Callable[[int, int], bool]) -> list[int]:
    ids = [-1] * n
    next_id = 0
    for i in range(n):
        if ids[i] != -1:
            continue
        ids[i] = next_id
        for j in range(i + 1, n):
            if ids[j] == -1 and equivalent(i, j):
                ids[j] = next_id
        next_id += 1
    return ids


def discrete_semantic_entropy(cluster_ids: Sequence[int]) -> float:
    _, counts = np.unique(np.asarray(cluster_ids), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def likelihood_semantic_entropy(
    cluster_ids: Sequence[int], token_logprob_sums: Sequence[float], lengths: Sequence[int]
) -> float:
    """Length-normalised, likelihood-weighted SE (the paper's main estimator)."""
    ids = np.asarray(cluster_ids)
    ll = np.asarray(token_logprob_sums, dtype=np.float64) / np.maximum(np.asarray(lengths, dtype=np.float64), 1.0)
    cluster_ll = np.array([np.logaddexp.reduce(ll[ids == c]) for c in np.unique(ids)])
    cluster_ll -= np.logaddexp.reduce(cluster_ll)
    return float(-(np.exp(cluster_ll) * cluster_ll).sum())


class EntailmentJudge:
    """Bidirectional entailment with a sequence-classification NLI model (MNLI labels)."""

    method = "bidirectional entailment"

    def __init__(self, model, tokenizer, batch_size: int = 32):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        labels = {str(v).lower(): int(k) for k, v in (model.config.id2label or {}).items()}
        entail = [i for name, i in labels.items() if name.startswith("entail")]
        # MNLI checkpoints without label names use contradiction/neutral/entailment = 0/1/2.
        self.entailment_id = entail[0] if entail else 2

    @classmethod
    def load(cls, name_or_path: str, device: str = "cpu") -> EntailmentJudge:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        model = AutoModelForSequenceClassification.from_pretrained(name_or_path).to(device)
        return cls(model, AutoTokenizer.from_pretrained(name_or_path))

    def entails(self, premises: list[str], hypotheses: list[str]) -> list[bool]:
        import torch

        out: list[bool] = []
        device = next(self.model.parameters()).device
        for s in range(0, len(premises), self.batch_size):
            enc = self.tokenizer(
                premises[s : s + self.batch_size],
                hypotheses[s : s + self.batch_size],
                padding=True,
                truncation=True,
                return_tensors="pt",
            ).to(device)
            with torch.inference_mode():
                logits = self.model(**enc).logits
            out.extend((logits.argmax(-1) == self.entailment_id).tolist())
        return out

    def clusters(self, question: str, answers: list[str]) -> list[int]:
        texts = [f"{question} {a}" for a in answers]
        pairs = [(i, j) for i in range(len(texts)) for j in range(len(texts)) if i != j]
        verdict = dict(zip(pairs, self.entails([texts[i] for i, _ in pairs], [texts[j] for _, j in pairs])))
        return greedy_clusters(len(texts), lambda i, j: verdict[(i, j)] and verdict[(j, i)])


class EmbeddingJudge:
    """Cheaper fallback: answers (question prepended) equivalent iff cosine similarity >= threshold."""

    method = "embedding cosine similarity"

    def __init__(self, encoder, threshold: float = 0.9):
        self.encoder = encoder
        self.threshold = threshold

    @classmethod
    def load(cls, name_or_path: str, threshold: float, device: str = "cpu") -> EmbeddingJudge:
        return cls(load_sentence_encoder(name_or_path, device), threshold)

    def clusters(self, question: str, answers: list[str]) -> list[int]:
        emb = self.encoder.encode(
            [f"{question} {a}" for a in answers], normalize_embeddings=True, convert_to_numpy=True
        )
        sim = emb @ emb.T
        return greedy_clusters(len(answers), lambda i, j: bool(sim[i, j] >= self.threshold))


def question_entropy(
    judge, question: str, answers: list[str], logprob_sums: Sequence[float], lengths: Sequence[int]
) -> dict[str, Any]:
    ids = judge.clusters(question, answers)
    return {
        "clusters": ids,
        "n_clusters": len(set(ids)),
        "discrete_se": discrete_semantic_entropy(ids),
        "se": likelihood_semantic_entropy(ids, logprob_sums, lengths),
        "max_entropy": math.log(len(answers)),
    }
