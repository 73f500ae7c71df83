"""Press-release prose, written by our own templates (never copied from the real portal).

Everything here is a pure function of a :class:`random.Random` and a fact sheet, so the
site generator can rebuild any article's text on demand from ``(seed, article id)``.

Facts are stated in the body in exactly the form the QA answers use (``"345 kW"``,
``"€68,900"``, ``"Plant Dingolfing"``), so every answer is a literal span of the body.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

# --------------------------------------------------------------------------- vocabulary

MODELS: list[tuple[str, str, int, int]] = [
    # (model name, drive, typical power in kW, typical price in euros). Drive "bev", "phev"
    # or "ice" picks the consumption wording; the generator varies power/price by +-12%.
    ("BMW iX3 50 xDrive", "bev", 345, 68900),
    ("BMW iX3 40", "bev", 240, 58900),
    ("BMW i5 eDrive40 Touring", "bev", 250, 74200),
    ("BMW i7 xDrive60", "bev", 400, 137000),
    ("BMW iX xDrive45", "bev", 300, 86500),
    ("BMW i4 eDrive35 Gran Coupé", "bev", 210, 57900),
    ("BMW M5 Touring", "phev", 535, 146000),
    ("BMW X5 xDrive50e", "phev", 360, 98500),
    ("BMW 330e Sedan", "phev", 215, 55900),
    ("BMW M2 CS", "ice", 390, 113000),
    ("BMW M4 Competition Coupé", "ice", 390, 104900),
    ("BMW X3 20d xDrive", "ice", 145, 60400),
    ("BMW 120 M Sport", "ice", 125, 41500),
    ("BMW X2 M35i xDrive", "ice", 233, 63900),
    ("BMW Z4 M40i", "ice", 250, 72600),
    ("MINI Cooper SE", "bev", 160, 36900),
    ("MINI Aceman E", "bev", 135, 36400),
    ("MINI Countryman S ALL4", "ice", 160, 43500),
    ("MINI John Cooper Works Electric", "bev", 190, 42900),
    ("BMW CE 04", "bev", 31, 12900),
    ("BMW R 1300 GS Adventure", "ice", 107, 22900),
    ("BMW F 450 GS", "ice", 35, 7990),
    ("BMW S 1000 RR", "ice", 154, 22900),
    ("Rolls-Royce Spectre Black Badge", "bev", 485, 460000),
    ("Rolls-Royce Cullinan Series II", "ice", 420, 395000),
]

RACE_CARS = [
    ("BMW M4 GT3 EVO", 435, 539000),
    ("BMW M Hybrid V8", 500, 0),
    ("BMW M4 GT4", 320, 225000),
    ("BMW M2 Racing", 230, 85000),
    ("BMW M1000RR", 160, 0),
]

PLANTS = [
    "Plant Dingolfing",
    "Plant Munich",
    "Plant Regensburg",
    "Plant Leipzig",
    "Plant Debrecen",
    "Plant Spartanburg",
    "Plant San Luis Potosí",
    "Plant Oxford",
    "Plant Landshut",
    "Plant Wackersdorf",
    "Plant Steyr",
    "Plant Shenyang",
    "Plant Rosslyn",
    "Plant Berlin",
]
#: German names of the plants (the DE twins say "Werk ..."); keys are PLANTS entries.
PLANT_DE = {p: p.replace("Plant Munich", "Werk München").replace("Plant ", "Werk ") for p in PLANTS}

DATELINES = [
    "Munich",
    "Munich",
    "Munich",
    "Munich",
    "Munich/Berlin",
    "Leipzig",
    "Dingolfing",
    "Woodcliff Lake, NJ",
    "Farnborough",
    "Macau",
    "Goodwood",
    "Shenyang",
    "Spartanburg",
    "Debrecen",
    "Garching",
    "Nürburg",
    "Le Castellet",
    "Oxford",
    "Regensburg",
]
DATELINE_DE = {"Munich": "München", "Munich/Berlin": "München/Berlin", "Nürburg": "Nürburg"}

FIRST = [
    "Anna",
    "Markus",
    "Jürgen",
    "Sophie",
    "Thomas",
    "Clara",
    "Felix",
    "Lena",
    "Matthias",
    "Hannah",
    "Stefan",
    "Julia",
    "Björn",
    "Katrin",
    "Oliver",
    "Miriam",
    "Tobias",
    "Elif",
    "Rafael",
    "Chloé",
    "Daniel",
    "Ingrid",
    "Lukas",
    "Maya",
    "Jörg",
    "Simone",
    "Nikolaj",
]
LAST = [
    "Keller",
    "Brenner",
    "Müller",
    "Schröder",
    "Hartmann",
    "Vogt",
    "Lindqvist",
    "Özkan",
    "Weißenborn",
    "Albrecht",
    "Kästner",
    "Moreau",
    "Castellano",
    "Jansen",
    "Baumgärtner",
    "Reinholt",
    "Fischbach",
    "Tanaka",
    "Haller",
    "Dvořák",
    "Wendel",
    "Pfisterer",
    "Groß",
]
ROLES = [
    ("Member of the Board of Management of BMW AG, Production", "Mitglied des Vorstands der BMW AG, Produktion"),
    ("Member of the Board of Management of BMW AG, Development", "Mitglied des Vorstands der BMW AG, Entwicklung"),
    ("Head of BMW M Motorsport", "Leiter BMW M Motorsport"),
    ("Head of Product Management BMW", "Leiter Produktmanagement BMW"),
    ("Director of {plant}", "Leiter {plant}"),
    ("Head of Design BMW Group", "Leiter Design BMW Group"),
    ("Head of Sales and Marketing BMW", "Leiter Vertrieb und Marketing BMW"),
    ("Head of BMW Motorrad", "Leiter BMW Motorrad"),
    ("Head of Sustainability BMW Group", "Leiter Nachhaltigkeit BMW Group"),
    ("Chief Executive Officer of MINI", "Vorsitzender der Geschäftsführung MINI"),
]
EVENTS_SHOW = [
    "IAA Mobility 2025",
    "Goodwood Festival of Speed",
    "Concorso d’Eleganza Villa d’Este",
    "Japan Mobility Show",
    "Auto China in Beijing",
    "BMW Motorrad Days",
    "CES in Las Vegas",
    "Monterey Car Week",
    "EICMA in Milan",
    "Brussels Motor Show",
    "Salon Rétromobile in Paris",
]
EVENTS_RACE = [
    "24 Hours of Le Mans",
    "Nürburgring 24 Hours",
    "Macau Grand Prix",
    "Petit Le Mans at Road Atlanta",
    "24 Hours of Daytona",
    "12 Hours of Sebring",
    "FIA WEC round in Fuji",
    "DTM season finale at Hockenheim",
    "Superbike World Championship round in Most",
]
EVENTS_CORP = [
    "Annual Accounts Press Conference",
    "Annual General Meeting",
    "BMW Group Supplier Innovation Day",
    "Capital Markets Day",
    "Quarterly Statement press call",
    "BMW Group Dialogue Forum",
]
EVENTS = EVENTS_SHOW + EVENTS_RACE + EVENTS_CORP
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_DE = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]

TAGS_BY_KIND = {
    "launch": ["BMW Automobiles", "Product", "Electromobility", "Design", "MINI", "BMW Motorrad"],
    "production": ["Production", "Plants", "Sustainability", "Corporate"],
    "people": ["People", "Corporate", "Management"],
    "motorsport": ["BMW M Motorsport", "Customer Racing", "Sports", "Events"],
    "corporate": ["Corporate", "Finance", "Sales Figures", "Sustainability"],
}

KINDS = ["launch", "launch", "launch", "production", "people", "motorsport", "motorsport", "corporate"]

# --------------------------------------------------------------------------- formatting


def fmt_int_en(n: int) -> str:
    return f"{n:,}"


def fmt_int_de(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def fmt_price(n: int, lang: str) -> str:
    return f"€{fmt_int_en(n)}" if lang == "en" else f"{fmt_int_de(n)} Euro"


def fmt_day(iso: str, lang: str) -> str:
    """'2026-03-12' -> '12 March 2026' (en) / '12. März 2026' (de)."""
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d} {MONTHS[m - 1]} {y}" if lang == "en" else f"{d}. {MONTHS_DE[m - 1]} {y}"


def decimal_comma(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


# --------------------------------------------------------------------------- facts


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


# --------------------------------------------------------------------------- titles


def _short_model(model: str) -> str:
    return model.split(" ")[0] + " " + model.split(" ")[1] if " " in model else model


def title_subtitle(rng: random.Random, facts: dict[str, Any], lang: str) -> tuple[str, str]:
    # Templates of all kinds are formatted eagerly below; fill kind-specific keys with dummies.
    f = {"driver": "", "position": "first", "deliveries": 0, "growth_pct": "", **facts}
    k = f["kind"]
    m, p, ev = f["model"], f["person"], f["event"]
    if lang == "de":
        titles = {
            "launch": [f"Der neue {m}: Weltpremiere auf der {ev}.", f"Mehr Reichweite, mehr Fahrfreude: Der neue {m}."],
            "production": [
                f"Produktionsstart für den {m} im {PLANT_DE[f['plant']]}.",
                f"{PLANT_DE[f['plant']]} investiert in die Zukunft.",
            ],
            "people": [f"{p} wird {f['role_de']}.", f"Personalie: {p} übernimmt neue Aufgabe."],
            "motorsport": [
                f"{f['driver']} fährt beim {ev} auf Rang {_rank_de(f['position'])}.",
                f"{m} beim {ev}: Vorschau.",
            ],
            "corporate": [
                f"BMW Group steigert Auslieferungen: {fmt_int_de(f['deliveries'])} Fahrzeuge.",
                f"BMW Group auf der {ev}.",
            ],
        }
        sub = {
            "launch": f"+++ {f['power_kw']} kW Leistung +++ Preis ab {fmt_price(f['price_eur'], 'de')} +++ "
            f"Marktstart {fmt_day(f['event_date'], 'de')} +++",
            "production": f"+++ {PLANT_DE[f['plant']]} +++ {p} über die nächste Generation +++",
            "people": f"+++ {p} folgt auf eigenen Wunsch neuer Aufgabe +++ "
            f"Wechsel zum {fmt_day(f['event_date'], 'de')} +++",
            "motorsport": f"+++ {m} +++ {ev} +++ {p}: „Ein starkes Ergebnis für das ganze Team.“ +++",
            "corporate": f"+++ {fmt_int_de(f['deliveries'])} Auslieferungen +++ {p} zur Strategie +++",
        }[k]
        return rng.choice(titles[k]), sub
    titles = {
        "launch": [
            f"The new {m}: world premiere at the {ev}.",
            f"More range, more driving pleasure: the new {m}.",
            f"{m} – the next chapter of sheer driving pleasure.",
            f"Order books open for the {m}.",
            f"Technical specifications of the {m} valid from {f['event_date'][5:7]}/{f['event_date'][:4]}.",
        ],
        "production": [
            f"Start of production for the {m} at {f['plant']}.",
            f"{f['plant']} invests in the future: new assembly hall for the {_short_model(m)}.",
            f"Fifty/fifty: {f['plant']} balances electric and combustion production.",
        ],
        "people": [
            f"{p} appointed {f['role']}.",
            f"Personnel news: {p} takes on new role at the BMW Group.",
            f"BMW Group’s {f['role']} {p} in conversation.",
        ],
        "motorsport": [
            f"{f['driver']} finishes {f['position']} at the {ev}.",
            f'{m} at the {ev}: "We are ready".',
            f"Preview: the {m} line-up for the {ev}.",
        ],
        "corporate": [
            f"BMW Group delivers {fmt_int_en(f['deliveries'])} vehicles in the quarter.",
            f"BMW Group at the {ev}: strategy update & outlook.",
            f"BMW Group's sales (Q{1 + (int(f['date'][5:7]) - 1) // 3}) grow by {f['growth_pct']}.",
        ],
    }
    subs = {
        "launch": f"+++ {f['power_kw']} kW of power +++ Priced from {fmt_price(f['price_eur'], 'en')} +++ "
        f"Market launch on {fmt_day(f['event_date'], 'en')} +++",
        "production": f'+++ {f["plant"]} prepares for the next generation +++ {p}: "A milestone for our team" +++',
        "people": f"+++ {p} to take over on {fmt_day(f['event_date'], 'en')} +++ "
        "Focus on transformation and talent +++",
        "motorsport": f"+++ {m} +++ {ev} +++ {p}: “A strong result for the whole team.” +++",
        "corporate": f"+++ {fmt_int_en(f['deliveries'])} deliveries +++ Electrified share rises +++ "
        f"{p} on the outlook +++",
    }
    return rng.choice(titles[k]), subs[k]


def _rank_de(position: str) -> str:
    return {"first": "eins", "second": "zwei", "third": "drei", "fourth": "vier", "fifth": "fünf"}[position]


# --------------------------------------------------------------------------- body (English)

_OPENERS = [
    "The BMW Group continues its product offensive",
    "With this step, the company underlines its commitment to innovation",
    "The announcement marks another milestone in the brand's transformation",
    "Customers and fans can look forward to a wide range of new experiences",
    "The project is part of the company's long-term strategy",
    "Preparations have been under way for more than two years",
    "Feedback from customers and dealers played an important role",
]
#: Subject -> predicates that make sense for it (free combinations read like word salad).
_FILLER: dict[str, list[str]] = {
    "The interior": [
        "has been completely redesigned and offers noticeably more space in the rear",
        "combines high-quality materials with a clear, reduced design",
        "features a new panoramic display that stretches across the full width of the dashboard",
    ],
    "The digital experience": [
        "is based on the latest generation of the operating system",
        "can be personalised with profiles that are stored securely in the cloud",
        "receives regular over-the-air updates, so functions keep improving after delivery",
    ],
    "The chassis": [
        "combines precise handling with a high level of ride comfort",
        "was fine-tuned on the Nordschleife of the Nürburgring",
        "features adaptive dampers that react to the road surface within milliseconds",
    ],
    "The charging technology": [
        "makes short stops on long journeys possible",
        "supports bidirectional charging in selected markets",
        "is designed for an 800-volt architecture",
    ],
    "The production network": [
        "is flexible enough to build vehicles with all drive types on one line",
        "relies on electricity from renewable sources at every site",
        "uses a digital twin to plan new assembly halls before construction starts",
    ],
    "The development team": [
        "worked closely with colleagues from production and purchasing from the very beginning",
        "drew on the experience gained in motorsport",
        "tested prototypes for more than a million kilometres in extreme climates",
    ],
    "The design language": [
        "interprets classic brand features in a modern way",
        "is characterised by clear surfaces and precise lines",
        "gives the vehicle a confident presence on the road",
    ],
    "The supply chain": [
        "is increasingly based on secondary materials and low-carbon steel",
        "was made more resilient with additional regional suppliers",
    ],
}
_FILLER_SUBJECTS = list(_FILLER)
_SUBHEADS = [
    "Efficient drive system",
    "Design and interior",
    "Digital experience",
    "Sustainability along the value chain",
    "Market launch and prices",
    "A strong team",
    "Outlook",
    "Production network",
    "Highlights at a glance",
]


_FILLER_TEMPLATES = [
    "The sprint from 0 to 100 km/h takes {acc} seconds, and top speed is limited to {vmax} km/h.",
    "At a fast-charging station, the battery can be charged from 10 to 80 percent in {charge} minutes.",
    "Around {share} percent of the materials used in the interior come from recycled sources.",
    "The new generation of the operating system receives over-the-air updates throughout the vehicle's life.",
    "More than {n_sup} suppliers from {n_cty} countries are involved in the project.",
    "Customers can choose from {n_col} exterior colours and {n_rim} wheel designs.",
    "The luggage compartment holds up to {boot} litres with the rear seats folded down.",
    "Production uses electricity from renewable sources, which cuts CO2 emissions at the plant by {share} percent.",
    "The driver assistance package now includes a motorway assistant that works at speeds of up to {assist} km/h.",
    "Dealers in {n_cty} markets will start taking orders in the coming weeks.",
]


def _filler(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        if rng.random() < 0.45:
            out.append(
                rng.choice(_FILLER_TEMPLATES).format(
                    acc=f"{rng.uniform(2.9, 9.5):.1f}",
                    vmax=rng.choice([180, 200, 210, 250, 280, 305]),
                    charge=rng.randint(18, 38),
                    share=rng.randint(15, 80),
                    n_sup=rng.randint(40, 400),
                    n_cty=rng.randint(8, 60),
                    n_col=rng.randint(6, 18),
                    n_rim=rng.randint(4, 12),
                    boot=rng.randrange(380, 1900, 5),
                    assist=rng.choice([60, 85, 130]),
                )
            )
        else:
            subject = rng.choice(_FILLER_SUBJECTS)
            out.append(f"{subject} {rng.choice(_FILLER[subject])}.")
    return " ".join(out)


def _quote(rng: random.Random, f: dict[str, Any], lang: str) -> str:
    if lang == "de":
        q = rng.choice(
            [
                "Wir sind stolz auf das, was unser Team erreicht hat.",
                "Dieser Schritt zeigt, wie konsequent wir unsere Strategie umsetzen.",
                "Unsere Kundinnen und Kunden dürfen sich auf viel Fahrfreude freuen.",
            ]
        )
        return f"„{q[:-1]}“, sagt {f['person']}, {f['role_de']}."
    q = rng.choice(
        [
            "We are proud of what our team has achieved.",
            "This step shows how consistently we are implementing our strategy.",
            "Our customers can look forward to an exceptional driving experience.",
            "The results speak for themselves – and we are only getting started.",
        ]
    )
    if rng.random() < 0.5:
        return f"“{q[:-1]},” said {f['person']}, {f['role']}."
    who = rng.choice(["Everyone involved", "The whole team", "Our partners"])
    # The PressClub's own comment form ('Max Hesse (Mentor BMW M Racing Academy): "..."', see
    # ../shared/reference/pressclub) for a share of these quotes, chosen by a stream of its own so
    # that every other word and fact of the replica stays as it was.
    if random.Random(f"comment-form:{f['person']}:{f['role']}:{q}").random() < 0.5:
        return f'{f["person"]} ({f["role"]}): "{q} {who} can be proud of it."'
    return f'"{q} {who} can be proud of it," says {f["person"]}, {f["role"]}.'


def body_paragraphs(rng: random.Random, f: dict[str, Any], lang: str, dateline: str | None) -> list[str]:
    """The ground-truth body: dateline + paragraphs that state every fact of ``f`` (in English
    the kind's template, then prose without facts).

    A paragraph that is a bullet list holds its items separated by a single newline; a
    subheading is a short paragraph without a final full stop.
    """
    if lang == "de":
        return _body_de(rng, f, dateline)
    paras = _fact_paragraphs_en(rng, f)
    if dateline:
        paras[0] = f"{dateline}. {paras[0]}"
    return paras + _extra_prose_en(rng, f["event"])


def _fact_paragraphs_en(rng: random.Random, f: dict[str, Any]) -> list[str]:
    """The paragraphs that state the facts: one template per kind of release, side by side."""
    k, m, p, ev = f["kind"], f["model"], f["person"], f["event"]
    price, kw = fmt_price(f["price_eur"], "en"), f"{f['power_kw']} kW"
    hp = round(f["power_kw"] * 1.35962)
    paras: list[str] = []
    lead: str
    if k == "launch":
        lead = (
            f"The new {m}* celebrates its world premiere at the {ev}. With an output of {kw} ({hp} hp) "
            f"and a price starting at {price}, it is set to open a new chapter for the brand."
        )
        paras.append(lead)
        paras.append(
            f"The model is built at {f['plant']}, where production started in preparation for the market launch on "
            f"{fmt_day(f['event_date'], 'en')}. " + _filler(rng, 2)
        )
        if "range_km" in f:
            paras.append(
                f"Depending on the equipment, the {m} achieves a range of up to {f['range_km']} km (WLTP). "
                + _filler(rng, 1)
            )
        paras.append(_quote(rng, f, "en"))
    elif k == "production":
        lead = (
            f"The BMW Group is investing €{fmt_int_en(f['investment_eur_million'])} million in {f['plant']}. From "
            f"{fmt_day(f['event_date'], 'en')}, the plant will build the {m}, which delivers {kw} ({hp} hp)."
        )
        paras.append(lead)
        paras.append(f"Around {fmt_int_en(f['employees'])} employees work at the site. " + _filler(rng, 2))
        paras.append(_quote(rng, f, "en"))
        paras.append(f"In the home market, the {m} will be offered at a price of {price}. " + _filler(rng, 1))
    elif k == "people":
        lead = (
            f"The Board of Management of BMW AG has appointed {p} as {f['role']}, effective "
            f"{fmt_day(f['event_date'], 'en')}. {p.split()[0]} most recently presented the {m} at the {ev}."
        )
        paras.append(lead)
        paras.append(f"In the new role, {p} will also be responsible for {f['plant']}. " + _filler(rng, 1))
        paras.append(
            f"The {m}, with {kw} ({hp} hp) and a price of {price}, is one of the projects {p.split()[0]} led. "
            + _filler(rng, 1)
        )
        paras.append(_quote(rng, f, "en"))
    elif k == "motorsport":
        lead = (
            f"{f['driver']} finished {f['position']} at the {ev} at the wheel of the {m}. The car, prepared at "
            f"{f['plant']}, delivers {kw} ({hp} hp) in race trim."
        )
        paras.append(lead)
        paras.append(f"The next round is scheduled for {fmt_day(f['event_date'], 'en')}. " + _filler(rng, 1))
        paras.append(_quote(rng, f, "en"))
        paras.append(f"Customer teams can order the {m} at a price of {price} plus VAT. " + _filler(rng, 1))
    else:  # corporate
        lead = (
            f"The BMW Group delivered {fmt_int_en(f['deliveries'])} vehicles to customers in the reporting period, "
            f"an increase of {f['growth_pct']}. The figures were presented at the {ev}."
        )
        paras.append(lead)
        paras.append(
            f"The {m}, with {kw} ({hp} hp) and a price of {price}, was among the strongest models. "
            f"Production at {f['plant']} was increased accordingly. " + _filler(rng, 1)
        )
        paras.append(_quote(rng, f, "en"))
        paras.append(f"The next update is planned for {fmt_day(f['event_date'], 'en')}. " + _filler(rng, 1))
    return paras


def _extra_prose_en(rng: random.Random, ev: str) -> list[str]:
    """Prose without facts after them: subheadings, a list, more paragraphs (length varies a
    lot, like the real site)."""
    paras: list[str] = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.4:
            paras.append(rng.choice(_SUBHEADS))
        paras.append(f"{rng.choice(_OPENERS)}. " + _filler(rng, rng.randint(2, 5)))
    if rng.random() < 0.35:
        paras.append("Highlights at a glance:")
        items = rng.sample(_FILLER_SUBJECTS, 3)
        paras.append("\n".join(f"{it} {rng.choice(_FILLER[it])}." for it in items))
    if rng.random() < 0.5:
        paras.append(f"Further information is available at www.press.bmwgroup.com and at the {ev}.")
    return paras


_FILLER_DE = [
    "Das Interieur wurde vollständig neu gestaltet.",
    "Die digitale Bedienung setzt neue Maßstäbe im Segment.",
    "Das Fahrwerk verbindet Effizienz mit sportlichem Charakter.",
    "Die Ladetechnologie ermöglicht kurze Stopps auf langen Strecken.",
    "Das Produktionsnetzwerk ist flexibel auf alle Antriebsarten ausgelegt.",
    "Erfahrungen aus dem Motorsport flossen direkt in die Entwicklung ein.",
    "Kundinnen und Kunden profitieren von mehr Platz und Komfort.",
    "Umfangreiche Tests unter extremen Bedingungen sichern die Qualität.",
    "Der Anteil an Sekundärmaterialien steigt weiter.",
]


def _body_de(rng: random.Random, f: dict[str, Any], dateline: str | None) -> list[str]:
    m, p, ev = f["model"], f["person"], f["event"]
    price, kw = fmt_price(f["price_eur"], "de"), f"{f['power_kw']} kW"
    plant = PLANT_DE[f["plant"]]
    paras = [
        f"Der neue {m}* wird auf der {ev} vorgestellt. Mit einer Leistung von {kw} und einem Preis ab {price} "
        f"setzt er neue Maßstäbe in seinem Segment.",
        f"Gebaut wird das Modell im {plant}. Der Marktstart ist für den {fmt_day(f['event_date'], 'de')} geplant. "
        "Die Entwicklung erfolgte in enger Zusammenarbeit mit Partnern aus ganz Europa.",
        _quote(rng, f, "de"),
    ]
    if f["kind"] == "people":
        paras.insert(
            0, f"Der Vorstand der BMW AG hat {p} zum {fmt_day(f['event_date'], 'de')} als {f['role_de']} berufen."
        )
    if f["kind"] == "motorsport":
        paras.insert(0, f"{f['driver']} belegte beim {ev} mit dem {m} Rang {_rank_de(f['position'])}.")
    if f["kind"] == "corporate":
        paras.insert(0, f"Die BMW Group hat im Berichtszeitraum {fmt_int_de(f['deliveries'])} Fahrzeuge ausgeliefert.")
    if f["kind"] == "production":
        paras.insert(
            0,
            f"Die BMW Group investiert {f['investment_eur_million']} Millionen Euro in das {plant}. "
            f"Rund {fmt_int_de(f['employees'])} Mitarbeiterinnen und Mitarbeiter arbeiten am Standort.",
        )
    if "range_km" in f:
        paras.append(
            f"Die Reichweite beträgt bis zu {f['range_km']} km (WLTP). Der Verbrauch liegt bei {f['consumption']}."
        )
    paras.append(
        "Über die Qualität der Fahrzeuge entscheidet die gesamte Wertschöpfungskette. "
        "Nachhaltigkeit spielt dabei eine zentrale Rolle, von der Lieferkette bis zur Wiederverwertung."
    )
    for _ in range(rng.randint(2, 5)):
        paras.append(rng.choice(_FILLER_DE) + " " + rng.choice(_FILLER_DE) + " " + rng.choice(_FILLER_DE))
    if dateline:
        paras[0] = f"{DATELINE_DE.get(dateline, dateline)}. {paras[0]}"
    return paras


# --------------------------------------------------------------------------- QA
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


# --------------------------------------------------------------------------- boilerplate

CONTACT_INTRO = {"en": "If you have any questions, please contact:", "de": "Bitte wenden Sie sich bei Rückfragen an:"}


def contact_people(rng: random.Random) -> list[dict[str, str]]:
    """One or two press contacts (fictional names, fictional numbers in the +49 89 382 range)."""
    out = []
    for _ in range(rng.randint(1, 2)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email_local = f"{first}.{last}".lower()
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("é", "e"), ("ř", "r"), ("Ö", "oe")):
            email_local = email_local.replace(a, b)
        out.append(
            {
                "name": f"{first} {last}",
                "role": rng.choice(
                    ["Press Officer", "Spokesperson", "Head of Product Communications", "Press Officer Motorsport"]
                ),
                "phone": f"+49-89-382-{rng.randint(10000, 99999)}",
                "email": f"{email_local}@bmwgroup.example",
            }
        )
    return out


def contact_lines(people: list[dict[str, str]], lang: str) -> list[str]:
    lines = [CONTACT_INTRO[lang]]
    for c in people:
        tel = "Tel." if lang == "de" else "Telephone"
        lines.append(f"{c['name']}, {c['role']}\n{tel}: {c['phone']}\nE-mail: {c['email']}")
    lines.append("Internet: www.press.bmwgroup.com")
    return lines


# Our own wording, shaped like the portal's yearly company paragraph (see PRESSCLUB.md §1.5).
BOILERPLATE = {
    "en": [
        "The BMW Group",
        "With its four brands BMW, MINI, Rolls-Royce and BMW Motorrad, the BMW Group is one of the world's "
        "leading makers of premium cars and motorcycles and also offers premium financial and mobility "
        "services. Its production network spans more than 30 sites worldwide and its sales network "
        "reaches over 140 countries. In the last financial year the company sold roughly 2.5 million cars "
        "and more than 200,000 motorcycles. Sustainable action has long been part of its strategy: the "
        "company takes responsibility for its products across the supply chain, the production and the "
        "whole of their useful life.",
    ],
    "de": [
        "Die BMW Group",
        "Die BMW Group ist mit ihren vier Marken BMW, MINI, Rolls-Royce und BMW Motorrad einer der weltweit "
        "führenden Anbieter von Premium-Automobilen und -Motorrädern und bietet Premium-Finanz- und "
        "Mobilitätsdienstleistungen an. Das Produktionsnetzwerk umfasst über 30 Standorte weltweit. "
        "Nachhaltigkeit ist fester Bestandteil der Strategie – von der Lieferkette über die Produktion bis "
        "zum Ende der Nutzungsphase aller Produkte.",
    ],
}

DISCLAIMER = {
    "en": "The information on fuel consumption, electric power consumption, CO2 emissions and electric range "
    "was determined according to the WLTP test procedure. Further details are available at www.bmw.de/wltp.",
    "de": "Die Angaben zu Kraftstoffverbrauch, Stromverbrauch, CO2-Emissionen und elektrischer Reichweite wurden "
    "nach dem WLTP-Messverfahren ermittelt. Weitere Informationen sind unentgeltlich erhältlich unter www.bmw.de/wltp.",
}


def co2_summary(rng: random.Random, f: dict[str, Any], lang: str) -> str | None:
    if f.get("drive") in (None, "race") or "consumption" not in f:
        return None
    co2 = 0 if f["drive"] == "bev" else rng.randint(18, 260)
    if lang == "de":
        kind = "Energieverbrauch" if f["drive"] == "bev" else "Kraftstoffverbrauch"
        return f"{f['model']}: {kind} kombiniert: {f['consumption']} (WLTP); CO₂-Emissionen kombiniert: {co2} g/km"
    kind = "energy consumption" if f["drive"] == "bev" else "fuel consumption"
    co2_class = "A" if co2 == 0 else rng.choice("BCDEFG")
    return (
        f"{f['model']}: WLTP {kind} combined: {f['consumption']}; CO2 emissions combined: {co2} g/km; "
        f"CO2 class: {co2_class}"
    )


# --------------------------------------------------------------------------- hard cases
# Shapes seen on real releases (PRESSCLUB.md §1.9), in our own words and with invented people
# and numbers: +49-89-382 / +49-151-6xx numbers, UK 07700 900xxx and US 555-01xx (ranges set
# aside for fiction), e-mail domains under .example.

CONTACT_OPENERS = {
    "en": [
        "If you have any questions, please contact:",
        "In case of queries, please contact:",
        "In the event of enquiries please contact:",
        "For media inquiries, please contact:",
        "For further information, please contact:",
        "Media contact.",
        "Corporate Communications",
    ],
    "de": [
        "Bitte wenden Sie sich bei Rückfragen an:",
        "Bei Rückfragen wenden Sie sich bitte an:",
        "Für Rückfragen stehen Ihnen zur Verfügung:",
        "Pressekontakt.",
    ],
}
JOB_TITLES = {
    "en": [
        "Press Spokesperson MINI",
        "Head of Communications BMW M",
        "Spokesperson Product Communications",
        "Press Officer BMW Motorrad",
        "Head of Corporate Communications",
        "Manager Technology Communications",
    ],
    "de": ["Pressesprecherin MINI", "Leiter Kommunikation BMW M", "Sprecher Produktkommunikation", "Pressereferent"],
}
_MAIL_DOMAINS = ["bmwgroup.example", "mini.example", "bmw.example"]


def _ascii_local(first: str, last: str) -> str:
    local = f"{first}.{last}".lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("é", "e"), ("ř", "r")):
        local = local.replace(a, b)
    return local


def contact_block(rng: random.Random, lang: str, region: str = "") -> list[str]:
    """A press-contact block in one of several wordings and layouts (paragraphs; a person's
    fields one a line, all on one line, or one a paragraph); ``region`` "gb"/"us" for UK/US."""
    out = [rng.choice(CONTACT_OPENERS[lang])]
    layout = rng.choice(["lines", "one_line", "paragraphs"])
    for _ in range(rng.randint(1, 3)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if region == "gb":
            phone, mobile = f"+44 (0) 1252 9{rng.randint(10000, 99999)}", f"+44 (0) 7700 900{rng.randint(100, 999)}"
        elif region == "us":
            phone, mobile = f"+1 201 555 01{rng.randint(10, 99)}", f"+1 (201) 555-01{rng.randint(10, 99)}"
        else:
            phone = rng.choice(["+49-89-382-{}", "+49 89 382 {}", "+49 (0)89 382-{}"]).format(rng.randint(10000, 99999))
            mobile = rng.choice(["+49-151-601-{}", "+49 160 {}"]).format(rng.randint(10000, 99999))
        phone_label = rng.choice(["Phone:", "Telephone:", "Tel.:"] if lang == "en" else ["Telefon:", "Tel.:"])
        fields = [f"{first} {last}", rng.choice(JOB_TITLES[lang]), f"{phone_label} {phone}"]
        if rng.random() < 0.5:
            fields.append(f"{'Mobile' if lang == 'en' else 'Mobil'}: {mobile}")
        mail_label = rng.choice(["E-mail:", "Email:", "E-Mail:"])
        fields.append(f"{mail_label} {_ascii_local(first, last)}@{rng.choice(_MAIL_DOMAINS)}")
        if layout == "lines":
            out.append("\n".join(fields))
        elif layout == "one_line":
            out.append(", ".join(fields))
        else:
            out += fields
    if rng.random() < 0.5:
        out.append("Media website: www.press.bmwgroup.com")
    if rng.random() < 0.4:
        out.append(
            rng.choice(
                [
                    "You will find press material on BMW Motorrad in the BMW Group PressClub at "
                    "www.press.bmwgroup.com.",
                    "Press material on this release can be found in the BMW Group PressClub at www.press.bmwgroup.com.",
                ]
                if lang == "en"
                else [
                    "Pressematerial zu dieser Meldung finden Sie im BMW Group PressClub unter www.press.bmwgroup.com."
                ]
            )
        )
    if rng.random() < 0.4:
        out += rng.sample(
            [
                "LinkedIn: https://www.linkedin.com/company/bmw-group/",
                "YouTube: https://www.youtube.com/bmwgroup",
                "Instagram: https://www.instagram.com/bmwgroup",
                "X: https://x.com/bmwgroup",
            ],
            2,
        )
    return out


def uk_trailer(rng: random.Random) -> list[str]:
    """ "Ends", then the "About ..." paragraph of a UK release (our wording)."""
    brand = rng.choice(["BMW Group UK", "MINI UK", "BMW UK"])
    return [
        rng.choice(["Ends", "ENDS", "- Ends -"]),
        f"About {brand}",
        f"{brand} is part of the worldwide BMW Group and sells BMW, MINI and BMW Motorrad products through a network "
        f"of more than {rng.randint(120, 190)} retailers across the country. The company employs around "
        f"{rng.randint(3, 6)},{rng.randint(100, 999)} people in sales, production, financial services and its "
        "sustainability programmes.",
    ]


def company_lookalike(rng: random.Random, f: dict[str, Any], lang: str) -> str:
    """News that starts like the company paragraph ("In 2025, the BMW Group sold ...")."""
    year = int(f["date"][:4]) - rng.choice([0, 1])
    n = rng.randrange(120_000, 480_000, 7)
    pct = decimal_comma(rng.uniform(2.0, 19.0))
    if lang == "de":
        return (
            f"Im Jahr {year} verkaufte die BMW Group {fmt_int_de(n)} vollelektrische Fahrzeuge, {pct} Prozent mehr "
            f"als im Vorjahr. Der {f['model']} trug dazu wesentlich bei."
        )
    pct = pct.replace(",", ".")
    return rng.choice(
        [
            f"In {year}, the BMW Group sold {fmt_int_en(n)} fully electric vehicles, {pct} percent more than in the "
            f"previous year. The {f['model']} was one of the main contributors.",
            f"In {year} the BMW Group sold more than {fmt_int_en(n)} vehicles in Europe alone, and demand for the "
            f"{f['model']} remained strong throughout the year.",
            f"In {year}, the BMW Group sold {fmt_int_en(n)} premium vehicles in more than {rng.randint(60, 140)} "
            f"countries, {pct} percent more than a year earlier.",
        ]
    )


def cell_table(rng: random.Random, f: dict[str, Any], lang: str) -> list[str]:
    """A table as the real page body prints it: one paragraph a cell (quarterly figures,
    technical data or a driver line-up with dates of birth)."""
    kind = rng.choice(["quarters", "specs", "drivers"])
    if kind == "quarters":
        cells = ["in thousand units" if lang == "en" else "in Tausend Einheiten", "Q1", "Q2", "Change in %"]
        for brand in ("BMW", "MINI", "Rolls-Royce"):
            a, b = rng.randint(1, 999), rng.randint(1, 999)
            cells += [brand, str(a), str(b), f"{(b - a) / a * 100:+.1f}"]
        return cells
    if kind == "specs":
        cells = ["Model" if lang == "en" else "Modell", f["model"], "Power" if lang == "en" else "Leistung"]
        cells += [f"{f['power_kw']} kW", "Length", f"{rng.randint(4000, 5300)} mm", "Unladen weight"]
        return cells + [f"{rng.randint(1400, 2700)} kg"]
    cells = ["Driver" if lang == "en" else "Fahrer", "Born" if lang == "en" else "Geboren", "Car"]
    for _ in range(rng.randint(2, 4)):
        cells += [
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1975, 2005)}",
            f"#{rng.randint(1, 99)}",
        ]
    return cells


def inline_figures(rng: random.Random, f: dict[str, Any], lang: str) -> str:
    """Consumption/emission figures in parentheses, as printed inside a prose sentence."""
    cons = f["consumption"]
    if lang == "en":
        cons = cons.replace(",", ".")
    co2 = 0 if f["drive"] == "bev" else rng.randint(18, 260)
    if lang == "de":
        return f" (Energieverbrauch kombiniert: {cons}; CO2-Emissionen kombiniert: {co2} g/km)"
    return rng.choice(
        [
            f" (WLTP combined: energy consumption {cons}; CO2 emissions {co2} g/km; CO2 class: A)",
            f" (fuel consumption combined: {cons}; CO2 emissions combined: {co2} g/km)",
            f" [WLTP: {cons}, {co2} g/km CO2]",
        ]
    )


def figure_sentence(rng: random.Random, f: dict[str, Any], lang: str) -> str:
    """A stand-alone figure sentence printed after a prose sentence in one paragraph."""
    cons = f["consumption"]
    if lang == "de":
        return f"Energieverbrauch kombiniert: {cons}; CO2-Emissionen kombiniert: 0 g/km."
    return f"Energy consumption combined: {cons}; CO2 emissions combined: {rng.randint(0, 5)} g/km."


def figures_in_sentence(rng: random.Random, sentence: str, mention: str, f: dict[str, Any], lang: str) -> str:
    """A news sentence that carries the consumption/emission figures too, as real releases print
    them: after the news behind a semicolon, between dashes after the model, or as a group with
    "(WLTP)" nested in it after the model. ``mention`` is how ``sentence`` names the model
    ("BMW iX3 50 xDrive*"); a sentence that does not end in "." gets the figures after it."""
    model = f["model"]
    cons = f["consumption"] if lang == "de" else f["consumption"].replace(",", ".")
    co2 = 0 if f["drive"] == "bev" else rng.randint(18, 260)
    if lang == "de":
        figures = f"Energieverbrauch kombiniert: {cons}; CO2-Emissionen kombiniert: {co2} g/km"
    else:
        figures = f"energy consumption combined: {cons}; CO2 emissions combined: {co2} g/km"
    form = rng.choice(["after", "dashes", "nested"])
    if mention not in sentence or not sentence.endswith("."):
        return f"{sentence} {figures[:1].upper()}{figures[1:]}."
    if form == "after":
        return f"{sentence[:-1]}; {figures}."
    if form == "dashes" and f"{mention} " in sentence:  # (not before a comma: "... xDrive –, which")
        return sentence.replace(f"{mention} ", f"{mention} – {figures} – ", 1)
    nested = (
        f" ({model}: Energieverbrauch kombiniert: {cons} (WLTP); CO2-Emissionen kombiniert: {co2} g/km (WLTP))"
        if lang == "de"
        else f" ({model}: energy consumption, combined: {cons} (WLTP); CO2 emissions, combined: {co2} g/km (WLTP))"
    )
    return sentence.replace(mention, mention + nested, 1)


def lead_teaser(rng: random.Random, lead: str) -> str:
    """The page teaser as the portal makes it from the lead (its dateline left out): the lead's
    opening, cut at a word mid-sentence and marked " ..."."""
    words = lead.split(" ")
    n = max(3, round(len(words) * rng.uniform(0.45, 0.8)))
    while n > 3 and words[n - 1].endswith((".", "!", "?", ":", ",", ";")):
        n -= 1  # a cut right after a sentence or clause would not read as cut
    return " ".join(words[:n]) + " ..."


_REGIONAL_EXTRA = {
    "gb": [
        "UK customers can order the {model} from {day} through BMW Retailers across the country.",
        "The first cars will be delivered to customers in the UK in the coming months.",
        "Standard equipment for the UK market includes heated seats and a head-up display.",
    ],
    "us": [
        "The {model} arrives at US dealers in the coming months.",
        "US customers can reserve their vehicle online from {day}.",
        "For the US market, the premium package comes as standard.",
    ],
}


def regional_edit(rng: random.Random, paras: list[str], f: dict[str, Any], region: str, old_dateline: str | None):
    """The body of a regional republication: other dateline, local prices and units, some
    paragraphs dropped or reworded, local paragraphs added (shingle Jaccard ~0.4-0.7)."""
    import re

    day = fmt_day(f["event_date"], "en")
    if region == "us":
        y, m, d = (int(x) for x in f["date"].split("-"))
        dateline = f"Woodcliff Lake, NJ – {MONTHS[m - 1]} {d}, {y} –"
    else:
        dateline = "Farnborough."
    rate, sign = (0.86, "£") if region == "gb" else (1.08, "$")
    out = []
    for i, p in enumerate(paras):
        if old_dateline and i == 0 and p.startswith(old_dateline + ". "):
            p = p[len(old_dateline) + 2 :]
        if i == 0:
            p = f"{dateline} {p}"
        p = re.sub(
            r"€(\d[\d,]*)", lambda m: f"{sign}{fmt_int_en(int(round(int(m[1].replace(',', '')) * rate, -1)))}", p
        )
        p = re.sub(r"\b(\d+) km\b(?! ?/)", lambda m: f"{round(int(m[1]) * 0.621)} miles", p)
        if i >= 2 and rng.random() < 0.3:
            continue  # paragraph left out of the regional version
        if i >= 1 and rng.random() < 0.4:
            p = " ".join(s for j, s in enumerate(re.split(r"(?<=\.) ", p)) if j == 0 or rng.random() < 0.7)
        out.append(p)
    extras = rng.sample(_REGIONAL_EXTRA[region], 2)
    out.insert(min(2, len(out)), extras[0].format(model=f["model"], day=day))
    out.append(extras[1].format(model=f["model"], day=day))
    return out
