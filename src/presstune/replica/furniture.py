"""Page furniture around a release: contact people and their lines, the company boilerplate,
the consumption disclaimer and the CO2 summary line, in English and German."""

from __future__ import annotations

import random
from typing import Any

from presstune.replica.vocabulary import FIRST, LAST

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
