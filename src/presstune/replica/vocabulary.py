"""The replica's word lists (models, plants, datelines, people, roles, events, months, tags)
and how it writes numbers, prices and dates in English and German.

Invented or generic (never copied from the real portal); the prose, fact sheets and page
furniture modules draw from them."""

from __future__ import annotations

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


# -- numbers and dates ----------------------------------------------------------------------


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
