"""The rules backend: QA pairs, restatements and fact lists from the article text by templates."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from presstune.corpus.augment.config import AugmentConfig
from presstune.corpus.augment.facts import Fact, extract_facts, select_facts
from presstune.corpus.augment.guards import guard_qa, guard_restatement, normalize_text
from presstune.corpus.augment.questions import FACT_LABELS, questions_for, which_fact


def _permuted(items: list[Any], rng: random.Random) -> list[Any]:
    out = list(items)
    rng.shuffle(out)
    return out


RESTATE_PROMPTS = [
    'Summarise the key facts of the press release "{t}".',
    'What does the press release "{t}" report?',
    'Restate the press release "{t}" in brief.',
    'Give the main points of "{t}".',
]
_FACTS_PROMPTS = ['List the facts in the press release "{t}".', 'Which figures and names does "{t}" contain?']


def _qa_items(fact: Fact, title: str, ambiguous: bool, phrasings: int) -> list[dict[str, Any]]:
    """The QA pairs :func:`questions_for` words for ``fact``, each with its answer, kind and phrasing."""
    return [
        {"question": question, "answer": fact.answer, "fact_kind": fact.kind, "phrasing": k}
        for k, question in enumerate(questions_for(fact, title, ambiguous, phrasings))
    ]


def rules_generate(doc: dict[str, Any], cfg: AugmentConfig) -> dict[str, Any]:
    """QA pairs, restatements and fact lists from the article text by templates."""
    title, body = str(doc.get("title") or "").strip(), str(doc.get("body") or "")
    rng = random.Random(f"{cfg.seed}:{doc.get('id')}")
    # Every question names the article by its title, so a fact the title states (the launched
    # model, the winning driver) cannot be asked: it is rejected before it takes a max_facts slot.
    facts, rejected = [], []
    for fact in extract_facts(body):
        if title and normalize_text(fact.answer) in normalize_text(title):
            rejected += [
                {"kind": "qa", "reason": "answer_in_question", **item}
                for item in _qa_items(fact, title, False, cfg.qa_phrasings)
            ]
        else:
            facts.append(fact)
    facts = select_facts(facts, cfg.max_facts)
    kinds = Counter(f.kind for f in facts)

    # Two facts a question cannot tell apart (three people quoted with one role, two figures after
    # the same words) would train one question towards two answers: both are rejected.
    def slot(f: Fact) -> tuple[str, str, str]:
        return f.kind, f.detail if f.kind != "person" else "", which_fact(f, kinds[f.kind] > 1)

    asked = Counter(slot(f) for f in facts)
    qa = []
    for fact in facts:
        unclear = asked[slot(fact)] > 1
        for item in _qa_items(fact, title, kinds[fact.kind] > 1, cfg.qa_phrasings):
            reason = "ambiguous_question" if unclear else guard_qa(item["question"], fact.answer, body)
            if reason:
                rejected.append({"kind": "qa", "reason": reason, **item})
            else:
                qa.append(item)
    fact_sentences = list(dict.fromkeys(f.sentence for f in facts))
    paraphrases = []
    for k in range(cfg.paraphrases if fact_sentences else 0):
        text = " ".join(_permuted(fact_sentences, rng))
        prompt = RESTATE_PROMPTS[k % len(RESTATE_PROMPTS)].format(t=title)
        reason = guard_restatement(text, body, 0.99, 1.01, len(" ".join(fact_sentences)))
        (rejected if reason else paraphrases).append(
            {"prompt": prompt, "text": text, **({"kind": "paraphrase", "reason": reason} if reason else {})}
        )
    fact_lists = []
    lines = [
        f"{FACT_LABELS[f.kind].format(d=f.detail, ctx=f.context)}: {f.answer}"
        for f in facts
        if f.kind != "quote"  # quotes are long; they are in the restatements
    ]
    for k in range(cfg.fact_lists if lines else 0):
        fact_lists.append(
            {
                "prompt": _FACTS_PROMPTS[k % len(_FACTS_PROMPTS)].format(t=title),
                "text": "\n".join(_permuted(lines, rng)),
            }
        )
    return {"qa": qa, "paraphrase": paraphrases, "facts": fact_lists, "rejected": rejected, "atomic_facts": len(facts)}
