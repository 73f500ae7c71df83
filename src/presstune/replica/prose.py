"""Press-release prose, English and German, written by our own templates (never copied from the
real portal): titles and subtitles, the English body (facts, quotes, filler) and the German
twin's body.

Everything here is a pure function of a :class:`random.Random` and a fact sheet, so the site
generator can rebuild any article's text on demand from ``(seed, article id)``; the facts are
stated in the form the fact sheets' answers use (:mod:`presstune.replica.facts`)."""

from __future__ import annotations

import random
from typing import Any

from presstune.replica.vocabulary import DATELINE_DE, PLANT_DE, fmt_day, fmt_int_de, fmt_int_en, fmt_price

# -- titles ---------------------------------------------------------------------------------


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


# -- body (English) -------------------------------------------------------------------------

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


def filler(rng: random.Random, n: int) -> str:
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
            f"{fmt_day(f['event_date'], 'en')}. " + filler(rng, 2)
        )
        if "range_km" in f:
            paras.append(
                f"Depending on the equipment, the {m} achieves a range of up to {f['range_km']} km (WLTP). "
                + filler(rng, 1)
            )
        paras.append(_quote(rng, f, "en"))
    elif k == "production":
        lead = (
            f"The BMW Group is investing €{fmt_int_en(f['investment_eur_million'])} million in {f['plant']}. From "
            f"{fmt_day(f['event_date'], 'en')}, the plant will build the {m}, which delivers {kw} ({hp} hp)."
        )
        paras.append(lead)
        paras.append(f"Around {fmt_int_en(f['employees'])} employees work at the site. " + filler(rng, 2))
        paras.append(_quote(rng, f, "en"))
        paras.append(f"In the home market, the {m} will be offered at a price of {price}. " + filler(rng, 1))
    elif k == "people":
        lead = (
            f"The Board of Management of BMW AG has appointed {p} as {f['role']}, effective "
            f"{fmt_day(f['event_date'], 'en')}. {p.split()[0]} most recently presented the {m} at the {ev}."
        )
        paras.append(lead)
        paras.append(f"In the new role, {p} will also be responsible for {f['plant']}. " + filler(rng, 1))
        paras.append(
            f"The {m}, with {kw} ({hp} hp) and a price of {price}, is one of the projects {p.split()[0]} led. "
            + filler(rng, 1)
        )
        paras.append(_quote(rng, f, "en"))
    elif k == "motorsport":
        lead = (
            f"{f['driver']} finished {f['position']} at the {ev} at the wheel of the {m}. The car, prepared at "
            f"{f['plant']}, delivers {kw} ({hp} hp) in race trim."
        )
        paras.append(lead)
        paras.append(f"The next round is scheduled for {fmt_day(f['event_date'], 'en')}. " + filler(rng, 1))
        paras.append(_quote(rng, f, "en"))
        paras.append(f"Customer teams can order the {m} at a price of {price} plus VAT. " + filler(rng, 1))
    else:  # corporate
        lead = (
            f"The BMW Group delivered {fmt_int_en(f['deliveries'])} vehicles to customers in the reporting period, "
            f"an increase of {f['growth_pct']}. The figures were presented at the {ev}."
        )
        paras.append(lead)
        paras.append(
            f"The {m}, with {kw} ({hp} hp) and a price of {price}, was among the strongest models. "
            f"Production at {f['plant']} was increased accordingly. " + filler(rng, 1)
        )
        paras.append(_quote(rng, f, "en"))
        paras.append(f"The next update is planned for {fmt_day(f['event_date'], 'en')}. " + filler(rng, 1))
    return paras


def _extra_prose_en(rng: random.Random, ev: str) -> list[str]:
    """Prose without facts after them: subheadings, a list, more paragraphs (length varies a
    lot, like the real site)."""
    paras: list[str] = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.4:
            paras.append(rng.choice(_SUBHEADS))
        paras.append(f"{rng.choice(_OPENERS)}. " + filler(rng, rng.randint(2, 5)))
    if rng.random() < 0.35:
        paras.append("Highlights at a glance:")
        items = rng.sample(_FILLER_SUBJECTS, 3)
        paras.append("\n".join(f"{it} {rng.choice(_FILLER[it])}." for it in items))
    if rng.random() < 0.5:
        paras.append(f"Further information is available at www.press.bmwgroup.com and at the {ev}.")
    return paras


# -- body (German) --------------------------------------------------------------------------

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
