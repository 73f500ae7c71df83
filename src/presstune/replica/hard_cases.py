"""Hard cases for the cleaner: the shapes real releases take around and inside the news
(contact blocks of many forms, UK trailers, company-paragraph look-alikes, figure tables and
inline consumption figures, teaser leads, regional edits), in our own words."""

from __future__ import annotations

import random
from typing import Any

from presstune.replica.vocabulary import FIRST, LAST, MONTHS, decimal_comma, fmt_day, fmt_int_de, fmt_int_en

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
