"""The boilerplate rules of cleaning (:mod:`presstune.corpus.clean`): small rule tables in English
and German for page headers, contacts, consumption/CO2 disclaimers and figures, social links and
the company paragraph, the portal's own patterns compiled from its profile (:mod:`presstune.portal`)
into :class:`PortalRules`, and the predicates that test one line or paragraph against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presstune.portal import PRESSCLUB, Boilerplate, any_of

_I = re.IGNORECASE

PAGE_NUMBER = re.compile(
    r"^(?:(?:page|seite|p\.)\s*\d+(?:\s*(?:of|/|von)\s*\d+)?|\d{1,3}(?:\s*/\s*\d{1,3})?|[-–]\s*\d{1,3}\s*[-–])$", _I
)

MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"januar|februar|märz|maerz|mai|juni|juli|oktober|dezember)"
)
DATE_LINE = re.compile(
    rf"^(?:\d{{1,2}}\.?\s+{MONTHS}\s+\d{{4}}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}}|{MONTHS}\s+\d{{1,2}},\s+\d{{4}})$", _I
)

#: Lines of the page-1 header block and of running page headers/footers.
HEADER_LINES = [
    re.compile(r"^corporate\s+communications\.?$", _I),
    re.compile(r"^presse-?\s+und\s+öffentlichkeitsarbeit\.?$", _I),
    re.compile(r"^(?:media|press|presse)[\s-]*information(?:en)?\.?(?:\s+(?:date\s+)?.*\d{4})?$", _I),
    re.compile(r"^(?:date|datum)\b[\s:]*.{0,40}\d{4}$", _I),
    re.compile(r"^(?:subject|topic|thema|betreff)(?:\s*:|\s+).{0,250}$", _I),
    re.compile(r"^(?:postal\s+address|postanschrift|post\s+address|address|anschrift)\b.{0,80}$", _I),
    re.compile(r"^(?:telephone|telefon|phone|tel\.?|fax|telefax)\s*[:.]?\s*\+?[\d ()/-]{5,}.*$", _I),
    re.compile(r"^(?:internet|web)\s*[:.]?\s*(?:https?://)?www\.\S+$", _I),
    re.compile(r"^(?:e-?mail)\s*[:.]?\s*\S+@\S+$", _I),
    re.compile(r"^(?:https?://)?www\.[\w.-]+\.\w+/?$", _I),
]

#: Paragraphs that open a contact block (it runs on while paragraphs look like contacts).
#: Openers vary ("If you have any questions, please contact:", "In the event of enquiries
#: please contact:", "For media inquiries, contact:", "Bei Rückfragen wenden Sie sich bitte
#: an:"): the rule is "a short line about questions/enquiries ... contact", not a list of phrases.
_CONTACT_START = (
    r"(?:if\s+you\s+have|should\s+you\s+have|in\s+case\s+of|in\s+the\s+event\s+of|for|with)\s+"
    r"(?:any\s+)?(?:further\s+|more\s+)?"
    r"(?:media\s+|press\s+)?(?:questions?|quer(?:y|ies)|enquir(?:y|ies)|inquir(?:y|ies)|information|details)\b"
    r"(?:.{0,60}\bcontact\b.{0,40}$|.{0,60}\bcontact\s*:)|"
    r"[^.!?]{0,80}\bcontact(?:\s+us)?\s*:$|[^.!?]{0,80}\bwenden\s+sie\s+sich(?:\s+bitte)?\s+an\s*:$|"
    r"media\s+contacts?\b|press\s+contacts?\b|contact\s+for\s+(?:the\s+)?(?:media|press)|contacts?\s*[.:]?$|"
    r"corporate\s+communications\.?$|"
    r"bitte\s+wenden\s+sie\s+sich\s+bei\s+rückfragen|(?:bei|für)\s+(?:weitere\s+)?rückfragen\b.{0,80}$|"
    r"ihre?\s+ansprechpartner|pressekontakt|kontakt\s*[.:]?$|published\s+by\b|business\s+and\s+finance\s+press|"
    r"investor\s+relations\s*$"
)
_PHONE = re.compile(r"(?:tel\.?|telephone|telefon|phone|mobile|mobil|handy|cell|fax)\s*[:.]?\s*\+?\(?\d", _I)
#: "Media website: www...", "Internet: ...", "LinkedIn: https://..." lines inside a contact block
#: (labels; the portal's own site's label comes from its profile).
_WEB_FIELD_LABELS = r"media\s+website|website|internet|web"
_EMAIL = re.compile(r"\S+@\S+\.\w+|send an e-?mail|e-?mail\s*:", _I)
_ROLE = re.compile(
    r"\b(?:spokesperson|spokesman|spokeswoman|press officer|head of|communications?|pressesprecher(?:in)?|"
    r"leiter(?:in)?|kommunikation|sprecher(?:in)?|pressereferent(?:in)?|media relations|public relations)\b",
    _I,
)

#: Consumption / CO2 disclaimers: figure lists and the legal notes around them.
_CONSUMPTION = re.compile(
    r"(?:energy|fuel|power|electric(?:al)?\s+power)\s+consumption\s+(?:combined|weighted)|"
    r"co[2₂][\s-]*emissions?\s+(?:combined|weighted)|co[2₂][\s-]*class|"
    r"(?:energie|kraftstoff|strom)verbrauch\s+(?:kombiniert|gewichtet)|co[2₂]-emissionen\s+(?:kombiniert|gewichtet)|"
    r"co[2₂]-klasse|electric\s+range\s+(?:combined|\(wltp\))",
    _I,
)
_UNIT = re.compile(r"kwh\s*/\s*100\s*km|l\s*/\s*100\s*km|g\s*/\s*km|mpg\b", _I)
DISCLAIMER_PARAGRAPH = [
    re.compile(
        r"^(?:the|all)\s+(?:information|figures|values|data)\s+(?:on|for|regarding)\s+(?:fuel|energy|power)\s+consumption",
        _I,
    ),
    re.compile(r"^further\s+information\s+on\s+(?:the\s+)?official\s+fuel\s+consumption", _I),
    re.compile(r"^(?:the\s+)?(?:fuel|energy|power)\s+consumption,?\s+co[2₂]\s+emissions?", _I),
    re.compile(r"^(?:the\s+)?consumption\s+(?:and|/)\s+(?:emissions?|co[2₂])\s+(?:figures|values|data)", _I),
    re.compile(r"^(?:die\s+)?angaben\s+zu(?:m)?\s+(?:kraftstoff|energie|strom)verbrauch", _I),
    re.compile(r"^weitere\s+informationen\s+zum\s+offiziellen\s+kraftstoffverbrauch", _I),
    re.compile(
        r"unentgeltlich\s+erhältlich|deutsche\s+automobil\s+treuhand|"
        r"leitfaden\s+über\s+den\s+kraftstoffverbrauch|guideline\s+on\s+fuel\s+consumption",
        _I,
    ),
    re.compile(
        r"^(?:all\s+)?(?:figures|values)\s+(?:are\s+)?(?:determined|calculated)\s+(?:according\s+to|in\s+accordance\s+with)\s+(?:the\s+)?wltp",
        _I,
    ),
]

#: Social / link lines.
SOCIAL_LINE = [
    re.compile(r"^(?:https?://|www\.)\S+$", _I),
    re.compile(
        r"^(?:(?:linkedin|facebook|youtube|instagram|x|twitter|tiktok|xing|threads|newsroom|internet|web)\s*:\s*\S+\s*)+$",
        _I,
    ),
    re.compile(r"^↗"),
    re.compile(r"\bon\s+the\s+(?:web|internet)\.?$|\bim\s+internet\.?$|\bin\s+social\s+media\.?$", _I),
    re.compile(r"^(?:follow\s+us|folgen\s+sie\s+uns)\b", _I),
]

#: Finance-release headings in capitals.
_FINANCE_HEADING = (
    r"published\s+by|contacts?|business\s+and\s+finance\s+press|investor\s+relations|confidential|vertraulich"
)

#: Openings of boilerplate blocks that can be glued to the end of a body paragraph when the
#: PDF leaves no vertical gap; the paragraph is split there so the rules see the block alone.
_SIGNATURES = (
    r"if you have any questions,?\s+please contact|bitte wenden sie sich bei rückfragen|"
    # a contact opener glued to the last news sentence ("... cinemas. In case of queries, please contact: ...")
    r"(?<=[.!?]\s)(?:if\s+you\s+have|should\s+you\s+have|in\s+case\s+of|in\s+the\s+event\s+of|for)\s+(?:any\s+)?"
    r"(?:further\s+)?(?:media\s+)?(?:questions|quer(?:y|ies)|enquir(?:y|ies)|inquir(?:y|ies)|information|details)\b"
    r"[^.!?:]{0,40}\bcontact(?:\s+us)?\s*:|"
    r"media contact\.|pressekontakt\.|the information on fuel consumption|die angaben zu kraftstoffverbrauch"
)


@dataclass(frozen=True)
class PortalRules:
    """The cleaning rules of one portal: the generic rules with its profile's patterns added."""

    header_lines: tuple[re.Pattern[str], ...]
    contact_start: re.Pattern[str]
    web_field: re.Pattern[str]
    portal_pointer: re.Pattern[str]
    ends_line: re.Pattern[str]
    about_heading: re.Pattern[str]
    company_heading: re.Pattern[str]
    company_paragraph: tuple[re.Pattern[str], ...]
    company_paragraph_weak: tuple[re.Pattern[str], ...]
    company_topics: tuple[re.Pattern[str], ...]
    disclaimers: tuple[re.Pattern[str], ...]
    finance_heading: re.Pattern[str]
    signatures: re.Pattern[str]

    @classmethod
    def of(cls, b: Boilerplate) -> PortalRules:
        names = any_of(b.trailer_names)
        return cls(
            header_lines=(*HEADER_LINES, *(re.compile(rf"^(?:{p})$", _I) for p in b.header_lines)),
            contact_start=re.compile(rf"^(?:{_CONTACT_START}|{any_of(b.contact_openers)})", _I),
            web_field=re.compile(rf"^(?:{_WEB_FIELD_LABELS}|{any_of(b.contact_fields)})\s*:\s*\S+", _I),
            portal_pointer=re.compile(any_of(b.portal_pointers), _I),
            # "Ends" / "- ENDS -" closes a UK release: what follows is notes to editors, "About ...", contacts.
            ends_line=re.compile(rf"^[-–—\s]*ends[-–—\s.]*(?:$|(?=about\s+(?:the\s+)?(?:{names})\b))", _I),
            # "About BMW Group UK", "About MINI": a trailer heading (short, no sentence).
            about_heading=re.compile(rf"^about\s+(?:the\s+)?(?:{names})\b[^.!?]{{0,40}}:?$", _I),
            company_heading=re.compile(rf"^(?:{any_of(b.company_headings)})$", _I),
            company_paragraph=tuple(re.compile(rf"^(?:{p})", _I) for p in b.company_openers),
            company_paragraph_weak=tuple(re.compile(rf"^(?:{p})", _I) for p in b.company_openers_shared),
            company_topics=tuple(re.compile(p, _I) for p in b.company_topics),
            disclaimers=(*DISCLAIMER_PARAGRAPH, *(re.compile(p, _I) for p in b.disclaimers)),
            finance_heading=re.compile(rf"^(?:{_FINANCE_HEADING}|{any_of(b.finance_headings)})\.?$", _I),
            signatures=re.compile(rf"{_SIGNATURES}|{any_of(b.glued_openings)}", _I),
        )


