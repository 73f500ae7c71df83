"""Closed-book QA items: ground-truth fact sheets (replica) or templated cloze questions over
numbers with units extracted from the text (real corpora), and answer scoring.

Two question sets are built from the same sources (see ``runner.qa_sets``):

* held-out QA: articles of the eval split (no variant was trained on them): a generalisation
  / leak check -- the replica's facts are random per article, so ~0% is the honest value;
* knowledge QA: articles of the train split (the fine-tuning data): did fine-tuning put the
  news into the weights? The base model is asked the same questions.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from presstune.records import FactQuestion, FactSheetLine


@dataclass
class QAItem:
    qid: str
    article_id: str
    question: str
    #: The canonical gold answer (teacher-forced for the answer log-likelihood, shown first).
    answer: str
    fact_key: str
    source: str  # "facts" | "templates" | "training_rows"
    #: Other accepted forms of the answer ("5 hours" for "five hours", "Rene Rast" for "René
    #: Rast"): a prediction that contains any of them scores a hit like the canonical one.
    aliases: tuple[str, ...] = ()

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every accepted answer, the canonical one first."""
        return (self.answer, *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "aliases": list(self.aliases)}


def fact_answers(qa: FactQuestion) -> tuple[str, tuple[str, ...]]:
    """(canonical answer, aliases) of one fact-sheet QA entry.

    Accepted forms: ``answer`` alone; ``answer`` with ``aliases: [...]``; ``answers: [...]`` (all
    accepted answers, the first canonical) with or without ``answer`` (then ``answer`` is the
    canonical one and ``answers`` adds to the aliases). Aliases that normalise like the canonical
    answer or like an earlier alias are dropped: they score nothing new."""
    listed = [a.strip() for a in qa.answers or [] if a.strip()]
    canonical = (qa.answer or "").strip() or (listed[0] if listed else "")
    others = [*listed, *(a.strip() for a in qa.aliases or [])]
    seen = {normalize_answer(canonical)}
    aliases: list[str] = []
    for alias in others:
        key = normalize_answer(alias)
        if key and key not in seen:
            seen.add(key)
            aliases.append(alias)
    return canonical, tuple(aliases)


def fact_sheets(records: list[FactSheetLine]) -> list[tuple[str, list[FactQuestion]]]:
    """(article id, QA entries) per article, in file order. Two file forms: fact sheets
    (``{id, qa: [...]}``, one line per article) and one question per line (``{article_id,
    question, answer, aliases}``, as the real dev set's questions.jsonl): the latter grouped by
    article, so a question gets the same id (``<article>:<k>``) from either form of the same set."""
    sheets: dict[str, list[FactQuestion]] = {}
    for rec in records:
        sheets.setdefault(rec.article, []).extend(rec.entries())
    return list(sheets.items())


def facts_questions(fact_records: list[FactSheetLine], ids: set[str], limit: int | None = None) -> list[QAItem]:
    """The QA pairs of the articles in ``ids`` (one split), in file order, with their aliases
    (:func:`fact_answers`); either file form of :func:`fact_sheets`."""
    items: list[QAItem] = []
    for aid, entries in fact_sheets(fact_records):
        if aid not in ids:
            continue
        for k, qa in enumerate(entries):
            q = (qa.question or "").strip()
            a, aliases = fact_answers(qa)
            if q and a:
                key = qa.fact_key or qa.kind or ""
                items.append(QAItem(f"{aid}:{k}", aid, q, a, key, "facts", aliases))
    return items[:limit] if limit is not None else items


#: File names under which the run keeps the replica's own fact sheets (the pipeline saves them as
#: ``<run>/replica_facts.jsonl``; ``presstune replica`` writes ``<dir>/facts.jsonl``).
REPLICA_FACTS_NAMES = ("replica_facts.jsonl",)
REPLICA_FACTS_FOLDERS = ("replica", "_replica")


def question_source(source: str, facts_path: Path | None = None) -> str:
    """What a QA set's questions were written from, in the report's words: the replica's
    ground-truth fact sheets, a user's facts file (named), cloze templates, or the training rows."""
    if source == "facts":
        if facts_path is None:
            return "replica fact sheets (rebuilt from the replica's seed)"
        if facts_path.name in REPLICA_FACTS_NAMES or facts_path.parent.name in REPLICA_FACTS_FOLDERS:
            return f"replica fact sheets ({facts_path.name})"
        return f"facts file {facts_path.name}"
    if source == "templates":
        return "cloze templates (a number with its unit blanked in a sentence of the article)"
    if source == "training_rows":
        return "the training rows' own QA questions"
    return source


