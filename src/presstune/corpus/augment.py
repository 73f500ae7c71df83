"""Knowledge augmentation (``corpus.augment``) and the training mix (``corpus.mix``).

Raw press releases alone do not make their facts extractable (EntiGraph, PIT, Physics of LMs
3.1); several wordings per fact and QA per atomic fact next to the documents do. For every
*train* article this step generates, from the article text only (never the replica's fact
sheets):

* ``qa``: question/answer pairs per atomic fact (figures with units, prices, dates, plants and
  places, people, roles, events, quotes); every answer is a span of the article text, else the
  pair is rejected with a named reason;
* ``paraphrase``: restatements of the article's fact sentences, in seeded permuted orders;
* ``facts``: the article's facts as a list, in a permuted order;
* ``reading``: some of the QA pairs asked with the top-k retrieved passages of the train
  articles in the prompt (the passage holding the answer put in when retrieval missed it), in
  the layout ``rag_qa_train_*`` and ``ask --rag`` use: fine-tuning on closed-book QA alone
  teaches answering from memory over reading the passages (RAFT, Zhang et al. 2024, trains on
  such rows); built from the QA pairs only, so probe articles never get one.

Backends: ``rules`` (offline templates that work on any press release), ``transformers`` (a
local model, e.g. the base itself: self-generated study data) and ``openai`` (any
OpenAI-compatible endpoint); the model backends reuse the LLM cleaning phase's clients
(:mod:`presstune.corpus.llm`) and pass the same guards as the rules. Results are cached per
article (``dataset/augment/<ID>.json``, keyed by a hash of the text and the settings).

A seeded share of the train articles are *probe* articles: their QA rows are withheld from
every mix (their text, paraphrases and fact lists are trained), so evaluation can measure
whether facts learnt from documents alone can be extracted (``qa_probe_*``).

The mix turns rows of each kind into the training file: weight w = w copies of every row of
that kind (a fractional part is a seeded sample); ``replay`` is a share of general rows from
``replay_file``. ``dataset/train.jsonl`` is ``corpus.mix``; each of ``corpus.mixes`` is also
written as ``dataset/train.<name>.jsonl`` for variants that name it (``variants[].mix``).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from presstune.corpus.format import chat_prompt, qa_prompt
from presstune.corpus.llm_client import LLMClientConfig
from presstune.schema import Strict

#: Bump when the generated rows for the same input change (re-generates every article).
#: 3: quotes over several sentences, the PressClub's "Name (Role):" form, power in two units as one
#: fact, facts chosen kind by kind, questions that cannot tell two facts apart rejected. 4: event
#: names with an elided article ("Concorso d’Eleganza Villa d’Este"), amounts asked as prices or
#: investments when the words before them say so. 5: one person's role once, the whole of it.
AUGMENT_VERSION = "7"
KINDS = ("article", "qa", "paraphrase", "facts", "reading", "replay")

DEFAULT_QA_INSTRUCTION = "Answer the following question in a single brief but complete sentence."


class AugmentLLM(LLMClientConfig):
    """The model backends' settings (the client is the LLM cleaning phase's)."""

    #: "base" (transformers): the run's base model writes its own study data (Active Reading).
    model: str = "base"
    max_new_tokens: int = Field(768, ge=16)
    #: A paraphrase shorter/longer than these shares of the source's fact sentences is rejected.
    min_length_ratio: float = 0.3
    max_length_ratio: float = 2.5


class AugmentConfig(Strict):
    """Generated training rows per train article (see presstune.corpus.augment)."""

    #: "none": no generated rows (the seed recipe); "rules": offline templates.
    backend: Literal["none", "rules", "transformers", "openai"] = "rules"
    #: Question wordings per atomic fact (rules backend).
    qa_phrasings: int = Field(2, ge=1, le=5)
    #: At most this many facts per article get QA rows (in text order).
    max_facts: int = Field(24, ge=1)
    #: Restatements (fact sentences in a permuted order) per article.
    paraphrases: int = Field(2, ge=0, le=8)
    #: Fact lists (one fact per line, permuted order) per article.
    fact_lists: int = Field(1, ge=0, le=8)
    #: Reading rows (a mix with ``reading`` > 0): QA pairs per article (one wording per fact,
    #: a seeded sample) asked with the top-k passages, chunked as evaluation chunks them;
    #: keep top_k / passage_words equal to ``evaluate.rag_top_k`` / ``rag_passage_words``.
    reading_per_article: int = Field(4, ge=0)
    reading_top_k: int = Field(3, ge=1)
    reading_passage_words: int = Field(120, ge=10)
    #: Share of train articles whose QA rows are withheld (probe set for qa_probe_*).
    probe_share: float = Field(0.2, ge=0, lt=1)
    seed: int = 0
    #: Prefix of QA prompts, the way evaluation and `presstune ask` phrase a question (empty = none).
    qa_instruction: str = DEFAULT_QA_INSTRUCTION
    llm: AugmentLLM = Field(default_factory=AugmentLLM)


class MixWeights(Strict):
    """Copies per row of each kind in one epoch (0 = left out; 0.5 = a seeded half)."""

    article: float = Field(1.0, ge=0)
    qa: float = Field(0.0, ge=0)
    paraphrase: float = Field(0.0, ge=0)
    facts: float = Field(0.0, ge=0)
    #: QA pairs asked with retrieved passages in the prompt (see ``reading`` above).
    reading: float = Field(0.0, ge=0)
    #: Share of the final mix taken from ``replay_file`` (general rows against forgetting).
    replay: float = Field(0.0, ge=0, lt=1)
    #: General rows (JSONL, the dataset's row format), or ``base``: the base model's own answers
    #: to presstune's general instructions (self-rehearsal, see presstune.corpus.replay).
    replay_file: str | None = None


#: The seed's recipe: the release itself, nothing generated.
SEED_MIX = MixWeights()
#: The default knowledge recipe.
KNOWLEDGE_MIX = MixWeights(article=1.0, qa=1.0, paraphrase=1.0, facts=1.0)


# -- atomic facts ---------------------------------------------------------------------------

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_CAP = r"[A-ZÀ-ÖØ-Þ][^\s,.;:!?()\"“”]*"
_NAME = rf"{_CAP}(?:\s(?:van|von|de|da|del|der|di|le|la)?\s?{_CAP}){{1,2}}"

#: (kind, pattern of the answer span). Order matters: earlier kinds win overlapping spans.
_SPANS: list[tuple[str, re.Pattern[str]]] = [
    (
        "money",
        re.compile(
            rf"(?:€|EUR|US\$|\$|£)\s?(?:{_NUM})(?:\s(?:million|billion|bn))?"
            rf"|(?:{_NUM})(?:\s(?:million|billion))?\s(?:euros?|Euro|EUR|US dollars|dollars|USD)\b"
        ),
    ),
    # "300 kW (408 hp)" / "190 kW/258 hp": one fact in two units, not two facts of one kind (two
    # would make each question name a text position to tell them apart, and split the answer).
    (
        "power",
        re.compile(
            rf"(?:{_NUM})\s?(?:kW|PS|hp|bhp)\b(?!h)"
            rf"(?:\s?\(\s?(?:{_NUM})\s?(?:PS|hp|bhp)\)|\s?/\s?(?:{_NUM})\s?(?:PS|hp|bhp)\b)?"
        ),
    ),
    ("speed", re.compile(rf"(?:{_NUM})\s?(?:km/h|mph)")),
    ("consumption", re.compile(rf"(?:{_NUM})\s?(?:kWh|l)/100\s?km")),
    ("distance", re.compile(rf"(?:{_NUM})\s?(?:km|kilometres|kilometers|miles)\b(?!/)")),
    ("percent", re.compile(rf"(?:{_NUM})\s?(?:%|percent|per cent)")),
    ("date", re.compile(rf"\b\d{{1,2}}\.?\s(?:{_MONTHS})\s\d{{4}}|\b(?:{_MONTHS})\s\d{{1,2}},\s\d{{4}}")),
    (
        "count",
        re.compile(
            rf"\b(?:{_NUM})(?:\s(?:million|billion))?\s(?=(?:new\s)?(?:employees|vehicles|cars|units|suppliers|"
            r"countries|markets|people|jobs|deliveries|motorcycles|customers|dealers|sites|plants|models)\b)"
        ),
    ),
    ("plant", re.compile(rf"\b(?:Plant|Werk)\s{_CAP}(?:\s{_CAP})*")),
]

_UNIT_NOUN = re.compile(
    r"\s(?:new\s)?(employees|vehicles|cars|units|suppliers|countries|markets|people|jobs|deliveries|motorcycles|"
    r"customers|dealers|sites|plants|models)\b"
)
#: A quote and who said it after it; run over a whole paragraph, as quotes span sentences. The
#: quote itself is a fact only when short enough to train on (the guard's limit).
_QUOTE = re.compile(
    r"[\"“„]([^\"“”„]{12,2000}?)[,.!?]?[\"“”]\s*,?\s*(?:said|says|explained|explains|added|adds|stated|states)\s+"
    rf"({_NAME})(?:,\s*([^.\"“”]{{4,140}}))?\."
)
_SAYS_BEFORE = re.compile(rf"({_NAME}),\s*([^.\"“”]{{4,140}}?),\s*(?:said|says|explained|added)\s*:?\s*[\"“„]")
#: The PressClub's comment form: 'Max Hesse (Mentor BMW M Racing Academy): "..."' or
#: 'Josh Green: "..."', opening a paragraph or a sentence.
_COLON_QUOTE = re.compile(rf"(?:^|(?<=[.!?\"”]\s))({_NAME})(?:\s\(([^()]{{4,140}})\))?:\s*[\"“„]")
_APPOINTED = re.compile(rf"(?:appointed|named)\s({_NAME})\s(?:as|to be)\s([^,.]{{4,140}})")
_RESULT = re.compile(rf"({_NAME})\s(?:finished|won|took|claimed|secured)\s(first|second|third|fourth|fifth|\w+th)\b")
#: An event's name: capitalised words and numbers joined by short lower-case words, or by an
#: elided article glued to the next word ("Concorso d’Eleganza Villa d’Este", "Salon de l'Automobile").
_EVENT = re.compile(
    rf"\b(?:at|during|for) the ((?:{_CAP}|\d+)(?:\s(?:(?:of|in|at|de|di|del|della|du|des|for|and)\s)?"
    rf"(?:[dl][’']|de\sl[’'])?(?:{_CAP}|\d+))*)"
)
#: A model name: a brand, then designation tokens — with a digit ("M4", "iX3", "xDrive45", "1300",
#: "GT4"), short capitals ("CS", "GS", "RR", "ALL4") or the model and body words below. A name
#: needs a digit among its first three tokens or a model word first, so "BMW Group", "BMW M
#: Motorsport", "BMW M Racing Academy", "BMW Junior Team" are not models.
_MODEL_CORE = "Cooper|Aceman|Countryman|Clubman|John|Spectre|Cullinan|Phantom|Ghost|Wraith|Dawn|Paceman"
_MODEL_WORDS = (
    f"{_MODEL_CORE}|Roadster|Coupé|Coupe|Touring|Gran|Sedan|Saloon|Competition|Sport|Racing|Adventure|Electric|"
    "Works|Black|Badge|Series|Hybrid|Convertible|Cabrio|Tourer|Active|Shadow|Edition|EVO|II|III"
)
_MODEL_TOKEN = rf"(?:[A-Za-z]*\d[\w]*|[a-z][A-Z]\w*|[A-Z]{{1,4}}\d?|(?:{_MODEL_WORDS}))(?![\w’'-])"
_MODEL = re.compile(rf"\b(?:BMW|MINI|Rolls-Royce)((?:\s{_MODEL_TOKEN}){{1,6}})")
_MODEL_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DATELINE = re.compile(r"^([A-Z][^\s.,/]*(?:[ /][A-Z][^\s.,/]*){0,3}(?:,\s[A-Z]{2})?)\.\s(?=[A-Z0-9])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“„])")


@dataclass
class Fact:
    kind: str
    answer: str
    sentence: str
    #: Words before the span in its sentence (tells apart two facts of one kind).
    context: str = ""
    #: Extra words a question needs (the noun of a count, the person of a role/quote).
    detail: str = ""


def sentences(body: str) -> list[str]:
    out = []
    for para in body.split("\n"):
        for s in _SENTENCE.split(para.strip()):
            s = " ".join(s.split())
            if len(s) >= 12:
                out.append(s)
    return out


def _context(sentence: str, start: int, words: int = 6) -> str:
    before = re.sub(r"[\"“”„]", "", sentence[:start]).split()
    return " ".join(before[-words:]).strip(" ,;:")


#: A money span is a price or an investment when the words before it say so.
_MONEY_KINDS = [
    ("price", re.compile(r"\bpric|\bcosts?\b", re.I)),
    ("investment", re.compile(r"\binvest", re.I)),
]

#: The guard's longest answer: a longer quote is not a fact to train on.
_MAX_ANSWER_CHARS = 400


def _sentence_facts(sent: str, add: Any) -> None:
    """The facts one sentence states: figures with units, dates, plants, appointments, results, events."""
    taken: list[tuple[int, int]] = []
    for kind, rx in _SPANS:
        for sm in rx.finditer(sent):
            a, b = sm.span()
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            detail, context, fact_kind = "", _context(sent, a), kind
            if kind == "money":  # what the amount is, from the words before it: asked as such
                fact_kind = next((k for k, says in _MONEY_KINDS if says.search(context)), "money")
            if kind == "count":
                noun = _UNIT_NOUN.match(sent, b - 1) or _UNIT_NOUN.search(sent[b - 1 : b + 30])
                detail = noun.group(1) if noun else "items"
            add(Fact(fact_kind, sm.group(0).strip(), sent, context, detail))
    for pm in _APPOINTED.finditer(sent):
        add(Fact("person", pm.group(1).strip(), sent, "appointed", detail=pm.group(2).strip()))
        add(Fact("role", pm.group(2).strip(), sent, detail=pm.group(1).strip()))
    for rm in _RESULT.finditer(sent):
        add(Fact("person", rm.group(1), sent, f"the one who finished {rm.group(2)}"))
        add(Fact("position", rm.group(2), sent, detail=rm.group(1)))
    for em in _EVENT.finditer(sent):
        name = em.group(1).strip()
        if len(name.split()) >= 2 and not name.startswith(("Plant ", "Werk ", "BMW Group", "BMW AG")):
            add(Fact("event", name, sent, _context(sent, em.start())))


def model_names(text: str) -> list[str]:
    """The model names in ``text`` (:data:`_MODEL`), in text order, with repeats."""
    names = []
    for m in _MODEL.finditer(text):
        tokens = m.group(1).split()
        if len(tokens) > 1 and tokens[-1] in ("A", "I"):  # "... the BMW M4. A new ..." has no full stop here
            tokens.pop()
        if _YEAR.fullmatch(tokens[0]):
            continue
        if any(_MODEL_DIGIT.search(t) for t in tokens[:3]) or re.fullmatch(_MODEL_CORE, tokens[0]):
            names.append(m.group(0).split()[0] + " " + " ".join(tokens))
    return names


def _central_model(body: str) -> str | None:
    """The model a release is about: its most often named model (the first of equals), or None."""
    ranked = Counter(model_names(body)).most_common(1)  # ties keep text order: the first of equals
    return ranked[0][0] if ranked else None


def extract_facts(body: str) -> list[Fact]:
    """Atomic facts stated in ``body``, in text order, each a literal span of it."""
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()

    def add(fact: Fact) -> None:
        key = (fact.kind, fact.answer if fact.kind not in ("role", "quote") else fact.detail + fact.answer)
        if not fact.answer or key in seen:
            return
        if fact.kind == "role":  # one person's role, once cut at a comma, once whole: the whole one
            for i, other in enumerate(facts):
                if other.kind == "role" and other.detail == fact.detail:
                    if other.answer.startswith(fact.answer):
                        return
                    if fact.answer.startswith(other.answer):
                        seen.add(key)
                        facts[i] = fact
                        return
        seen.add(key)
        facts.append(fact)

    first = body.lstrip()
    m = _DATELINE.match(first)
    if m and len(m.group(1)) <= 40:
        add(Fact("place", m.group(1), sentences(first)[0] if sentences(first) else first[:200]))
    model = _central_model(body)
    if model:
        add(Fact("model", model, next((x for x in sentences(body) if model in x), model)))
    for para in body.split("\n"):
        para_sentences = sentences(para)
        for sent in para_sentences:
            _sentence_facts(sent, add)
        # who said what: quotes span sentences, so these patterns read the whole paragraph
        para = " ".join(para.split())
        for qm in _QUOTE.finditer(para):
            person, role, quote = qm.group(2).strip(), (qm.group(3) or "").strip(), qm.group(1).strip()
            add(Fact("person", person, qm.group(0), "quoted", detail=role))
            if role:
                add(Fact("role", role, qm.group(0), detail=person))
            if len(quote) <= _MAX_ANSWER_CHARS:
                add(Fact("quote", quote, qm.group(0), detail=person))
        for rx in (_SAYS_BEFORE, _COLON_QUOTE):
            for pm in rx.finditer(para):
                person, role = pm.group(1).strip(), (pm.group(2) or "").strip()
                sentence = next((x for x in para_sentences if person in x), pm.group(0))
                add(Fact("person", person, sentence, "quoted", detail=role))
                if role:
                    add(Fact("role", role, sentence, detail=person))
    return facts


def select_facts(facts: list[Fact], limit: int) -> list[Fact]:
    """At most ``limit`` facts, in text order, taken kind by kind: every kind's first fact before
    any kind's second, so a release full of figures still gets questions about its people,
    places and dates further down (a plain cut would keep only the first paragraphs' figures)."""
    if len(facts) <= limit:
        return facts
    nth: Counter = Counter()
    rank = []
    for i, fact in enumerate(facts):
        kind = fact.kind if fact.kind != "person" else f"person {fact.context}"  # the quoted one, the winner ...
        rank.append((nth[kind], i))
        nth[kind] += 1
    keep = sorted(i for _, i in sorted(rank)[:limit])
    return [facts[i] for i in keep]


# -- questions --------------------------------------------------------------------------------

#: Question wordings per fact kind; ``{r}`` names the article (one of ``_REFS``), ``{ctx}`` says
#: which of several facts of a kind is meant, ``{d}`` is the fact's detail (a person, a noun).
#: Many wordings per fact are what make a fact answerable however it is asked (Physics of LMs
#: 3.1: one wording per fact trains recall of that wording only).
_QUESTIONS: dict[str, list[str]] = {
    "price": [
        "What price does {r} give{ctx}?",
        "How much does it cost, according to {r}{ctx}?",
        "At what price is it offered in {r}{ctx}?",
        "What is the stated price in {r}{ctx}?",
        "How much is it priced at, according to {r}{ctx}?",
    ],
    "investment": [
        "How much is being invested, according to {r}{ctx}?",
        "What investment does {r} announce{ctx}?",
        "How large is the investment named in {r}{ctx}?",
        "Which sum is invested, according to {r}{ctx}?",
    ],
    "money": [
        "Which amount does {r} state{ctx}?",
        "How much money is named in {r}{ctx}?",
        "What is the figure in euros given in {r}{ctx}?",
        "Which sum appears in {r}{ctx}?",
    ],
    "power": [
        "What power output is stated in {r}{ctx}?",
        "How many kilowatts or horsepower does {r} give{ctx}?",
        "What is the output according to {r}{ctx}?",
        "How powerful is the vehicle in {r}{ctx}?",
        "Which power figure does {r} name{ctx}?",
    ],
    "speed": [
        "Which speed does {r} give{ctx}?",
        "What speed is mentioned in {r}{ctx}?",
        "How fast, according to {r}{ctx}?",
    ],
    "consumption": [
        "Which consumption figure does {r} give{ctx}?",
        "What is the stated consumption in {r}{ctx}?",
        "How much energy or fuel per 100 km does {r} state{ctx}?",
    ],
    "distance": [
        "Which range or distance does {r} state{ctx}?",
        "How many kilometres are given in {r}{ctx}?",
        "How far, according to {r}{ctx}?",
        "What range is named in {r}{ctx}?",
    ],
    "percent": [
        "Which percentage does {r} report{ctx}?",
        "What share in percent is given in {r}{ctx}?",
        "How many per cent, according to {r}{ctx}?",
    ],
    "date": [
        "Which date does {r} name{ctx}?",
        "On what date, according to {r}{ctx}?",
        "When, according to {r}{ctx}?",
        "What is the date given in {r}{ctx}?",
    ],
    "count": [
        "How many {d} does {r} mention{ctx}?",
        "What is the number of {d} in {r}{ctx}?",
        "Which number of {d} is given in {r}{ctx}?",
    ],
    "plant": [
        "Which plant does {r} refer to{ctx}?",
        "Which production site is named in {r}{ctx}?",
        "Name the plant in {r}{ctx}.",
        "Where is it built, according to {r}{ctx}?",
        "Which factory does {r} mention{ctx}?",
    ],
    "model": [
        "Which model does {r} feature?",
        "Which vehicle is {r} about?",
        "What model is presented in {r}?",
        "Name the model that {r} focuses on.",
        "Which car or motorcycle does {r} cover?",
    ],
    "place": [
        "Where was {r} issued?",
        "From which city is {r} datelined?",
        "In which city does {r} begin?",
    ],
    "person": [
        "Who is {ctx} in {r}?",
        "Which person is {ctx} in {r}?",
        "Name the person {ctx} in {r}.",
        "Whose name is {ctx} in {r}?",
    ],
    "role": [
        "What position does {d} hold according to {r}?",
        "What is the job title of {d} in {r}?",
        "Which role does {r} give for {d}?",
        "What is {d}'s function, according to {r}?",
    ],
    "quote": [
        "What does {d} say in {r}?",
        "Quote {d} from {r}.",
        "Which statement by {d} does {r} contain?",
    ],
    "position": [
        "In which position did {d} finish according to {r}?",
        "Where did {d} place in {r}?",
        "What result did {d} achieve, according to {r}?",
    ],
    "event": [
        "Which event does {r} mention{ctx}?",
        "At which event, according to {r}{ctx}?",
        "Name the event in {r}{ctx}.",
        "Where is it presented, according to {r}{ctx}?",
    ],
}

#: How a question names its article: always by the full title, in several phrasings.
_REFS = ('the press release "{t}"', '"{t}"', 'the release titled "{t}"', 'the BMW Group news "{t}"')

_LABELS = {
    "price": "Price",
    "investment": "Investment",
    "money": "Amount",
    "power": "Power",
    "speed": "Speed",
    "consumption": "Consumption",
    "distance": "Range or distance",
    "percent": "Percentage",
    "date": "Date",
    "count": "Number of {d}",
    "plant": "Plant",
    "model": "Model",
    "place": "Dateline",
    "person": "Person ({ctx})",
    "role": "Role of {d}",
    "quote": "Quote of {d}",
    "position": "Result of {d}",
    "event": "Event",
}


def _which(fact: Fact, ambiguous: bool) -> str:
    """The words of a question that say which fact is meant: for a person who said or became
    something (the role when the article has several people), else the words before the span
    when the article has several facts of the kind."""
    if fact.kind == "person":
        who = fact.context or "named"
        return f"the {fact.detail} {who}" if ambiguous and fact.detail and who in ("quoted", "appointed") else who
    return f' (the one after "{fact.context}")' if ambiguous and fact.context else ""


def questions_for(fact: Fact, title: str, ambiguous: bool, phrasings: int) -> list[str]:
    """``phrasings`` wordings of a question about ``fact``; the article is named by its title.
    ``ambiguous``: the article has several facts of this kind, so the question says which one is
    meant (:func:`_which`)."""
    ctx = _which(fact, ambiguous)
    templates = _QUESTIONS.get(fact.kind, [])
    # Which wordings: rotated by a hash of the fact, so one phrasing per fact still varies the
    # wording across facts (more kinds of questions seen per trained token); each next phrasing
    # takes the next template and the next way of naming the article.
    start = int(hashlib.sha256(f"{fact.kind}:{fact.answer}".encode()).hexdigest(), 16)
    out = []
    for k in range(min(phrasings, len(templates))):
        ref = _REFS[(start + k) % len(_REFS)].format(t=title)
        out.append(templates[(start + k) % len(templates)].format(r=ref, ctx=ctx, d=fact.detail))
    return out


# -- the guard --------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\"“”„’'`]", "'", text).casefold().split())


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in re.findall(r"\d[\d,.]*", text)}


