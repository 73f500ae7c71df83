"""The model backends (``transformers``, ``openai``, ``rules+llm``): QA pairs and restatements
written by a language model — the run's own base (self-study, as Active Reading does) or any local
or OpenAI-compatible model — batched across articles, every pair checked against the article.

Why per passage: an article is cut into passages of about ``llm.chunk_chars`` characters (its
paragraphs, short ones merged, long ones cut at sentence ends), and every passage gets its own
short requests: one for ``llm.qa_per_chunk`` question-answer pairs (the model picks the facts),
one per answer the rules find in it (up to ``llm.span_questions``: the model only words the
question for a given answer and its sentence) and ``paraphrases`` for restatements (each in
another wording of the instruction, since decoding is greedy). A short input with a short output
is what a small instruct model (SmolLM2-135M) can follow, and worked examples shown as earlier
chat turns are what it copies; one whole-article prompt makes it copy the text or drift off it.
A large model loses nothing by it.

Why batched: all articles' requests go to the client together (rounds of several batches, the
longest prompts batched with the longest), so a local model fills its ``batch_size`` and an
endpoint its ``concurrency``; each article's result is still cached on its own by the step.

Every pair passes :func:`check_model_pair`: the answer a span of the article (normalised) and not
in the question (:func:`~presstune.corpus.augment.guards.guard_qa`), the question shares a content
word with its passage besides the answer's (a cheap check that it asks about that passage), it
neither quotes the headline, points at "the text" nor carries over the worked examples' names, and
it is no repeat. Every restatement passes :func:`~presstune.corpus.augment.guards.guard_restatement`
(no number the article lacks; a length near its passage's) and may not bring in more than
``llm.max_novel_word_share`` of content words the article lacks (a small model embellishes:
"a masterpiece of modern design"). Each rejection is recorded with its reason (the dataset card
counts them).

``rules+llm`` keeps everything the rules write (their QA, restatements and fact lists) and adds
the model's restatements and the model's QA pairs the rules do not already ask.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from presstune.config.augment import AugmentConfig
from presstune.corpus.augment.facts import extract_facts, sentences
from presstune.corpus.augment.guards import guard_qa, guard_restatement, normalize_text
from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames
from presstune.corpus.augment.rules import rules_generate
from presstune.corpus.llm import Answer, OpenAIBackend, TransformersBackend, strip_answer
from presstune.records import ChatMessage

#: Bump when the prompts, the passages or the checks change (part of the model backends' cache key).
MODEL_GENERATOR_VERSION = "2"

#: The QA request, after one worked exchange (an earlier user turn and its answer): a small model
#: copies a shown format far better than it follows a described one. The example is invented (no
#: real brand or release): a copied example pair fails the guards.
_QA_REQUEST = (
    "Passage (from a press release of {when}, {title}):\n{passage}\n\n"
    "Write {n} questions a reader could ask about facts in this passage, each followed by its answer. "
    "Each answer is a few words copied exactly from the passage: a number with its unit, a date, a name "
    "or a place. Each question names what it is about (the model, the plant, the person, the company, "
    'the event), never "the passage" or "the press release". Write each as\nQ: <question>\nA: <answer>'
)
_QA_EXAMPLE_PASSAGE = (
    "The new Aurora E5 city car goes on sale in Spain on 4 May 2026. It is built at the Aurora plant in "
    "Valencia and costs 31,500 euros."
)
_QA_EXAMPLE_ANSWER = (
    "Q: When does the Aurora E5 go on sale in Spain?\nA: 4 May 2026\n"
    "Q: In which city is the Aurora E5 built?\nA: Valencia\n"
    "Q: How much does the Aurora E5 cost?\nA: 31,500 euros"
)


def qa_messages(passage: str, when: str, title: str, n: int) -> list[ChatMessage]:
    """The QA request for ``passage``: the worked exchange, then the passage."""
    example = _QA_REQUEST.format(when="March 2026", title="Aurora E5 on sale", passage=_QA_EXAMPLE_PASSAGE, n=3)
    return [
        {"role": "user", "content": example},
        {"role": "assistant", "content": _QA_EXAMPLE_ANSWER},
        {"role": "user", "content": _QA_REQUEST.format(when=when, title=title, passage=passage, n=n)},
    ]


#: The question for an answer the rules found in a sentence (a number, date, name, place): the model
#: only words the question — the easier half of the task for a small model — and the answer is a
#: span of the article by construction. Worked examples as earlier chat turns, because a small model
#: copies a shown exchange far better than it follows a described one; invented (no real brand), and
#: a question that carries their names over is rejected (``question_from_the_example``).
_SPAN_EXAMPLES = (
    (
        "The new Aurora E5 city car goes on sale in Spain on 4 May 2026.",
        "4 May 2026",
        "When does the Aurora E5 city car go on sale in Spain?",
    ),
    (
        "Marta Ruiz, head of the Aurora plant in Valencia, said the plant builds 900 cars a day.",
        "900 cars",
        "How many cars a day does the Aurora plant in Valencia build?",
    ),
    (
        "Marta Ruiz, head of the Aurora plant in Valencia, said the plant builds 900 cars a day.",
        "Marta Ruiz",
        "Who is the head of the Aurora plant in Valencia?",
    ),
)
_EXAMPLE_NAMES = frozenset({"aurora", "e5", "marta", "ruiz", "valencia"})
_SPAN_REQUEST = "Sentence: {sentence}\nAnswer: {answer}\nWrite the question."


def span_messages(sentence: str, answer: str) -> list[ChatMessage]:
    """The span request: the worked examples as earlier turns, then the sentence and its answer."""
    messages: list[ChatMessage] = []
    for example, example_answer, question in _SPAN_EXAMPLES:
        messages.append({"role": "user", "content": _SPAN_REQUEST.format(sentence=example, answer=example_answer)})
        messages.append({"role": "assistant", "content": question})
    messages.append({"role": "user", "content": _SPAN_REQUEST.format(sentence=sentence, answer=answer)})
    return messages


#: Restatement instructions, one per wording (greedy decoding: the same request gives the same text).
_RESTATE_REQUESTS = (
    "Rewrite this passage from a press release of {when} in your own words. Name the subject in every "
    'sentence (the model, the plant, the person or the company) instead of "it" or "the company". Keep '
    "every number, date and name exactly as written and add nothing.\n\nPassage: {passage}",
    "Explain the facts of this passage from a press release of {when} in simple, complete sentences, each "
    "naming who or what it is about. Keep every number, date and name exactly as written and add "
    "nothing.\n\nPassage: {passage}",
    "Retell this passage from a press release of {when} for a reader who has not seen it, sentence by "
    "sentence, naming the subject each time. Keep every number, date and name exactly as written and add "
    "nothing.\n\nPassage: {passage}",
    "Write this passage from a press release of {when} as a short news report in other words, naming the "
    "subject in each sentence. Keep every number, date and name exactly as written and add nothing.\n\n"
    "Passage: {passage}",
)
#: How a training row asks for a restatement: by the release's month and headline words, unquoted.
_RESTATE_ROW_PROMPTS = (
    "What did {company} report in {when} about {title}?",
    "Summarise the news of {when} about {title}.",
    "What was announced in {when} about {title}?",
    "Give the main points of the news of {when} about {title}.",
)

_Q_LINE = re.compile(r"^\s*(?:[-*•]\s*)?(?:\d+[.)]\s*)?\**(?:Q|Question)\s*\d*\s*[:.)]\**\s*(.+?)\s*$", re.I)
_A_LINE = re.compile(r"^\s*(?:[-*•]\s*)?\**(?:A|Answer)\s*\d*\s*[:.)]\**\s*(.+?)\s*$", re.I)
_INLINE_ANSWER = re.compile(r"\s*\|\s*\**(?:A|Answer)\s*[:.)]\**\s*", re.I)
#: A question about "the text" cannot be asked closed-book: it is about the document, not the news.
_POINTS_AT_TEXT = re.compile(
    r"\b(?:this|the|that)\s+(?:passage|paragraph|text|article|press release|release|example)\b", re.I
)
_WORD = re.compile(r"\w+", re.U)
#: Function words and question words: sharing one of these with a passage says nothing.
_STOPWORDS = frozenset(
    "a an and are as at be been by can could did do does for from had has have how in into is it its "
    "many much of on or so such than that the their them there these they this those to was were what "
    "when where which while who whom whose why will with would about after also before being both each "
    "more most new not other our over same some under up very we you your".split()
)
_HEADING_CHARS = 80
#: A span longer than this is no short answer to ask a question for.
_SPAN_ANSWER_CHARS = 80


@dataclass(frozen=True)
class Passage:
    """A piece of an article the model is asked about (paragraphs, merged or cut to size)."""

    index: int
    text: str


@dataclass(frozen=True)
class ModelRequest:
    """One conversation for the client: a passage's QA request, the question for one answer found in
    it, or one wording of its restatement."""

    article: int
    passage: int
    task: str  # "qa" | "span" | "restate"
    wording: int
    messages: list[ChatMessage]
    max_new_tokens: int
    #: The answer a "span" request asks a question for.
    answer: str = ""


def passages(body: str, chunk_chars: int) -> list[Passage]:
    """``body`` as passages of at most about ``chunk_chars`` characters, in text order: a short
    heading line joins the paragraph after it, short paragraphs join the next while they fit, and
    a long paragraph is cut at sentence ends (one sentence longer than the limit stays whole)."""
    pieces: list[str] = []
    heading = ""
    for para in (" ".join(p.split()) for p in body.split("\n")):
        if not para:
            continue
        if len(para) <= _HEADING_CHARS and not para.endswith((".", "!", "?", '"', "”", ":")):
            heading = f"{heading} {para}".strip()  # a sub-heading says what the next paragraph is about
            continue
        if heading:
            para, heading = f"{heading}. {para}", ""
        if len(para) <= chunk_chars:
            pieces.append(para)
            continue
        current = ""
        for sentence in sentences(para) or [para]:
            if current and len(current) + 1 + len(sentence) > chunk_chars:
                pieces.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if current:
            pieces.append(current)
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + 1 + len(piece) <= chunk_chars // 2:
            merged[-1] = f"{merged[-1]} {piece}"  # two short paragraphs: one request, not two thin ones
        else:
            merged.append(piece)
    return [Passage(i, text) for i, text in enumerate(merged) if len(text) >= 40]


def release_month(date: Any) -> str:
    """The release's month and year ("November 2024") from an ISO date, or "" when it has none."""
    try:
        return dt.datetime.fromisoformat(str(date)[:10]).strftime("%B %Y")
    except ValueError:
        return ""


