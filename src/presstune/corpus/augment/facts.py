"""Atomic facts of a press release by rules: spans of the article text with their kind."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

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
MAX_ANSWER_CHARS = 400


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
            if len(quote) <= MAX_ANSWER_CHARS:
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
