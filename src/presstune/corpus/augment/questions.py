"""Natural questions about a fact, made from the fact's own sentence (the rules backend).

A reader asks about a release's fact by naming what it is about, not by quoting the headline:
"In which Romanian city was BMW TechWorks Romania founded?". Without a parser the rules make such
questions from the sentence that states the fact: the answer span is replaced by a wh-phrase
chosen by its kind ("how many vehicles", "on what date", "which team", "who"), either in place
("Production of the first BMW 2 Series Gran Coupé started in Leipzig on what date?") or, where
the sentence has the plain pattern subject + verb, fronted with an auxiliary ("When did production
of the first BMW 2 Series Gran Coupé start in Leipzig?"); clauses far from the span are cut, and
a sentence that opens with "It", "The plant" or "The company", or that is part of a quote ("I",
"me"), is made standalone by naming the model, plant, organisation or speaker it refers to.
A question with no name in it is told what the release is about ("In the news about <subject>
of <month year>, ..."). Facts of the PressClub's quote forms (who said it, their role) are asked
by templates that name the article's subject.

Many wordings per fact are what make a fact answerable however it is asked (Physics of LMs 3.1:
one wording per fact trains recall of that wording only).
"""

from __future__ import annotations

import re

from presstune.corpus.augment.context import (
    NAME_KINDS,
    QUALIFIED_NOUN,
    ArticleContext,
    QuestionParts,
    lower_first,
    upper_first,
)
from presstune.corpus.augment.facts import Fact
from presstune.corpus.augment.fronting import VERBS, fronted
from presstune.corpus.augment.reword import reworded
from presstune.corpus.augment.vocabulary import CAP_STOP

# -- wh-phrases ---------------------------------------------------------------------------------

_UNIT_WORDS = {
    "km": "kilometres",
    "m": "metres",
    "mm": "millimetres",
    "cm": "centimetres",
    "kg": "kilograms",
    "t": "tonnes",
    "l": "litres",
    "Nm": "newton metres",
    "kWh": "kilowatt hours",
    "MW": "megawatts",
    "GWh": "gigawatt hours",
    "ha": "hectares",
    "m²": "square metres",
    "m2": "square metres",
}
_PREPOSITION_END = re.compile(r"\b(with|by|for|to|from|of|about|alongside|behind|against|and)\s$", re.I)
_DETERMINER_END = re.compile(r"\b(the|a|an|its|his|her|their|our|this|these|those)\s$", re.I)
_ORDINAL = re.compile(r"^(?:P\d+|\d+(?:st|nd|rd|th)|[a-z]+(?:st|nd|rd|th))\b", re.I)
_WH_BY_KIND = {
    "money": "how much",
    "price": "how much",
    "investment": "how much",
    "power": "how much power",
    "speed": "what speed",
    "consumption": "what consumption",
    "percent": "what percentage",
    "time": "what time",
    "date": "what date",
    "month": "which month",
    "year": "which year",
    "plant": "which plant",
    "venue": "which venue",
    "place": "which place",
    "organisation": "which organisation",
    "team": "which team",
    "event": "which event",
    "model": "which model",
    "name": "what name",
}


def wh_phrase(fact: Fact, before: str) -> tuple[str, str]:
    """The wh-phrase that asks for ``fact`` where its span stood, and the words before it with
    what the phrase replaces (a determiner, for a name) removed."""
    kind, answer = fact.kind, fact.answer
    if kind in ("count", "distance", "duration"):
        noun = _UNIT_WORDS.get(fact.detail, fact.detail)
        if noun and not re.fullmatch(r"[a-z][a-z\s\-]*", noun):
            noun = ""
        phrase = f"how many {noun}".strip() if noun else "how many"
        return phrase, _DETERMINER_END.sub("", before) if noun else before
    if kind == "position":
        words = answer.split()
        if _ORDINAL.match(answer) and len(words) > 1:
            return "which " + " ".join(words[1:]), _DETERMINER_END.sub("", before)
        if re.search(r"\b(?:finished|finishing|placed|came|ended|ranked|was)\s$", before):
            return "in which position", before
        return "which position", _DETERMINER_END.sub("", before)
    if kind == "person":
        return ("whom" if _PREPOSITION_END.search(before) else "who"), before
    if kind == "date" and re.search(r"\b(?:to|and|[-–])\s?\d", answer):
        return "on which dates", re.sub(r"\b(?:on|from|between)\s$", "", before)
    if kind == "place" and re.search(r"\b(?:in|at|near|from)\s(?:the\s)?$", before):
        word = "country" if fact.detail == "country" else "place"
        return f"which {word}", _DETERMINER_END.sub("", before)
    phrase = _WH_BY_KIND.get(kind, "what")
    if phrase.startswith("which"):
        before = _DETERMINER_END.sub("", before)
    return phrase, before


