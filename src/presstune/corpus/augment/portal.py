"""The portal profile as the augmentation's rules use it: brand and model names, the publisher's
name in questions, and where a release's own text ends, compiled once per run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from presstune.portal import PRESSCLUB, PortalProfile, any_of

#: Words that make a model name without a digit whatever the make ("BMW M4 Competition",
#: "MINI John Cooper Works"): body styles and editions. A portal's own model names ("Cooper",
#: "Spectre") come from its profile (``brands.model_words``).
_MODEL_WORDS = (
    "Roadster|Coupé|Coupe|Touring|Gran|Sedan|Saloon|Competition|Sport|Racing|Adventure|Electric|"
    "Works|Black|Badge|Series|Hybrid|Convertible|Cabrio|Tourer|Active|Shadow|Edition|EVO|II|III"
)
#: Where a release's own text ends: the press contact block (the profile adds its company's).
_TEXT_ENDS = (
    r"In case of (?:queries|questions)|If you have any (?:questions|queries)|For (?:further|more) information|"
    r"Press contact|Media contact|Contact:|Media website:|Telephone:|Tel\.?:|E-?mail:|Corporate Communications$"
)
#: Consumption headings that open the figure block appended to car releases (case-sensitive).
_FIGURE_HEADINGS = r"(?-i:^CO2 Emissions & Consumption|^Fuel consumption|^Energy consumption)"


@dataclass(frozen=True)
class PortalNames:
    """What the rules generator takes from the portal profile (:mod:`presstune.portal`)."""

    #: How a sentence names the publisher ("the BMW Group").
    company: str
    own_plant_prefix: str
    plant_owner: str
    #: The brand names alone: never a fact of their own.
    brand_words: frozenset[str]
    #: A model name: a make, then designation tokens -- with a digit ("M4", "iX3", "xDrive45",
    #: "1300", "GT4"), short capitals ("CS", "GS", "RR", "ALL4") or model and body words. A name
    #: needs a digit among its first three tokens or one of the portal's model words first, so
    #: "BMW Group", "BMW M Motorsport", "BMW M Racing Academy", "BMW Junior Team" are not models.
    model: re.Pattern[str]
    #: A name that starts with a make.
    make_first: re.Pattern[str]
    #: The portal's own model words ("Cooper", "Spectre"), matched whole.
    model_word: re.Pattern[str]
    #: A paragraph where the release's own text ends (matched at its start).
    text_end: re.Pattern[str]
    #: A paragraph of the company profile appended to releases: facts of the company.
    company_profile: re.Pattern[str]
    #: "Plant Leipzig", "BMW Group Plant Leipzig": a venue that is a plant.
    plant_name: re.Pattern[str]

    @classmethod
    def of(cls, profile: PortalProfile) -> PortalNames:
        brands, boilerplate = profile.brands, profile.boilerplate
        makes = any_of([re.escape(m) for m in brands.makes])
        own_words = any_of([re.escape(w) for w in brands.model_words])
        words = "|".join([*(re.escape(w) for w in brands.model_words), _MODEL_WORDS])
        token = rf"(?:[A-Za-z]*\d(?:[\w]|\.\d)*|[a-z][A-Z]\w*|[A-Z]{{1,4}}\d?|(?:{words}))(?![\w’'-])"
        return cls(
            company=brands.company,
            own_plant_prefix=brands.own_plant_prefix,
            plant_owner=brands.plant_owner,
            brand_words=frozenset(brands.brand_words),
            model=re.compile(rf"\b(?:{makes})((?:\s{token}){{1,6}})"),
            make_first=re.compile(rf"(?:{makes})\s"),
            model_word=re.compile(own_words),
            text_end=re.compile(rf"^(?:{_TEXT_ENDS}|{any_of(boilerplate.text_ends)})", re.I),
            # the profile's patterns say where they are case-sensitive
            company_profile=re.compile(rf"{_FIGURE_HEADINGS}|{any_of(boilerplate.company_profile)}", re.I),
            plant_name=re.compile(rf"(?:{re.escape(brands.plant_owner)} )?(?:Plant|Werk)\b"),
        )


#: The default profile's names (``portal.profile: pressclub``).
PRESSCLUB_NAMES = PortalNames.of(PRESSCLUB)