#: The default profile's rules (``portal.profile: pressclub``).
PRESSCLUB_RULES = PortalRules.of(PRESSCLUB.boilerplate)


def is_header_line(text: str, rules: PortalRules = PRESSCLUB_RULES) -> str | None:
    t = text.strip()
    if PAGE_NUMBER.match(t):
        return "page_number"
    if DATE_LINE.match(t):
        return "date_line"
    for rx in rules.header_lines:
        if rx.match(t):
            return "header_footer_rule"
    return None


def is_social(text: str) -> bool:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if not lines:
        return False
    return all(any(rx.search(ln) for rx in SOCIAL_LINE) for ln in lines) and len(text) < 400


#: A contact entry without its opener (the opener was a print header, or the layout split it
#: off): a short paragraph with a labelled phone number or an "E-mail: x@y" field.
CONTACT_FIELD = re.compile(
    r"\b(?:tel\.?|telephone|telefon|phone|mobile|mobil|fax)\s*[:.]\s*\+?\(?\d|\be-?mail\s*:\s*\S+@", _I
)


def name_or_title(par: str) -> bool:
    """ "Ida Sommerfeld", "Head of Communications BMW M": short, no sentence, no digits."""
    return len(par) <= 60 and len(par.split()) <= 6 and not re.search(r"[\d.!?:;,]$|\d", par)