# -- making a sentence standalone ---------------------------------------------------------------

_MODEL_REFERENCE = re.compile(
    r"^(?:It|The (?:new |all-new |latest )?(?:car|vehicle|model|motorcycle|bike|roadster|coupé|coupe|sedan|saloon|"
    r"SUV|SAV|limousine|convertible|special edition|edition))\b"
)
_PLANT_REFERENCE = re.compile(r"^(?:the|The) (?:plant|factory|site|facility|location)\b")
_COMPANY_REFERENCE = re.compile(r"^(?:The company|The Group|The carmaker|The car maker|The manufacturer)\b")
_CUT = re.compile(r",\s|;\s|\s[–—]\s|:\s|\s\(")


def standalone_start(text: str, ctx: ArticleContext, referent: str = "") -> str:
    """``text`` (the words that open a sentence) with a reference at its start replaced by what it
    refers to, where the rules can tell: the release's model, plant or publisher, the person
    last named (``referent``) for "He"/"She"."""
    opening = r"^((?:[A-Z][a-z]+,\s)?)"  # "Subsequently, he will leave ..."
    if referent and re.match(rf"{opening}(?:[Hh]e|[Ss]he|His|his|The \d+-year-old)\b", text):
        text = re.sub(rf"{opening}(?:[Hh]e|[Ss]he|The \d+-year-old)\b", rf"\g<1>{referent}", text, count=1)
        return re.sub(rf"{opening}[Hh]is\b", rf"\g<1>{referent}’s", text, count=1)
    if ctx.model and _MODEL_REFERENCE.match(text) and not text.startswith(("It is ", "It was ", "It’s ")):
        return _MODEL_REFERENCE.sub(f"The {ctx.model}" if not ctx.model.startswith("The") else ctx.model, text, 1)
    if ctx.plant and _PLANT_REFERENCE.match(text):
        names = ctx.names_of
        name = ctx.plant if ctx.plant.startswith(names.own_plant_prefix) else f"{names.plant_owner} {ctx.plant}"
        return _PLANT_REFERENCE.sub(name, text, 1)
    if _COMPANY_REFERENCE.match(text):
        return _COMPANY_REFERENCE.sub(upper_first(ctx.names_of.company), text, 1)
    return text


#: "I am" -> "<speaker> is": the verbs a quote's "I" comes with most, in the third person.
_THIRD_PERSON = {"am": "is", "have": "has", "do": "does", "’m": "is", "'m": "is", "’ve": "has", "'ve": "has"}
_ADD_S = (
    "think|believe|hope|want|know|feel|like|love|expect|look|need|see|enjoy|say|mean|wish|thank|remember|"
    "get|find|take|try|agree|hate|miss|appreciate|admire"
)
_FIRST_PERSON = re.compile(rf"\bI(?:\s(am|have|do|{_ADD_S})\b|([’'](?:m|ve))\b|(?![\w’']))")


def _speaker_words(text: str, speaker: str) -> str:
    """First-person words of a quote in the speaker's name ("I think" -> "Valentino Rossi thinks")."""
    if not speaker:
        return text

    def third_person(m: re.Match[str]) -> str:
        verb = m.group(1) or m.group(2)
        if not verb:
            return speaker
        if verb in _THIRD_PERSON:
            return f"{speaker} {_THIRD_PERSON[verb]}"
        if re.search(r"[^aeiou]y$", verb):
            return f"{speaker} {verb[:-1]}ies"
        return f"{speaker} {verb}{'es' if verb.endswith(('s', 'sh', 'ch')) else 's'}"

    text = _FIRST_PERSON.sub(third_person, text)
    text = re.sub(r"\bme\b", speaker, text)
    return re.sub(r"\b[Mm]y\b", f"{speaker}’s", text)


