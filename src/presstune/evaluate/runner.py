"""Evaluate one variant of a run: perplexity (two views), semantic entropy, closed-book QA (two
sets: held-out = eval-split articles, a generalisation / leak check; knowledge = train-split
articles, did fine-tuning put the news into the weights?), generations and cost; writes
``metrics/<variant>.json`` (every number with its definition and sample size) plus per-item
files under ``metrics/`` (``qa/``, ``qa_train/``, ``semantic_entropy/``, ``generations/``).

Where a variant's weights are and how they load: :mod:`presstune.models.checkpoints`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from presstune.cache import decide, digest, eval_inputs
from presstune.config.evaluate import EvaluateConfig
from presstune.console import phase as progress_phase
from presstune.corpus.augment import row_text
from presstune.evaluate.cost import measure_speed, weights_bytes
from presstune.evaluate.generation import generate_chat, prompt_ids
from presstune.evaluate.perplexity import (
    EvalDataError,
    chat_doc,
    continuation_logprobs,
    document_start_id,
    end_of_turn_id,
    score_documents,
    summarize,
    text_doc,
)
from presstune.evaluate.qa import (
    QAItem,
    ambiguous_questions,
    answer_in_question,
    contains_answer,
    exact_match,
    facts_questions,
    mcnemar,
    question_source,
    subsample,
    template_questions,
    wilson_interval,
)
from presstune.evaluate.retention import general_questions, retention_texts
from presstune.evaluate.semantic_entropy import EmbeddingJudge, EntailmentJudge, question_entropy
from presstune.models.checkpoints import device_for, load_model, resolve_variant
from presstune.models.loading import release_memory
from presstune.prompts import chat_prompt, qa_prompt, run_system_prompt
from presstune.replica.site import Site
from presstune.retrieval import Retriever, chunk_documents, rag_question
from presstune.rundir import RunDir, atomic_write_json, hardware, read_jsonl, write_jsonl


class EvaluateError(RuntimeError):
    """A problem that stops the evaluation of one variant (message names it)."""


# -- data -----------------------------------------------------------------------------------


def load_eval_data(run: RunDir, limit: int | None) -> dict[str, Any]:
    """The eval split (scored) and the train split's documents/rows (knowledge QA only).

    The split is recorded by the corpus stage: ``dataset/documents.jsonl`` gives every kept
    document its ``split``; ``dataset/{train,eval}.jsonl`` rows carry their document's ``id``.
    """
    eval_rows = read_jsonl(run / "dataset" / "eval.jsonl")
    all_documents = read_jsonl(run / "dataset" / "documents.jsonl")
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
        "train_rows": read_jsonl(run / "dataset" / "train.jsonl"),
    }


def split_ids(data: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(train ids, eval ids) from documents.jsonl's ``split`` and the split files' row ids. An id
    found on both sides (cannot happen with the corpus stage's family split) counts as eval only,
    so knowledge QA never asks about a held-out article."""

    def ids(docs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> set[str]:
        return {str(x.get("id")) for x in [*docs, *rows] if x.get("id") is not None}

    eval_ids = ids(data["documents"], data["eval_rows"])
    return ids(data.get("train_documents", []), data.get("train_rows", [])) - eval_ids, eval_ids


def _fact_records(run: RunDir, eval_cfg: EvaluateConfig, config: Any) -> tuple[list[dict[str, Any]] | None, str]:
    """(fact records or None, where they came from: :func:`presstune.evaluate.qa.question_source`)."""
    candidates = [Path(eval_cfg.facts_file)] if eval_cfg.facts_file else []
    candidates += [run / "facts.jsonl", run / "replica" / "facts.jsonl", run / "_replica" / "facts.jsonl"]
    for path in candidates:
        if path.is_file():
            return read_jsonl(path), question_source("facts", path)
    if eval_cfg.facts_file:
        raise EvaluateError(f"evaluate.facts_file not found: {eval_cfg.facts_file}")
    # The replica is a pure function of (articles, seed): rebuild its fact sheets when the run
    # collected from it (base URL on this machine).
    base_url = str(getattr(getattr(config, "collect", None), "base_url", ""))
    if config is not None and any(h in base_url for h in ("127.0.0.1", "localhost")):
        site = Site(articles=config.replica.articles, seed=config.replica.seed)
        return [json.loads(line) for line in site.facts_jsonl(body=False).splitlines() if line.strip()], (
            question_source("facts")
        )
    return None, question_source("templates")


def _row_docs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Document-like dicts from split rows (no documents.jsonl): article rows' text, else the
    assistant completion (instruct rows hold the whole release there); one per id."""
    out, seen = [], set()
    for r in rows:
        text = r.get("text") or "".join(m.get("content", "") for m in r.get("completion") or [] if isinstance(m, dict))
        if text and r.get("id") not in seen:
            seen.add(r.get("id"))
            out.append({"id": r.get("id"), "title": r.get("title"), "date": r.get("date"), "text": text})
    return out


def qa_sets(run: RunDir, eval_cfg: EvaluateConfig, config: Any, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The two closed-book QA sets, from the same source (fact sheets, else templates):

    * ``heldout``: eval-split articles, the first ``qa_questions`` (generalisation / leak check);
    * ``train``: train-split articles, a seeded subsample of ``qa_train_questions`` (knowledge
      injection); empty when that is 0.

    Each: ``items``, ``source``, ``pool`` (all candidate questions of the split) and
    ``ambiguous`` (chosen questions asked word for word of another article of the split with a
    different answer), ``answer_in_question_excluded`` (questions left out of the pool because
    their answer stands in the question, ``evaluate.qa_exclude_answer_in_question``).
    """
    train_ids, eval_ids = split_ids(data)
    probe_ids = load_probe_ids(run) & train_ids
    qa_trained_ids = train_ids - probe_ids
    source, origin = None, question_source("templates")
    if eval_cfg.qa_source in ("auto", "facts"):
        records, origin = _fact_records(run, eval_cfg, config)
        if records is not None:
            source = "facts"
            held_pool = facts_questions(records, eval_ids)
            train_pool = facts_questions(records, qa_trained_ids) if eval_cfg.qa_train_questions else []
            probe_pool = facts_questions(records, probe_ids) if eval_cfg.qa_probe_questions else []
        elif eval_cfg.qa_source == "facts":
            raise EvaluateError("qa_source=facts but no fact sheets (facts.jsonl) were found")
    if source is None:
        source, origin = "templates", question_source("templates")
        docs = data["documents"] or [
            {"id": r.get("id"), "title": r.get("title"), "date": r.get("date"), "text": r.get("text")}
            for r in data["eval_rows"]
            if r.get("text")
        ]
        held_pool = template_questions(docs)
        train_docs = data.get("train_documents") or _row_docs(data.get("train_rows") or [])
        probe_docs = [d for d in train_docs if str(d.get("id")) in probe_ids]
        train_docs = [d for d in train_docs if str(d.get("id")) in qa_trained_ids]
        train_pool = template_questions(train_docs) if eval_cfg.qa_train_questions else []
        probe_pool = template_questions(probe_docs) if eval_cfg.qa_probe_questions else []
    pools = {"heldout": held_pool, "train": train_pool, "probe": probe_pool}
    excluded = {name: 0 for name in pools}
    if eval_cfg.qa_exclude_answer_in_question:
        for name, pool in pools.items():
            kept = [it for it in pool if not answer_in_question(it)]
            excluded[name] = len(pool) - len(kept)
            pools[name] = kept
    held_pool, train_pool, probe_pool = pools["heldout"], pools["train"], pools["probe"]
    held = held_pool[: eval_cfg.qa_questions]
    train = subsample(train_pool, eval_cfg.qa_train_questions, eval_cfg.seed)
    probe = subsample(probe_pool, eval_cfg.qa_probe_questions, eval_cfg.seed)
    return {
        "probe": {
            "items": probe,
            "source": source,
            "question_source": origin,
            "pool": len(probe_pool),
            "ambiguous": ambiguous_questions(probe, probe_pool),
            "answer_in_question_excluded": excluded["probe"],
        },
        "heldout": {
            "items": held,
            "source": source,
            "question_source": origin,
            "pool": len(held_pool),
            "ambiguous": ambiguous_questions(held, held_pool),
            "answer_in_question_excluded": excluded["heldout"],
        },
        "train": {
            "items": train,
            "source": source,
            "question_source": origin,
            "pool": len(train_pool),
            "ambiguous": ambiguous_questions(train, train_pool),
            "answer_in_question_excluded": excluded["train"],
        },
    }


def trained_wording_items(data: dict[str, Any], articles: set[str], eval_cfg: EvaluateConfig) -> dict[str, Any]:
    """The diagnostic set ``seen``: generated QA rows of the default training mix
    (``dataset/train.jsonl``, kind ``qa``) about the knowledge-QA articles, asked in the training
    data's own wording; the answer is the row's answer.

    Why: knowledge QA below this says the facts are stored but the evaluation's wording does not
    reach them (question understanding); both low says the facts were not stored (too little
    training). Answers over 12 words (quotes) are left out: a truncated answer is not a miss.
    Every variant and the base are asked the same rows, also a variant whose mix has none.
    """
    instruction = eval_cfg.qa_instruction
    pool: list[QAItem] = []
    seen: set[str] = set()
    for row in data.get("train_rows") or []:
        aid = str(row.get("id", ""))
        if row.get("kind") != "qa" or aid not in articles:
            continue
        try:
            question = str(row["prompt"][-1]["content"]).strip()
            answer = str(row["completion"][-1]["content"]).strip()
        except (KeyError, IndexError, TypeError):
            continue
        question = question.removeprefix(instruction).strip()
        answer = answer[:-1] if answer.endswith(".") else answer
        if not question or not answer or len(answer.split()) > 12 or question in seen:
            continue
        seen.add(question)
        pool.append(QAItem(f"{aid}:s{len(pool)}", aid, question, answer, "generated", "training_rows"))
    items = subsample(pool, eval_cfg.qa_seen_questions, eval_cfg.seed)
    return {
        "items": items,
        "source": "training_rows",
        "question_source": question_source("training_rows"),
        "pool": len(pool),
        "ambiguous": 0,
    }


def load_probe_ids(run: RunDir) -> set[str]:
    """The probe articles of the corpus stage (dataset/probe.json; none without augmentation)."""
    path = run / "dataset" / "probe.json"
    if not path.is_file():
        return set()
    try:
        return {str(i) for i in json.loads(path.read_text(encoding="utf-8")).get("articles", [])}
    except json.JSONDecodeError:
        return set()


def training_texts(run: RunDir) -> list[str]:
    """Every training row's text (all mixes: dataset/train*.jsonl), for the leak check."""
    texts = []
    for path in sorted((run / "dataset").glob("train*.jsonl")):
        texts.extend(row_text(r) for r in read_jsonl(path))
    return texts


def leaked_questions(items, train_texts: list[str]) -> int:
    """How many question strings occur verbatim in a training row (0 by construction)."""
    blob = "\n".join(train_texts)
    return sum(1 for it in items if it.question in blob)


def qa_items(run: RunDir, eval_cfg: EvaluateConfig, config: Any, data: dict[str, Any]):
    """The held-out QA set: (items, source)."""
    held = qa_sets(run, eval_cfg, config, data)["heldout"]
    return held["items"], held["source"]


#: What each QA set measures (metric definitions and the report say it in these words).
QA_SET_LABELS = {
    "heldout": "held-out QA (generalisation / leak check: eval-split articles no variant was trained on)",
    "train": "knowledge QA (knowledge injection: train-split articles the variants were fine-tuned on, their "
    "generated QA rows included when the mix has them)",
    "probe": "probe QA (strict extraction: train-split articles whose generated QA rows were withheld from training; "
    "their text, restatements and fact lists were trained)",
    "rag_train": "knowledge QA with retrieval (the knowledge-QA questions with the top passages of the train "
    "articles in the prompt)",
    "seen": "asked as trained (diagnostic: the default mix's generated QA rows about the knowledge-QA articles, "
    "in the training data's own wording; high here and low in knowledge QA = facts stored, questions not "
    "understood in other words; low in both = facts not stored)",
}


def _qa_rows(
    model,
    tokenizer,
    items,
    eval_cfg: EvaluateConfig,
    system_prompt: str,
    pad_id: int,
    questions: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Greedy answer + teacher-forced gold-answer log-likelihood per question (``questions``:
    the question texts to ask instead of the items', e.g. with retrieved passages)."""
    if not items:
        return []
    asked = questions if questions is not None else [it.question for it in items]
    prompts = [chat_prompt(system_prompt, qa_prompt(eval_cfg.qa_instruction, q)) for q in asked]
    answers = generate_chat(
        model, tokenizer, prompts, max_new_tokens=eval_cfg.se_max_new_tokens, batch_size=eval_cfg.gen_batch_size
    )
    pairs = [
        (prompt_ids(tokenizer, p), tokenizer(it.answer, add_special_tokens=False)["input_ids"])
        for p, it in zip(prompts, items)
    ]
    lp, n_tok = continuation_logprobs(model, pairs, batch_size=eval_cfg.batch_size, pad_id=pad_id)
    return [
        {
            **it.to_dict(),
            "gold": it.answer,
            "answer": gen[0].text,
            "prediction": gen[0].text,
            "exact_match": exact_match(gen[0].text, it.answer, it.aliases),
            "contains_answer": contains_answer(gen[0].text, it.answer, it.aliases),
            "answer_logprob": float(ll),
            "answer_tokens": int(n),
        }
        for it, gen, ll, n in zip(items, answers, lp, n_tok)
    ]


def _qa_metrics(
    prefix: str, which: str, rows: list[dict[str, Any]], qa: dict[str, Any], eval_cfg: EvaluateConfig
) -> dict[str, Any]:
    """``<prefix>exact_match`` / ``contains`` / ``answer_logprob_per_token`` / ``answer_logprob``
    of one QA set, each with its definition and sample size."""
    source, n = qa["source"], len(rows)
    split = "eval" if which == "heldout" else "train"
    if source == "facts":
        what = f"questions from {qa.get('question_source', 'fact sheets')} about {split}-split articles"
    elif source == "training_rows":
        what = (
            "questions of dataset/train.jsonl's QA rows about the knowledge-QA articles (answers of at most 12 "
            "words), word for word"
        )
    else:
        what = (
            f"cloze questions templated from {split}-split documents (a number+unit span blanked; the span "
            "is the answer) -- a different method from the training-data generator (corpus.augment writes "
            "questions, never cloze sentences)"
        )
    if which == "heldout":
        what += f"; the first {eval_cfg.qa_questions} of {qa['pool']}"
    else:
        what += (
            f"; a deterministic subsample of {n} of {qa['pool']} (seeded hash of the question id, "
            f"seed {eval_cfg.seed}); the base model is asked the same questions"
        )
    if qa.get("answer_in_question_excluded"):
        what += f" ({qa['answer_in_question_excluded']} questions whose answer stands in the question left out)"
    if which == "rag_train":
        what += f"; retriever {qa.get('retriever')}"
    label = QA_SET_LABELS[which]
    common = {
        **{k: qa[k] for k in ("retriever", "retrieval_hit_rate", "leaked_questions", "question_source") if k in qa},
        "questions": n,
        "articles": len({r["article_id"] for r in rows}),
        "source": source,
        "qa_set": which,
        "split": split,
        "pool_questions": qa["pool"],
        "ambiguous_questions": qa["ambiguous"],
        "answer_in_question_excluded": qa.get("answer_in_question_excluded", 0),
    }
    em = [r["exact_match"] for r in rows]
    ca = [r["contains_answer"] for r in rows]
    total_tokens = int(sum(r["answer_tokens"] for r in rows))
    return {
        f"{prefix}exact_match": {
            "value": float(np.mean(em)),
            "ci95": wilson_interval(sum(em), n),
            **common,
            "definition": f"{label}: share of greedy answers equal to the gold answer (or one of its aliases) after "
            f"normalisation; {what}; "
            "ci95 = Wilson score interval",
        },
        f"{prefix}contains": {
            "value": float(np.mean(ca)),
            "ci95": wilson_interval(sum(ca), n),
            **common,
            "definition": f"{label}: share of greedy answers containing the normalised gold answer (or one of its "
            'aliases) as whole words (normaliser: "340kW" = "340 kW", "€ 68,900" = "68,900 euros"); ci95 = Wilson '
            "score interval",
        },
        f"{prefix}answer_logprob_per_token": {
            "value": float(sum(r["answer_logprob"] for r in rows) / max(total_tokens, 1)),
            "ci95": _ratio_ci(
                [r["answer_logprob"] for r in rows],
                [r["answer_tokens"] for r in rows],
                eval_cfg.bootstrap_samples,
                eval_cfg.seed,
            ),
            **common,
            "tokens": total_tokens,
            "definition": f"{label}: teacher-forced sum of log p(gold answer tokens | chat prompt with the question) "
            "over all questions / number of answer tokens (nats); ci95 = bootstrap over questions",
        },
        f"{prefix}answer_logprob": {
            "value": float(np.mean([r["answer_logprob"] for r in rows])),
            "ci95": _mean_ci([r["answer_logprob"] for r in rows], eval_cfg.bootstrap_samples, eval_cfg.seed),
            **common,
            "definition": f"{label}: mean over questions of log p(gold answer | question), teacher-forced "
            "(nats per answer); ci95 = bootstrap over questions",
        },
    }


def _rag_rows(model, tokenizer, items, data, eval_cfg: EvaluateConfig, system_prompt: str, pad_id: int):
    """The knowledge questions asked with the top-k retrieved passages of the train articles."""
    docs = data.get("train_documents") or _row_docs(data.get("train_rows") or [])
    retriever = Retriever(
        chunk_documents(docs, eval_cfg.rag_passage_words),
        eval_cfg.rag_retriever,
        eval_cfg.embedding_model,
        device_for(eval_cfg),
    )
    hits = retriever.search([it.question for it in items], eval_cfg.rag_top_k)
    rows = _qa_rows(
        model,
        tokenizer,
        items,
        eval_cfg,
        system_prompt,
        pad_id,
        questions=[rag_question(it.question, ps) for it, ps in zip(items, hits)],
    )
    for row, ps in zip(rows, hits):
        row["retrieved_articles"] = [p.article_id for p in ps]
        row["retrieved_right_article"] = row["article_id"] in row["retrieved_articles"]
    hit_rate = float(np.mean([r["retrieved_right_article"] for r in rows])) if rows else 0.0
    return rows, {"retriever": f"{retriever.name}, top {eval_cfg.rag_top_k}", "retrieval_hit_rate": hit_rate}


def _paired_vs_base(run: RunDir, rows_by_set: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per-question comparison with the base model on the same questions (McNemar counts)."""
    out: dict[str, Any] = {}
    for name, rows in rows_by_set.items():
        base_rows = read_jsonl(run / "metrics" / name / "base.jsonl")
        if not rows or not base_rows:
            continue
        base_by_q = {(r.get("qid"), r.get("question")): bool(r.get("contains_answer")) for r in base_rows}
        pairs = [
            (base_by_q[(r.get("qid"), r.get("question"))], bool(r["contains_answer"]))
            for r in rows
            if (r.get("qid"), r.get("question")) in base_by_q
        ]
        if not pairs:
            continue
        test = mcnemar([a for a, _ in pairs], [b for _, b in pairs])
        out[f"{name}_contains_vs_base"] = {
            "value": (test["c"] - test["b"]) / len(pairs),
            "ci95": None,
            "questions": len(pairs),
            **test,
            "definition": f"paired with the base on the same {name} questions (contains-answer): value = (c - b) / n, "
            "b = right for the base and wrong here, c = wrong for the base and right here; p_value = McNemar's "
            "exact two-sided test",
        }
    return out


# -- helpers --------------------------------------------------------------------------------


def _mean_ci(values: list[float], samples: int, seed: int) -> list[float] | None:
    if len(values) < 2 or samples <= 0:
        return None
    arr = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, len(arr), size=(samples, len(arr)))].mean(axis=1)
    return [float(x) for x in np.percentile(means, [2.5, 97.5])]


def _ratio_ci(numer: list[float], denom: list[float], samples: int, seed: int) -> list[float] | None:
    """Bootstrap 95% interval (over items) of sum(numer) / sum(denom)."""
    if len(numer) < 2 or samples <= 0:
        return None
    num, den = np.asarray(numer, dtype=np.float64), np.asarray(denom, dtype=np.float64)
    idx = np.random.default_rng(seed).integers(0, len(num), size=(samples, len(num)))
    ratios = num[idx].sum(axis=1) / np.maximum(den[idx].sum(axis=1), 1)
    return [float(x) for x in np.percentile(ratios, [2.5, 97.5])]


def _auroc(scores: list[float], positives: list[bool]) -> float | None:
    """P(score of a wrong answer > score of a right one), ties count half."""
    pos = [s for s, p in zip(scores, positives) if p]
    neg = [s for s, p in zip(scores, positives) if not p]
    if not pos or not neg:
        return None
    wins = sum((n > p) + 0.5 * (n == p) for n in neg for p in pos)
    return wins / (len(pos) * len(neg))


# -- the evaluation -------------------------------------------------------------------------


@dataclass
class _Variant:
    """One variant under evaluation: the loaded model, the run's eval data and settings, and what
    the steps have measured so far. Each step of :func:`evaluate_variant` reads and adds to it."""

    run: RunDir
    name: str
    eval_cfg: EvaluateConfig
    config: Any
    model: Any
    tokenizer: Any
    data: dict[str, Any]
    system_prompt: str
    pad_id: int
    eot: int
    metrics: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def score_kw(self) -> dict[str, Any]:
        """The perplexity scorer's settings (:func:`score_documents`)."""
        cfg = self.eval_cfg
        return dict(
            window=cfg.window,
            stride=cfg.stride,
            batch_size=cfg.batch_size,
            max_batch_tokens=cfg.max_batch_tokens,
            logits_chunk=cfg.logits_chunk,
            pad_id=self.pad_id,
        )

    def write_rows(self, folder: str, rows: list[dict[str, Any]]) -> None:
        """The per-item file ``metrics/<folder>/<variant>.jsonl``."""
        write_jsonl(self.run / "metrics" / folder / f"{self.name}.jsonl", rows)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Record the wall-clock seconds of one step under ``seconds[step]``."""
        t = time.perf_counter()
        yield
        self.seconds[step] = time.perf_counter() - t


def _earlier_result(out_path: Path, inputs: dict[str, Any], force: bool):
    """The metrics document an earlier evaluation wrote (None if absent or unreadable) and the
    cache's decision whether it still stands for these inputs."""
    previous = None
    if out_path.is_file():
        try:
            previous = json.loads(out_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            pass
    record = {"key": previous.get("inputs_key"), "inputs": previous.get("inputs")} if previous else None
    return previous, decide(record if record and record["key"] else None, inputs, force)


def _load_variant(
    eval_cfg: EvaluateConfig, run: RunDir, variant_name: str, model, tokenizer, source: dict[str, Any], config: Any
) -> _Variant:
    """Load the model (unless given), seed torch and read the run's eval data."""
    import torch

    if model is None:
        release_memory()  # whatever an earlier stage or variant left (peak memory is measured below)
        model, tokenizer = load_model(source, eval_cfg, config)
    if tokenizer is None:
        raise EvaluateError("a tokenizer is required with an in-memory model")
    torch.manual_seed(eval_cfg.seed)
    data = load_eval_data(run, eval_cfg.max_eval_items)
    system_prompt = run_system_prompt(config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return _Variant(
        run=run,
        name=variant_name,
        eval_cfg=eval_cfg,
        config=config,
        model=model,
        tokenizer=tokenizer,
        data=data,
        system_prompt=system_prompt,
        pad_id=pad_id,
        eot=end_of_turn_id(tokenizer),
    )


def _size_metrics(model, source: dict[str, Any]) -> dict[str, Any]:
    """Parameters, layers, bytes on disk (a model in a local folder only) and bytes in memory."""
    metrics: dict[str, Any] = {}
    n_params = sum(p.numel() for p in model.parameters())
    metrics["parameters"] = {"value": int(n_params), "definition": "number of parameters (adapters merged)"}
    metrics["layers"] = {"value": int(getattr(model.config, "num_hidden_layers", 0)), "definition": "decoder layers"}
    # A random_init base names its config folder, which holds no weights: count the parameters.
    model_dir = (
        Path(source["model"])
        if source.get("model") and Path(str(source["model"])).is_dir() and not source.get("random_init")
        else None
    )
    # Two sizes, never mixed in one key: what the checkpoint takes on disk (only for a model in
    # a local folder) and what the loaded parameters take in memory (always).
    adapter_bytes = weights_bytes(source.get("adapter"))
    if model_dir is not None:
        metrics["disk_bytes"] = {
            "value": weights_bytes(model_dir) + adapter_bytes,
            "adapter_bytes": adapter_bytes,
            "definition": "weight files on disk: model folder + adapter (the adapter is merged for evaluation)",
        }
    metrics["memory_bytes"] = {
        "value": int(sum(p.numel() * p.element_size() for p in model.parameters())),
        "definition": "bytes of the loaded model's parameters in memory (adapters merged, evaluation dtype)",
    }
    return metrics


def _measure_cost(v: _Variant, source: dict[str, Any]) -> str:
    """Size, speed and peak memory of the freshly loaded model; returns the device's name.

    Measured first, before the other measurements leave anything in the allocator, so every
    variant is measured the same way."""
    v.metrics.update(_size_metrics(v.model, source))
    cfg = v.eval_cfg
    vocab = min(int(v.model.config.vocab_size), len(v.tokenizer))
    speed = measure_speed(
        v.model,
        vocab,
        cfg.speed_prompt_tokens,
        cfg.speed_new_tokens,
        cfg.speed_batch_size,
        cfg.speed_warmup,
        cfg.speed_repeats,
        cfg.seed,
    )
    device_name = speed.pop("device")
    v.metrics.update(speed)
    return device_name


def _scored_docs(v: _Variant, rows: list[dict[str, Any]], build) -> list:
    """``build(row)`` for each row; a row it refuses (EvalDataError) is listed in the errors."""
    docs = []
    for row in rows:
        try:
            docs.append(build(row))
        except EvalDataError as exc:
            v.errors.append(str(exc))
    return docs


def _perplexity(v: _Variant, view: str, docs: list, definition: str) -> dict[str, Any]:
    """``perplexity_<view>`` (and its per-byte companions) over ``docs``; {} without docs."""
    if not docs:
        return {}
    nll, count = score_documents(v.model, docs, **v.score_kw)
    n_bytes = np.array([d.n_bytes for d in docs])
    return summarize(view, nll, count, n_bytes, v.eval_cfg.bootstrap_samples, v.eval_cfg.seed, definition)


def _measure_perplexity(v: _Variant) -> None:
    """Two views: the eval split's chat rows (completion tokens only) and whole eval documents."""
    cfg, tok = v.eval_cfg, v.tokenizer
    chat_docs = _scored_docs(
        v, v.data["chat"], lambda row: chat_doc(tok, str(row.get("id")), row["prompt"], row["completion"])
    )
    v.metrics.update(
        _perplexity(
            v,
            "assistant",
            chat_docs,
            "exp(sum of token NLLs / scored tokens) over the eval split's chat rows; prompt+completion rendered by "
            "the chat template, only completion tokens (assistant text + end-of-turn) scored; sliding window "
            f"{cfg.window}/stride {cfg.stride}; ci95 = bootstrap over rows",
        )
    )
    start_id = document_start_id(tok)
    text_docs = _scored_docs(v, v.data["texts"], lambda item: text_doc(tok, str(item["id"]), item["text"], start_id))
    v.metrics.update(
        _perplexity(
            v,
            "text",
            text_docs,
            "exp(sum of token NLLs / scored tokens) over eval documents' whole cleaned bodies, every token scored "
            f"(after a document-start token), nothing truncated: sliding window {cfg.window}/stride "
            f"{cfg.stride}; ci95 = bootstrap over documents",
        )
    )


#: Per QA set: the folder of its per-question rows under ``metrics/``; its metrics' prefix is
#: the folder name and an underscore.
QA_SET_FOLDERS = {
    "heldout": "qa",
    "train": "qa_train",
    "probe": "qa_probe",
    "rag_train": "rag_qa_train",
    "seen": "qa_seen",
}


def _qa_sets_checked(v: _Variant) -> dict[str, dict[str, Any]]:
    """The QA sets (:func:`qa_sets`), each with the count of its questions found in training rows."""
    sets = qa_sets(v.run, v.eval_cfg, v.config, v.data)
    train_texts = training_texts(v.run)
    for which in ("heldout", "train", "probe"):
        sets[which]["leaked_questions"] = leaked_questions(sets[which]["items"], train_texts)
    return sets


def _closed_book_qa(v: _Variant, which: str, qa: dict[str, Any], missing: str | None) -> list[dict[str, Any]]:
    """Ask one QA set closed-book; its metrics, or the ``missing`` error when it has no rows."""
    rows = _qa_rows(v.model, v.tokenizer, qa["items"], v.eval_cfg, v.system_prompt, v.pad_id)
    folder = QA_SET_FOLDERS[which]
    if rows:
        v.metrics.update(_qa_metrics(f"{folder}_", which, rows, qa, v.eval_cfg))
        if which == "heldout":
            v.metrics.update(_unshared_heldout(rows, v.data.get("train_documents") or []))
    elif missing:
        v.errors.append(missing)
    v.write_rows(folder, rows)
    return rows


def _unshared_heldout(rows: list[dict[str, Any]], train_documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The leak check without the facts a model could have learnt honestly: held-out articles share
    people, plants and figures with trained ones (on the replica and on a real portal alike), so a
    held-out hit may be knowledge, not a leak. Each row gets ``answer_in_train_text`` (the gold
    answer, normalised, stands in a train-split document); ``qa_unshared_contains`` scores only the
    questions where it does not. ``qa_contains`` stays the whole set."""
    texts = [f"{d.get('title') or ''}\n{d.get('body') or d.get('text') or ''}" for d in train_documents]
    for row in rows:
        row["answer_in_train_text"] = any(contains_answer(t, row["gold"], row.get("aliases") or ()) for t in texts)
    unshared = [r for r in rows if not r["answer_in_train_text"]]
    if not train_documents or not unshared:
        return {}
    hits = sum(bool(r["contains_answer"]) for r in unshared)
    return {
        "qa_unshared_contains": {
            "value": hits / len(unshared),
            "ci95": wilson_interval(hits, len(unshared)),
            "questions": len(unshared),
            "questions_with_shared_answer": len(rows) - len(unshared),
            "shared_answer_hits": sum(bool(r["contains_answer"]) for r in rows if r["answer_in_train_text"]),
            "qa_set": "heldout",
            "definition": "held-out QA restricted to questions whose normalised gold answer occurs in no train-split "
            "document (title or body): a hit there cannot come from the trained text, so it is a leak or a guess; "
            "ci95 = Wilson score interval",
        }
    }


def _rag_qa(v: _Variant, train: dict[str, Any]) -> list[dict[str, Any]]:
    """The knowledge questions again, with retrieved passages in the prompt (unless switched off)."""
    rows: list[dict[str, Any]] = []
    if v.eval_cfg.rag_retriever != "none" and train["items"]:
        try:
            rows, info = _rag_rows(v.model, v.tokenizer, train["items"], v.data, v.eval_cfg, v.system_prompt, v.pad_id)
            v.metrics.update(_qa_metrics("rag_qa_train_", "rag_train", rows, {**train, **info}, v.eval_cfg))
        except (ImportError, ValueError, RuntimeError) as exc:  # no retriever must not lose the other metrics
            v.errors.append(f"RAG QA: {type(exc).__name__}: {exc}")
    v.write_rows("rag_qa_train", rows)
    return rows


def _measure_retention(v: _Variant) -> dict[str, Any]:
    """Forgetting: perplexity over texts the base handles and answers to general questions."""
    cfg = v.eval_cfg
    out: dict[str, Any] = {}
    texts, source = retention_texts(v.run.read_manifest(), v.config, cfg.retention_texts)
    start_id = document_start_id(v.tokenizer)
    docs = [text_doc(v.tokenizer, t["id"], t["text"], start_id) for t in texts]
    ppl = _perplexity(
        v,
        "retention",
        docs,
        f"retention: exp(token NLL) over {source}, whole text scored (texts the base handles; a rise against "
        "the base is forgetting); ci95 = bootstrap over texts",
    )
    out.update({k.replace("perplexity_retention", "retention_perplexity"): val for k, val in ppl.items()})
    general = general_questions(cfg.retention_questions)
    if not general:
        return out
    prompts = [chat_prompt(v.system_prompt, qa_prompt(cfg.qa_instruction, g.question)) for g in general]
    answers = generate_chat(
        v.model, v.tokenizer, prompts, max_new_tokens=cfg.se_max_new_tokens, batch_size=cfg.gen_batch_size
    )
    correct = [contains_answer(a[0].text, g.answer, g.aliases) for a, g in zip(answers, general)]
    out["retention_contains"] = {
        "value": float(np.mean(correct)),
        "ci95": wilson_interval(sum(correct), len(correct)),
        "questions": len(correct),
        "definition": "retention: share of greedy answers containing the gold answer (or one of its aliases) over "
        "the packaged general questions (presstune.evaluate.retention.GENERAL_QUESTIONS; short answers); compare "
        "with the base: a drop is knowledge lost to fine-tuning; ci95 = Wilson score interval",
    }
    rows = [
        {
            "question": g.question,
            "gold": g.answer,
            "aliases": list(g.aliases),
            "answer": a[0].text,
            "contains_answer": c,
        }
        for g, a, c in zip(general, answers, correct)
    ]
    v.write_rows("retention", rows)
    if v.name != "base":  # the same questions, paired with the base's answers (McNemar)
        out.update(_paired_vs_base(v.run, {"retention": rows}))
    return out


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
            "ci95": _mean_ci(ses, eval_cfg.bootstrap_samples, eval_cfg.seed),
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
            "value": _auroc(ses, [not c for c in correct]),
            "questions": n,
            "definition": "AUROC of semantic entropy for predicting a wrong low-temperature answer "
            "(None when all answers are right or all wrong)",
        },
    }


def _measure_semantic_entropy(v: _Variant, items, judge) -> None:
    """Semantic entropy over the first held-out questions (a missing NLI model is an error, not a stop)."""
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


def _write_generations(v: _Variant) -> None:
    """Greedy answers to the first eval prompts, kept for reading (no metric)."""
    prompts = generation_prompts(v.data, v.eval_cfg.generation_prompts, v.system_prompt)
    gens = (
        generate_chat(
            v.model,
            v.tokenizer,
            [p["prompt"] for p in prompts],
            max_new_tokens=v.eval_cfg.max_new_tokens,
            batch_size=v.eval_cfg.gen_batch_size,
        )
        if prompts
        else []
    )
    v.write_rows(
        "generations",
        [
            {**p, "variant": v.name, "output": g[0].text, "new_tokens": len(g[0].ids), "finished": g[0].finished}
            for p, g in zip(prompts, gens)
        ],
    )


def _result_document(
    v: _Variant, source: dict[str, Any], device_name: str, settings: dict, inputs: dict, total_seconds: float
) -> dict[str, Any]:
    """``metrics/<variant>.json``: the metrics with what they were measured on and from."""
    return {
        "variant": v.name,
        "source": source,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "device": device_name,
        "dtype": str(next(v.model.parameters()).dtype).replace("torch.", ""),
        "settings": settings,
        "inputs": inputs,
        "inputs_key": digest(inputs),
        "metrics": v.metrics,
        "errors": v.errors,
        "seconds": {k: round(s, 3) for k, s in {**v.seconds, "total": total_seconds}.items()},
        "hardware": hardware(),
    }


def evaluate_variant(
    eval_cfg: EvaluateConfig,
    run_dir: str | Path,
    variant_name: str,
    model=None,
    tokenizer=None,
    config: Any = None,
    source: dict[str, Any] | None = None,
    judge=None,
    force: bool = False,
) -> dict[str, Any]:
    """Evaluate ``variant_name`` and write ``metrics/<variant>.json``; returns that document.

    ``model``/``tokenizer``: an already loaded model (else resolved from the run, see
    :func:`resolve_variant`, or from ``source={"model": path_or_hub_id, "adapter": path}``).
    ``judge``: a semantic-entropy clusterer (else built from ``eval_cfg``). An earlier result
    with the same inputs (:func:`presstune.cache.eval_inputs`: settings, source, the records of
    the checkpoint/variant it came from, dataset, facts) is kept unless ``force``; the returned
    document's ``cache`` says which and why (it is not written to the file).
    """
    run = RunDir(run_dir)
    out_path = run / "metrics" / f"{variant_name}.json"
    settings = eval_cfg.model_dump(mode="json")
    if source is None and model is None:
        source = resolve_variant(run.path, variant_name, config)
    source = source or {"kind": "in-memory", "model": None, "adapter": None}
    inputs = eval_inputs(run, variant_name, settings, source, config)
    previous, decision = _earlier_result(out_path, inputs, force)
    if previous is not None and decision.reuse:
        return {**previous, "cache": decision.to_dict()}

    progress_phase("load")
    t_start = time.perf_counter()
    v = _load_variant(eval_cfg, run, variant_name, model, tokenizer, source, config)
    progress_phase("cost")
    with v.timed("cost"):
        device_name = _measure_cost(v, source)
    progress_phase("perplexity")
    with v.timed("perplexity"):
        _measure_perplexity(v)

    # closed-book QA: held-out (generalisation / leak check), knowledge (train split), probe; then RAG
    progress_phase("held-out QA")
    with v.timed("qa"):
        sets = _qa_sets_checked(v)
        held = sets["heldout"]
        qa_rows = _closed_book_qa(v, "heldout", held, f"closed-book QA (held-out): no questions ({held['source']})")
    progress_phase("knowledge QA")
    with v.timed("qa_train"):
        missing = f"knowledge QA (train split): no questions ({sets['train']['source']})"
        train_rows = _closed_book_qa(v, "train", sets["train"], missing if eval_cfg.qa_train_questions else None)
    with v.timed("qa_probe"):
        probe_rows = _closed_book_qa(v, "probe", sets["probe"], None)
    with v.timed("rag_qa_train"):
        rag_rows = _rag_qa(v, sets["train"])
    with v.timed("qa_seen"):
        articles = {it.article_id for it in sets["train"]["items"]}
        seen = trained_wording_items(v.data, articles, eval_cfg) if eval_cfg.qa_seen_questions else None
        seen_rows = _closed_book_qa(v, "seen", seen, None) if seen else []
    if variant_name != "base":
        paired = {
            "qa_train": train_rows,
            "qa_probe": probe_rows,
            "qa": qa_rows,
            "rag_qa_train": rag_rows,
            "qa_seen": seen_rows,
        }
        v.metrics.update(_paired_vs_base(run, paired))
    with v.timed("retention"):
        if eval_cfg.retention:
            v.metrics.update(_measure_retention(v))

    progress_phase("semantic entropy")
    with v.timed("semantic_entropy"):
        _measure_semantic_entropy(v, held["items"][: eval_cfg.se_questions], judge)
    progress_phase("generations")
    with v.timed("generations"):
        _write_generations(v)

    doc = _result_document(v, source, device_name, settings, inputs, time.perf_counter() - t_start)
    atomic_write_json(out_path, _finite(doc))
    reason = decision.reason if previous is not None else "not evaluated yet"
    return {**doc, "cache": {"reused": False, "reason": reason}}


def _finite(obj: Any) -> Any:
    """JSON has no NaN/inf: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


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
    pairs = []
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


def generation_prompts(data: dict[str, Any], limit: int, system_prompt: str) -> list[dict[str, Any]]:
    """The first ``limit`` eval prompts (one per article), with the reference answer."""
    out, seen = [], set()
    for row in data["chat"]:
        key = row.get("id")
        if key in seen:
            continue
        seen.add(key)
        ref = "".join(m.get("content", "") for m in row["completion"])
        out.append({"prompt_id": str(key), "prompt": row["prompt"], "reference": ref})
        if len(out) >= limit:
            return out
    for doc in data["documents"] or data["eval_rows"]:
        if len(out) >= limit:
            break
        if doc.get("id") in seen or not doc.get("title"):
            continue
        seen.add(doc.get("id"))
        user = f'Write the press release titled "{doc["title"]}"' + (
            f" ({doc['date'][:10]})." if doc.get("date") else "."
        )
        out.append(
            {
                "prompt_id": str(doc.get("id")),
                "prompt": chat_prompt(system_prompt, user),
                "reference": doc.get("body") or doc.get("text") or "",
            }
        )
    return out