def guard_qa(question: str, answer: str, body: str) -> str | None:
    """None when the pair may be trained on; else the named reason it is rejected."""
    a, q = answer.strip(), question.strip()
    if not a:
        return "empty_answer"
    if len(q) < 12 or not q.rstrip().endswith(("?", ".")):
        return "malformed_question"
    if len(a) > _MAX_ANSWER_CHARS:
        return "answer_too_long"
    if _norm(a) not in _norm(body):
        return "answer_not_in_text"
    if _norm(a) in _norm(q):
        return "answer_in_question"
    return None


def guard_restatement(text: str, body: str, min_ratio: float, max_ratio: float, reference_chars: int) -> str | None:
    """A restatement may reword, never add: every number in it is in the article, and its length
    is within bounds of the fact sentences it restates."""
    t = text.strip()
    if not t:
        return "empty"
    if not _numbers(t) <= _numbers(body):
        return "invented_number"
    ratio = len(t) / max(reference_chars, 1)
    if ratio < min_ratio:
        return "too_short"
    if ratio > max_ratio:
        return "too_long"
    return None


# -- generators -------------------------------------------------------------------------------


def _permuted(items: list[Any], rng: random.Random) -> list[Any]:
    out = list(items)
    rng.shuffle(out)
    return out


_RESTATE_PROMPTS = [
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
        if title and _norm(fact.answer) in _norm(title):
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
        return f.kind, f.detail if f.kind != "person" else "", _which(f, kinds[f.kind] > 1)

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
    paraphrases: list[dict[str, Any]] = []
    for k in range(cfg.paraphrases if fact_sentences else 0):
        text = " ".join(_permuted(fact_sentences, rng))
        prompt = _RESTATE_PROMPTS[k % len(_RESTATE_PROMPTS)].format(t=title)
        reason = guard_restatement(text, body, 0.99, 1.01, len(" ".join(fact_sentences)))
        (rejected if reason else paraphrases).append(
            {"prompt": prompt, "text": text, **({"kind": "paraphrase", "reason": reason} if reason else {})}
        )
    fact_lists = []
    lines = [
        f"{_LABELS[f.kind].format(d=f.detail, ctx=f.context)}: {f.answer}"
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


_LLM_QA_PROMPT = (
    "Write question-answer pairs about the facts of this press release: one pair per figure with its unit, "
    "price, date, place, plant, person, role, event and quote. Each question names the press release by its "
    "title. Each answer is a short phrase copied exactly from the text. One pair per line, formatted as\n"
    "Q: <question> | A: <answer>\nWrite nothing else."
)
_LLM_PARAPHRASE_PROMPT = (
    "Rewrite this press release in your own words, in a few sentences. Keep every figure, date, name and "
    "place exactly as written; add nothing. Output the rewritten text only."
)
_QA_LINE = re.compile(r"^\s*(?:\d+[.)]\s*)?Q:\s*(.+?)\s*\|\s*A:\s*(.+?)\s*$")


def llm_generate(doc: dict[str, Any], cfg: AugmentConfig, backend) -> dict[str, Any]:
    """QA pairs and restatements written by a model (local or endpoint), through the same guards."""
    from presstune.corpus.llm import strip_answer

    title, body = str(doc.get("title") or "").strip(), str(doc.get("body") or "")
    user = f"Title: {title}\n\n{body}"
    convs = [
        [{"role": "system", "content": _LLM_QA_PROMPT}, {"role": "user", "content": user}],
        *[
            [{"role": "system", "content": _LLM_PARAPHRASE_PROMPT}, {"role": "user", "content": user}]
            for _ in range(cfg.paraphrases)
        ],
    ]
    answers = backend.generate(convs, [cfg.llm.max_new_tokens] * len(convs))
    qa: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    paraphrases: list[dict[str, Any]] = []
    qa_answer = answers[0]
    if qa_answer.finish_reason == "error":
        rejected.append({"kind": "qa", "reason": "backend_error", "detail": qa_answer.error})
    else:
        lines = strip_answer(qa_answer.text).splitlines()
        if qa_answer.finish_reason == "length" and lines:
            rejected.append({"kind": "qa", "reason": "truncated", "line": lines.pop()})
        for line in lines:
            if not line.strip():
                continue
            m = _QA_LINE.match(line)
            if not m:
                rejected.append({"kind": "qa", "reason": "unparsable_line", "line": line[:200]})
                continue
            q, a = m.group(1).strip(), m.group(2).strip().rstrip(".")
            reason = guard_qa(q, a, body)
            item = {"question": q, "answer": a, "fact_kind": "generated", "phrasing": 0}
            (rejected if reason else qa).append({"kind": "qa", "reason": reason, **item} if reason else item)
    reference = len(" ".join(dict.fromkeys(f.sentence for f in extract_facts(body)))) or len(body)
    for k, ans in enumerate(answers[1:]):
        prompt = _RESTATE_PROMPTS[k % len(_RESTATE_PROMPTS)].format(t=title)
        text = strip_answer(ans.text)
        if ans.finish_reason == "error":
            reason = "backend_error"
        elif ans.finish_reason == "length":
            reason = "truncated"
        else:
            reason = guard_restatement(text, body, cfg.llm.min_length_ratio, cfg.llm.max_length_ratio, reference)
        if reason:
            rejected.append({"kind": "paraphrase", "reason": reason, "prompt": prompt, "text": text[:400]})
        else:
            paraphrases.append({"prompt": prompt, "text": text})
    return {"qa": qa, "paraphrase": paraphrases, "facts": [], "rejected": rejected, "atomic_facts": None}


def make_backend(cfg: AugmentConfig, backend=None):
    """The model client for the transformers/openai backends (None for rules/none)."""
    if backend is not None or cfg.backend in ("none", "rules"):
        return backend
    from presstune.corpus.config import LLMConfig
    from presstune.corpus.llm import make_backend as make_llm_backend

    # The client settings are shared (LLMClientConfig); the length bounds are augment's own.
    fields = cfg.llm.model_dump(include=set(LLMClientConfig.model_fields))
    return make_llm_backend(LLMConfig(backend=cfg.backend, **fields))


# -- the step: cache, probe split, rows, mix ---------------------------------------------------


def probe_ids(ids: list[str], share: float, seed: int) -> set[str]:
    """A seeded share of ``ids`` (lowest ranks of a hash: stable when other ids come and go)."""
    n = int(round(share * len(ids)))
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"probe:{seed}:{i}".encode()).hexdigest())
    return set(ranked[:n])


