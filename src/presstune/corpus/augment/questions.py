"""Question wordings and fact-list labels per fact kind (the rules backend)."""

from __future__ import annotations

import hashlib

from presstune.corpus.augment.facts import Fact

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

FACT_LABELS = {
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


def which_fact(fact: Fact, ambiguous: bool) -> str:
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
    meant (:func:`which_fact`)."""
    ctx = which_fact(fact, ambiguous)
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
