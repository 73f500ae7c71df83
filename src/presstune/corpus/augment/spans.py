"""Candidate answer spans of one sentence, by regular expressions and small word lists.

Every span is a literal slice of its sentence with a kind that decides how a question asks for it
(:mod:`presstune.corpus.augment.questions`): figures with units and spelled-out numbers ("five
hours"), dates, years and date ranges, times, positions and ordinals, and capitalised names
classed as person, organisation, team, place, venue, event, model or other name by the words they
are made of and the words around them. No parser: the word lists
(:mod:`presstune.corpus.augment.vocabulary`) are generic English and press-release vocabulary
(units, organisation and event words, countries), never an article's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames
from presstune.corpus.augment.vocabulary import (
    CAP_STOP,
    COUNTRIES,
    EVENT_WORDS,
    MONTHS,
    NOT_NOUN,
    NUM,
    ORDINAL_WORDS,
    ORG_WORDS,
    QUALIFIER,
    ROLE_WORDS,
    TEAM_WORDS,
    UNITS,
    VENUE_WORDS,
    WORDNUM,
)

_MONTH_SET = set(MONTHS.split("|"))
_CONNECT = r"(?:of|for|de|del|della|di|du|des|la|le|los|las|van|von|der|den|dos|da|y|of the|for the|de la|&|zu|am|im)"
_CAP_TOKEN = (
    r"(?:Dr\.|Prof\.|St\.|Mr\.|Ms\.|Mrs\.)?"
    r"(?:[A-Z]\.[A-Z]{2,}\b|[A-ZÀ-ÖØ-Þ][\w’'&\-]*(?:\.(?=[A-Za-z]\.))?(?:[A-Za-z]\.)*|[A-Z0-9]+[A-Z][\w\-]*|"
    r"\d+[A-Za-z][\w\-]*|"
    r"[a-z]+[A-Z][\w\-]*|#\d+)"
)
#: A number inside a name ("BMW 3.0 CSL", "Formula 1", "Bathurst 12 Hour"): followed by a capitalised
#: word, or ending the name of a brand or a series ("Formula 1").
_NAME_NUMBER = r"\d+(?:\.\d+)?(?=\s[A-Z][\w-]*[A-Za-z])(?!\s(?:{MONTHS}))"
_ENTITY = re.compile(
    rf"(?<![\w’'])(?:[dl][’']\s?)?{_CAP_TOKEN}"
    rf"(?:(?:\s(?:{_CONNECT}\s)*|\s?[dl][’']|-)(?:{_CAP_TOKEN}|{_NAME_NUMBER.format(MONTHS=MONTHS)}))*"
    rf"(?:\s1\b(?!\d))?(?:™|®)?"
)
_YEAR_RX = r"(?:19|20)\d\d"
_YEAR = re.compile(_YEAR_RX)
_MODEL_DIGIT = re.compile(r"\d")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"

#: (kind, pattern). Earlier kinds win overlapping spans.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("event", re.compile(r"\b\d+(?:\s|-)?(?:Hours|Hour|H)\s(?:of\s)?[A-Z][\w’'-]*(?:\s[A-Z][\w’'-]*)*")),
    (
        "money",
        re.compile(
            rf"{QUALIFIER}?(?:(?:€|EUR|US\$|\$|£|CHF|USD|GBP)\s?(?:{NUM})(?:\s(?:million|billion|bn|m))?"
            rf"|(?:{NUM})(?:\s(?:million|billion))?\s(?:euros?|Euro|EUR|US dollars|dollars|USD|pounds|francs)\b)"
        ),
    ),
    (
        "power",
        re.compile(
            rf"(?:{NUM})\s?(?:kW|PS|hp|HP|bhp)\b(?!h)"
            rf"(?:\s?\(\s?(?:{NUM})\s?(?:PS|hp|HP|bhp)\)|\s?/\s?(?:{NUM})\s?(?:PS|hp|HP|bhp)\b)?"
        ),
    ),
    ("speed", re.compile(rf"(?:{NUM})\s?(?:km/h|mph)")),
    ("consumption", re.compile(rf"(?:{NUM})(?:\s?[-–]\s?(?:{NUM}))?\s?(?:kWh|l|g)/100\s?km")),
    (
        "time",
        re.compile(r"\b\d{1,2}:\d{2}(?:[.:]\d{1,3})?(?:\s?(?:minutes|min|hours|seconds|a\.m\.|p\.m\.|am|pm|h)\b)?"),
    ),
    (
        "date",
        re.compile(
            rf"\b{_DAY}\s?(?:[-–/]|to|and)\s?{_DAY}\s(?:{MONTHS})(?:\s{_YEAR_RX})?"
            rf"|\b{_DAY}\s(?:{MONTHS})\s?(?:[-–]|to)\s?{_DAY}\s(?:{MONTHS})(?:\s{_YEAR_RX})?"
            rf"|\b(?:{MONTHS})\s\d{{1,2}}\s?[-–]\s?\d{{1,2}},\s{_YEAR_RX}"
            rf"|\b{_DAY}\.?\s(?:{MONTHS})(?:\s{_YEAR_RX})?|\b(?:{MONTHS})\s\d{{1,2}}(?:st|nd|rd|th)?(?:,\s{_YEAR_RX})?\b"
        ),
    ),
    (
        "month",
        re.compile(
            rf"\b(?:(?:early|mid|late|mid-|the end of|the beginning of|spring|summer|autumn|fall|winter)\s?)?"
            rf"(?:{MONTHS})\s{_YEAR_RX}\b"
        ),
    ),
    ("percent", re.compile(rf"{QUALIFIER}?(?:{NUM})\s?(?:%|percent|per cent)")),
    (
        "year",
        re.compile(
            rf"\b(?:[Ii]n|[Ss]ince|[Ff]rom|until|[Bb]y|between|of|to|and|[Yy]ear|till|early|late|mid|before|after|around|season|edition)\s(?P<a>(?:{_YEAR_RX})(?:[-–/](?:{_YEAR_RX}|\d\d))?\b(?![\s-]?(?:kW|km|hp|%|,\d)))"
        ),
    ),
    ("year", re.compile(rf"(?<=\()(?:{_YEAR_RX})(?=\))")),
    (
        "position",
        re.compile(r"\b(?:finished|finishing|in|from|to|was|ended|took|claimed|secured|started)\s(?P<a>P\d{1,2})\b"),
    ),
    (
        "position",
        re.compile(
            rf"\b\d{{1,3}}(?:st|nd|rd|th)\b(?!\s?/)(?:\s(?:place|position|overall|row|hole|victory|win|title|"
            r"podium|edition|running|time|anniversary|round|stage|lap|birthday|consecutive\s\w+|career\s\w+))?"
            rf"|\b(?:{ORDINAL_WORDS})(?:\s|-)(?:place|position|row|hole|victory|win|title|podium|edition|"
            r"running|anniversary|round|stage|consecutive\s\w+|overall|fastest\s\w+)\b"
            rf"|\b(?:finished|finishing|placed|came|come|ended|ending|ranked|ranking|was|in)\s(?P<a>(?:{ORDINAL_WORDS}))\b"
        ),
    ),
    (
        "quantity",
        re.compile(
            rf"{QUALIFIER}?(?:(?:{NUM})|\b{WORDNUM})(?:\s?(?:[-–]|to|and|or)\s?(?:(?:{NUM})|{WORDNUM}))?"
            rf"(?:\s(?:million|billion|thousand|hundred))?"
            rf"(?:(?:\s|-)(?:{UNITS})\b(?:/\w+)?|(?:\s|-)(?:[a-z][a-z\-]{{2,}}))?(?:\s(?:and|,)\s\d+\s(?:days|months|minutes|seconds))?"
        ),
    ),
]
#: A nationality or a possessor before a name: no part of it.
_LEAD_WORD = re.compile(
    r"^(?:[A-Z][a-z]+(?:an|ian|ese|ish|ch)|Swiss|Thai|Greek|Dutchman|Englishman|Frenchman|Irishman|Scotsman|"
    r"Welshman|Kiwi|Czech|[A-Z][\w-]+[’']s)\s(?=[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+\s)"
)
_PLAIN_NAME = re.compile(
    r"(?:Dr\.\s)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+(?:\s(?:van|von|de|der|da|dos)?\s?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+){1,2}"
)
#: A role written before a name, capitalised like it.
_TITLED_NAME = re.compile(
    rf"^(.*\b(?:{ROLE_WORDS})\s)((?:Dr\.\s)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+(?:\s(?:van|von|de|der)?\s?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+){{1,2}})$"
)
_TITLES = {"Dr", "Dr.", "Prof", "Prof.", "Mr", "Mrs", "Ms", "St"}
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")
#: A number that is a year or part of a name is no quantity.
_NOT_QUANTITY = re.compile(rf"^(?:{_YEAR_RX})$|^#")


def model_names(text: str, names_of: PortalNames = PRESSCLUB_NAMES) -> list[str]:
    """The model names in ``text`` (``names_of.model``: the portal's makes), in text order, with repeats."""
    names = []
    for m in names_of.model.finditer(text):
        tokens = m.group(1).split()
        if len(tokens) > 1 and tokens[-1] in ("A", "I"):  # "... the BMW M4. A new ..." has no full stop here
            tokens.pop()
        if _YEAR.fullmatch(tokens[0]):
            continue
        if any(_MODEL_DIGIT.search(t) for t in tokens[:3]) or names_of.model_word.fullmatch(tokens[0]):
            names.append(text[m.start() : m.start(1)] + " " + " ".join(tokens))
    return names


@dataclass
class Span:
    kind: str
    start: int
    end: int
    #: The noun or unit of a quantity ("vehicles" in "1,300 vehicles"), the class of a name.
    detail: str = ""

    def text(self, sentence: str) -> str:
        return sentence[self.start : self.end]


def _overlaps(taken: list[Span], a: int, b: int) -> bool:
    return any(a < s.end and s.start < b for s in taken)


def _trim_quantity(sentence: str, a: int, b: int) -> tuple[int, int, str] | None:
    """A quantity span without a trailing non-noun word; None when it is no quantity (a bare
    year, a spelled-out number without a noun, a number glued to a name)."""
    text = sentence[a:b]
    words = text.split()
    noun = ""
    last = words[-1] if words else ""
    if len(words) >= 2 and last.lower() in NOT_NOUN:
        b = a + text.rfind(" " + last)
        text = sentence[a:b]
        words = text.split()
    if not words:
        return None
    last = words[-1]
    head = re.search(rf"(?:{NUM})|{WORDNUM}", text)
    if head is None:
        return None
    if (
        re.fullmatch(r"[a-z][a-z\-]+", last)
        and not re.fullmatch(WORDNUM, last)
        and last not in ("million", "billion", "thousand", "hundred")
    ):
        noun = last
    elif re.fullmatch(rf"(?:{UNITS})(?:/\w+)?", last):
        noun = last
    if "-" in last and re.match(rf"(?:{NUM}|{WORDNUM})-", last):
        return None  # "6-hour race", "four-door": an adjective, asked badly as "how many-hour"
    spelled = not re.search(r"\d", text)
    if spelled and not noun:
        return None
    if noun in ("years",) and re.search(r"\bold\b", sentence[b : b + 5]):
        b += len(" old")
    before = sentence[max(0, a - 1) : a]
    after = sentence[b : b + 1]
    if before in ("#", "-", "/", "–") or (before.isalpha() or before.isdigit()) or after in ("-",) and not noun:
        return None
    if after.isalnum() or after in ("’", "'") and sentence[b : b + 2] in ("’s", "'s"):
        return None
    if re.fullmatch(rf"{_YEAR_RX}", words[0]) and not re.fullmatch(rf"(?:{UNITS})", noun or "-"):
        return None
    if not noun and _NOT_QUANTITY.search(text.strip()):
        return None
    if not noun and re.fullmatch(r"\d", text.strip()):
        return None  # a lone digit ("2 Series", "4 brands" is caught with its noun)
    return a, b, noun


def _entity_kind(name: str, sentence: str, start: int, names_of: PortalNames) -> str:
    """person / organisation / team / event / venue / place / model / name, from the name's words
    and the words before it."""
    words = name.replace("-", " ").split()
    last = words[-1]
    before = sentence[max(0, start - 24) : start].lower()
    if names_of.make_first.match(name) and re.search(r"\d|[a-z][A-Z]", name.split(" ", 1)[1]):
        return "model"
    if (
        any(w in EVENT_WORDS for w in words[1:])
        or words[0] in ("Concorso", "Concours", "Salon")
        or re.search(r"\b(?:24|12|6|8|1000)\s?(?:Hours|H)\b", name)
    ):
        return "event"
    if name in COUNTRIES or " ".join(words[-2:]) in COUNTRIES and len(words) <= 2:
        return "country"
    if any(w in VENUE_WORDS for w in words) or re.search(r"ring$", last):
        return "venue"
    if any(w in TEAM_WORDS for w in words[1:]) or words[0] == "Team":
        return "team"
    if any(w in ORG_WORDS for w in words):
        return "organisation"
    plain = all(
        re.fullmatch(r"(?:Dr\.|Prof\.)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'\-]+|van|von|de|der|den|da|dos|la|le|di|del|y", w)
        for w in words
    )
    after_place_word = re.search(r"\b(?:in|near|from|to|at|across|around|outside|throughout|of)\s(?:the\s)?$", before)
    if plain and 2 <= len(words) <= 4 and not any(w in names_of.brand_words or w in _MONTH_SET for w in words):
        return "person?"
    if after_place_word and len(words) <= 3 and not re.search(r"\d", name):
        return "place"
    return "name"


def sentence_spans(sentence: str, names_of: PortalNames = PRESSCLUB_NAMES) -> list[Span]:
    """The candidate answer spans of ``sentence``, left to right, none overlapping (models by the
    portal's makes, ``names_of``)."""
    taken: list[Span] = [Span("skip", m.start(), m.end()) for m in _URL.finditer(sentence)]
    for m in names_of.model.finditer(sentence):
        found = model_names(m.group(0), names_of)
        if found:
            taken.append(Span("entity", m.start(), m.start() + len(found[0]), "model"))
    for kind, rx in _PATTERNS:
        for m in rx.finditer(sentence):
            a, b = m.span("a") if "a" in rx.groupindex and m.group("a") else m.span()
            while b > a and sentence[b - 1] in " ,;:-–":
                b -= 1
            if b <= a or _overlaps(taken, a, b):
                continue
            detail = ""
            if kind == "quantity":
                got = _trim_quantity(sentence, a, b)
                if got is None:
                    continue
                a, b, detail = got
                if _overlaps(taken, a, b):
                    continue
            taken.append(Span(kind, a, b, detail))
    for m in _ENTITY.finditer(sentence):
        a, b = m.span()
        name = m.group(0)
        # leading sentence words that are no name ("The", "In"), trailing connectors
        words = name.split(" ")
        while words and (
            words[0] in CAP_STOP
            or words[0] in _MONTH_SET
            or a == m.start()
            and not sentence[:a].strip(' “"„‘(')
            and re.fullmatch(r"[A-Z][a-z]+(?:ing|ed|ly)", words[0])
        ):
            a += len(words[0]) + 1
            words = words[1:]
        while words and re.fullmatch(_CONNECT, words[-1]):
            words = words[:-1]
        if not words:
            continue
        name = " ".join(words)
        b = a + len(name)
        if name.endswith(("’s", "'s")):
            name, b = name[:-2], b - 2
        if len(name) < 2 or name in names_of.brand_words or name in _MONTH_SET or name in CAP_STOP or name in _TITLES:
            continue
        if _overlaps(taken, a, b):
            # a number inside a name ("Formula 1 Legends", "Bathurst 12 Hour") is the name's, not a count
            inside = [s for s in taken if a < s.end and s.start < b]
            if not re.search(r"\d", name) or any(s.kind != "quantity" or s.start < a or s.end > b for s in inside):
                continue
            taken = [s for s in taken if s not in inside]
        if re.fullmatch(r"#?\d+", name) or re.fullmatch(r"[A-Z]{2,3}", name) and sentence[a - 1 : a] == "(":
            continue  # a number, a country code after a name: "Max Hesse (GER)"
        lead = _LEAD_WORD.match(name)
        if lead and _PLAIN_NAME.fullmatch(name[lead.end() :]):  # "American Josh Green", "England’s Daniel Brown"
            a += lead.end()
            name = name[lead.end() :]
        titled = _TITLED_NAME.match(name)
        if titled:  # "Plant Director Petra Peterhansel": the person, the role stays a word of the question
            a += titled.start(2)
            name = titled.group(2)
        elif re.match(rf"(?:{ROLE_WORDS})\b", name) and " " in name:
            continue  # a role: asked with its person (facts.py)
        if a == 0 and len(words) == 1 and name not in COUNTRIES:
            continue  # one capitalised word opening a sentence: no way to tell a name from a word
        taken.append(Span("entity", a, b, _entity_kind(name, sentence, a, names_of)))
    for m in re.finditer(r"[“\"„]([^\"“”„]{2,48})[”\"“]", sentence):
        inner = m.group(1).strip()
        if 1 <= len(inner.split()) <= 5 and not inner.endswith((".", "!", "?", ",")):
            a, b = m.start(1), m.start(1) + len(inner)
            if not _overlaps(taken, a, b):
                taken.append(Span("entity", a, b, "term"))
    return sorted((s for s in taken if s.kind != "skip"), key=lambda s: s.start)