def augment_documents(
    docs: list[dict[str, Any]], cfg: AugmentConfig, cache_dir: Path, backend=None
) -> tuple[dict[str, dict[str, Any]], Counter]:
    """Generated rows per document id (cached per article); counts of reused/generated."""
    from presstune.corpus.pipeline import _hash, _safe_name
    from presstune.rundir import atomic_write_json

    out: dict[str, dict[str, Any]] = {}
    counts: Counter = Counter()
    if cfg.backend == "none":
        return out, counts
    backend = make_backend(cfg, backend)
    backend_name = getattr(backend, "name", cfg.backend)
    # What the generator does not read stays out of the key (changing it must not re-generate).
    unread = {"probe_share", "llm", "reading_per_article", "reading_top_k", "reading_passage_words"}
    settings = {"v": AUGMENT_VERSION, "backend": backend_name, **cfg.model_dump(exclude=unread)}
    if cfg.backend != "rules":
        settings["llm"] = cfg.llm.model_dump(exclude={"api_key_env", "timeout", "concurrency", "batch_size"})
    for doc in docs:
        h = _hash(settings, doc.get("title"), doc.get("body"))
        path = cache_dir / f"{_safe_name(str(doc['id']))}.json"
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = None
        if old and old.get("input_hash") == h:
            out[doc["id"]] = old
            counts["reused"] += 1
            continue
        if cfg.backend == "rules":
            res = rules_generate(doc, cfg)
        else:
            res = llm_generate(doc, cfg, backend)
        res = {"id": doc["id"], "input_hash": h, "backend": backend_name, **res}
        atomic_write_json(path, res, indent=None)
        out[doc["id"]] = res
        counts["generated"] += 1
    return out, counts


