"""Fact sheets: the facts one release states, and the questions a reader asks about them.

Facts are stated in the body in exactly the form the QA answers use (``"345 kW"``,
``"€68,900"``, ``"Plant Dingolfing"``), so every answer is a literal span of the body.
Everything is a pure function of a :class:`random.Random` (or a hash of the seed and the
family) and the fact sheet, so an article's facts are rebuilt on demand."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from presstune.replica.vocabulary import (
    EVENTS_CORP,
    EVENTS_RACE,
    EVENTS_SHOW,
    FIRST,
    LAST,
    MODELS,
    MONTHS,
    PLANT_DE,
    PLANTS,
    RACE_CARS,
    ROLES,
    decimal_comma,
    fmt_day,
    fmt_int_de,
    fmt_int_en,
    fmt_price,
)

# -- the fact sheet --------------------------------------------------------------------------


def make_facts(rng: random.Random, kind: str, pub_date_iso: str) -> dict[str, Any]:
    """A fact sheet for one release; every value here is stated in the generated body."""
    model, drive, kw0, price0 = rng.choice(MODELS)
    if kind == "motorsport":
        model, kw0, price0 = rng.choice(RACE_CARS)
        drive = "race"
        price0 = price0 or 250000
    events = EVENTS_RACE if kind == "motorsport" else EVENTS_CORP if kind == "corporate" else EVENTS_SHOW
    plant = rng.choice(PLANTS)
    role_en, role_de = rng.choice(ROLES)
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    y, m, d = (int(x) for x in pub_date_iso.split("-"))
    em = m + rng.randint(1, 5)
    ey = y + (em - 1) // 12
    em = (em - 1) % 12 + 1
    event_date = f"{ey:04d}-{em:02d}-{rng.randint(1, 28):02d}"
    facts: dict[str, Any] = {
        "kind": kind,
        "model": model,
        "drive": drive,
        "power_kw": max(10, round(kw0 * rng.uniform(0.88, 1.12))),
        "price_eur": int(round(price0 * rng.uniform(0.88, 1.12), -2)) - rng.choice([0, 0, 10, 50, 100]),
        "plant": plant,
        "person": person,
        "role": role_en.format(plant=plant),
        "role_de": role_de.format(plant=PLANT_DE[plant]),
        "event": rng.choice(events),
        "event_date": event_date,
        "date": pub_date_iso,
    }
    if drive == "race":
        pass
    elif drive == "bev":
        facts["range_km"] = rng.randrange(280, 720, 5)
        facts["consumption"] = f"{decimal_comma(rng.uniform(13.0, 21.5))} kWh/100 km"
    elif drive == "phev":
        facts["range_km"] = rng.randrange(40, 110, 1)
        facts["consumption"] = f"{decimal_comma(rng.uniform(0.8, 2.4))} l/100 km"
    else:
        facts["consumption"] = f"{decimal_comma(rng.uniform(4.6, 11.9))} l/100 km"
    if kind == "production":
        facts["investment_eur_million"] = rng.randrange(80, 1600, 10)
        facts["employees"] = rng.randrange(900, 18000, 10)
    if kind == "motorsport":
        facts.pop("consumption", None)
        facts.pop("range_km", None)
        facts["position"] = rng.choice(["first", "second", "third", "fourth", "fifth"])
        facts["driver"] = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if kind == "corporate":
        facts["deliveries"] = rng.randrange(180_000, 720_000, 1)
        facts["growth_pct"] = f"{decimal_comma(rng.uniform(0.4, 14.8)).replace(',', '.')} percent"
    return facts


# --------------------------------------------------------------------------- QA
# -- questions ------------------------------------------------------------------------------

# Fact-sheet questions are asked the way a reader asks, not the way the training generator
# (presstune.corpus.augment) writes its rows: they never quote the headline but name the subject
# (the model, the plant, the person, the race) together with something from the release that tells
# it apart from other releases about the same subject (the event, the plant, the driver, the month
# it was announced); they avoid the body's own phrasing; and every fact has several wordings, one
# chosen per (seed, family, fact) by a hash, so a score rests on no single template.
# tests/test_replica_questions.py keeps them apart from the generator's questions.

#: How a reader names each role of ROLES (the plant director is "the director of <plant>").
_ROLE_READER = {
    "Member of the Board of Management of BMW AG, Production": "BMW AG's board member for production",
    "Member of the Board of Management of BMW AG, Development": "BMW AG's board member for development",
    "Head of BMW M Motorsport": "the head of BMW M Motorsport",
    "Head of Product Management BMW": "BMW's head of product management",
    "Head of Design BMW Group": "the BMW Group's head of design",
    "Head of Sales and Marketing BMW": "BMW's head of sales and marketing",
    "Head of BMW Motorrad": "the head of BMW Motorrad",
    "Head of Sustainability BMW Group": "the BMW Group's head of sustainability",
    "Chief Executive Officer of MINI": "MINI's chief executive",
}

#: How each kind of release names its model in a question ({ref}) and what its quoted person
#: comments on ({topic}).
_REFS_EN = {
    "launch": ["the new {model} unveiled at the {event_dated}", "the {model} that debuts at the {event_dated}"],
    "production": ["the {model} that {plant} will build", "the {model} to be made at {plant}"],
    "people": ["the {model} project led by {person}", "the {model} that {person} was in charge of"],
    "motorsport": ["the {model} that {driver} raced at the {event_dated}", "{driver}'s {model} at the {event_dated}"],
    "corporate": ["the {model} that sold strongly in the BMW Group's {month} figures"],
}
_TOPICS_EN = {
    "launch": ["the new {model} at the {event_dated}", "the launch of the {model} at the {event_dated}"],
    "production": ["the plans for {plant}", "production of the {model}"],
    "people": ["the appointment announced in {month}"],
    "motorsport": ["{driver}'s result at the {event_dated}", "the {event_dated} result of the {model}"],
    "corporate": ["the BMW Group's figures of {month}", "the results presented at the {event_dated}"],
}

_ASK_SHARED_EN: dict[str, list[str]] = {
    "power_kw": [
        "How much power does {ref} have?",
        "What output, in kilowatts, does {ref} have?",
        "How many kW does {ref} produce?",
    ],
    "price_eur": ["How much does {ref} cost?", "What is the starting price of {ref}?", "What do buyers pay for {ref}?"],
    "range_km": [
        "What WLTP range does {ref} reach?",
        "How far can {ref} travel in the WLTP cycle?",
        "How many kilometres can {ref} cover under WLTP?",
    ],
    "person": [
        "Who comments on {topic} as {role_reader}?",
        "Which manager speaks on {topic} as {role_reader}?",
        "Who gives the view of {role_reader} on {topic}?",
    ],
    "role": [
        "In what capacity does {person} comment on {topic}?",
        "Which post at the BMW Group does {person} hold, speaking about {topic}?",
        "What title does {person} hold when commenting on {topic}?",
    ],
}
_ASK_EN: dict[str, dict[str, list[str]]] = {
    "launch": {
        "model": [
            "Which model built at {plant} has its world debut at the {event_dated}?",
            "What new vehicle from {plant} is unveiled at the {event_dated}?",
            "The BMW Group shows a new model from {plant} at the {event_dated} for the first time: which one?",
        ],
        "plant": [
            "Which plant builds the {model} that debuts at the {event_dated}?",
            "Where is the new {model} from the {event_dated} manufactured?",
            "In which BMW Group factory is the {model} shown at the {event_dated} produced?",
        ],
        "event": [
            "At which {year} show does the {model} from {plant} make its debut?",
            "Where is the new {model} built at {plant} first shown to the public in {year}?",
            "At which event can visitors first see the {model} made at {plant}, in {year}?",
        ],
        "event_date": [
            "When does the {model} shown at the {event_dated} reach the market?",
            "On what date does the new {model} from the {event_dated} go on sale?",
            "From when is the {model} presented at the {event_dated} available to customers?",
        ],
    },
    "production": {
        "model": [
            "Which model does {plant} start building, as announced in {month}?",
            "What vehicle will {plant} produce under the plans announced in {month}?",
            "For which model is {plant} preparing its lines, as announced in {month}?",
        ],
        "plant": [
            "Which plant did the BMW Group pick in {month} to build the {model}?",
            "Which factory receives the BMW Group's investment for the {model}?",
            "Which BMW Group site gets new investment for the {model}?",
        ],
        "investment_eur_million": [
            "What amount does the BMW Group put into {plant} to build the {model}?",
            "What sum does the BMW Group spend on {plant} ahead of production of the {model}?",
            "What is the size of the BMW Group's investment in {plant}, where the {model} will be made?",
        ],
        "event_date": [
            "When does production of the {model} begin at {plant}?",
            "On what date does {plant} start making the {model}?",
            "From when will {plant} build the {model}?",
        ],
        "event": [
            "At which event can readers learn more about the {model} production at {plant}?",
            "Where does the BMW Group invite readers to learn more about {plant} and the {model}?",
        ],
        "price_eur": [
            "What will {ref} cost in its home market?",
            "How much will {ref} cost at home?",
            "What is the home-market price of {ref}?",
        ],
    },
    "people": {
        "person": [
            "Who has been named {role_reader}, as announced in {month}?",
            "Who takes over as {role_reader} under the appointment announced in {month}?",
            "Which manager did BMW AG appoint as {role_reader} in {month}?",
        ],
        "role": [
            "Which post has {person} been appointed to?",
            "What new position does {person} take on at the BMW Group?",
            "To which role did BMW AG's board appoint {person} in {month}?",
        ],
        "event_date": [
            "When does {person} take up the new post?",
            "From what date is {person} {role_reader}?",
            "When does the appointment of {person} take effect?",
        ],
        "plant": [
            "Which plant does {person}'s new role also cover?",
            "For which plant is {person} additionally responsible after the appointment?",
            "Which BMW Group site falls under {person}'s responsibility in the new post?",
        ],
        "model": [
            "Which model did {person} present at the {event_dated}?",
            "What vehicle did {person} unveil at the {event_dated} before the new appointment?",
            "Which of the brand's models did {person} last show, at the {event_dated}?",
        ],
        "event": [
            "During which event did {person} first show the {model}?",
            "Where did {person} last show the {model} to the public?",
        ],
    },
    "motorsport": {
        "driver": [
            "Who drove the {model} to {position} place at the {event_dated}?",
            "Which driver took {position} place at the {event_dated} in the {model}?",
            "Who was driving the {model} that came {position} at the {event_dated}?",
        ],
        "model": [
            "Which car did {driver} race at the {event_dated}?",
            "In which car did {driver} take {position} place at the {event_dated}?",
            "What did {driver} drive at the {event_dated}?",
        ],
        "event": [
            "At which race did {driver} finish {position} in the {model}?",
            "Where did {driver} take {position} place with the {model}?",
            "In which race did {driver} bring the {model} home in {position} place?",
        ],
        "event_date": [
            "When is the race that follows {driver}'s {position} place at the {event_dated}?",
            "When does the {model} race again after the {event_dated}, where {driver} came {position}?",
            "What date is set for the round following {driver}'s {position} place at the {event_dated}?",
        ],
        "plant": [
            "Where was the {model} that {driver} raced at the {event_dated} prepared?",
            "Which plant prepared {driver}'s {model} for the {event_dated}?",
        ],
        "power_kw": [
            "How much power does {ref} have in race trim?",
            "What is the race output of {ref}?",
            "How many kW does {ref} produce when racing?",
        ],
        "price_eur": [
            "What do customer teams pay, before VAT, for {ref}?",
            "How much does {ref} cost a customer team, excluding VAT?",
        ],
    },
    "corporate": {
        "deliveries": [
            "What was the BMW Group's delivery total for the period presented at the {event_dated} in {month}?",
            "What number of vehicles reached BMW Group customers in the period in which deliveries grew by "
            "{growth_pct}?",
            "What delivery figure did the BMW Group report at the {event_dated} in {month}?",
        ],
        "event": [
            "During which event did the BMW Group report delivery growth of {growth_pct} in {month}?",
            "Where did the BMW Group present its figures of {month}, up {growth_pct}?",
        ],
        "event_date": [
            "When does the BMW Group next report after growth of {growth_pct} at the {event_dated}?",
            "On what date will the BMW Group give its next update following its {month} figures, up {growth_pct}?",
        ],
        "model": [
            "Which model was among the strongest sellers when the BMW Group reported growth of {growth_pct} in "
            "{month}?",
            "What model did the BMW Group count among its best performers at the {event_dated} in {month}?",
        ],
        "plant": [
            "At which plant did the BMW Group raise production of the {model}, as reported in {month}?",
            "Which plant stepped up output of the {model} in the period reported at the {event_dated}?",
        ],
    },
}
#: German releases state the launch facts whatever their kind (see _body_de).
_REFS_DE = ["der neue {model} von der {event}", "der auf der {event} gezeigte {model}"]
_ASK_DE: dict[str, list[str]] = {
    "model": [
        "Welches Modell aus dem {plant_de} feiert auf der {event} Premiere?",
        "Welches neue Fahrzeug aus dem {plant_de} stellt die BMW Group bei der {event} vor?",
    ],
    "power_kw": ["Wie viel Leistung hat {ref}?", "Wie stark ist {ref}?"],
    "price_eur": ["Was kostet {ref}?", "Ab welchem Preis ist {ref} erhältlich?"],
    "plant": ["In welchem Werk wird {ref} gebaut?", "Wo läuft {ref} vom Band?"],
    "event": [
        "Auf welcher Veranstaltung wird der {model} aus dem {plant_de} vorgestellt?",
        "Wo zeigt die BMW Group den neuen {model} aus dem {plant_de} erstmals?",
    ],
    "event_date": ["Wann kommt {ref} auf den Markt?", "Ab wann ist {ref} erhältlich?"],
    "range_km": ["Welche Reichweite nach WLTP hat {ref}?", "Wie weit kommt {ref} nach WLTP?"],
}
#: Each fact's answer as the body states it (fact sheets keep this order).
_ANSWERS = {
    "model": "{model}",
    "power_kw": "{power_kw} kW",
    "price_eur": "{price}",
    "plant": "{plant_named}",
    "person": "{person}",
    "role": "{role}",
    "event": "{event}",
    "event_date": "{event_date_fmt}",
    "range_km": "{range_km} km",
    "deliveries": "{deliveries_fmt}",
    "investment_eur_million": "€{investment_fmt} million",
    "driver": "{driver}",
}


def _question_values(f: dict[str, Any], lang: str) -> dict[str, Any]:
    y, m = int(f["date"][:4]), int(f["date"][5:7])
    vals: dict[str, Any] = {"growth_pct": "", **f}
    vals.update(
        price=fmt_price(f["price_eur"], lang),
        plant_de=PLANT_DE[f["plant"]],
        plant_named=PLANT_DE[f["plant"]] if lang == "de" else f["plant"],
        event_date_fmt=fmt_day(f["event_date"], lang),
        investment_fmt=fmt_int_en(f.get("investment_eur_million", 0)),
        deliveries_fmt=(fmt_int_en if lang == "en" else fmt_int_de)(f.get("deliveries", 0)),
        month=f"{MONTHS[m - 1]} {y}",
        year=y,
        role_reader=_ROLE_READER.get(f["role"], f"the director of {f['plant']}"),
        # "the 2025 Goodwood Festival of Speed" (the year it was held), but "the IAA Mobility 2025"
        event_dated=f["event"] if f["event"][-4:].isdigit() else f"{y} {f['event']}",
    )
    return vals


def question_wordings(f: dict[str, Any], lang: str) -> dict[str, tuple[str, list[str]]]:
    """Per fact of the sheet: its answer and every wording its question may take (none that
    states the answer), in a fixed order. :func:`qa_pairs` asks one of them."""
    vals = _question_values(f, lang)
    if lang == "de":
        asks, refs, topics = _ASK_DE, _REFS_DE, [""]
    else:
        asks = {**_ASK_SHARED_EN, **_ASK_EN[f["kind"]]}
        refs, topics = _REFS_EN[f["kind"]], _TOPICS_EN[f["kind"]]
    out = {}
    for fact_key, answer_form in _ANSWERS.items():
        if fact_key not in f or fact_key not in asks:
            continue
        answer = answer_form.format(**vals)
        wordings = {
            template.format(**vals, ref=ref.format(**vals), topic=topic.format(**vals)): None
            for template in asks[fact_key]
            for ref in refs
            for topic in topics
        }
        out[fact_key] = (answer, [q for q in wordings if answer.casefold() not in q.casefold()])
    return out


def qa_pairs(f: dict[str, Any], lang: str, body: str, key: str) -> list[dict[str, str]]:
    """Closed-book QA from the fact sheet, for answers found verbatim in ``body``. ``key`` (the
    site seed and the article's family) picks each fact's wording by a hash, so the questions are
    a pure function of the replica seed, and a release's translations and republications ask alike."""
    out = []
    for fact_key, (answer, wordings) in question_wordings(f, lang).items():
        if answer in body and wordings:
            pick = int(hashlib.sha256(f"{key}:{fact_key}".encode()).hexdigest(), 16) % len(wordings)
            out.append({"question": wordings[pick], "answer": answer, "fact_key": fact_key})
    return out