def _title_phrase(title: str) -> str:
    """A headline as a phrase inside a sentence: unquoted, its first word lower-cased unless it
    looks like a name (capitals after the first letter, a digit, or a word like "BMW")."""
    title = " ".join(title.split()).rstrip(".!?")
    first = title.split(" ", 1)[0] if title else ""
    if first[:1].isupper() and first[1:].islower() and first.isalpha():
        return first.lower() + title[len(first) :]
    return title


def _estimate_tokens(text: str) -> int:
    return len(text) // 3 + 1


def model_requests(
    article: int, doc: dict[str, Any], cfg: AugmentConfig, names_of: PortalNames = PRESSCLUB_NAMES
) -> list[ModelRequest]:
    """The conversations one article needs: per passage, a QA request and ``cfg.paraphrases``
    restatement requests (each another wording of the instruction)."""
    title = " ".join(str(doc.get("title") or "").split())
    when = release_month(doc.get("date")) or "recent date"
    llm = cfg.llm
    out = []
    for passage in passages(str(doc.get("body") or ""), llm.chunk_chars):
        qa_budget = min(llm.max_new_tokens, 40 * llm.qa_per_chunk + 32)
        messages = qa_messages(passage.text, when, title or "untitled", llm.qa_per_chunk)
        out.append(ModelRequest(article, passage.index, "qa", 0, messages, qa_budget))
        for answer, sentence in span_answers(passage.text, llm.span_questions, names_of):
            budget = min(llm.max_new_tokens, 48)
            out.append(ModelRequest(article, passage.index, "span", 0, span_messages(sentence, answer), budget, answer))
        restate_budget = min(llm.max_new_tokens, int(_estimate_tokens(passage.text) * 1.6) + 48)
        for k in range(cfg.paraphrases):
            user = _RESTATE_REQUESTS[k % len(_RESTATE_REQUESTS)].format(when=when, passage=passage.text)
            out.append(
                ModelRequest(article, passage.index, "restate", k, [{"role": "user", "content": user}], restate_budget)
            )
    return out


