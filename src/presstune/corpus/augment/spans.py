"""Candidate answer spans of one sentence, by regular expressions and small word lists.

Every span is a literal slice of its sentence with a kind that decides how a question asks for it
(:mod:`presstune.corpus.augment.questions`): figures with units and spelled-out numbers ("five
hours"), dates, years and date ranges, times, positions and ordinals, and capitalised names
classed as person, organisation, team, place, venue, event, model or other name by the words they
are made of and the words around them. No parser: the word lists are generic English and
press-release vocabulary (units, organisation and event words, countries), never an article's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_SMALL = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a hundred|"
    "a dozen|dozens of|hundreds of|thousands of"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORDNUM = rf"(?:(?:{_TENS})-(?:one|two|three|four|five|six|seven|eight|nine)|{_SMALL})"
_ORDINAL_WORDS = (
    "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
    "fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|fortieth|fiftieth|hundredth"
)
_QUALIFIER = (
    r"(?:(?:around|about|approximately|approx\.|nearly|almost|over|more than|less than|up to|some|just over|"
    r"just under|well over|at least|a maximum of|roughly|exactly)\s)"
)
_UNITS = (
    r"km/h|mph|kWh|kW|hp|PS|bhp|Nm|km|kilometres|kilometers|miles|metres|meters|m|cm|mm|millimetres|millimeters|"
    r"centimetres|kg|kilograms|tonnes|tons|t|litres|liters|l|inches|inch|GB|TB|MW|GW|GWh|MWh|V|A|ha|hectares|"
    r"square metres|square meters|sq m|m²|m2|seconds|minutes|hours|days|weeks|months|years|laps|points"
)
#: Lower-case words after a number that are no noun of it ("5 and", "3 of the").
_NOT_NOUN = {
    "a",
    "an",
    "and",
    "or",
    "of",
    "the",
    "to",
    "in",
    "on",
    "at",
    "for",
    "by",
    "with",
    "from",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "that",
    "which",
    "who",
    "per",
    "than",
    "into",
    "onto",
    "after",
    "before",
    "since",
    "until",
    "during",
    "over",
    "under",
    "this",
    "these",
    "its",
    "their",
    "his",
    "her",
    "our",
    "it",
    "they",
    "we",
    "he",
    "she",
    "also",
    "each",
    "more",
    "most",
    "all",
    "both",
    "not",
    "only",
    "just",
    "already",
    "still",
    "now",
    "then",
    "there",
    "here",
    "so",
    "up",
    "out",
    "off",
    "down",
    "across",
    "through",
    "between",
    "among",
    "within",
    "without",
    "against",
    "about",
    "around",
    "percent",
    "per cent",
    "times",
}
#: Words that make a capitalised sequence an organisation, a team, an event, a venue or a place.
ORG_WORDS = {
    "AG",
    "GmbH",
    "SE",
    "Ltd",
    "Ltd.",
    "Inc",
    "Inc.",
    "LLC",
    "S.p.A.",
    "SpA",
    "S.A.",
    "Corporation",
    "Corp",
    "Company",
    "Group",
    "Foundation",
    "Society",
    "Association",
    "Institute",
    "University",
    "College",
    "School",
    "Academy",
    "Council",
    "Federation",
    "Agency",
    "Ministry",
    "Bank",
    "Partners",
    "Holding",
    "Holdings",
    "Studio",
    "Studios",
    "Media",
    "Records",
    "Publishing",
    "Verlag",
    "Systems",
    "Technologies",
    "Technology",
    "Solutions",
    "Services",
    "Energy",
    "Labs",
    "Lab",
    "Network",
    "Alliance",
    "Initiative",
    "Trust",
    "Fund",
    "Office",
    "Authority",
    "Commission",
    "Committee",
    "Organisation",
    "Organization",
    "Union",
    "Consortium",
    "Gallery",
    "Magazine",
    "Club",
    "Orchestra",
    "Philharmonic",
    "Opera",
    "Theatre",
    "Theater",
    "Festival",
}
TEAM_WORDS = {"Team", "Racing", "Motorsport", "Motorsports", "Racing Team", "Sport", "Performance", "Works"}
EVENT_WORDS = {
    "Championship",
    "Championships",
    "Cup",
    "Open",
    "Festival",
    "Show",
    "Week",
    "Days",
    "Fair",
    "Prix",
    "Race",
    "Rally",
    "Series",
    "Hours",
    "Test",
    "Conference",
    "Awards",
    "Award",
    "Summit",
    "Exhibition",
    "Biennale",
    "Concours",
    "Concorso",
    "Salon",
    "Tour",
    "Trophy",
    "Games",
    "Olympics",
    "Classic",
    "Challenge",
    "Masters",
    "Tournament",
    "Expo",
    "Forum",
    "Gala",
    "Congress",
    "Convention",
    "Fest",
    "Marathon",
    "Meeting",
    "Rendezvous",
    "Weekend",
    "Final",
    "Finals",
    "Hour",
    "Season",
    "Grand",
    "GP",
    "Night",
    "Party",
    "Premiere",
    "Ceremony",
    "Prize",
    "Competition",
    "Trials",
    "Ride",
    "Run",
    "Parade",
    "Retrospective",
    "Edition",
}
VENUE_WORDS = {
    "Circuit",
    "Ring",
    "Raceway",
    "Speedway",
    "Park",
    "Museum",
    "Hall",
    "Arena",
    "Stadium",
    "Centre",
    "Center",
    "Square",
    "Street",
    "Road",
    "Island",
    "Valley",
    "Lake",
    "Hotel",
    "Resort",
    "Airport",
    "Palace",
    "Castle",
    "Beach",
    "Konsthall",
    "Kunsthalle",
    "Pavilion",
    "Plant",
    "Werk",
    "Campus",
    "Port",
    "Harbour",
    "Course",
    "Golf",
    "Track",
    "Forum",
    "Tower",
    "Building",
    "Headquarters",
    "HQ",
    "Factory",
    "Site",
    "Gardens",
    "Garden",
    "Bay",
    "Mountains",
    "Pass",
    "Village",
}
COUNTRIES = {
    "Germany",
    "Austria",
    "Switzerland",
    "France",
    "Italy",
    "Spain",
    "Portugal",
    "Belgium",
    "Netherlands",
    "Luxembourg",
    "Denmark",
    "Sweden",
    "Norway",
    "Finland",
    "Iceland",
    "Poland",
    "Czech Republic",
    "Czechia",
    "Slovakia",
    "Hungary",
    "Romania",
    "Bulgaria",
    "Greece",
    "Turkey",
    "Türkiye",
    "Croatia",
    "Slovenia",
    "Serbia",
    "Ireland",
    "United Kingdom",
    "UK",
    "Great Britain",
    "Britain",
    "England",
    "Scotland",
    "Wales",
    "Estonia",
    "Latvia",
    "Lithuania",
    "Ukraine",
    "Russia",
    "China",
    "Japan",
    "Korea",
    "South Korea",
    "India",
    "Thailand",
    "Malaysia",
    "Singapore",
    "Indonesia",
    "Vietnam",
    "Philippines",
    "Taiwan",
    "Australia",
    "New Zealand",
    "United States",
    "USA",
    "US",
    "U.S.",
    "Canada",
    "Mexico",
    "Brazil",
    "Argentina",
    "Chile",
    "Colombia",
    "Peru",
    "South Africa",
    "Egypt",
    "Morocco",
    "Nigeria",
    "Kenya",
    "Israel",
    "Saudi Arabia",
    "Qatar",
    "United Arab Emirates",
    "UAE",
    "Bahrain",
    "Oman",
    "Kuwait",
    "Europe",
    "Asia",
    "Africa",
    "America",
    "North America",
    "South America",
    "Latin America",
    "Middle East",
    "Scandinavia",
    "Bavaria",
    "Texas",
    "California",
    "Georgia",
    "Florida",
    "South Carolina",
    "Macau",
    "Hong Kong",
    "Monaco",
    "Cyprus",
    "Malta",
}
#: Words a role is made of ("Head of ...", "Member of the Board of Management", "Plant Director").
ROLE_WORDS = (
    r"Head|Director|Chairman|Chairwoman|Chair|CEO|CFO|CTO|COO|President|Vice|Member|Manager|Chief|Officer|"
    r"Principal|Founder|Co-Founder|Curator|Designer|Engineer|Spokesperson|Spokesman|Ambassador|Partner|"
    r"Executive|Senior|General|Managing|Team Principal|Leader|Lead|Coordinator|Representative|Mayor|Minister|"
    r"Secretary|Professor|Consul|Governor|Owner|Editor|Artist|Architect|Champion|Driver|Rider|Captain|Coach"
)
#: Capitalised words that begin a sentence without being a name.
CAP_STOP = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "By",
    "For",
    "From",
    "With",
    "Without",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "Its",
    "Their",
    "His",
    "Her",
    "Our",
    "My",
    "Your",
    "We",
    "They",
    "He",
    "She",
    "I",
    "You",
    "As",
    "After",
    "Before",
    "During",
    "Since",
    "Until",
    "While",
    "When",
    "Where",
    "Which",
    "Who",
    "What",
    "Why",
    "How",
    "And",
    "But",
    "Or",
    "Also",
    "All",
    "Both",
    "Each",
    "Every",
    "Some",
    "Many",
    "More",
    "Most",
    "Other",
    "Another",
    "Such",
    "Thanks",
    "Today",
    "Tomorrow",
    "Yesterday",
    "Here",
    "There",
    "Now",
    "Then",
    "Once",
    "Over",
    "Under",
    "Through",
    "Together",
    "However",
    "Moreover",
    "Furthermore",
    "Meanwhile",
    "Finally",
    "First",
    "Second",
    "Third",
    "Last",
    "Next",
    "New",
    "Not",
    "No",
    "Yes",
    "If",
    "Because",
    "Although",
    "Though",
    "Whether",
    "So",
    "Thus",
    "Therefore",
    "Just",
    "Even",
    "Only",
    "Already",
    "Still",
    "Again",
    "Despite",
    "Following",
    "Besides",
    "Like",
    "Unlike",
    "Whilst",
    "Among",
    "Between",
    "Within",
    "Behind",
    "Alongside",
    "Along",
    "Around",
    "About",
    "Against",
    "Across",
    "Beyond",
    "Into",
    "Onto",
    "Upon",
    "Via",
    "Per",
    "To",
    "Of",
    "Up",
    "Down",
    "Off",
    "Out",
    "Is",
    "Are",
    "Was",
    "Were",
    "Be",
    "Has",
    "Have",
    "Had",
    "Will",
    "Would",
    "Can",
    "Could",
    "Should",
    "May",
    "Might",
    "Must",
    "Do",
    "Does",
    "Did",
    "Let",
    "Please",
    "Note",
    "Mr",
    "Mrs",
    "Ms",
    "Overall",
    "Currently",
    "Previously",
    "Additionally",
    "Initially",
    "Subsequently",
    "Ultimately",
    "Especially",
    "Particularly",
    "Above",
    "Below",
    "Instead",
    "Hence",
    "Almost",
    "Nearly",
    "Approximately",
    "Exclusive",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Comments",
    "Reactions",
    "Results",
}
_MONTH_SET = set(MONTHS.split("|"))
_CONNECT = r"(?:of|for|de|del|della|di|du|des|la|le|los|las|van|von|der|den|dos|da|y|of the|for the|de la|&|zu|am|im)"
_CAP_TOKEN = (
    r"(?:Dr\.|Prof\.|St\.|Mr\.|Ms\.|Mrs\.)?"
    r"(?:[A-Z]\.[A-Z]{2,}\b|[A-ZÀ-ÖØ-Þ][\w’'&\-]*(?:\.(?=[A-Za-z]\.))?(?:[A-Za-z]\.)*|[A-Z0-9]+[A-Z][\w\-]*|"
    r"\d+[A-Za-z][\w\-]*|"
    r"[a-z]+[A-Z][\w\-]*|#\d+)"
)
#: A number inside a name ("BMW 3.0 CSL", "Formula 1", "Bathurst 12 Hour"): followed by a capitalised
#: word, or ending the name of a brand or a series ("Formula 1").
_NAME_NUMBER = r"\d+(?:\.\d+)?(?=\s[A-Z][\w-]*[A-Za-z])(?!\s(?:{MONTHS}))"
_ENTITY = re.compile(
    rf"(?<![\w’'])(?:[dl][’']\s?)?{_CAP_TOKEN}"
    rf"(?:(?:\s(?:{_CONNECT}\s)*|\s?[dl][’']|-)(?:{_CAP_TOKEN}|{_NAME_NUMBER.format(MONTHS=MONTHS)}))*"
    rf"(?:\s1\b(?!\d))?(?:™|®)?"
)
_YEAR_RX = r"(?:19|20)\d\d"
_YEAR = re.compile(_YEAR_RX)
_MODEL_DIGIT = re.compile(r"\d")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"

#: (kind, pattern). Earlier kinds win overlapping spans.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("event", re.compile(r"\b\d+(?:\s|-)?(?:Hours|Hour|H)\s(?:of\s)?[A-Z][\w’'-]*(?:\s[A-Z][\w’'-]*)*")),
    (
        "money",
        re.compile(
            rf"{_QUALIFIER}?(?:(?:€|EUR|US\$|\$|£|CHF|USD|GBP)\s?(?:{NUM})(?:\s(?:million|billion|bn|m))?"
            rf"|(?:{NUM})(?:\s(?:million|billion))?\s(?:euros?|Euro|EUR|US dollars|dollars|USD|pounds|francs)\b)"
        ),
    ),
    (
        "power",
        re.compile(
            rf"(?:{NUM})\s?(?:kW|PS|hp|HP|bhp)\b(?!h)"
            rf"(?:\s?\(\s?(?:{NUM})\s?(?:PS|hp|HP|bhp)\)|\s?/\s?(?:{NUM})\s?(?:PS|hp|HP|bhp)\b)?"
        ),
    ),
    ("speed", re.compile(rf"(?:{NUM})\s?(?:km/h|mph)")),
    ("consumption", re.compile(rf"(?:{NUM})(?:\s?[-–]\s?(?:{NUM}))?\s?(?:kWh|l|g)/100\s?km")),
    (
        "time",
        re.compile(r"\b\d{1,2}:\d{2}(?:[.:]\d{1,3})?(?:\s?(?:minutes|min|hours|seconds|a\.m\.|p\.m\.|am|pm|h)\b)?"),
    ),
    (
        "date",
        re.compile(
            rf"\b{_DAY}\s?(?:[-–/]|to|and)\s?{_DAY}\s(?:{MONTHS})(?:\s{_YEAR_RX})?"
            rf"|\b{_DAY}\s(?:{MONTHS})\s?(?:[-–]|to)\s?{_DAY}\s(?:{MONTHS})(?:\s{_YEAR_RX})?"
            rf"|\b(?:{MONTHS})\s\d{{1,2}}\s?[-–]\s?\d{{1,2}},\s{_YEAR_RX}"
            rf"|\b{_DAY}\.?\s(?:{MONTHS})(?:\s{_YEAR_RX})?|\b(?:{MONTHS})\s\d{{1,2}}(?:st|nd|rd|th)?(?:,\s{_YEAR_RX})?\b"
        ),
    ),
    (
        "month",
        re.compile(
            rf"\b(?:(?:early|mid|late|mid-|the end of|the beginning of|spring|summer|autumn|fall|winter)\s?)?"
            rf"(?:{MONTHS})\s{_YEAR_RX}\b"
        ),
    ),
    ("percent", re.compile(rf"{_QUALIFIER}?(?:{NUM})\s?(?:%|percent|per cent)")),
    (
        "year",
        re.compile(
            rf"\b(?:[Ii]n|[Ss]ince|[Ff]rom|until|[Bb]y|between|of|to|and|[Yy]ear|till|early|late|mid|before|after|around|season|edition)\s(?P<a>(?:{_YEAR_RX})(?:[-–/](?:{_YEAR_RX}|\d\d))?\b(?![\s-]?(?:kW|km|hp|%|,\d)))"
        ),
    ),
    ("year", re.compile(rf"(?<=\()(?:{_YEAR_RX})(?=\))")),
    (
        "position",
        re.compile(r"\b(?:finished|finishing|in|from|to|was|ended|took|claimed|secured|started)\s(?P<a>P\d{1,2})\b"),
    ),
    (
        "position",
        re.compile(
            rf"\b\d{{1,3}}(?:st|nd|rd|th)\b(?!\s?/)(?:\s(?:place|position|overall|row|hole|victory|win|title|"
            r"podium|edition|running|time|anniversary|round|stage|lap|birthday|consecutive\s\w+|career\s\w+))?"
            rf"|\b(?:{_ORDINAL_WORDS})(?:\s|-)(?:place|position|row|hole|victory|win|title|podium|edition|"
            r"running|anniversary|round|stage|consecutive\s\w+|overall|fastest\s\w+)\b"
            rf"|\b(?:finished|finishing|placed|came|come|ended|ending|ranked|ranking|was|in)\s(?P<a>(?:{_ORDINAL_WORDS}))\b"
        ),
    ),
    (
        "quantity",
        re.compile(
            rf"{_QUALIFIER}?(?:(?:{NUM})|\b{_WORDNUM})(?:\s?(?:[-–]|to|and|or)\s?(?:(?:{NUM})|{_WORDNUM}))?"
            rf"(?:\s(?:million|billion|thousand|hundred))?"
            rf"(?:(?:\s|-)(?:{_UNITS})\b(?:/\w+)?|(?:\s|-)(?:[a-z][a-z\-]{{2,}}))?(?:\s(?:and|,)\s\d+\s(?:days|months|minutes|seconds))?"
        ),
    ),
]
#: A nationality or a possessor before a name: no part of it.
_LEAD_WORD = re.compile(
    r"^(?:[A-Z][a-z]+(?:an|ian|ese|ish|ch)|Swiss|Thai|Greek|Dutchman|Englishman|Frenchman|Irishman|Scotsman|"
    r"Welshman|Kiwi|Czech|[A-Z][\w-]+[’']s)\s(?=[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+\s)"
)
_PLAIN_NAME = re.compile(
    r"(?:Dr\.\s)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+(?:\s(?:van|von|de|der|da|dos)?\s?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+){1,2}"
)
#: A role written before a name, capitalised like it.
_TITLED_NAME = re.compile(
    rf"^(.*\b(?:{ROLE_WORDS})\s)((?:Dr\.\s)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+(?:\s(?:van|von|de|der)?\s?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'-]+){{1,2}})$"
)
_TITLES = {"Dr", "Dr.", "Prof", "Prof.", "Mr", "Mrs", "Ms", "St"}
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+")
#: A number that is a year or part of a name is no quantity.
_NOT_QUANTITY = re.compile(rf"^(?:{_YEAR_RX})$|^#")


def model_names(text: str, names_of: PortalNames = PRESSCLUB_NAMES) -> list[str]:
    """The model names in ``text`` (``names_of.model``: the portal's makes), in text order, with repeats."""
    names = []
    for m in names_of.model.finditer(text):
        tokens = m.group(1).split()
        if len(tokens) > 1 and tokens[-1] in ("A", "I"):  # "... the BMW M4. A new ..." has no full stop here
            tokens.pop()
        if _YEAR.fullmatch(tokens[0]):
            continue
        if any(_MODEL_DIGIT.search(t) for t in tokens[:3]) or names_of.model_word.fullmatch(tokens[0]):
            names.append(text[m.start() : m.start(1)] + " " + " ".join(tokens))
    return names


@dataclass
class Span:
    kind: str
    start: int
    end: int
    #: The noun or unit of a quantity ("vehicles" in "1,300 vehicles"), the class of a name.
    detail: str = ""

    def text(self, sentence: str) -> str:
        return sentence[self.start : self.end]


def _overlaps(taken: list[Span], a: int, b: int) -> bool:
    return any(a < s.end and s.start < b for s in taken)


def _trim_quantity(sentence: str, a: int, b: int) -> tuple[int, int, str] | None:
    """A quantity span without a trailing non-noun word; None when it is no quantity (a bare
    year, a spelled-out number without a noun, a number glued to a name)."""
    text = sentence[a:b]
    words = text.split()
    noun = ""
    last = words[-1] if words else ""
    if len(words) >= 2 and last.lower() in _NOT_NOUN:
        b = a + text.rfind(" " + last)
        text = sentence[a:b]
        words = text.split()
    if not words:
        return None
    last = words[-1]
    head = re.search(rf"(?:{NUM})|{_WORDNUM}", text)
    if head is None:
        return None
    if (
        re.fullmatch(r"[a-z][a-z\-]+", last)
        and not re.fullmatch(_WORDNUM, last)
        and last not in ("million", "billion", "thousand", "hundred")
    ):
        noun = last
    elif re.fullmatch(rf"(?:{_UNITS})(?:/\w+)?", last):
        noun = last
    if "-" in last and re.match(rf"(?:{NUM}|{_WORDNUM})-", last):
        return None  # "6-hour race", "four-door": an adjective, asked badly as "how many-hour"
    spelled = not re.search(r"\d", text)
    if spelled and not noun:
        return None
    if noun in ("years",) and re.search(r"\bold\b", sentence[b : b + 5]):
        b += len(" old")
    before = sentence[max(0, a - 1) : a]
    after = sentence[b : b + 1]
    if before in ("#", "-", "/", "–") or (before.isalpha() or before.isdigit()) or after in ("-",) and not noun:
        return None
    if after.isalnum() or after in ("’", "'") and sentence[b : b + 2] in ("’s", "'s"):
        return None
    if re.fullmatch(rf"{_YEAR_RX}", words[0]) and not re.fullmatch(rf"(?:{_UNITS})", noun or "-"):
        return None
    if not noun and _NOT_QUANTITY.search(text.strip()):
        return None
    if not noun and re.fullmatch(r"\d", text.strip()):
        return None  # a lone digit ("2 Series", "4 brands" is caught with its noun)
    return a, b, noun


def _entity_kind(name: str, sentence: str, start: int, names_of: PortalNames) -> str:
    """person / organisation / team / event / venue / place / model / name, from the name's words
    and the words before it."""
    words = name.replace("-", " ").split()
    last = words[-1]
    before = sentence[max(0, start - 24) : start].lower()
    if names_of.make_first.match(name) and re.search(r"\d|[a-z][A-Z]", name.split(" ", 1)[1]):
        return "model"
    if (
        any(w in EVENT_WORDS for w in words[1:])
        or words[0] in ("Concorso", "Concours", "Salon")
        or re.search(r"\b(?:24|12|6|8|1000)\s?(?:Hours|H)\b", name)
    ):
        return "event"
    if name in COUNTRIES or " ".join(words[-2:]) in COUNTRIES and len(words) <= 2:
        return "country"
    if any(w in VENUE_WORDS for w in words) or re.search(r"ring$", last):
        return "venue"
    if any(w in TEAM_WORDS for w in words[1:]) or words[0] == "Team":
        return "team"
    if any(w in ORG_WORDS for w in words):
        return "organisation"
    plain = all(
        re.fullmatch(r"(?:Dr\.|Prof\.)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’'\-]+|van|von|de|der|den|da|dos|la|le|di|del|y", w)
        for w in words
    )
    after_place_word = re.search(r"\b(?:in|near|from|to|at|across|around|outside|throughout|of)\s(?:the\s)?$", before)
    if plain and 2 <= len(words) <= 4 and not any(w in names_of.brand_words or w in _MONTH_SET for w in words):
        return "person?"
    if after_place_word and len(words) <= 3 and not re.search(r"\d", name):
        return "place"
    return "name"


def sentence_spans(sentence: str, names_of: PortalNames = PRESSCLUB_NAMES) -> list[Span]:
    """The candidate answer spans of ``sentence``, left to right, none overlapping (models by the
    portal's makes, ``names_of``)."""
    taken: list[Span] = [Span("skip", m.start(), m.end()) for m in _URL.finditer(sentence)]
    for m in names_of.model.finditer(sentence):
        found = model_names(m.group(0), names_of)
        if found:
            taken.append(Span("entity", m.start(), m.start() + len(found[0]), "model"))
    for kind, rx in _PATTERNS:
        for m in rx.finditer(sentence):
            a, b = m.span("a") if "a" in rx.groupindex and m.group("a") else m.span()
            while b > a and sentence[b - 1] in " ,;:-–":
                b -= 1
            if b <= a or _overlaps(taken, a, b):
                continue
            detail = ""
            if kind == "quantity":
                got = _trim_quantity(sentence, a, b)
                if got is None:
                    continue
                a, b, detail = got
                if _overlaps(taken, a, b):
                    continue
            taken.append(Span(kind, a, b, detail))
    for m in _ENTITY.finditer(sentence):
        a, b = m.span()
        name = m.group(0)
        # leading sentence words that are no name ("The", "In"), trailing connectors
        words = name.split(" ")
        while words and (
            words[0] in CAP_STOP
            or words[0] in _MONTH_SET
            or a == m.start()
            and not sentence[:a].strip(' “"„‘(')
            and re.fullmatch(r"[A-Z][a-z]+(?:ing|ed|ly)", words[0])
        ):
            a += len(words[0]) + 1
            words = words[1:]
        while words and re.fullmatch(_CONNECT, words[-1]):
            words = words[:-1]
        if not words:
            continue
        name = " ".join(words)
        b = a + len(name)
        if name.endswith(("’s", "'s")):
            name, b = name[:-2], b - 2
        if len(name) < 2 or name in names_of.brand_words or name in _MONTH_SET or name in CAP_STOP or name in _TITLES:
            continue
        if _overlaps(taken, a, b):
            # a number inside a name ("Formula 1 Legends", "Bathurst 12 Hour") is the name's, not a count
            inside = [s for s in taken if a < s.end and s.start < b]
            if not re.search(r"\d", name) or any(s.kind != "quantity" or s.start < a or s.end > b for s in inside):
                continue
            taken = [s for s in taken if s not in inside]
        if re.fullmatch(r"#?\d+", name) or re.fullmatch(r"[A-Z]{2,3}", name) and sentence[a - 1 : a] == "(":
            continue  # a number, a country code after a name: "Max Hesse (GER)"
        lead = _LEAD_WORD.match(name)
        if lead and _PLAIN_NAME.fullmatch(name[lead.end() :]):  # "American Josh Green", "England’s Daniel Brown"
            a += lead.end()
            name = name[lead.end() :]
        titled = _TITLED_NAME.match(name)
        if titled:  # "Plant Director Petra Peterhansel": the person, the role stays a word of the question
            a += titled.start(2)
            name = titled.group(2)
        elif re.match(rf"(?:{ROLE_WORDS})\b", name) and " " in name:
            continue  # a role: asked with its person (facts.py)
        if a == 0 and len(words) == 1 and name not in COUNTRIES:
            continue  # one capitalised word opening a sentence: no way to tell a name from a word
        taken.append(Span("entity", a, b, _entity_kind(name, sentence, a, names_of)))
    for m in re.finditer(r"[“\"„]([^\"“”„]{2,48})[”\"“]", sentence):
        inner = m.group(1).strip()
        if 1 <= len(inner.split()) <= 5 and not inner.endswith((".", "!", "?", ",")):
            a, b = m.start(1), m.start(1) + len(inner)
            if not _overlaps(taken, a, b):
                taken.append(Span("entity", a, b, "term"))
    return sorted((s for s in taken if s.kind != "skip"), key=lambda s: s.start)
