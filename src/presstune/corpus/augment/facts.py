"""Atomic facts of a press release by rules: every candidate answer span of every sentence
(:func:`presstune.corpus.augment.spans.sentence_spans`: figures, dates, positions, names), each
attached to its sentence and, inside a quote, to the person speaking; plus who said what and
their roles from the PressClub's quote forms. Contact blocks and the company profile at a
release's end are no facts of the release."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames
from presstune.corpus.augment.spans import Span, model_names, sentence_spans
from presstune.corpus.augment.vocabulary import ROLE_WORDS

_CAP = r"[A-ZÀ-ÖØ-Þ][^\s,.;:!?()\"“”]*"
_NAME = rf"{_CAP}(?:\s(?:van|von|de|da|del|der|di|le|la)?\s?{_CAP}){{1,2}}"

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
_YEAR = re.compile(r"(?:19|20)\d\d")
_SENTENCE = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z0-9\"“„])|(?<=[.!?][”\"])\s+(?=[A-Z0-9“„])|(?<=[a-z0-9]{3}\.)(?=[A-Z][a-z]+\s)"
)


@dataclass
class Fact:
    kind: str
    answer: str
    sentence: str
    #: Words before the span in its sentence.
    context: str = ""
    #: Extra words a question needs (the noun of a count, the person of a role/quote).
    detail: str = ""
    #: Where the answer starts in ``sentence`` (-1: the fact is not asked from its sentence).
    start: int = -1
    #: The person whose quote ``sentence`` is part of ("" when it is no quote).
    speaker: str = ""
    #: The person last named before ``sentence`` (whom an opening "He"/"She" refers to).
    referent: str = ""
    #: The same answer stated again later (asked from there when its first sentence makes no
    #: question that passes the guards).
    again: list[Fact] = field(default_factory=list)


#: Words after which a full stop ends no sentence ("Dr. Nicolas Peter").
_ABBREVIATIONS = {
    "Dr",
    "Prof",
    "Mr",
    "Mrs",
    "Ms",
    "St",
    "No",
    "Nr",
    "approx",
    "ca",
    "vs",
    "Jr",
    "Sr",
    "Inc",
    "Ltd",
    "Co",
}


def sentences(body: str) -> list[str]:
    out = []
    for para in body.split("\n"):
        pieces: list[str] = []
        for s in _SENTENCE.split(para.strip()):
            last = pieces[-1].rstrip(".").rsplit(" ", 1)[-1] if pieces else ""
            if pieces and pieces[-1].endswith(".") and last in _ABBREVIATIONS:
                pieces[-1] = f"{pieces[-1]} {s}"
            else:
                pieces.append(s)
        for s in pieces:
            s = " ".join(s.split())
            if len(s) >= 12:
                out.append(s)
    return out


_CONTACT_INSIDE = re.compile(
    r"\b(?:In case of (?:queries|questions)|If you have any (?:questions|queries)),? please contact", re.I
)


def content_paragraphs(body: str, names_of: PortalNames = PRESSCLUB_NAMES) -> list[str]:
    """The paragraphs of ``body`` that are the release itself: up to the press contact block
    (``names_of.text_end``), without the company profile appended to releases (employees,
    deliveries, revenue of the group: facts of the company, not of the release)."""
    out = []
    for para in body.split("\n"):
        para = " ".join(para.split())
        if not para:
            continue
        if names_of.text_end.search(para):
            break
        contact = _CONTACT_INSIDE.search(para)
        if contact:  # "... In case of queries, please contact: <names>" at a paragraph's end
            para = para[: contact.start()].strip()
            if para and not names_of.company_profile.search(para):
                out.append(para)
            break
        if not names_of.company_profile.search(para):
            out.append(para)
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

_DISTANCE = re.compile(
    r"^(?:km|kilometres|kilometers|miles|metres|meters|m|cm|mm|millimetres|millimeters|centimetres)$"
)
_DURATION = re.compile(r"^(?:seconds|minutes|hours|days|weeks|months|years)$")
_PLURAL = re.compile(
    r"^[a-z][a-z\-]*(?:(?<!s)s|people|staff|children|men|women|feet|teeth|media|data|equipment|personnel)$"
)
_UNIT = re.compile(
    r"^(?:km/h|mph|kWh|kW|hp|PS|bhp|Nm|km|m|cm|mm|kg|t|l|GB|TB|MW|GW|GWh|MWh|V|A|ha|m²|m2|inch|inches|tons|tonnes|"
    r"litres|liters|hectares|kilograms)(?:/\w+)?$"
)
_QUOTE_MARKS = re.compile(r"[“„\"]([^“”„\"]*)(?:[”\"“]|$)")
#: A sentence to ask from: some lower-case words and a full stop (no heading or table row).
_STATEMENT = re.compile(r"^(?=(?:.*?\b[a-z]{2,}\b){2})(?=(?:\S+\s+){3}).*")
_SAID_AFTER_QUOTE = re.compile(r"[”\"],?\s*(?:said|says|explained|explains|added|adds|stated|states|commented)\b")
_SPEECH = re.compile(
    r"\b(?:said|says|explained|explains|added|adds|stated|states|commented|emphasised|emphasized|noted)\b"
)


def _quantity_fact(answer: str, noun: str) -> tuple[str, str, str]:
    """(kind, answer, noun) of a quantity span: a figure with a unit, or a count of a noun."""
    if _DISTANCE.match(noun):
        return "distance", answer, noun
    if _DURATION.match(noun):
        return "duration", answer, noun
    if _UNIT.match(noun) or _PLURAL.match(noun) or noun in ("times", "points", "laps"):
        return "count", answer, noun
    # "three different drive options": the number is the answer, the words stay in the question
    number = answer[: len(answer) - len(noun)].strip() if noun else answer
    return "count", number.rstrip("- "), ""


def _is_person(name: str, text: str, people: set[str]) -> bool:
    if name in people:
        return True
    given, surname = name.split()[0], name.split()[-1]
    alone = re.findall(rf"(?<![\w-])(?<!{re.escape(given)} ){re.escape(surname)}(?![\w-])", text)
    if alone and surname not in name.split()[:-1]:  # "Hesse" again after "Max Hesse"
        return True
    esc = re.escape(name)
    return bool(
        re.search(rf"{esc}\s?\((?!\w{{2,3}}\))|{esc},\s(?:the\s)?(?:{ROLE_WORDS}|[a-z]+ (?:of|at))", text)
        or re.search(
            rf"(?i:{ROLE_WORDS}|driver|rider|artist|designer|team-mate|teammate|photographer|golfer)\s{esc}", text
        )
        or re.search(rf"{esc}\s\((?:[A-Z]{{3}}|\d\d)\)", text)
        or re.search(rf"{_SPEECH.pattern}\s{esc}|{esc}\s{_SPEECH.pattern}", text)
    )


#: The racing comment header's car: "#15 BMW M Hybrid V8" (a race number and a name).
_CAR = re.compile(r"#\d+\s[^,()]+")


def _in_parentheses(sentence: str, start: int) -> bool:
    return sentence.rfind("(", 0, start) > sentence.rfind(")", 0, start)


def _speakers(para: str, previous: str) -> tuple[list[tuple[int, int]], str]:
    """The quoted stretches of ``para`` and who speaks them (``previous``: the speaker of the
    paragraph before, for a quote that runs over several paragraphs)."""
    speaker = ""
    for rx, group in ((_COLON_QUOTE, 1), (_QUOTE, 2), (_SAYS_BEFORE, 1)):
        m = rx.search(para)
        if m:
            speaker = m.group(group).strip()
            break
    if not speaker:
        m = re.search(rf"{_SPEECH.pattern}\s({_NAME})|({_NAME})\s{_SPEECH.pattern}", para)
        if m:
            speaker = (m.group(1) or m.group(2)).strip()
    if not speaker and para.startswith(("“", '"', "„")):
        speaker = previous
    spans = [(m.start(), m.end()) for m in _QUOTE_MARKS.finditer(para) if len(m.group(1)) > 40]
    return spans, speaker


def _central_model(body: str, names_of: PortalNames) -> str | None:
    """The model a release is about: its most often named model (the first of equals), or None."""
    ranked = Counter(model_names(body, names_of)).most_common(1)  # ties keep text order: the first of equals
    return ranked[0][0] if ranked else None


def extract_facts(body: str, names_of: PortalNames = PRESSCLUB_NAMES) -> list[Fact]:
    """Atomic facts stated in ``body``, in text order, each a literal span of it (brand and model
    names, and where the release's text ends, by its portal: ``names_of``)."""
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()

    def add(fact: Fact) -> None:
        key = (fact.kind, fact.answer if fact.kind not in ("role", "quote") else fact.detail + fact.answer)
        if not fact.answer or len(fact.answer) > MAX_ANSWER_CHARS:
            return
        if key in seen and fact.start >= 0:
            first = next((f for f in facts if (f.kind, f.answer) == key), None)
            if first is not None and (first.start < 0 or first.sentence != fact.sentence) and len(first.again) < 3:
                first.again.append(fact)
            return
        if key in seen or (fact.kind == "person" and ("name", fact.answer) in seen):
            # the quote forms' person (with the role) replaces the sentence's bare name
            if fact.kind == "person" and fact.context in ("quoted", "appointed", "drove"):
                for i, other in enumerate(facts):
                    if other.kind in ("person", "name") and other.answer == fact.answer and other.start >= 0:
                        facts[i] = fact
                        seen.add(key)
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

    paragraphs = content_paragraphs(body, names_of)
    text = "\n".join(paragraphs)
    model = _central_model(text, names_of)
    if model:
        add(Fact("model", model, next((x for x in sentences(text) if model in x), model)))
    people = {
        m.group(g).strip() for rx, g in ((_QUOTE, 2), (_SAYS_BEFORE, 1), (_COLON_QUOTE, 1)) for m in rx.finditer(text)
    }
    speaker, referent = "", ""
    for para in paragraphs:
        quoted, speaker = _speakers(para, speaker)
        offset = 0
        para_sentences = sentences(para)
        for sent in para_sentences:
            at = para.find(sent, offset)
            offset = max(offset, at)
            inside = speaker if any(a <= at < b for a, b in quoted) else ""
            if not _STATEMENT.search(sent):
                continue  # a heading, a table row, a list item: no sentence to ask from
            last_person = ""  # "He" refers to a person of the sentence before, or is not resolved
            # the words after a quote that say who said it are asked by the quote forms
            said = _SAID_AFTER_QUOTE.search(sent)
            headers = [m.span() for rx in (_SAYS_BEFORE, _COLON_QUOTE) for m in rx.finditer(sent)]
            if "·" in sent:
                continue  # a bulleted equipment list run together: no sentence to ask from
            for span in sentence_spans(sent, names_of):
                if any(a <= span.start < b for a, b in headers) and span.detail != "person?":
                    continue  # 'Name (car, result): "' / 'Name, Role, said': asked by the quote forms
                if span.kind == "entity" and span.detail != "person?":
                    if said and span.start >= said.start():
                        continue
                if span.kind == "entity" and _in_parentheses(sent, span.start):
                    continue  # "(IMPC)", "(E46)": an aside, asked badly
                fact = _span_fact(span, sent, text, people, names_of, inside, referent)
                add(fact)
                if fact.kind == "person" and " " in fact.answer:
                    last_person = fact.answer
            referent = last_person
        for fact in _quote_form_facts(para, para_sentences):
            add(fact)
    return _settle_names(facts, text)


def _span_fact(
    span: Span, sent: str, text: str, people: set[str], names_of: PortalNames, inside: str, referent: str
) -> Fact:
    """The fact of one candidate span of ``sent``, its kind settled from the span's kind and its words."""
    answer = span.text(sent)
    kind, detail = span.kind, span.detail
    if kind == "quantity":
        kind, answer, detail = _quantity_fact(answer, detail)
    elif kind == "money":
        kind = next((k for k, says in _MONEY_KINDS if says.search(_context(sent, span.start))), "money")
    elif kind == "entity":
        if detail == "person?":
            place_word = re.search(r"\b(?:in|near|from|to|at|across)\s(?:the\s)?$", sent[: span.start])
            detail = "person" if _is_person(answer, text, people) else "place" if place_word else "name"
        kind = {"country": "place", "term": "name"}.get(detail, detail)
        if kind == "venue" and names_of.plant_name.match(answer):
            kind = "plant"
        detail = ""
    return Fact(kind, answer, sent, _context(sent, span.start), detail, span.start, inside, referent)


def _quote_form_facts(para: str, para_sentences: list[str]) -> Iterator[Fact]:
    """Who said what, and their role, in the order the paragraph's quote forms give them: quotes
    span sentences, so these patterns read the whole paragraph."""
    for qm in _QUOTE.finditer(para):
        person, role, quote = qm.group(2).strip(), (qm.group(3) or "").strip(), qm.group(1).strip()
        yield Fact("person", person, qm.group(0), "quoted", detail=role)
        if role:
            yield Fact("role", role, qm.group(0), detail=person)
        yield Fact("quote", quote, qm.group(0), detail=person)
    for rx in (_SAYS_BEFORE, _COLON_QUOTE):
        for pm in rx.finditer(para):
            person, role = pm.group(1).strip(), (pm.group(2) or "").strip()
            sentence = next((x for x in para_sentences if person in x), pm.group(0))
            car = _CAR.search(role)
            if car:  # 'Dan Harper (#15 BMW M Hybrid V8, 10th place):' names a car and a result, no role
                yield Fact("person", person, sentence, "drove", detail=car.group(0).strip())
                continue
            yield Fact("person", person, sentence, "quoted", detail=role)
            if role:
                yield Fact("role", role, sentence, detail=person)
    for pm in _APPOINTED.finditer(para):
        yield Fact("person", pm.group(1).strip(), pm.group(0), "appointed", detail=pm.group(2).strip())
        yield Fact("role", pm.group(2).strip(), pm.group(0), detail=pm.group(1).strip())


_DEMONYM = re.compile(r"[A-Z][a-z]+(?:an|ian|ese|ish|ic)|[A-Z][a-z]+-[a-z]+")


def _settle_names(facts: list[Fact], text: str) -> list[Fact]:
    """A one-word name that is a named person's surname is that person ("Hesse" after "Max
    Hesse"); one that the release also writes in lower case is a common word ("the Class of 2026",
    "class"), no name."""
    surnames = {f.answer.split()[-1] for f in facts if f.kind == "person" and " " in f.answer}
    lower = set(re.findall(r"(?<![\w’'./-])[a-z][a-z’'-]+(?![\w./])", re.sub(r"\S+\.\S+", " ", text)))
    out = []
    for f in facts:
        while f.start == 0 and " " in f.answer and f.answer.split()[0].lower() in lower and f.kind != "model":
            # "Tickets for the BMW International Open": a common word opening the sentence is no part of a name
            head = re.match(r"\S+\s(?:(?:for|of|the|and|de|la)\s)*", f.answer)
            f.start += head.end() if head else len(f.answer)
            f.answer = f.answer[head.end() :] if head else ""
            f.context = f.sentence[: f.start].strip()
        if len(re.sub(r"\W", "", f.answer)) < 2:
            continue  # "P", "Dr": what is left of a name is no answer
        if f.kind in ("name", "place") and " " not in f.answer and f.start >= 0:
            if f.answer in surnames:
                f.kind = "person"
            elif f.answer.lower() in lower or _DEMONYM.fullmatch(f.answer):
                continue  # a common word; "Canadian", "Italian": an adjective
        out.append(f)
    return out


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
