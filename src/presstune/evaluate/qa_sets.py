"""The closed-book QA sets of a run (held-out, knowledge, probe; from fact sheets, else templates)
and the diagnostic set asked in the training rows' own wording."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from presstune.config.evaluate import EvaluateConfig
from presstune.evaluate.data import EvalData, EvaluateError, load_probe_ids, row_docs, split_ids
from presstune.evaluate.qa import (
    QAItem,
    ambiguous_questions,
    answer_in_question,
    facts_questions,
    question_source,
    subsample,
    template_questions,
)
from presstune.records import FactSheetLine, read_fact_sheets
from presstune.replica.site import Site
from presstune.rundir import RunDir


def _fact_records(run: RunDir, eval_cfg: EvaluateConfig, config: Any) -> tuple[list[FactSheetLine] | None, str]:
    """(fact records or None, where they came from: :func:`presstune.evaluate.qa.question_source`)."""
    path = run.fact_sheets(eval_cfg.facts_file)
    if path is not None and path.is_file():
        return read_fact_sheets(path), question_source("facts", path)
    if eval_cfg.facts_file:
        raise EvaluateError(f"evaluate.facts_file not found: {eval_cfg.facts_file}")
    # The replica is a pure function of (articles, seed): rebuild its fact sheets when the run
    # collected from it (base URL on this machine).
    base_url = str(getattr(getattr(config, "collect", None), "base_url", ""))
    if config is not None and any(h in base_url for h in ("127.0.0.1", "localhost")):
        site = Site(articles=config.replica.articles, seed=config.replica.seed)
        lines = site.facts_jsonl(body=False).splitlines()
        return [FactSheetLine.model_validate_json(line) for line in lines if line.strip()], (question_source("facts"))
    return None, question_source("templates")


def qa_sets(run: RunDir, eval_cfg: EvaluateConfig, config: Any, data: EvalData) -> dict[str, dict[str, Any]]:
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
        docs: Sequence[Mapping[str, Any]] = data["documents"] or [
            {"id": r.get("id"), "title": r.get("title"), "date": r.get("date"), "text": r.get("text")}
            for r in data["eval_rows"]
            if r.get("text")
        ]
        held_pool = template_questions(docs)
        train_docs: Sequence[Mapping[str, Any]] = data.get("train_documents") or row_docs(data.get("train_rows") or [])
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


def trained_wording_items(data: EvalData, articles: set[str], eval_cfg: EvaluateConfig) -> dict[str, Any]:
    """The diagnostic set ``seen``: generated QA rows of the default training mix
    (``dataset/train.jsonl``, kind ``qa``) about the knowledge-QA articles, asked in the training
    data's own wording; the answer is the row's span (``answer``; a row without one: its reply).

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
            answer = str(row.get("answer") or row["completion"][-1]["content"]).strip()
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


def qa_items(run: RunDir, eval_cfg: EvaluateConfig, config: Any, data: EvalData):
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


#: Per QA set: the folder of its per-question rows under ``metrics/``; its metrics' prefix is
#: the folder name and an underscore.
QA_SET_FOLDERS = {
    "heldout": "qa",
    "train": "qa_train",
    "probe": "qa_probe",
    "rag_train": "rag_qa_train",
    "seen": "qa_seen",
}