def _clean(text: str) -> str:
    text = re.sub(r"[“”„\"‘’](?=\s|$|[,.?!])|(?<=\s)[“”„\"‘]|^[“”„\"‘]", "", text)
    text = re.sub(r"\s\((?:[A-Z]{2,3}|\d\d)\)", "", text)  # "Max Hesse (GER)", "Rossi (46)"
    return " ".join(text.split())


def _in_name_list(before: str, after: str) -> bool:
    """Whether a name stands in a list of names: one before it ("A, <it>", "A and <it>") and one
    after it, or two before it."""
    name = r"(?:the\s)?[“\"‘]?[A-ZÀ-ÖØ-Þ][\w’'.-]*(?:\s[A-Z0-9][\w’'.-]*)*[”\"’]?(?:\s\([^)]*\))?"
    sep = r"(?:,\s(?:and\s)?|\sand\s)"
    left = re.search(rf"{name}{sep}(?:the\s)?$", before)
    right = re.match(rf"(?:\s\([^)]*\))?{sep}{name}", after)
    two_left = re.search(rf"{name},\s[^,]{{2,40}},\s(?:and\s)?(?:the\s)?$", before)
    two_right = re.match(rf"(?:\s\([^)]*\))?,\s{name}{sep}{name}", after)
    return bool(left and (right or two_left) or two_right)


def _trim_before(before: str, max_words: int = 18) -> str:
    """Words before the span, without clauses far from it: the first clause (its subject) and the
    span's own clause are kept when the words run long."""
    if len(before.split()) <= max_words:
        return before
    cuts = [m for m in _CUT.finditer(before)]
    if len(cuts) < 2:
        return before
    first, last = cuts[0], cuts[-1]
    head, tail = before[: first.start()], before[last.end() :]
    if any(part.count("(") != part.count(")") for part in (head, tail)) or not re.match(r"[A-Za-z0-9]", tail):
        return before  # a cut inside an aside would leave half of it
    if re.match(r"(?:is|are|was|were|has|have|had|will|would|can|could|which|who)\b", tail):
        return before  # the span's clause goes on the subject that the cut would drop
    kept = head + ", " + tail
    return kept if len(kept.split()) < len(before.split()) else before


_VERB_LIKE = re.compile(r"\b(?:[a-z]+ed|is|are|was|were|has|have|had|will|can|could|would|be|been)\b")


def _trim_after(after: str, before: str) -> str:
    """Words after the span up to the end of its clause — or of the next, when the span's clause
    has no verb yet ("Since March 2023, four trucks from X, a logistics firm, have been ...")."""
    end = 0
    for m in _CUT.finditer(after):
        end = m.start()
        if _VERB_LIKE.search(before + " " + after[:end]) or any(w in VERBS for w in after[:end].split()):
            return after[:end]
    return after


def _names_something(question: str) -> bool:
    """Whether a question names what it is about: a name (a capitalised word after its first; a
    figure alone names nothing, "11 exterior colours" is in many releases)."""
    words = question.split()[1:]
    return any(re.match(r"[A-ZÀ-ÖØ-Þ]", w) and w.strip(",.?") not in CAP_STOP for w in words)


#: A question that opens with a reference the rules could not resolve says the release it is from.
_UNRESOLVED = re.compile(
    r"^(?:[A-Z][a-z]+,\s)?(?:It|He|She|They|This|These|Those|The plant|The company|The car|The team|he|she|they)\b"
    r"|\b(?:does|did|do|is|was|are|were|has|have|will|can) (?:it|he|she|they|this)\b"
)