def _chat_row(system_prompt: str, user: str, assistant: str, meta: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "prompt": chat_prompt(system_prompt, user),
        "completion": [{"role": "assistant", "content": assistant}],
        **meta,
        "kind": kind,
    }


def _as_text(row: dict[str, Any]) -> dict[str, Any]:
    """A chat row as plain text (article-style corpora train on text rows only)."""
    user = row["prompt"][-1]["content"]
    answer = row["completion"][0]["content"]
    rest = {k: v for k, v in row.items() if k not in ("prompt", "completion")}
    return {"text": f"{user}\n\n{answer}", **rest}


def _as_sentence(answer: str) -> str:
    """A span answer as the one-sentence reply the QA instruction asks for."""
    return answer if answer.endswith((".", "!", "?", "”", '"')) else answer + "."


def generated_rows(
    doc: dict[str, Any], generated: dict[str, Any], meta: dict[str, Any], cfg: AugmentConfig, system_prompt: str
) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {"qa": [], "paraphrase": [], "facts": []}
    for item in generated.get("qa", []):
        rows["qa"].append(
            _chat_row(
                system_prompt, qa_prompt(cfg.qa_instruction, item["question"]), _as_sentence(item["answer"]), meta, "qa"
            )
        )
    for kind in ("paraphrase", "facts"):
        for item in generated.get(kind, []):
            rows[kind].append(_chat_row(system_prompt, item["prompt"], item["text"], meta, kind))
    return rows