def span_answers(passage: str, limit: int, names_of: PortalNames = PRESSCLUB_NAMES) -> list[tuple[str, str]]:
    """Up to ``limit`` answers the rules find in ``passage`` (figures, dates, names, places) with
    the sentence stating each, in text order, each answer once; quotes and long spans left out."""
    if limit <= 0:
        return []
    found: dict[str, str] = {}
    for fact in extract_facts(passage, names_of):
        if fact.kind != "quote" and len(fact.answer) <= _SPAN_ANSWER_CHARS and fact.answer not in found:
            found[fact.answer] = fact.sentence
    return list(found.items())[:limit]


def parse_question(text: str) -> str:
    """The question in a model's answer to a span request: its first line, without a "Q:" label,
    numbering or quotes, and without an answer the model added after it."""
    line = next((x for x in strip_answer(text).splitlines() if x.strip()), "")
    q = _Q_LINE.match(line)
    question = q.group(1) if q else line
    question = _INLINE_ANSWER.split(question, maxsplit=1)[0]
    question = re.split(r"\s+(?:A|Answer)\s*:", question, maxsplit=1)[0]
    return question.strip().strip('*"“”').strip()


def parse_pairs(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Question-answer pairs in a model's answer: "Q: … / A: …" on two lines or "Q: … | A: …" on
    one (numbered, bulleted or bold forms too); returns the pairs and the lines that are neither."""
    pairs: list[tuple[str, str]] = []
    unparsed: list[str] = []
    question: str | None = None
    for line in strip_answer(text).splitlines():
        if not line.strip():
            continue
        q = _Q_LINE.match(line)
        if q:
            if question is not None:
                unparsed.append(f"Q: {question}")  # a question without its answer
            inline = _INLINE_ANSWER.split(q.group(1), maxsplit=1)
            if len(inline) == 2:
                pairs.append((inline[0].strip(), inline[1].strip()))
                question = None
            else:
                question = q.group(1).strip()
            continue
        a = _A_LINE.match(line)
        if a and question is not None:
            pairs.append((question, a.group(1).strip()))
            question = None
            continue
        unparsed.append(line.strip())
    if question is not None:
        unparsed.append(f"Q: {question}")
    return [(q.strip("*").strip(), _clean_answer(a)) for q, a in pairs], unparsed


def _clean_answer(answer: str) -> str:
    answer = answer.strip().strip("*").strip()
    if len(answer) > 2 and answer[0] in "\"“'" and answer[-1] in "\"”'":
        answer = answer[1:-1].strip()
    return answer.rstrip(".").strip()


def content_words(text: str) -> set[str]:
    """Casefolded words that carry content: three letters or more and no function word, or any
    word with a digit."""
    words = (w.casefold() for w in _WORD.findall(text))
    return {w for w in words if any(c.isdigit() for c in w) or (len(w) >= 3 and w not in _STOPWORDS)}


def novel_word_share(text: str, source: str) -> float:
    """Share of ``text``'s content words (:func:`content_words`, counted once) that ``source`` lacks."""
    words = content_words(text)
    return len(words - content_words(source)) / len(words) if words else 0.0


def check_model_pair(question: str, answer: str, passage: str, body: str, title: str, asked: set[str]) -> str | None:
    """None when a model's pair may be trained on; else the named reason it is rejected.

    ``asked``: the normalised questions already accepted for this article (repeats are dropped).
    """
    reason = guard_qa(question, answer, body)
    if reason:
        return reason
    norm_q = normalize_text(question)
    if norm_q in asked:
        return "duplicate_question"
    if (content_words(question) & _EXAMPLE_NAMES) - content_words(body):
        return "question_from_the_example"
    if _POINTS_AT_TEXT.search(question):
        return "question_points_at_the_text"
    if len(title.split()) >= 3 and normalize_text(title.rstrip(".!?")) in norm_q:
        return "question_quotes_the_title"
    if not (content_words(question) & (content_words(passage) - content_words(answer))):
        return "question_off_the_passage"
    if not answer_fits_question(question, answer):
        return "answer_does_not_fit_the_question"
    # the answer's own sentence must be what the question asks about, not just its passage
    stating = [x for x in sentences(passage) if normalize_text(answer) in normalize_text(x)] or [passage]
    if not any(content_words(question) & (content_words(x) - content_words(answer)) for x in stating):
        return "question_off_the_answer_sentence"
    return None


#: Question openings that ask for a figure or a time, and the words that say a "what"/"which"
#: question does; a bare figure answering any other question ("Who is X? 2024") is no answer.
_ASKS_FIGURE = re.compile(
    r"\b(?:how (?:many|much|old|long|far|fast|high|large|big|heavy|quickly|often)|when|what (?:year|date|time|day)|"
    r"which (?:year|date|day|month)|number|price|cost|output|power|percent|percentage|share|range|speed|figure|"
    r"year|age|capacity|amount|total|date|distance|duration|time|rate|consumption|investment|sum|position|place)\b",
    re.I,
)
_ASKS_NAME = re.compile(r"^\s*(?:who|whom|whose|where)\b|\b(?:which|what) (?:city|country|company|person|team)\b", re.I)
_NUMBER_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|first|second|third|fourth|fifth|half|double|twice)\b",
    re.I,
)
_MONTHS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|spring|summer|"
    r"autumn|fall|winter|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.I,
)


