"""The BMW Group PressClub (the default profile), as its pages are described in PRESSCLUB.md."""

from __future__ import annotations

from presstune.portal.profile import Boilerplate, Brands, PortalProfile, Prompts, UrlScheme

PRESSCLUB = PortalProfile(
    name="pressclub",
    url=UrlScheme(
        base_url="https://www.press.bmwgroup.com/global",
        # "T0454343EN", "T0448891EN_US": a regional variant is a republication under its own id
        article_id=r"T\d{5,10}([A-Z]{2}(?:_[A-Z]{2})?)",
        # new style /article/detail/<TID>/<slug> (slugs may hold "/"); legacy pressDetail.html?id=<TID>
        detail_path=r"/article/detail/([^/?#]+)",
    ),
    brands=Brands(
        company="the BMW Group",
        makes=["BMW", "MINI", "Rolls-Royce"],
        model_words=[
            "Cooper",
            "Aceman",
            "Countryman",
            "Clubman",
            "John",
            "Spectre",
            "Cullinan",
            "Phantom",
            "Ghost",
            "Wraith",
            "Dawn",
            "Paceman",
        ],
        brand_words=["BMW", "MINI", "Rolls-Royce", "BMW Group", "BMW AG", "BMW Motorrad", "Group", "BMW M", "M"],
        own_plant_prefix="BMW",
        plant_owner="BMW Group",
    ),
    prompts=Prompts(
        instruct={
            "en": 'Write the BMW Group press release titled "{title}"{date}.',
            "de": "Schreibe die Pressemitteilung der BMW Group mit dem Titel „{title}“{date}.",
        }
    ),
    boilerplate=Boilerplate(
        header_lines=[
            r"bmw\s+(?:group\s+)?corporate\s+communications\.?",
            r"(?:company|firma|unternehmen)\s+bayerische\s+motoren\s+werke.*",
            r"bayerische\s+motoren\s+werke\s+aktiengesellschaft\.?",
            r"(?-i:P90)\d{6}\b.*",  # the PressClub's release number
        ],
        contact_openers=[r"bmw\s+(?:group\s+)?corporate\s+communications\.?$"],
        contact_fields=["pressclub"],
        # "You will find press material on ... in the BMW Group PressClub at www..." (and German)
        portal_pointers=[
            r"\b(?:find|found|available|download(?:ed)?)\b.{0,120}\bpress\s*club\b.{0,40}"
            r"(?:\bat\b|\bunder\b|:)\s*(?:https?://)?www\.",
            r"\bpress\s*club\b.{0,40}(?:\bat\b|\bunder\b|:)\s*(?:https?://)?www\.\S+\s+(?:you\s+will\s+find|offers)\b",
            r"\bpressematerial\b.{0,120}\bpressclub\b.{0,40}\b(?:unter|auf)\b\s*(?:https?://)?www\.",
        ],
        trailer_names=["bmw", "mini", "rolls-royce"],
        company_headings=[r"(?:the\s+|die\s+)?bmw\s+group\.?", r"(?:über\s+die|about\s+the)\s+bmw\s+group\.?"],
        company_openers=[
            r"with its four brands\b",
            r"(?:the\s+)?bmw\s+group\s+is\s+the\s+world'?s\s+leading\s+premium\s+manufacturer",
            r"the\s+success\s+of\s+the\s+bmw\s+group\s+has\s+always\s+been\s+built\b",
            r"die\s+bmw\s+group\s+ist\s+mit\s+ihren\b",
            r"mit\s+ihren\s+vier\s+marken\b",
            r"der\s+erfolg\s+der\s+bmw\s+group\s+basiert\b",
        ],
        company_openers_shared=[
            r"in\s+20\d\d,?\s+the\s+bmw\s+group\s+sold\b",
            r"im\s+jahr\s+20\d\d\s+(?:erwirtschaftete|verkaufte)\s+die\s+bmw\s+group\b",
        ],
        company_topics=[
            r"\bfour\s+brands\b|\bvier\s+marken\b",
            r"\bpremium\b",
            r"\bmotorcycles\b|\bmotorrädern?\b",
            r"\bproduction\s+(?:network|sites|facilities|locations)\b|\bproduktionsnetzwerk|\bproduktionsstandorte?\b",
            r"\bcountries\b|\bländern?\b",
            r"\bsustainab|\bnachhaltig",
            r"\bfinancial\s+(?:and\s+mobility\s+)?services\b|\bfinanz",
            r"\bprofit\s+before\s+tax\b|\bergebnis\s+vor\s+steuern\b|\brevenues?\b|\bumsatz\b",
            r"\bworkforce\b|\bemployees\b|\bmitarbeiter",
        ],
        disclaimers=[r"www\.bmw\.de/wltp"],
        finance_headings=[r"the\s+bmw\s+group\s+on\s+the\s+internet", r"die\s+bmw\s+group\s+im\s+internet"],
        glued_openings=[
            r"(?:(?:the|die)\s+bmw\s+group\s+)?(?:with its four brands|die bmw group ist mit ihren vier marken)",
            # a heading glued to the end of a short line above it ("LinkedIn: https://... The BMW Group")
            r"(?<=\s)(?<!about\s)(?<!über\s)(?:the|die)\s+bmw\s+group$",
        ],
        text_ends=[r"BMW Group Corporate Communications", r"About the BMW Group", r"The BMW Group$"],
        company_profile=[
            r"(?-i:^With its four brands)",
            r"(?-i:has always been based on long-term thinking)",
            r"(?-i:^In \d{4}, the BMW Group sold)",
            r"(?-i:^The BMW Group(?:’s|'s)? .{0,80}(?:world’s leading|world's leading) premium manufacturer)",
            r"(?-i:^The BMW Group(?:’s|'s)? Cultural Engagement)",
        ],
    ),
)