def reading_passages(
    question: str, answer: str, article_id: str, retriever, passages: list, k: int, rng: random.Random
):
    """The top-k passages retrieved for ``question``, with the passage of ``article_id`` that holds
    ``answer`` put in at a seeded place when retrieval missed it (a reading row teaches reading,
    not guessing), and whether it was put in; None when no passage of that article holds the answer."""
    hits = retriever.search([question], k)[0]
    if any(answer in p.text for p in hits):
        return hits, False
    gold = [p for p in passages if p.article_id == article_id and answer in p.text]
    if not gold:
        return None
    hits = [*hits[:-1], gold[0]]
    rng.shuffle(hits)
    return hits, True


def reading_rows(
    docs: list[dict[str, Any]],
    asked: set[str],
    generated: dict[str, Any],
    skip_questions: set[str],
    cfg: AugmentConfig,
    system_prompt: str,
    meta_for,
) -> tuple[list[dict[str, Any]], Counter, dict[str, int]]:
    """For each article of ``docs`` whose id is in ``asked`` (the non-probe train articles), up to
    ``reading_per_article`` of its QA pairs (first wording of each fact, a seeded sample) as
    questions with the top-k passages of all ``docs`` (the train split, the pool evaluation
    retrieves from) in the prompt; a question in ``skip_questions`` (a probe article's) is never
    used. Returns the rows, the rejection counts and how often retrieval found the answer's passage."""
    from presstune.evaluate.rag import Retriever, chunk_documents, rag_question

    rejected: Counter = Counter()
    found = {"answer_passage_retrieved": 0, "answer_passage_put_in": 0}
    passages = chunk_documents(docs, cfg.reading_passage_words)
    if not passages or cfg.reading_per_article == 0:
        return [], rejected, found
    retriever = Retriever(passages, "bm25")
    out = []
    for doc in sorted((d for d in docs if d["id"] in asked), key=lambda d: d["id"]):
        rng = random.Random(f"reading:{cfg.seed}:{doc['id']}")
        items = [
            it
            for it in (generated.get(doc["id"]) or {}).get("qa", [])
            if it.get("phrasing", 0) == 0 and qa_prompt(cfg.qa_instruction, it["question"]) not in skip_questions
        ]
        for item in rng.sample(items, min(cfg.reading_per_article, len(items))):
            got = reading_passages(
                item["question"], item["answer"], doc["id"], retriever, passages, cfg.reading_top_k, rng
            )
            if got is None:
                rejected["reading:answer_not_in_a_passage"] += 1
                continue
            hits, put_in = got
            found["answer_passage_put_in" if put_in else "answer_passage_retrieved"] += 1
            user = qa_prompt(cfg.qa_instruction, rag_question(item["question"], hits))
            out.append(_chat_row(system_prompt, user, _as_sentence(item["answer"]), meta_for(doc), "reading"))
    return out, rejected, found