def answer_fits_question(question: str, answer: str) -> bool:
    """Whether the answer is of the kind the question asks for, as far as cheap tests tell: a
    figure or a time for "how many"/"when", a name (letters) for "who"/"where", and a bare figure
    only for a question that asks for one."""
    # a number of its own ("1,300", "250kW"), not a model's digit ("iX5", "M4")
    figure = bool(re.search(r"(?<![^\W\d_])\d", answer) or _NUMBER_WORDS.search(answer) or _MONTHS.search(answer))
    bare_figure = not re.search(r"[^\W\d_]{2,}", answer)  # no word of two letters or more: "2024", "1,300"
    if re.match(r"\s*(?:how (?:many|much|old|long|far|fast)|when)\b", question, re.I) and not figure:
        return False
    if _ASKS_NAME.search(question) and bare_figure:
        return False
    if re.fullmatch(r"\s*(?:in\s+)?(?:19|20)\d\d\s*", answer) and not re.search(r"\b(?:when|year)\b", question, re.I):
        return False  # a year answers "when" or "which year", not "how many"
    return not bare_figure or bool(_ASKS_FIGURE.search(question))


def _restatement_rejected(
    text: str, finish_reason: str, passage: str, reference_text: str, cfg: AugmentConfig
) -> str | None:
    """Why a model's restatement of ``passage`` is rejected, or None when it passes the checks."""
    if finish_reason == "length":
        return "truncated"
    if normalize_text(text) == normalize_text(passage):
        return "copied_unchanged"
    reason = guard_restatement(text, reference_text, cfg.llm.min_length_ratio, cfg.llm.max_length_ratio, len(passage))
    if reason is None and novel_word_share(text, reference_text) > cfg.llm.max_novel_word_share:
        reason = "invented_words"
    return reason