def question_parts(fact: Fact, ctx: ArticleContext, trim: bool = True) -> QuestionParts | None:
    """The sentence of ``fact`` split around its span, standalone and trimmed; None when the fact
    is not asked from its sentence."""
    s = fact.sentence
    if fact.start < 0 or s[fact.start : fact.start + len(fact.answer)] != fact.answer:
        return None
    before, after = s[: fact.start], s[fact.start + len(fact.answer) :]
    # a comment's header ('Max Hesse (Mentor ...): "') is no part of what is asked
    header = re.match(r'^[^“"„]{0,160}?:\s*[“"„]', before)
    if header:
        before = before[header.end() :]
    subject_of_sentence = re.fullmatch(r"\s*(?:The|A|An)\s", before)  # "The BMW M5 delivers": a verb follows
    if (
        fact.kind in NAME_KINDS
        and QUALIFIED_NOUN.match(after)
        and _DETERMINER_END.search(before)
        and not (subject_of_sentence)
    ):
        return None  # "its Leipzig site": the name qualifies a noun, no thing to ask "which" of
    if re.match(r",[^.:“”\"]{3,80}:\s", after) and not before.strip():
        return None  # "Peter Hickman, FHO Racing BMW Motorrad: ...": a comment's header, asked by the quote forms
    if fact.kind in (*NAME_KINDS, "person") and _in_name_list(before, after):
        return None  # "Roy Lichtenstein, Andy Warhol, <who>, Jeff Koons": asked by its place in a list
    wh, before = wh_phrase(fact, before)
    if re.match(r"[’']s\b", after):  # "Carl Cox’s passion" -> "whose passion"
        if wh != "who":
            return None
        wh, after = "whose", after[2:]
    if trim:
        before, after = _trim_before(before), _trim_after(after, before)
    before = standalone_start(_speaker_words(_clean(before), fact.speaker), ctx, fact.referent)
    if before and not before.endswith(" "):
        # a quoted span ('the iconic “rolling sculptures”'): the quote mark goes, the space stays
        before += " " if re.search(r"\s[“\"„‘]?$", s[: fact.start]) else ""
    after = _speaker_words(_clean(after), fact.speaker).rstrip(" .!?:;,")
    if re.search(r"\b(?:I|I’m|I'm|my|me|My|you|your|You|Your)\b", before + " " + after):
        return None  # a quote whose speaker the rules did not find ("my hometown"), or "you": nobody's

    if after and not re.match(r"[\s,;:.!?)’'-]", after):
        after = " " + after
    if len(f"{before} {after}".split()) < 3:
        return None  # too little left to say what is asked
    return QuestionParts(before, wh, after, fact.speaker)


def in_place(parts: QuestionParts) -> str:
    before = parts.before.rstrip()
    text = f"{before} {parts.wh}" if before else upper_first(parts.wh)
    text = f"{text}{parts.after}" if parts.after else text
    text = re.sub(r"\s+([,;:.!?)])", r"\1", text).rstrip(" ,;:") + "?"
    return upper_first(text)


# -- templates for the quote forms and the release's model ----------------------------------------

_TEMPLATES: dict[str, list[str]] = {
    "person_car": [
        "Who drove the {d}, according to the news about {s}{w}?",
        "Which driver commented on the race in the {d} in the news about {s}{w}?",
        "Who was at the wheel of the {d} in the news about {s}{w}?",
    ],
    "person_role": [
        "Who is the {d} quoted on {s}?",
        "Which person commented on {s} as {d}?",
        "Who is {d}, according to the news about {s}{w}?",
        "Name the {d} who commented on {s}.",
        "Who spoke about {s} in the role of {d}?",
    ],
    "person": [
        "Who is quoted on {s}{w}?",
        "Which person commented on {s}{w}?",
        "Name the person quoted about {s}{w}.",
    ],
    "role": [
        "What is the role of {d}, who commented on {s}?",
        "What position does {d} hold?",
        "In which role did {d} comment on {s}?",
        "What is {d}'s job title, as given in the news about {s}?",
        "As what is {d} quoted on {s}?",
    ],
    "quote": [
        "What did {d} say about {s}?",
        "How did {d} comment on {s}{w}?",
        "What was {d}'s statement on {s}?",
    ],
    "model": [
        "Which model is {c}'s news about {s}{w} about?",
        "Which model does the news about {s}{w} feature?",
        "What model is presented in the news about {s}{w}?",
    ],
}


def _template_questions(fact: Fact, ctx: ArticleContext) -> list[str]:
    key = fact.kind
    if fact.kind == "person":
        key = "person_car" if fact.context == "drove" else "person_role" if fact.detail else "person"
    if key not in _TEMPLATES:
        return []
    subject, company = ctx.subject, ctx.names_of.company
    if subject == fact.answer or fact.kind == "model" and subject == ctx.model:
        subject = company  # never the answer itself
    if fact.kind == "model" and subject == company:
        return []  # "the BMW Group's news of <month>" is many releases: asked where a sentence names it
    when = f" ({ctx.when})" if ctx.when else ""
    return [t.format(c=company, d=fact.detail, s=subject, w=when) for t in _TEMPLATES[key]]


