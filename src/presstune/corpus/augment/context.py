"""What a question about a release's fact is made from: the release's context (its subject, date,
model, plant, people, language), the fact's sentence split around the answer span, and the casing
helpers that the in-place (:mod:`presstune.corpus.augment.questions`) and fronted
(:mod:`presstune.corpus.augment.fronting`) wordings share."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from presstune.corpus.augment.facts import Fact
from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames
from presstune.corpus.augment.spans import sentence_spans
from presstune.corpus.augment.vocabulary import CAP_STOP

_MONTH_NAMES = "January February March April May June July August September October November December".split()


@dataclass
class ArticleContext:
    """What a question may name to say which release it is about."""

    #: What the release is about: its model, plant, person, organisation or event.
    subject: str
    #: "November 2024" (the release's date), or "".
    when: str = ""
    model: str = ""
    plant: str = ""
    #: Full names of the people the release names, by surname ("Harper" -> "Dan Harper").
    people: dict[str, str] = field(default_factory=dict)
    #: Words the release writes in lower case (a capitalised one opening a sentence is no name).
    common_words: set[str] = field(default_factory=set)
    #: Whether the release is written in English: the wh-phrases are English, so a release in
    #: another language gets only the template questions (its model, who said what).
    english: bool = True
    #: The portal's names: how questions name the publisher ("the BMW Group") and its plants.
    names_of: PortalNames = PRESSCLUB_NAMES


def month_year(date: str | None) -> str:
    """ "2024-11-01..." -> "November 2024" ("" when the date is missing or malformed)."""
    m = re.match(r"(\d{4})-(\d{2})", str(date or ""))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return ""
    return f"{_MONTH_NAMES[int(m.group(2)) - 1]} {m.group(1)}"


_ENGLISH = ("the", "and", "of", "to", "is", "with", "for", "was", "which", "from")
#: Function words of the other languages the PressClub writes in (German, French, Spanish, Italian).
_OTHER_LANGUAGE = ("der", "die", "und", "das", "mit", "ist", "le", "les", "et", "est", "el", "los", "y", "il", "di")
_SUBJECT_KINDS = ("model", "plant", "event", "person", "organisation", "team", "venue", "name", "place")


def article_context(
    title: str, date: str | None, facts: list[Fact], body: str = "", names_of: PortalNames = PRESSCLUB_NAMES
) -> ArticleContext:
    """The subject of a release: the name its title and its text share, preferring the model,
    plant, event, person and organisation kinds in that order; else the title's first name."""
    model = next((f.answer for f in facts if f.kind == "model" and f.start < 0), "")
    plant = next((f.answer for f in facts if f.kind == "plant"), "")
    people: dict[str, str] = {}
    for f in facts:
        if f.kind == "person" and " " in f.answer:
            people.setdefault(f.answer.split()[-1], f.answer)
    in_title = [s.text(title) for s in sentence_spans(title, names_of) if s.kind == "entity"]
    known = {f.answer: f.kind for f in facts}
    subject = ""
    for kind in _SUBJECT_KINDS:
        subject = next((name for name in in_title if known.get(name) == kind), "")
        if subject:
            break
    if not subject:
        subject = next((n for n in in_title if " " in n), "") or model or (in_title[0] if in_title else "")
    if not subject:
        subject = names_of.company
    common = set(re.findall(r"(?<![\w’'-])[a-z][a-z’'-]+", body))
    words = Counter(w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]+", body))
    english = sum(words[w] for w in _ENGLISH) >= sum(words[w] for w in _OTHER_LANGUAGE)
    return ArticleContext(
        subject=subject,
        when=month_year(date),
        model=model,
        plant=plant,
        people=people,
        common_words=common,
        english=english,
        names_of=names_of,
    )


#: A lower-case noun right after a name ("its Leipzig site"): the name qualifies it. A function
#: word after a name ("the BMW Museum in the future") is no such noun.
QUALIFIED_NOUN = re.compile(
    r"\s(?!(?:in|on|at|for|with|from|by|and|or|to|of|as|is|are|was|were|has|have|had|will|would|can|could|"
    r"that|which|who|where|when|since|after|before|during|the|a|an|this|its|their|his|her|but|while|than|"
    r"until|into|over|under|via|per|also|now|again|together|together)\b)[a-z]"
)
NAME_KINDS = ("name", "place", "organisation", "team", "venue", "event", "model", "plant")


def lower_first(text: str, common: frozenset[str] | set[str] = frozenset()) -> str:
    """``text`` to follow a comma: its first word lower-cased when it is a common word (a function
    word, or a word ``common`` holds: the words the article writes in lower case)."""
    first = text.split(" ", 1)[0]
    if first in CAP_STOP and first != "I" or first in ("Whom",) or first.lower() in common and first[1:].islower():
        return text[:1].lower() + text[1:]
    return text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class QuestionParts:
    before: str
    wh: str
    after: str
    speaker: str