def _restatement_rows(
    restated: dict[int, list[str]],
    doc: dict[str, Any],
    title: str,
    when: str,
    cfg: AugmentConfig,
    names_of: PortalNames,
) -> list[dict[str, str]]:
    """One restatement row per wording: its passages' restatements joined, each under its prompt."""
    paraphrases = []
    rng = random.Random(f"{cfg.seed}:{doc.get('id')}:model")
    subject = _title_phrase(title) or "this news"
    for k in sorted(restated):
        parts = restated[k]
        if k > 0:  # the first wording in text order, the others in seeded permuted orders
            rng.shuffle(parts)
        wording = _RESTATE_ROW_PROMPTS[k % len(_RESTATE_ROW_PROMPTS)]
        prompt = wording.format(company=names_of.company, when=when or "recent news", title=subject)
        paraphrases.append({"prompt": prompt, "text": " ".join(parts)})
    return paraphrases


def _assemble(
    doc: dict[str, Any],
    requests: list[ModelRequest],
    answers: list[Answer],
    cfg: AugmentConfig,
    names_of: PortalNames = PRESSCLUB_NAMES,
) -> dict[str, Any]:
    """One article's QA pairs and restatements from its requests' answers, through the checks."""
    title = " ".join(str(doc.get("title") or "").split())
    body = str(doc.get("body") or "")
    when = release_month(doc.get("date"))
    # the month and year a request names are no invented number in a restatement
    reference_text = f"{body}\n{when}"
    texts = {p.index: p.text for p in passages(body, cfg.llm.chunk_chars)}
    qa: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    restated: dict[int, list[str]] = {}
    asked: set[str] = set()
    errors = 0
    for req, ans in zip(requests, answers, strict=True):
        kind = "qa" if req.task == "qa" else "paraphrase"
        if ans.finish_reason == "error":
            errors += 1
            rejected.append({"kind": kind, "reason": "backend_error", "passage": req.passage, "detail": ans.error})
            continue
        passage = texts[req.passage]
        if req.task == "span":
            question = parse_question(ans.text)
            item = {"question": question, "answer": req.answer, "fact_kind": "span", "phrasing": 0}
            reason = "truncated" if ans.finish_reason == "length" else None
            reason = reason or check_model_pair(question, req.answer, passage, body, title, asked)
            if reason:
                rejected.append({"kind": "qa", "reason": reason, "passage": req.passage, **item})
            else:
                asked.add(normalize_text(question))
                qa.append({**item, "passage": req.passage})
            continue
        if req.task == "qa":
            lines = strip_answer(ans.text).splitlines()
            if ans.finish_reason == "length" and lines:  # the last line may be cut mid-answer: never trusted
                cut = lines.pop()
                rejected.append({"kind": "qa", "reason": "truncated", "passage": req.passage, "line": cut[:200]})
            pairs, unparsed = parse_pairs("\n".join(lines))
            rejected += [
                {"kind": "qa", "reason": "unparsable_line", "passage": req.passage, "line": line[:200]}
                for line in unparsed
            ]
            for question, answer in pairs:
                item = {"question": question, "answer": answer, "fact_kind": "generated", "phrasing": 0}
                reason = check_model_pair(question, answer, passage, body, title, asked)
                if reason:
                    rejected.append({"kind": "qa", "reason": reason, "passage": req.passage, **item})
                else:
                    asked.add(normalize_text(question))
                    qa.append({**item, "passage": req.passage})
            continue
        text = " ".join(strip_answer(ans.text).split())
        reason = _restatement_rejected(text, ans.finish_reason, passage, reference_text, cfg)
        if reason:
            rejected.append({"kind": "paraphrase", "reason": reason, "passage": req.passage, "text": text[:400]})
        else:
            restated.setdefault(req.wording, []).append(text)
    return {
        "qa": qa,
        "paraphrase": _restatement_rows(restated, doc, title, when, cfg, names_of),
        "facts": [],
        "rejected": rejected,
        "atomic_facts": None,
        "model_requests": len(requests),
        "restated_passages": sum(len(parts) for parts in restated.values()),
        "backend_errors": errors,
    }


