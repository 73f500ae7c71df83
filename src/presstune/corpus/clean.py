"""Cleaning: running headers/footers from page structure, hyphenation, paragraphs, boilerplate.

Why by hand: no library knows this portal's print layout. The generic parts are learned per
document (a line that recurs in the top/bottom zone of most pages is a running header or
footer, whatever it says); the boilerplate (media-information block, contacts, the company
paragraph, consumption/CO2 disclaimers, social links, company footer) is small rule tables in
English and German: the generic rules here, and the portal's own patterns (its company's name,
company paragraph and print headers) from its profile (:mod:`presstune.portal`), compiled into
:class:`PortalRules`; tested on the shapes listed in PRESSCLUB.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from presstune.corpus.extract import Line, PdfText
from presstune.portal import PRESSCLUB, Boilerplate, any_of

SOFT_HYPHENS = ("\xad", "\x02", "\ufffe")
_WS = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalize_text(text: str) -> str:
    """NFC, no-break and odd spaces to one space, no control characters."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch in SOFT_HYPHENS or unicodedata.category(ch)[0] != "C")
    return _WS.sub(" ", text)


def line_key(text: str) -> str:
    """Key for recurrence: case-folded, digits -> '#', whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.casefold())).strip()


# -- rule tables -------------------------------------------------------------------------------
_I = re.IGNORECASE

PAGE_NUMBER = re.compile(
    r"^(?:(?:page|seite|p\.)\s*\d+(?:\s*(?:of|/|von)\s*\d+)?|\d{1,3}(?:\s*/\s*\d{1,3})?|[-–]\s*\d{1,3}\s*[-–])$", _I
)

_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"januar|februar|märz|maerz|mai|juni|juli|oktober|dezember)"
)
DATE_LINE = re.compile(
    rf"^(?:\d{{1,2}}\.?\s+{_MONTHS}\s+\d{{4}}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}}|{_MONTHS}\s+\d{{1,2}},\s+\d{{4}})$", _I
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
_CONTACT_FIELD = re.compile(
    r"\b(?:tel\.?|telephone|telefon|phone|mobile|mobil|fax)\s*[:.]\s*\+?\(?\d|\be-?mail\s*:\s*\S+@", _I
)


def _name_or_title(par: str) -> bool:
    """ "Ida Sommerfeld", "Head of Communications BMW M": short, no sentence, no digits."""
    return len(par) <= 60 and len(par.split()) <= 6 and not re.search(r"[\d.!?:;,]$|\d", par)


def is_contact_entry(par: str) -> bool:
    """A contact entry: a phone/e-mail field, or a job-title line ("Ida Sommerfeld Head of
    Communications BMW M") -- in PDFs the phone and e-mail lines at the foot of a page can go
    with the page furniture, leaving the name and title."""
    if len(par) <= 300 and _CONTACT_FIELD.search(par):
        return True
    return len(par) <= 80 and len(par.split()) >= 2 and not re.search(r"\d|[.!?:;,]$", par) and bool(_ROLE.search(par))


def _contact_like(par: str) -> bool:
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


@dataclass
class CleanResult:
    body: str
    removed: Counter = field(default_factory=Counter)


def _split_at_signatures(paragraphs: list[str], rules: PortalRules) -> list[str]:
    out = []
    for par in paragraphs:
        while True:
            m = rules.signatures.search(par, 1)
            if not m or m.start() == 0:
                break
            head = par[: m.start()].rstrip()
            if head:
                out.append(head)
            par = par[m.start() :]
        out.append(par)
    return out


def remove_boilerplate(
    paragraphs: list[str],
    title: str | None = None,
    subtitle: str | None = None,
    page_rules: bool = True,
    rules: PortalRules = PRESSCLUB_RULES,
) -> tuple[list[str], Counter]:
    """Drop the portal's boilerplate paragraphs; returns the kept ones and counts per rule.

    ``page_rules``: also drop lines that look like PDF page furniture (page numbers, dates,
    print-header fields). Only for PDFs: in an HTML body "755" or "12 March 1998" is a table
    cell and "Postal address ..." a line of the text.
    """
    kept: list[str] = []
    removed: Counter = Counter()
    in_contact = False
    in_company = False
    pars = _split_at_signatures(paragraphs, rules)
    for i, par in enumerate(pars):
        p = par.strip()
        if not p:
            continue
        if rules.ends_line.match(p):  # a UK release ends here; the rest is its trailer
            removed["trailer"] += sum(1 for rest in pars[i:] if rest.strip())
            break
        if rules.contact_start.match(p) or rules.finance_heading.match(p):
            in_contact, in_company = True, False
            removed["contact"] += 1
            continue
        if rules.portal_pointer.search(p) and len(p) < 400:
            removed["contact"] += 1
            continue
        if is_contact_entry(p) and (len(kept) >= 2 or _CONTACT_FIELD.search(p)):  # not a title line
            if not in_contact:  # the opener was lost (a print header): its name/title lines too
                while kept and _name_or_title(kept[-1]) and len(kept) > 1:
                    kept.pop()
                    removed["contact"] += 1
            in_contact, in_company = True, False
            removed["contact"] += 1
            continue
        company_start = rules.company_heading.match(p) or rules.about_heading.match(p)
        if in_contact and not (company_start or is_company_paragraph(p, rules)):
            if _contact_like(p) or rules.web_field.match(p) or is_social(p):
                removed["contact"] += 1
                continue
        in_contact = False
        if company_start:
            in_company = True
            removed["company"] += 1
            continue
        # ... and its pieces where a two-column print broke it ("-Motorrädern und bietet").
        fragment = len(p) < 40 and not p.endswith((".", "!", "?"))
        if is_company_paragraph(p, rules) or (in_company and (company_topics(p, rules) >= 3 or fragment)):
            in_company = True
            removed["company"] += 1
            continue
        in_company = False
        # Figures first (inline parentheses, figure-list sentences), so that a news sentence
        # holding figures is judged without them; a paragraph of figures only is left empty.
        p, n_figures = strip_figures(p)
        if n_figures:
            removed["figures"] += n_figures
        if not p.strip() or is_disclaimer(p, rules):
            removed["disclaimer"] += 1
            continue
        if is_social(p):
            removed["social"] += 1
            continue
        if page_rules and is_header_line(p, rules) and len(p) < 300:
            removed["header_rule"] += 1
            continue
        kept.append(p)
    _drop_title_repeats(kept, title, subtitle, removed)
    return kept, removed


def _drop_title_repeats(kept: list[str], title: str | None, subtitle: str | None, removed: Counter) -> None:
    """The title and the teaser repeated at the start of the body, each kept once.

    A body paragraph goes only when the title or teaser holds it whole: the printed title and
    teaser (in a PDF they can run into one paragraph), or the teaser repeated as the first
    paragraph. The reverse also happens on the real portal: the teaser is the lead's opening,
    cut mid-sentence ("... three drivers from the GT3 programmes the ..."), or the lead is the
    teaser behind a dateline. Then the lead stays whole and the teaser is the repeat: it is left
    out of the document (``removed["teaser_in_body"]``, read by the pipeline), so the row holds
    the text once and all of it.
    """
    if title and subtitle and kept:
        key = _alnum(f"{title} {subtitle}")
        for n in (1, 2, 3, 4):
            if len(kept) >= n and _alnum(" ".join(kept[:n])) == key:
                del kept[:n]
                removed["title"] += 1
                removed["subtitle"] += 1
                break
    if title and kept:
        key = _alnum(title)
        for n in (1, 2, 3):
            if len(kept) >= n and _alnum(" ".join(kept[:n])) == key:
                del kept[:n]
                removed["title"] += 1
                break
    key = _alnum(subtitle or "")
    if not key or not kept:
        return
    n = _paragraphs_inside(kept, key)
    if n:
        del kept[:n]
        removed["subtitle"] += 1
    opening = _alnum(" ".join(kept[:3]))
    if kept and key in opening:
        removed["teaser_in_body"] += 1


#: Fewest letters/digits of a body paragraph taken for a repeat of a longer teaser that holds it
#: (a short subheading that happens to stand in the teaser is no repeat).
_MIN_REPEAT = 50


def _paragraphs_inside(kept: list[str], key: str) -> int:
    """How many opening paragraphs the teaser (``key``, as :func:`_alnum`) holds whole, at most 3."""
    best = 0
    for n in (1, 2, 3):
        if len(kept) < n:
            break
        joined = _alnum(" ".join(kept[:n]))
        if joined and joined in key and (joined == key or len(joined) >= _MIN_REPEAT):
            best = n
    return best


def _alnum(text: str) -> str:
    """Comparison key for title/teaser repeats: letters and digits only, without diacritics,
    because a PDF font without a glyph prints the base letter ("Dvořák" -> "Dvorák"/"Dvorak")."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text)


# -- PDF page structure --------------------------------------------------------------------------


def remove_running_lines(
    pages: list[list[Line]], share: float = 0.5, zone: int = 6, rules: PortalRules = PRESSCLUB_RULES
) -> tuple[list[list[Line]], Counter]:
    """Remove lines recurring in the top/bottom zone of most pages, and page numbers/header rules there."""
    removed: Counter = Counter()
    n = len(pages)
    # Headers are counted in the top zones and footers in the bottom zones apart: a title line
    # at the top of page 1 and the same words ending the body at the bottom of page 2 (two-page
    # releases) are not a running line.
    zones = [_zone(page, zone) for page in pages]
    need = max(2, int(share * n + 0.999))
    running: list[set[str]] = []
    for half in (0, 1):
        # key -> heights (None without geometry) of its occurrences, one per page
        seen: dict[str, list[float | None]] = {}
        for page, z in zip(pages, zones):
            first: dict[str, float | None] = {}
            for i in sorted(z[half]):
                first.setdefault(line_key(page[i].text), page[i].top)
            for k, first_top in first.items():
                seen.setdefault(k, []).append(first_top)
        running.append({k for k, tops in seen.items() if k and n >= 2 and _aligned(tops) >= need})
    out: list[list[Line]] = []
    for page, (top, bottom) in zip(pages, zones):
        kept: list[Line] = []
        cut = False
        for i, line in enumerate(page):
            in_zone = i in top or i in bottom
            key = line_key(line.text)
            if (i in top and key in running[0]) or (i in bottom and key in running[1]):
                removed["running_header_footer"] += 1
                cut = True
                continue
            header = is_header_line(line.text, rules) if in_zone else None
            if header:
                removed[header] += 1
                cut = True
                continue
            if cut and kept:  # a removed line separated two blocks: keep them apart
                line = Line(**{**line.__dict__, "gap_before": True})
            cut = False
            kept.append(line)
        out.append(kept)
    return out, removed


def _aligned(tops: list[float | None], tolerance: float = 24.0) -> int:
    """How many occurrences sit at about the same height (points): a running header or footer
    is printed at a fixed position, a body line that happens to repeat is not. Without
    geometry every occurrence counts."""
    ys = sorted(t for t in tops if t is not None)
    if len(ys) < len(tops):
        return len(tops)
    best, j = 0, 0
    for i, y in enumerate(ys):
        while y - ys[j] > tolerance:
            j += 1
        best = max(best, i - j + 1)
    return best


def _zone(page: list[Line], zone: int) -> tuple[set[int], set[int]]:
    """Indices of the first and of the last ``zone`` lines, in content order and (with
    geometry) by height: (top zone, bottom zone)."""
    m = len(page)
    top, bottom = set(range(min(zone, m))), set(range(max(0, m - zone), m))
    if page and all(l.top is not None for l in page):
        by_y = sorted(range(m), key=lambda i: -(page[i].top or 0.0))  # all set (checked above)
        top |= set(by_y[:zone])
        bottom |= set(by_y[-zone:])
    return top, bottom


_TERMINAL = (".", "!", "?", ":", '"', "”", "“", "»", "«", ")", ";")
#: A list item opener. "22. Juni 2025" at a line start is a German date, not item 22.
_BULLET = re.compile(rf"^(?:[•·▪‣◦●■□–-]|\d{{1,2}}[.)](?!\s+{_MONTHS}\b))\s+", re.IGNORECASE)


def _vocabulary(texts: list[str]) -> set[str]:
    vocab: set[str] = set()
    for t in texts:
        for tok in t.split():
            vocab.add(tok.strip(".,;:!?()[]\"'“”„»«").casefold())
    return vocab


_CONJUNCTIONS = {"und", "oder", "bis", "sowie", "and", "or", "to"}


def join_lines(lines: list[str], vocab: set[str] | None = None) -> str:
    """Join wrapped lines of one paragraph, repairing hyphenation at line ends.

    Rule (documented in DESIGN terms): "develop-|ment" is joined when the second part starts
    lower-case, unless the hyphenated form occurs elsewhere in the document or the first part
    is a single letter ("e-|mobility"); "BMW-|Group", "2025-|2030" keep the hyphen without space.
    Soft hyphens are always joined.
    """
    vocab = vocab or set()
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out.endswith(SOFT_HYPHENS) or out.endswith("-") and len(out) >= 2 and out[-2].isalnum():
            # PDFium reports a line-final hyphen as \x02: the same decision as for "-".
            first = re.split(r"\s", out[:-1])[-1]
            head = first.strip("(\"'“„")
            m = re.match(r"[^\s]+", line)
            second = m.group(0) if m else ""
            second_core = second.strip(".,;:!?)\"'”")
            hyphenated = f"{head}-{second_core}".casefold()
            joined = f"{head}{second_core}".casefold()
            if second_core.casefold() in _CONJUNCTIONS:  # "Premium-Finanz- und Mobilität..."
                out = out[:-1] + "- " + line
            elif second[:1].islower() and len(head) > 1 and (hyphenated not in vocab or joined in vocab):
                out = out[:-1] + line
            else:
                out = out[:-1] + "-" + line
            continue
        out = out + " " + line
    for ch in SOFT_HYPHENS:
        out = out.replace(ch, "")
    return re.sub(r" {2,}", " ", out)


def _next_word_fits(prev: Line | None, next_text: str, page: list[Line]) -> bool:
    """Whether the first word of the next line would have fitted at the end of ``prev``.

    A typesetter only breaks a line early at a paragraph end or before a heading; a line that
    is short because the next word is long is still mid-paragraph. The column's right edge is
    the widest line starting at the same x on this page; the character width is ``prev``'s own.
    Without geometry the answer is True (the length heuristic alone decides).
    """
    if prev is None or prev.x0 is None or prev.x1 is None or not prev.text:
        return True
    edge = max(
        (l.x1 for l in page if l.x0 is not None and l.x1 is not None and not l.table and abs(l.x0 - prev.x0) < 3),
        default=prev.x1,
    )
    char_w = (prev.x1 - prev.x0) / len(prev.text)
    word = next_text.split()[0] if next_text.split() else ""
    return prev.x1 + (len(word) + 1) * char_w <= edge + char_w * 0.5


def pdf_paragraphs(pages: list[list[Line]], keep_tables: bool = False) -> tuple[list[str], Counter]:
    """Group lines into paragraphs: vertical gaps (geometry) or line-length heuristics (no geometry).

    Table rows (runs far apart on one baseline) are dropped unless ``keep_tables`` (then they
    become "key value" lines of one paragraph); a short heading right before a table goes too.
    One pass over the lines keeps the paragraph-break decision (the heart of it) in one place.
    """
    removed: Counter = Counter()
    all_lines = [l for p in pages for l in p]
    vocab = _vocabulary([l.text for l in all_lines])
    has_geometry = any(l.bottom is not None for l in all_lines)
    lengths = sorted(len(l.text) for l in all_lines)
    typical = lengths[int(len(lengths) * 0.9)] if lengths else 80
    paragraphs: list[list[str]] = []
    kinds: list[str] = []  # "text" | "bullet" | "table"
    prev_line: Line | None = None
    for page in pages:
        for i, line in enumerate(page):
            text = line.text.strip()
            if not text:
                continue
            if line.table:
                if not keep_tables:
                    removed["table_row"] += 1
                    if (
                        kinds
                        and kinds[-1] == "text"
                        and len(paragraphs[-1]) == 1
                        and len(paragraphs[-1][0]) < 60
                        and not paragraphs[-1][0].endswith(".")
                    ):
                        paragraphs.pop(), kinds.pop()  # the table's heading ("Technical data")
                        removed["table_heading"] += 1
                    kinds.append("table_gap")
                    paragraphs.append([])
                    continue
                if kinds and kinds[-1] == "table":
                    paragraphs[-1].append(text)
                else:
                    paragraphs.append([text])
                    kinds.append("table")
                continue
            bullet = bool(_BULLET.match(text))
            new = not paragraphs or not paragraphs[-1] or kinds[-1] == "table"
            if not new:
                prev = paragraphs[-1][-1]
                if i == 0 or line.col_start:  # page/column break: continue only an unfinished sentence
                    new = prev.endswith(_TERMINAL)
                elif has_geometry:
                    # A gap, or a short line without final punctuation before it (a subheading)
                    # -- unless the next word would not have fitted after it: then the line is
                    # short only because a long word wrapped (narrow columns, German compounds).
                    new = line.gap_before or (
                        len(prev) < typical * 0.6
                        and not prev.endswith(_TERMINAL)
                        and not prev.endswith(("-", ",") + SOFT_HYPHENS)
                        and _next_word_fits(prev_line, text, page)
                    )
                else:
                    new = prev.endswith(_TERMINAL) and len(prev) < typical * 0.8
                if bullet:
                    new = True
            prev_line = line
            if new:
                paragraphs.append([text])
                kinds.append("bullet" if bullet else "text")
            else:
                paragraphs[-1].append(text)
    out: list[str] = []
    prev_kind = ""
    for lines, kind in zip(paragraphs, kinds):
        if not lines:
            prev_kind = kind
            continue
        if kind == "table":
            out.append("\n".join(lines))
        elif kind == "bullet":
            item = _BULLET.sub("", join_lines(lines, vocab), count=1)
            if prev_kind == "bullet" and out:
                out[-1] += "\n" + item  # list items: one paragraph, one line each
            else:
                out.append(item)
        else:
            out.append(join_lines(lines, vocab))
        prev_kind = kind
    return out, removed


def clean_pdf(
    pdf: PdfText,
    title: str | None = None,
    subtitle: str | None = None,
    share: float = 0.5,
    zone: int = 6,
    boilerplate: bool = True,
    keep_tables: bool = False,
    rules: PortalRules = PRESSCLUB_RULES,
) -> CleanResult:
    pages = [[Line(**{**l.__dict__, "text": normalize_text(l.text).strip()}) for l in page] for page in pdf.pages]
    pages = [[l for l in page if l.text] for page in pages]
    pages, removed = remove_running_lines(pages, share=share, zone=zone, rules=rules)
    paragraphs, more = pdf_paragraphs(pages, keep_tables=keep_tables)
    removed.update(more)
    if boilerplate:
        paragraphs, more = remove_boilerplate(paragraphs, title, subtitle, rules=rules)
        removed.update(more)
    return CleanResult(body="\n\n".join(paragraphs), removed=removed)


def html_paragraphs(body: str) -> list[str]:
    """The page body: paragraphs split at blank lines, hard-wrapped/indented lines joined."""
    text = normalize_text(body)
    blocks = re.split(r"\n\s*\n", text)
    out = []
    for block in blocks:
        lines = [l.strip() for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        # Bullet items stay separate lines inside their block.
        items: list[list[str]] = []
        for line in lines:
            if _BULLET.match(line) or not items:
                items.append([line])
            else:
                items[-1].append(line)
        joined = [" ".join(item) for item in items]
        if len(joined) > 1 and all(_BULLET.match(j) for j in joined[1:]):
            head = [] if _BULLET.match(joined[0]) else [joined.pop(0)]
            out.extend(head)
            out.append("\n".join(_BULLET.sub("", j, count=1) for j in joined))
        else:
            out.extend(joined)
    return [re.sub(r" {2,}", " ", p) for p in out]


def clean_html(
    body: str,
    title: str | None = None,
    subtitle: str | None = None,
    boilerplate: bool = True,
    rules: PortalRules = PRESSCLUB_RULES,
) -> CleanResult:
    paragraphs = html_paragraphs(body)
    removed: Counter = Counter()
    if boilerplate:
        paragraphs, removed = remove_boilerplate(paragraphs, title, subtitle, page_rules=False, rules=rules)
    return CleanResult(body="\n\n".join(paragraphs), removed=removed)