def questions_for(fact: Fact, ctx: ArticleContext, phrasings: int) -> list[str]:
    """Up to ``phrasings`` distinct wordings of a question about ``fact``: in place and fronted
    from its sentence, with the subject and time of the release named, and the long form."""
    templates = _template_questions(fact, ctx)
    if (
        fact.start < 0
        or not ctx.english
        or fact.kind in ("person", "role", "quote")
        and fact.context in ("quoted", "appointed", "drove")
    ):
        return templates[:phrasings]
    parts = question_parts(fact, ctx)
    if parts is None:
        return []  # the templates ask about the release's model and its quotes, not about this mention
    base = in_place(parts)
    company = ctx.names_of.company
    when = f" of {ctx.when}" if ctx.when else ""
    about = f"In the news about {ctx.subject}{when}"
    if fact.answer in ctx.subject or ctx.subject in fact.answer:  # the subject is what is asked
        about = f"In {company}'s news{when}" if when else f"According to {company}"
    if fact.speaker:
        base = f"According to {fact.speaker}, {lower_first(base, ctx.common_words)}"
    elif not _names_something(base) or _UNRESOLVED.match(base):
        base = f"{about}, {lower_first(base, ctx.common_words)}"
    out = [base]
    front = fronted(parts, fact, ctx) if not fact.speaker else None
    if front:
        named = _names_something(front) and not _UNRESOLVED.search(front)
        front = front if named else f"{about}, {lower_first(front, ctx.common_words)}"
        # readers ask with the wh-phrase first: the fronted wording leads where there is one
        out.insert(0, front)
    # and in their own words: the leading wording with its verbs and nouns swapped
    out.insert(1, reworded(out[0]))
    if ctx.subject not in base and about not in base:
        out.append(f"{about}, {lower_first(in_place(parts), ctx.common_words)}")
    if ctx.when and not re.search(r"\b(?:19|20)\d\d\b", base):
        out.append(
            f"In {ctx.when}, {lower_first(base, ctx.common_words)}"
            if not base.startswith(("In ", "According"))
            else base
        )
    long_parts = question_parts(fact, ctx, trim=False)
    if long_parts is not None:
        long = in_place(long_parts)
        if fact.speaker:
            long = f"According to {fact.speaker}, {lower_first(long, ctx.common_words)}"
        elif not _names_something(long) or _UNRESOLVED.match(long):
            long = f"{about}, {lower_first(long, ctx.common_words)}"
        out.append(long)
    # one more wording: the source (and month) said at the end
    subject = f" about {ctx.subject}" if ctx.subject != fact.answer and ctx.subject not in base else ""
    month = f" of {ctx.when}" if ctx.when and ctx.when not in base else ""
    if base.startswith(("In the news about", "According to")):
        pass  # says its source already
    elif subject or month:
        out.append(f"{base[:-1]}, according to {company}'s news{subject}{month}?")
    elif not base.startswith("According to"):
        out.append(f"According to {company}, {lower_first(base, ctx.common_words)}")
    out.extend(templates)
    return list(dict.fromkeys(out))[:phrasings]


def statement(fact: Fact, ctx: ArticleContext) -> str:
    """The fact as a short standalone sentence: its clause of the sentence, the reference at its
    start resolved, the speaker named (for fact lists and restatements)."""
    if fact.start < 0:
        if fact.kind == "role":
            return f"{fact.detail}: {fact.answer}."
        if fact.kind == "person" and fact.context == "drove":
            return f"{fact.answer} drove the {fact.detail}."
        if fact.kind == "person":
            return f"{fact.answer}" + (f", {fact.detail}" if fact.detail else "") + f", commented on {ctx.subject}."
        if fact.kind == "model":
            return f"Model: {fact.answer}."
        return ""
    parts = question_parts(fact, ctx)
    if parts is None:
        return ""
    text = f"{parts.before}{fact.answer}{parts.after}".strip(" ,;:")
    text = upper_first(text) + "."
    return f"According to {fact.speaker}, {lower_first(text, ctx.common_words)}" if fact.speaker else text


def standalone_sentence(sentence: str, ctx: ArticleContext, speaker: str = "", referent: str = "") -> str:
    """A fact's whole sentence made standalone (restatements)."""
    text = standalone_start(_speaker_words(_clean(sentence), speaker), ctx, referent)
    return f"{speaker} said: {text}" if speaker else text
