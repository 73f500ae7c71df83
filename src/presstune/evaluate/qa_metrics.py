"""Closed-book QA metrics (held-out, knowledge, probe, asked as trained), the same questions with
retrieved passages, and the per-question comparison with the base model."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from presstune.config.evaluate import EvaluateConfig
from presstune.evaluate.data import leaked_questions, row_docs, training_texts
from presstune.evaluate.generation import generate_chat, prompt_ids
from presstune.evaluate.perplexity import continuation_logprobs
from presstune.evaluate.qa import contains_answer, exact_match, mcnemar, wilson_interval
from presstune.evaluate.qa_sets import QA_SET_FOLDERS, QA_SET_LABELS, qa_sets, trained_wording_items
from presstune.evaluate.stats import mean_ci, ratio_ci
from presstune.evaluate.variant import Measurement, VariantUnderTest
from presstune.models.checkpoints import device_for
from presstune.prompts import chat_prompt, qa_prompt
from presstune.records import CorpusDocument, QuestionRow, read_question_rows
from presstune.retrieval import Retriever, chunk_documents, rag_question
from presstune.rundir import RunDir


def _qa_rows(
    model,
    tokenizer,
    items,
    eval_cfg: EvaluateConfig,
    system_prompt: str,
    pad_id: int,
    questions: list[str] | None = None,
) -> list[QuestionRow]:
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
        QuestionRow(
            qid=it.qid,
            article_id=it.article_id,
            question=it.question,
            answer=gen[0].text,  # the model's answer (rows before ``gold`` named the gold answer so)
            fact_key=it.fact_key,
            source=it.source,
            aliases=list(it.aliases),
            gold=it.answer,
            prediction=gen[0].text,
            exact_match=exact_match(gen[0].text, it.answer, it.aliases),
            contains_answer=contains_answer(gen[0].text, it.answer, it.aliases),
            answer_logprob=float(ll),
            answer_tokens=int(n),
        )
        for it, gen, ll, n in zip(items, answers, lp, n_tok)
    ]


def _qa_set_description(which: str, qa: dict[str, Any], n: int, eval_cfg: EvaluateConfig) -> str:
    """What one QA set asks, for its metrics' definitions: the questions' source, the split, the sample."""
    source = qa["source"]
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
    return what


def _qa_metrics(
    prefix: str, which: str, rows: list[QuestionRow], qa: dict[str, Any], eval_cfg: EvaluateConfig
) -> dict[str, Any]:
    """``<prefix>exact_match`` / ``contains`` / ``answer_logprob_per_token`` / ``answer_logprob``
    of one QA set, each with its definition and sample size."""
    source, n = qa["source"], len(rows)
    split = "eval" if which == "heldout" else "train"
    what = _qa_set_description(which, qa, n, eval_cfg)
    label = QA_SET_LABELS[which]
    common: dict[str, Any] = {
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
        # beside the shares: a reply trained as the fact's whole clause (corpus.augment.qa_answer:
        # statement) is longer, and a longer answer contains more words that could match
        f"{prefix}answer_words": {
            "value": float(np.median([len(r["answer"].split()) for r in rows])),
            **common,
            "definition": f"{label}: median words of the greedy answers (read the shares beside it: a longer "
            "answer names more candidates)",
        },
        f"{prefix}answer_logprob_per_token": {
            "value": float(sum(r["answer_logprob"] for r in rows) / max(total_tokens, 1)),
            "ci95": ratio_ci(
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
            "ci95": mean_ci([r["answer_logprob"] for r in rows], eval_cfg.bootstrap_samples, eval_cfg.seed),
            **common,
            "definition": f"{label}: mean over questions of log p(gold answer | question), teacher-forced "
            "(nats per answer); ci95 = bootstrap over questions",
        },
    }


def _rag_rows(model, tokenizer, items, data, eval_cfg: EvaluateConfig, system_prompt: str, pad_id: int):
    """The knowledge questions asked with the top-k retrieved passages of the train articles."""
    docs = data.get("train_documents") or row_docs(data.get("train_rows") or [])
    # never "none" here: the RAG measurement is skipped without a retriever
    method: Literal["bm25", "embedding"] = "embedding" if eval_cfg.rag_retriever == "embedding" else "bm25"
    retriever = Retriever(
        chunk_documents(docs, eval_cfg.rag_passage_words),
        method,
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


def paired_vs_base(run: RunDir, rows_by_set: dict[str, list[QuestionRow]]) -> dict[str, Any]:
    """Per-question comparison with the base model on the same questions (McNemar counts)."""
    out: dict[str, Any] = {}
    for name, rows in rows_by_set.items():
        base_rows = read_question_rows(run.metric_rows(name, "base"))
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


def _qa_sets_checked(v: VariantUnderTest) -> dict[str, dict[str, Any]]:
    """The QA sets (:func:`qa_sets`), each with the count of its questions found in training rows."""
    sets = qa_sets(v.run, v.eval_cfg, v.config, v.data)
    train_texts = training_texts(v.run)
    for which in ("heldout", "train", "probe"):
        sets[which]["leaked_questions"] = leaked_questions(sets[which]["items"], train_texts)
    return sets


def _closed_book_qa(v: VariantUnderTest, which: str, qa: dict[str, Any], missing: str | None) -> list[QuestionRow]:
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
    v.rows[folder] = rows
    return rows


def _unshared_heldout(rows: list[QuestionRow], train_documents: list[CorpusDocument]) -> dict[str, Any]:
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


def _rag_qa(v: VariantUnderTest, train: dict[str, Any]) -> list[QuestionRow]:
    """The knowledge questions again, with retrieved passages in the prompt (unless switched off)."""
    rows: list[QuestionRow] = []
    if v.eval_cfg.rag_retriever != "none" and train["items"]:
        try:
            rows, info = _rag_rows(v.model, v.tokenizer, train["items"], v.data, v.eval_cfg, v.system_prompt, v.pad_id)
            v.metrics.update(_qa_metrics("rag_qa_train_", "rag_train", rows, {**train, **info}, v.eval_cfg))
        except (ImportError, ValueError, RuntimeError) as exc:  # no retriever must not lose the other metrics
            v.errors.append(f"RAG QA: {type(exc).__name__}: {exc}")
    v.write_rows("rag_qa_train", rows)
    v.rows["rag_qa_train"] = rows
    return rows


def _held_out(v: VariantUnderTest) -> None:
    """Builds the QA sets (every later QA measurement asks from them), then asks the held-out one."""
    v.qa_sets = _qa_sets_checked(v)
    held = v.qa_sets["heldout"]
    _closed_book_qa(v, "heldout", held, f"closed-book QA (held-out): no questions ({held['source']})")


def _knowledge(v: VariantUnderTest) -> None:
    train = v.qa_sets["train"]
    missing = f"knowledge QA (train split): no questions ({train['source']})"
    _closed_book_qa(v, "train", train, missing if v.eval_cfg.qa_train_questions else None)


def _probe(v: VariantUnderTest) -> None:
    _closed_book_qa(v, "probe", v.qa_sets["probe"], None)


def _with_retrieval(v: VariantUnderTest) -> None:
    _rag_qa(v, v.qa_sets["train"])


def _asked_as_trained(v: VariantUnderTest) -> None:
    articles = {it.article_id for it in v.qa_sets["train"]["items"]}
    seen = trained_wording_items(v.data, articles, v.eval_cfg) if v.eval_cfg.qa_seen_questions else None
    v.rows["qa_seen"] = _closed_book_qa(v, "seen", seen, None) if seen else []


#: The QA sets compared with the base model question by question, in the order of their metrics.
PAIRED_SETS = ("qa_train", "qa_probe", "qa", "rag_qa_train", "qa_seen")


def _paired_with_base(v: VariantUnderTest) -> None:
    if v.name != "base":
        v.metrics.update(paired_vs_base(v.run, {folder: v.rows[folder] for folder in PAIRED_SETS}))


#: Closed-book QA: held-out (generalisation / leak check), knowledge (train split), probe; then
#: the knowledge questions with retrieval, asked as trained, and the comparison with the base.
MEASUREMENTS = (
    Measurement("qa", "held-out QA", _held_out),
    Measurement("qa_train", "knowledge QA", _knowledge),
    Measurement("qa_probe", None, _probe),
    Measurement("rag_qa_train", None, _with_retrieval),
    Measurement("qa_seen", None, _asked_as_trained),
    Measurement("", None, _paired_with_base),
)