def _with_rules(
    doc: dict[str, Any], model: dict[str, Any], cfg: AugmentConfig, names_of: PortalNames = PRESSCLUB_NAMES
) -> dict[str, Any]:
    """``rules+llm``: the rules' rows, plus the model's restatements and the model's pairs whose
    question the rules do not already ask."""
    rules = rules_generate(doc, cfg, names_of)
    asked = {normalize_text(item["question"]) for item in rules["qa"]}
    extra, repeats = [], []
    for item in model["qa"]:
        if normalize_text(item["question"]) in asked:
            repeats.append({"kind": "qa", "reason": "duplicate_question", **item})
        else:
            extra.append(item)
    return {
        **model,
        "qa": [*rules["qa"], *extra],
        "paraphrase": [*rules["paraphrase"], *model["paraphrase"]],
        "facts": rules["facts"],
        "rejected": [*rules["rejected"], *model["rejected"], *repeats],
        "atomic_facts": rules["atomic_facts"],
    }


def _round_size(backend, cfg: AugmentConfig) -> int:
    """Requests per client call: several batches, so the client's batches are full and sorted by
    length; and few enough that finished articles reach the cache as the run goes."""
    per_batch = getattr(backend, "batch_size", None) or getattr(backend, "concurrency", None) or cfg.llm.batch_size
    return max(1, int(per_batch)) * 8