def is_contact_entry(par: str) -> bool:
    """A contact entry: a phone/e-mail field, or a job-title line ("Ida Sommerfeld Head of
    Communications BMW M") -- in PDFs the phone and e-mail lines at the foot of a page can go
    with the page furniture, leaving the name and title."""
    if len(par) <= 300 and CONTACT_FIELD.search(par):
        return True
    return len(par) <= 80 and len(par.split()) >= 2 and not re.search(r"\d|[.!?:;,]$", par) and bool(_ROLE.search(par))


def contact_like(par: str) -> bool:
    if _PHONE.search(par) or _EMAIL.search(par):
        return True
    if len(par) <= 120 and _ROLE.search(par):
        return True
    # A name / role line: short, no sentence end, at most a few words.
    words = par.split()
    return len(par) <= 60 and len(words) <= 6 and not par.rstrip().endswith((".", "!", "?", ":"))


#: A parenthesis holding consumption/emission figures inside a prose sentence:
#: "The MINI Aceman SE (WLTP combined: energy consumption 14.5 kWh/100 km; CO2 0 g/km) has ...".
#: The real pages nest "(WLTP)" inside it, so groups are matched by :func:`_figure_groups`.
_GROUP_WORD = re.compile(r"wltp|nedc|nefz|consumption|verbrauch|co[2₂]|emission", _I)
_GROUP_UNIT = re.compile(r"kwh\s*/\s*100\s*km|l\s*/\s*100\s*km|g\s*/\s*km|mpg\b|miles/kwh", _I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _figure_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost (...) or [...] group that holds consumption/emission
    figures, with the whitespace before it; nested groups count as part of the outer one."""
    spans: list[tuple[int, int]] = []
    depth, opened = 0, -1
    for i, ch in enumerate(text):
        if ch in "([":
            if depth == 0:
                opened = i
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            if depth == 0:
                inner = text[opened + 1 : i]
                if _GROUP_WORD.search(inner) and _GROUP_UNIT.search(inner):
                    start = opened
                    while start and text[start - 1].isspace():
                        start -= 1
                    spans.append((start, i + 1))
    if depth:  # an opener never closed ("1) ... (a"): look for groups after it
        spans += [(opened + 1 + a, opened + 1 + b) for a, b in _figure_groups(text[opened + 1 :])]
    return spans


def _figure_sentence(sentence: str) -> bool:
    return bool(_CONSUMPTION.search(sentence) and _UNIT.search(sentence)) or len(_UNIT.findall(sentence)) >= 2


#: Where a sentence's clauses meet: ";", a comma that is no decimal comma, a spaced dash.
_CLAUSE_SEP = re.compile(r"(\s*(?:;|,(?!\d)|\s[–—-](?=\s))\s*)")
#: The vocabulary of consumption/emission labels ("energy consumption, weighted, combined",
#: "CO2 class with discharged battery", "Stromverbrauch kombiniert"): words that are no news.
_LABEL_WORDS = frozenset(
    """energy fuel power electric electrical electricity consumption combined weighted emissions emission
    class classes according to wltp nedc nefz cycle test discharged battery range in and with per imp mpg km
    kwh l g miles litres kombiniert gewichtet verbrauch stromverbrauch energieverbrauch kraftstoffverbrauch
    emissionen klasse elektrische reichweite gemäß bei entladener batterie und im mit""".split()
)
_LABEL_MARK = re.compile(
    r"consumption|verbrauch|emission|co[2₂]|\bclass(?:es)?\b|klasse|wltp|nedc|nefz|combined|kombiniert|weighted|"
    r"gewichtet|\brange\b|reichweite",
    _I,
)


def _news_words(clause: str) -> int:
    """Lower-case words of a clause that no consumption label uses ("lowers", "charges", "by")."""
    words = (w.strip(".,;:!?()[]*\"'“”„’") for w in clause.split())
    return sum(1 for w in words if len(w) >= 2 and w.isalpha() and w.islower() and w not in _LABEL_WORDS)


def _is_label_clause(clause: str) -> bool:
    """A piece of a figure list: a consumption/emission label or unit and at most one other word
    ("CO2 emissions combined: 0 g/km", "weighted", "CO2 class: A"); news around it has more."""
    return bool(_LABEL_MARK.search(clause) or _UNIT.search(clause)) and _news_words(clause) <= 1


def cut_figures(sentence: str) -> str:
    """A figure sentence without its figure-list clauses: the news around a disclaimer stays
    ("Thanks to new tyres, the iX uses up to 9 per cent less energy; energy consumption combined:
    17.1 kWh/100 km; CO2 emissions combined: 0 g/km." keeps its first two clauses). Empty when
    no news is left (fewer than two news words: a model name, a label fragment)."""
    parts = _CLAUSE_SEP.split(sentence)
    clauses, seps = parts[0::2], ["", *parts[1::2]]
    labels = [_is_label_clause(c) for c in clauses]
    if not any(labels):
        return sentence
    pieces: list[str] = []
    for i, (clause, label) in enumerate(zip(clauses, labels)):
        if label:
            continue
        # Next to the clause before it, the original separator; across a cut, one space.
        joint = seps[i] if i and not labels[i - 1] else " "
        pieces.append(joint + clause if pieces else clause)
    out = "".join(pieces).strip(" ,;–—-")
    if _news_words(out) < 2:
        return ""
    end = sentence.rstrip()[-1:]
    if end and end in ".!?" and not out.endswith((".", "!", "?")):
        out += end
    if labels[0]:  # the sentence opened with the figures: the news now opens it
        out = out[:1].upper() + out[1:]
    return out


def strip_figures(par: str) -> tuple[str, int]:
    """The paragraph without inline figure groups and without figure-list clauses; returns
    (text, pieces removed). The news around the figures stays: a sentence that carries news and
    a disclaimer loses the disclaimer only."""
    spans = _figure_groups(par)
    text = par
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    n = len(spans)
    if not (_CONSUMPTION.search(text) or _UNIT.search(text)):
        return text, n
    kept = []
    for sentence in (x for x in _SENTENCE_END.split(text) if x):
        cut = cut_figures(sentence) if _figure_sentence(sentence) else sentence
        n += cut != sentence
        if cut:
            kept.append(cut)
    return " ".join(kept), n


def is_disclaimer(par: str, rules: PortalRules = PRESSCLUB_RULES) -> bool:
    if any(rx.search(par) for rx in rules.disclaimers):
        return True
    if _CONSUMPTION.search(par) and (len(_UNIT.findall(par)) >= 2 or "wltp" in par.lower() or "nefz" in par.lower()):
        # A figure list, not prose that happens to mention a range: most of it is the figures.
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", par) if s]
        figure_sentences = [s for s in sentences if _CONSUMPTION.search(s) or _UNIT.search(s)]
        # Only a paragraph that is all figures goes whole; prose around figure sentences stays
        # (strip_figures removes just those sentences).
        return len(figure_sentences) == len(sentences)
    return False


def company_topics(par: str, rules: PortalRules = PRESSCLUB_RULES) -> int:
    """How many of the yearly company paragraph's topics ``par`` talks about: an opener alone ("In
    2025, the BMW Group sold ...") also starts sales news, so the paragraph must talk about the
    company as a whole."""
    return sum(1 for rx in rules.company_topics if rx.search(par))


def is_company_paragraph(par: str, rules: PortalRules = PRESSCLUB_RULES) -> bool:
    """The company paragraph: one of its own openers, or an opener news shares plus three of
    its topics (the paragraph as a whole, not a sentence that starts the same way)."""
    if any(rx.search(par) for rx in rules.company_paragraph):
        return True
    return any(rx.search(par) for rx in rules.company_paragraph_weak) and company_topics(par, rules) >= 3
