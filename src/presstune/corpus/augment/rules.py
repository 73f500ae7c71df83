"""The rules backend: QA pairs, restatements and fact lists from the article text, offline.

Why rules and no NLP library: the step must run offline from the package registry alone, on a
laptop CPU, in seconds. spaCy's English models (the parser and named-entity recogniser that
would find subjects, verbs and names) are distributed outside the package registry — the
registry's copies are third-party re-uploads — and NLTK's taggers likewise download their data
at run time; blingfire only splits sentences, which one regular expression does here too. So
answer spans are found by regular expressions and generic word lists
(:mod:`presstune.corpus.augment.spans`), and questions are made from each span's own sentence
(:mod:`presstune.corpus.augment.questions`), with every pair passing the same guards as a model's.
"""

from __future__ import annotations

import random
import re
from typing import Any

from presstune.config.augment import AugmentConfig
from presstune.corpus.augment.context import ArticleContext, article_context
from presstune.corpus.augment.facts import Fact, extract_facts, select_facts
from presstune.corpus.augment.guards import guard_qa, guard_restatement
from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames
from presstune.corpus.augment.questions import questions_for, standalone_sentence, statement
from presstune.records import GeneratedQA


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
#: How the rules ask for a restatement or a fact list: by the release's subject and month, as a
#: reader would, never by quoting its headline ({c}: the publisher, as the portal profile names it).
SUBJECT_RESTATE_PROMPTS = [
    "What did {c} report about {s}{w}?",
    "Summarise the news about {s}{w}.",
    "What is new about {s}{w}?",
    "Give the main points of {c}'s news about {s}{w}.",
]
SUBJECT_FACTS_PROMPTS = [
    "List the facts of {c}'s news about {s}{w}.",
    "Which figures, names and dates does the news about {s}{w} give?",
    "What are the key facts about {s}{w}?",
    "Sum up the news about {s}{w} as a list of facts.",
]


def _qa_items(fact: Fact, ctx: ArticleContext, phrasings: int, index: int, body: str) -> list[GeneratedQA]:
    """The QA pairs :func:`questions_for` words for ``fact`` (the ``index``-th fact asked), each with
    its answer, kind and phrasing: from the first sentence stating it that makes a question the
    guard accepts (else the first's, to be rejected with their reasons)."""
    first: list[str] = []
    for occurrence in [fact, *fact.again]:
        questions = questions_for(occurrence, ctx, phrasings)
        first = first or questions
        if any(guard_qa(q, fact.answer, body) is None for q in questions):
            break
    else:
        questions = first
    # a person named by surname ("said Bräuer") is answered with the full name the release gives
    answer = fact.answer
    if fact.kind == "person" and not re.search(rf"\b{re.escape(fact.answer)} family\b", fact.sentence):
        answer = ctx.people.get(fact.answer, fact.answer)  # not "the Vidal family": a family is no person
    # The clause that states the fact, for `qa_answer: statement`; only where it holds the answer as
    # asked (a person named by surname in the clause but answered by full name has none).
    said = statement(fact, ctx) if fact.start >= 0 else ""
    items: list[GeneratedQA] = []
    for k, question in enumerate(questions):
        item = GeneratedQA(question=question, answer=answer, fact_kind=fact.kind, phrasing=k, fact=index)
        if said and answer in said:
            item["statement"] = said
        items.append(item)
    return items


def rules_generate(doc: dict[str, Any], cfg: AugmentConfig, names_of: PortalNames = PRESSCLUB_NAMES) -> dict[str, Any]:
    """QA pairs, restatements and fact lists from the article text by rules (brand, model and
    publisher names by the portal: ``names_of``)."""
    title, body = str(doc.get("title") or "").strip(), str(doc.get("body") or "")
    rng = random.Random(f"{cfg.seed}:{doc.get('id')}")
    every = extract_facts(body, names_of)
    ctx = article_context(title, doc.get("date"), every, body, names_of)
    facts = select_facts(every, cfg.max_facts)
    items = [item for i, fact in enumerate(facts) for item in _qa_items(fact, ctx, cfg.qa_phrasings, i, body)]
    # One question asked towards two answers (two facts a question cannot tell apart) would train
    # neither: every pair of such a question is rejected.
    answers: dict[str, set[str]] = {}
    for item in items:
        answers.setdefault(item["question"], set()).add(item["answer"])
    qa: list[GeneratedQA] = []
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        reason: str | None
        if len(answers[item["question"]]) > 1:
            reason = "ambiguous_question"
        elif item["question"] in seen:
            continue  # the same question of the same fact, worded once
        else:
            reason = guard_qa(item["question"], item["answer"], body)
        seen.add(item["question"])
        if reason:
            rejected.append({"kind": "qa", "reason": reason, **item})
        else:
            qa.append(item)
    when = f" ({ctx.when})" if ctx.when else ""
    asked_facts = [f for f in facts if f.start >= 0 or f.kind != "model"]
    sentences = list(dict.fromkeys((f.sentence, f.speaker, f.referent) for f in asked_facts if f.start >= 0))
    restated = [standalone_sentence(s, ctx, speaker, referent) for s, speaker, referent in sentences]
    paraphrases: list[dict[str, Any]] = []
    for k in range(cfg.paraphrases if restated else 0):
        text = " ".join(_permuted(restated, rng))
        if ctx.when:
            text = f"{ctx.when}. {text}"
        prompt = SUBJECT_RESTATE_PROMPTS[k % len(SUBJECT_RESTATE_PROMPTS)].format(
            c=names_of.company, s=ctx.subject, w=when
        )
        # the release's month and year are part of what a restatement says, not an invented number
        reason = guard_restatement(text, f"{body}\n{ctx.when}", 0.5, 2.5, len(" ".join(s for s, _, _ in sentences)))
        (rejected if reason else paraphrases).append(
            {"prompt": prompt, "text": text, **({"kind": "paraphrase", "reason": reason} if reason else {})}
        )
    lines = list(dict.fromkeys(x for x in (statement(f, ctx) for f in facts if f.kind != "quote") if x))
    fact_lists = []
    for k in range(cfg.fact_lists if lines else 0):
        fact_lists.append(
            {
                "prompt": SUBJECT_FACTS_PROMPTS[k % len(SUBJECT_FACTS_PROMPTS)].format(
                    c=names_of.company, s=ctx.subject, w=when
                ),
                "text": "\n".join(f"- {line}" for line in _permuted(lines, rng)),
            }
        )
    return {"qa": qa, "paraphrase": paraphrases, "facts": fact_lists, "rejected": rejected, "atomic_facts": len(facts)}