def generate_with_model(
    docs: Sequence[dict[str, Any]], cfg: AugmentConfig, backend, names_of: PortalNames = PRESSCLUB_NAMES
) -> Iterator[dict[str, Any]]:
    """Each of ``docs``' generated rows (in order), its requests sent to ``backend`` in rounds of
    whole articles; a round is one ``backend.generate`` call holding several articles' requests,
    ordered by length so each batch pads little. ``names_of``: the portal's names (the rules'
    spans, the publisher in restatement prompts)."""
    pending: list[tuple[int, list[ModelRequest]]] = []
    queued = 0
    size = _round_size(backend, cfg)
    for i, doc in enumerate(docs):
        pending.append((i, model_requests(i, doc, cfg, names_of)))
        queued += len(pending[-1][1])
        if queued >= size or i == len(docs) - 1:
            yield from _run_round(docs, pending, cfg, backend, names_of)
            pending, queued = [], 0


def _run_round(
    docs: Sequence[dict[str, Any]],
    pending: list[tuple[int, list[ModelRequest]]],
    cfg: AugmentConfig,
    backend,
    names_of: PortalNames,
) -> Iterator[dict[str, Any]]:
    flat = [req for _, reqs in pending for req in reqs]
    order = sorted(range(len(flat)), key=lambda j: (flat[j].max_new_tokens, len(flat[j].messages[-1]["content"])))
    answers: list[Answer | None] = [None] * len(flat)
    if flat:
        got = backend.generate([flat[j].messages for j in order], [flat[j].max_new_tokens for j in order])
        for j, ans in zip(order, got, strict=True):
            answers[j] = ans
    start = 0
    for i, reqs in pending:
        mine = [a for a in answers[start : start + len(reqs)] if a is not None]
        start += len(reqs)
        result = _assemble(docs[i], reqs, mine, cfg, names_of)
        yield _with_rules(docs[i], result, cfg, names_of) if cfg.backend == "rules+llm" else result


def llm_generate(doc: dict[str, Any], cfg: AugmentConfig, backend) -> dict[str, Any]:
    """One article's QA pairs and restatements written by the model (see :func:`generate_with_model`)."""
    return next(generate_with_model([doc], cfg, backend))


def make_backend(cfg: AugmentConfig, backend=None):
    """The model client for the model backends (None for rules/none): the LLM cleaning phase's
    clients with ``corpus.augment.llm``'s settings; ``rules+llm`` uses the endpoint when
    ``llm.url`` is set, else a local transformers model."""
    if backend is not None or cfg.backend in ("none", "rules"):
        return backend
    llm = cfg.llm
    if cfg.backend == "openai" or (cfg.backend == "rules+llm" and llm.url):
        if not llm.url:
            raise ValueError("corpus.augment.llm.url is required for the openai backend (e.g. http://127.0.0.1:8000)")
        api_key = os.environ.get(llm.api_key_env)
        return OpenAIBackend(llm.url, llm.model, api_key, llm.timeout, llm.concurrency, llm.temperature)
    return TransformersBackend.from_pretrained(llm.model, llm.batch_size)
