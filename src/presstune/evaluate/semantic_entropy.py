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

from presstune.config.evaluate import EvaluateConfig
from presstune.evaluate.generation import generate_chat, prompt_ids
from presstune.evaluate.perplexity import continuation_logprobs
from presstune.evaluate.qa import contains_answer, wilson_interval
from presstune.evaluate.stats import auroc, mean_ci
from presstune.evaluate.variant import Measurement, VariantUnderTest
from presstune.models.checkpoints import device_for
from presstune.models.embedding import load_sentence_encoder
from presstune.prompts import chat_prompt, qa_prompt


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
    cluster_ids: Sequence[int],
    token_logprob_sums: Sequence[float] | np.ndarray,
    lengths: Sequence[int] | np.ndarray,
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
    judge,
    question: str,
    answers: list[str],
    logprob_sums: Sequence[float] | np.ndarray,
    lengths: Sequence[int] | np.ndarray,
) -> dict[str, Any]:
    ids = judge.clusters(question, answers)
    return {
        "clusters": ids,
        "n_clusters": len(set(ids)),
        "discrete_se": discrete_semantic_entropy(ids),
        "se": likelihood_semantic_entropy(ids, logprob_sums, lengths),
        "max_entropy": math.log(len(answers)),
    }


def _semantic_entropy_metrics(rows: list[dict[str, Any]], method: str, eval_cfg: EvaluateConfig) -> dict[str, Any]:
    """Mean semantic entropy (weighted and discrete), low-temperature accuracy and the AUROC of
    entropy for predicting a wrong answer."""
    published = method == "bidirectional entailment"
    n = len(rows)
    correct = [r["low_temperature_correct"] for r in rows]
    ses = [r["se"] for r in rows]
    common = {
        "questions": n,
        "samples_per_question": eval_cfg.se_samples,
        "clustering": method,
        "temperature": eval_cfg.se_temperature,
    }
    label = "" if published else " (cheaper embedding-similarity mode, NOT the published entailment clustering)"
    return {
        "semantic_entropy": {
            "value": float(np.mean(ses)),
            "ci95": mean_ci(ses, eval_cfg.bootstrap_samples, eval_cfg.seed),
            **common,
            "definition": "mean over questions of the length-normalised, likelihood-weighted semantic entropy "
            "(Farquhar et al. 2024): clusters of the N samples by "
            + method
            + label
            + "; cluster log-prob = log-sum-exp of members' mean token log-probs, normalised; nats",
        },
        "semantic_entropy_discrete": {
            "value": float(np.mean([r["discrete_se"] for r in rows])),
            **common,
            "definition": "mean over questions of the entropy of cluster frequencies n_c/N (nats; max log N)",
        },
        "se_low_temperature_accuracy": {
            "value": float(np.mean(correct)),
            "ci95": wilson_interval(sum(correct), n),
            "questions": n,
            "definition": f"share of low-temperature (T={eval_cfg.se_low_temperature}) answers containing the "
            "gold answer; ci95 = Wilson score interval",
        },
        "se_auroc": {
            "value": auroc(ses, [not c for c in correct]),
            "questions": n,
            "definition": "AUROC of semantic entropy for predicting a wrong low-temperature answer "
            "(None when all answers are right or all wrong)",
        },
    }


def _measure_semantic_entropy(v: VariantUnderTest) -> None:
    """Semantic entropy over the first held-out questions (a missing NLI model is an error, not a stop)."""
    items, judge = v.qa_sets["heldout"]["items"][: v.eval_cfg.se_questions], v.judge
    rows: list[dict[str, Any]] = []
    if v.eval_cfg.se_clustering != "none" and items:
        try:
            if judge is None:
                judge = build_judge(v.eval_cfg, device_for(v.eval_cfg))
            rows = semantic_entropy_rows(
                v.model, v.tokenizer, v.eval_cfg, items, judge, v.system_prompt, v.pad_id, v.eot
            )
        except Exception as exc:  # a missing NLI model must not lose the other metrics
            v.errors.append(f"semantic entropy: {type(exc).__name__}: {exc}")
    if rows:
        v.metrics.update(_semantic_entropy_metrics(rows, getattr(judge, "method", "custom"), v.eval_cfg))
    v.write_rows("semantic_entropy", rows)


def build_judge(eval_cfg: EvaluateConfig, device: str = "cpu"):
    if eval_cfg.se_clustering == "embedding":
        return EmbeddingJudge.load(eval_cfg.embedding_model, eval_cfg.se_embedding_threshold, device)
    return EntailmentJudge.load(eval_cfg.nli_model, device)


def semantic_entropy_rows(
    model, tokenizer, eval_cfg: EvaluateConfig, items, judge, system_prompt: str, pad_id: int, eot: int
) -> list[dict[str, Any]]:
    """Per question: one low-temperature answer and N samples (one generate call per prompt
    batch, num_return_sequences=N), sample log-likelihoods (teacher-forced), clusters, entropies."""
    prompts = [chat_prompt(system_prompt, qa_prompt(eval_cfg.qa_instruction, it.question)) for it in items]
    low = generate_chat(
        model,
        tokenizer,
        prompts,
        max_new_tokens=eval_cfg.se_max_new_tokens,
        batch_size=eval_cfg.se_batch_size,
        temperature=eval_cfg.se_low_temperature,
        seed=eval_cfg.seed,
    )
    samples = generate_chat(
        model,
        tokenizer,
        prompts,
        max_new_tokens=eval_cfg.se_max_new_tokens,
        batch_size=eval_cfg.se_batch_size,
        num_return_sequences=eval_cfg.se_samples,
        temperature=eval_cfg.se_temperature,
        seed=eval_cfg.seed + 1,
    )
    pairs: list[tuple[list[int], list[int]]] = []
    for p, group in zip(prompts, samples):
        pids = prompt_ids(tokenizer, p)
        # the end-of-turn token is part of the sampled answer when the model stopped by itself
        pairs.extend((pids, g.ids + ([eot] if g.finished else [])) for g in group)
    lp, lengths = continuation_logprobs(model, pairs, batch_size=eval_cfg.batch_size, pad_id=pad_id)
    rows = []
    n = eval_cfg.se_samples
    for k, (it, lo, group) in enumerate(zip(items, low, samples)):
        texts = [g.text for g in group]
        res = question_entropy(judge, it.question, texts, lp[k * n : (k + 1) * n], lengths[k * n : (k + 1) * n])
        rows.append(
            {
                "qid": it.qid,
                "question": it.question,
                "answer": it.answer,
                "aliases": list(it.aliases),
                "low_temperature_answer": lo[0].text,
                "low_temperature_correct": contains_answer(lo[0].text, it.answer, it.aliases),
                "samples": texts,
                "sample_logprobs": [float(x) for x in lp[k * n : (k + 1) * n]],
                "sample_lengths": [int(x) for x in lengths[k * n : (k + 1) * n]],
                **res,
            }
        )
    return rows


MEASUREMENT = Measurement("semantic_entropy", "semantic entropy", _measure_semantic_entropy)