def apply_mix(
    rows: dict[str, list[dict[str, Any]]],
    weights: MixWeights,
    seed: int,
    self_replay: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Rows of each kind repeated ``weight`` times (the fractional part a seeded sample), plus
    the replay share from ``weights.replay_file`` (``self_replay`` when it is ``base``)."""
    from presstune.rundir import read_jsonl

    rng = random.Random(f"mix:{seed}")
    out: list[dict[str, Any]] = []
    for kind in ("article", "qa", "paraphrase", "facts", "reading"):
        weight, kind_rows = getattr(weights, kind), rows.get(kind, [])
        whole, frac = int(weight), weight - int(weight)
        for _ in range(whole):
            out.extend(kind_rows)
        if frac > 0 and kind_rows:
            out.extend(rng.sample(kind_rows, int(round(frac * len(kind_rows)))))
    if weights.replay > 0:
        if not weights.replay_file:
            raise ValueError("corpus.mix.replay > 0 needs corpus.mix.replay_file (general rows, JSONL)")
        pool = self_replay if weights.replay_file == "base" else read_jsonl(Path(weights.replay_file))
        if not pool:
            raise ValueError(f"corpus.mix.replay_file {weights.replay_file}: no rows")
        n = int(round(weights.replay * len(out) / (1 - weights.replay)))
        out.extend({**r, "kind": "replay"} for r in (rng.choices(pool, k=n) if n > len(pool) else rng.sample(pool, n)))
    return out


def ngram_overlap(questions: list[str], rows: list[dict[str, Any]], n: int = 8) -> dict[str, Any]:
    """How much of the evaluation questions' text the training rows hold: verbatim questions,
    and the share of question word n-grams found in any training row."""
    from presstune.corpus.llm import _ngrams

    texts = [row_text(r) for r in rows]
    have: set[tuple[str, ...]] = set()
    for t in texts:
        have.update(_ngrams(t, n))
    blob = "\n".join(texts)
    verbatim = sum(1 for q in questions if q in blob)
    grams = [g for q in questions for g in _ngrams(q, n)]
    shared = sum(1 for g in grams if g in have)
    return {
        "questions": len(questions),
        "verbatim_in_training": verbatim,
        "ngram": n,
        "question_ngrams": len(grams),
        "shared_share": round(shared / len(grams), 4) if grams else 0.0,
    }


def row_text(row: dict[str, Any]) -> str:
    if "text" in row:
        return str(row["text"])
    return "\n".join(m.get("content", "") for m in [*row.get("prompt", []), *row.get("completion", [])])


def audit_against_facts(run: Path, train_ids: set[str], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Question/answer overlap of the training rows with the replica's ground-truth questions of
    the train articles (the knowledge-QA pool). Only an audit: generation never reads these."""
    from presstune.rundir import read_jsonl

    for name in ("replica_facts.jsonl", "facts.jsonl"):
        path = run / name
        if path.is_file():
            break
    else:
        return None
    questions, answers = [], []
    for rec in read_jsonl(path):
        if str(rec.get("id") or rec.get("article_id")) in train_ids:
            for qa in rec.get("qa") or []:
                questions.append(str(qa.get("question", "")))
                answers.append(str(qa.get("answer", "")))
    result = ngram_overlap(questions, rows, 8)
    result["question_4gram_shared_share"] = ngram_overlap(questions, rows, 4)["shared_share"]
    blob = "\n".join(row_text(r) for r in rows if r.get("kind") == "qa")
    result["answers"] = len(answers)
    result["answers_in_qa_rows"] = sum(1 for a in answers if a and a in blob)
    result["source"] = path.name
    return result


def build_mixes(
    run: Path,
    cfg: Any,
    train_docs: list[dict[str, Any]],
    article_rows: list[dict[str, Any]],
    meta_for,
    backend=None,
    replay_backend=None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The training rows of ``corpus.mix`` (key "default") and of each ``corpus.mixes`` entry,
    and the augmentation's numbers for the card (``cfg`` is the CorpusConfig)."""
    from presstune.rundir import atomic_write_json

    aug: AugmentConfig = cfg.augment
    out_dir = run / "dataset"
    generated, reuse = augment_documents(train_docs, aug, out_dir / "augment", backend)
    probes = probe_ids(sorted(d["id"] for d in train_docs), aug.probe_share, aug.seed) if generated else set()
    rows: dict[str, list[dict[str, Any]]] = {
        "article": [{**r, "kind": "article"} for r in article_rows],
        "qa": [],
        "paraphrase": [],
        "facts": [],
        "reading": [],
    }
    kinds: Counter = Counter()
    rejected: Counter = Counter()
    withheld = 0
    for doc in sorted(train_docs, key=lambda d: d["id"]):
        gen = generated.get(doc["id"])
        if not gen:
            continue
        for r in gen.get("rejected", []):
            rejected[f"{r['kind']}:{r['reason']}"] += 1
        per_kind = generated_rows(doc, gen, meta_for(doc), aug, cfg.system_prompt)
        for kind, kind_rows in per_kind.items():
            kinds[kind] += len(kind_rows)
            if kind == "qa" and doc["id"] in probes:
                withheld += len(kind_rows)  # probe articles: their QA never reaches training
                continue
            rows[kind].extend(kind_rows)
    # Articles may share a title (hence question strings): a probe article's question is never
    # trained, not even as another article's question with another answer.
    probe_questions = {
        row["prompt"][-1]["content"]
        for doc in train_docs
        if doc["id"] in probes and generated.get(doc["id"])
        for row in generated_rows(doc, generated[doc["id"]], meta_for(doc), aug, cfg.system_prompt)["qa"]
    }
    shared = [r for r in rows["qa"] if r["prompt"][-1]["content"] in probe_questions]
    if shared:
        rows["qa"] = [r for r in rows["qa"] if r["prompt"][-1]["content"] not in probe_questions]
        rejected["qa:question_of_a_probe_article"] += len(shared)
    if any(w.reading > 0 for w in [cfg.mix, *cfg.mixes.values()]):
        asked = {d["id"] for d in train_docs} - probes
        rows["reading"], reading_rejected, reading = reading_rows(
            train_docs, asked, generated, probe_questions, aug, cfg.system_prompt, meta_for
        )
        kinds["reading"] += len(rows["reading"])
        rejected.update(reading_rejected)
        reading_stats = {"rows": len(rows["reading"]), "top_k": aug.reading_top_k, **reading}
    else:
        reading_stats = None
    self_replay, replay_stats = None, None
    if any(w.replay > 0 and w.replay_file == "base" for w in [cfg.mix, *cfg.mixes.values()]):
        from presstune.corpus.replay import self_replay_rows

        self_replay, replay_stats = self_replay_rows(cfg.replay, cfg.system_prompt, out_dir / "replay", replay_backend)
    if cfg.style == "article":
        rows = {k: [_as_text(r) if "prompt" in r else r for r in v] for k, v in rows.items()}
        self_replay = [_as_text(r) for r in self_replay] if self_replay is not None else None
    mixes = {"default": apply_mix(rows, cfg.mix, aug.seed, self_replay)}
    for name, weights in cfg.mixes.items():
        mixes[name] = apply_mix(rows, weights, aug.seed, self_replay)
    atomic_write_json(
        out_dir / "probe.json",
        {
            "articles": sorted(probes),
            "share": aug.probe_share,
            "seed": aug.seed,
            "withheld_qa_rows": withheld,
            "definition": "train-split articles whose generated QA rows are withheld from every training mix "
            "(their text, restatements and fact lists are trained): qa_probe_* asks about them",
        },
    )
    stats = {
        "backend": aug.backend,
        "articles": len(generated),
        "cache": dict(reuse),
        "atomic_facts": sum(g.get("atomic_facts") or 0 for g in generated.values()),
        "generated": dict(kinds),
        "rejected": dict(rejected),
        "probe_articles": len(probes),
        "withheld_qa_rows": withheld,
        "mix": {"default": cfg.mix.model_dump(), **{n: w.model_dump() for n, w in cfg.mixes.items()}},
        "mix_rows": {n: dict(Counter(r.get("kind", "article") for r in m)) for n, m in mixes.items()},
        "self_replay": replay_stats,
        "reading": reading_stats,
        "audit": audit_against_facts(run, {d["id"] for d in train_docs}, [r for m in mixes.values() for r in m]),
    }
    return mixes, stats


def card_section(stats: dict[str, Any]) -> list[str]:
    """The dataset card's lines about augmentation, the mixes and the evaluation audit."""
    lines = [
        "## Knowledge augmentation",
        "",
        f"Backend **{stats['backend']}** over {stats['articles']} train articles "
        f"(cache: {', '.join(f'{k} {v}' for k, v in sorted(stats['cache'].items())) or 'none'}); "
        f"{stats['atomic_facts']} atomic facts found by the rules. The generator reads the article text only.",
        "",
        "| kind | generated rows |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(stats["generated"].items())],
        "",
        "| rejected (kind:reason) | pairs |",
        "|---|---|",
        *([f"| {k} | {v} |" for k, v in sorted(stats["rejected"].items())] or ["| (none) | 0 |"]),
        "",
        f"Probe articles (QA withheld from every mix): {stats['probe_articles']}, "
        f"{stats['withheld_qa_rows']} QA rows withheld (`probe.json`).",
        "",
        "## Training mixes",
        "",
        "Weight = copies of every row of that kind per epoch; `train.jsonl` is the default mix, `train.<name>.jsonl` "
        "the others.",
        "",
        "| mix | article | qa | paraphrase | facts | reading | replay | rows by kind |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, w in stats["mix"].items():
        got = ", ".join(f"{k} {v}" for k, v in sorted(stats["mix_rows"].get(name, {}).items()))
        lines.append(
            f"| {name} | {w['article']} | {w['qa']} | {w['paraphrase']} | {w['facts']} | {w['reading']} "
            f"| {w['replay']} | {got} |"
        )
    replay = stats.get("self_replay")
    if replay:
        lines += [
            "",
            f"Self-rehearsal replay (`replay_file: base`): {replay['model']} answered {replay['instructions']} general "
            f"instructions ({'reused' if replay.get('reused') else 'generated'}); {replay['rows']} answers kept, "
            f"{replay['too_short']} too short and {replay.get('cut_off', 0)} cut off at the token limit left out "
            "(`replay/base.jsonl`).",
        ]
    reading = stats.get("reading")
    if reading:
        lines += [
            "",
            f"Reading rows: {reading['rows']} questions asked with the top {reading['top_k']} BM25 passages of the "
            f"train articles; retrieval found the answer's passage for {reading['answer_passage_retrieved']}, for "
            f"{reading['answer_passage_put_in']} it was put in (a reading row never asks what its passages lack).",
        ]
    audit = stats.get("audit")
    lines += ["", "## Audit against the evaluation questions", ""]
    if audit:
        lines += [
            f"Ground-truth questions of the train articles ({audit['source']}, {audit['questions']} questions; "
            "used only for this audit): "
            f"**{audit['verbatim_in_training']}** occur verbatim in a training row; "
            f"{audit['shared_share']:.1%} of their word 8-grams and {audit['question_4gram_shared_share']:.1%} of "
            "their 4-grams occur in some training row (the titles the questions quote are in every row); "
            f"{audit['answers_in_qa_rows']} of {audit['answers']} gold answers occur in generated QA rows "
            "(answers are spans of the article, so a correct generator finds the same facts).",
        ]
    else:
        lines.append("No ground-truth questions in this run (real corpus): nothing to audit.")
    return [*lines, ""]