_UNIT = r"(?:kWh|kW|km/h|km|PS|hp|Nm|mph|%|per cent|percent|units|vehicles|employees|million|billion|€|EUR|euros?)"
_NUMBER = r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
#: "340 kW", "805 km", "68,900 euros", "€ 68,900", "EUR 1.2 million"
_SPAN = re.compile(rf"(?:(?:€|EUR)\s?(?:{_NUMBER})(?:\s(?:million|billion))?|(?:{_NUMBER})\s?{_UNIT}(?![A-Za-z]))")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def template_questions(
    documents: Sequence[Mapping[str, Any]], limit: int | None = None, per_document: int = 3
) -> list[QAItem]:
    """Cloze questions from documents (one split): a sentence with one number+unit span blanked,
    framed by the article's title and date; the blanked span is the answer.

    Why templates: no labelled QA exists for real press releases; numbers with units (power,
    range, prices, volumes) are the facts a closed-book model must have memorised, and the span
    taken from the text is an exact ground truth.
    """
    items: list[QAItem] = []
    for doc in documents:
        body, aid = str(doc.get("body") or doc.get("text") or ""), str(doc.get("id", ""))
        title, date = str(doc.get("title") or "").strip(), str(doc.get("date") or "")[:10]
        n = 0
        for sentence in _SENTENCE.split(body.replace("\n", " ")):
            sentence = " ".join(sentence.split())
            if not (30 <= len(sentence) <= 300):
                continue
            match = _SPAN.search(sentence)
            if not match:
                continue
            blanked = sentence[: match.start()] + "___" + sentence[match.end() :]
            where = f'the press release "{title}"' + (f" ({date})" if date else "") if title else "a press release"
            question = f'In {where}, which figure fills the blank? "{blanked}"'
            items.append(QAItem(f"{aid}:t{n}", aid, question, match.group(0), "number", "templates"))
            n += 1
            if n >= per_document:
                break
        if limit is not None and len(items) >= limit:
            break
    return items[:limit] if limit is not None else items


def subsample(items: list[QAItem], limit: int | None, seed: int = 0) -> list[QAItem]:
    """At most ``limit`` items: the lowest ranks of a seeded hash of the question id, returned in
    the input order (deterministic, independent of the input order; a question chosen from a pool
    is also chosen from any smaller pool that holds it). ``None`` = all."""
    if limit is None or len(items) <= limit:
        return list(items)
    rank = {id(it): hashlib.sha256(f"{seed}:{it.qid}".encode()).hexdigest() for it in items}
    keep = {id(it) for it in sorted(items, key=lambda it: rank[id(it)])[:limit]}
    return [it for it in items if id(it) in keep]


def ambiguous_questions(items: list[QAItem], pool: list[QAItem] | None = None) -> int:
    """How many of ``items`` are asked, word for word, with a different gold answer of another
    article in ``pool`` (default: ``items``), e.g. a template that names only the model: no model
    can answer those from the question alone."""
    answers: dict[str, set[str]] = {}
    for it in pool if pool is not None else items:
        answers.setdefault(it.question, set()).add(normalize_answer(it.answer))
    return sum(1 for it in items if len(answers.get(it.question, ())) > 1)


def answer_in_question(item: QAItem) -> bool:
    """The gold answer or one of its aliases stands in the question (after normalisation):
    answerable by copying, so it measures no knowledge (the training generator rejects such
    pairs the same way)."""
    return contains_answer(item.question, item.answer, item.aliases)


_CURRENCY_FIRST = re.compile(r"\b(eur|usd|gbp)\s+(\d[\d.]*(?:\s(?:million|billion))?)")


def normalize_answer(text: str) -> str:
    """Lower-case, NFKC, thousands separators and punctuation removed, articles dropped; units
    split from their number ("340kW" = "340 kW"), currencies written after the amount in one
    word ("€ 68,900" = "EUR 68,900" = "68,900 euros" = "68900 eur"), "percent" = "per cent" = "%"."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", text)  # 68,900 / 68.900 -> 68900
    text = re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", text)  # 1,234,567: a second pass for the next group
    text = text.replace("€", " eur ").replace("$", " usd ").replace("£", " gbp ")
    text = re.sub(r"\beuros?\b", "eur", text)
    text = re.sub(r"\b(?:us )?dollars?\b", "usd", text)
    text = re.sub(r"\bper ?cent\b|%", " % ", text)
    text = re.sub(r"(?<=\d)(?=[a-z%])", " ", text)  # 340kw -> 340 kw
    text = re.sub(r"[^\w\s.%/]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    text = " ".join(text.split())
    text = _CURRENCY_FIRST.sub(r"\2 \1", text)
    words = [w for w in text.split() if w not in {"a", "an", "the"}]
    return " ".join(words)


def exact_match(prediction: str, answer: str, aliases: Iterable[str] = ()) -> bool:
    """The normalised prediction equals the normalised answer or one of its aliases."""
    pred = normalize_answer(prediction)
    return any(pred == normalize_answer(gold) for gold in (answer, *aliases) if normalize_answer(gold))


def contains_answer(prediction: str, answer: str, aliases: Iterable[str] = ()) -> bool:
    """The normalised answer, or one of its aliases, stands in the normalised prediction as
    whole words."""
    pred = normalize_answer(prediction)
    for gold in (answer, *aliases):
        norm = normalize_answer(gold)
        if norm and re.search(rf"(?<!\w){re.escape(norm)}(?!\w)", pred) is not None:
            return True
    return False


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> list[float] | None:
    """Wilson score 95 % interval of a proportion: sensible at 0 and 1 (0 of 60 gives [0, 0.060],
    where a percentile bootstrap gives [0, 0])."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return [max(0.0, centre - half), min(1.0, centre + half)]


def mcnemar(base: list[bool], other: list[bool]) -> dict[str, Any]:
    """Paired comparison over the same questions: b = right before and wrong after, c = wrong
    before and right after; two-sided exact binomial p-value of b vs c (McNemar's exact test)."""
    b = sum(1 for x, y in zip(base, other) if x and not y)
    c = sum(1 for x, y in zip(base, other) if not x and y)
    n = b + c
    if n == 0:
        p = 1.0
    else:
        k = min(b, c)
        p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    return {"b": b, "c": c, "both_right": sum(1 for x, y in zip(base, other) if x and y), "p_value": p}
