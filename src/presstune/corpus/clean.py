"""Cleaning: running headers/footers from page structure, hyphenation, paragraphs, boilerplate.

Why by hand: no library knows this portal's print layout. The generic parts are learned per
document (a line that recurs in the top/bottom zone of most pages is a running header or
footer, whatever it says); the boilerplate (media-information block, contacts, the company
paragraph, consumption/CO2 disclaimers, social links, company footer) is small rule tables in
English and German (:mod:`presstune.corpus.boilerplate`): generic rules, and the portal's own
patterns (its company's name, company paragraph and print headers) from its profile
(:mod:`presstune.portal`), compiled into :class:`PortalRules`; tested on the shapes listed in
PRESSCLUB.md. This module applies them to a document's lines and paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from presstune.corpus.boilerplate import (
    CONTACT_FIELD,
    MONTHS,
    PRESSCLUB_RULES,
    PortalRules,
    company_topics,
    contact_like,
    is_company_paragraph,
    is_contact_entry,
    is_disclaimer,
    is_header_line,
    is_social,
    name_or_title,
    strip_figures,
)
from presstune.corpus.extract import Line, PdfText

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
        if is_contact_entry(p) and (len(kept) >= 2 or CONTACT_FIELD.search(p)):  # not a title line
            if not in_contact:  # the opener was lost (a print header): its name/title lines too
                while kept and name_or_title(kept[-1]) and len(kept) > 1:
                    kept.pop()
                    removed["contact"] += 1
            in_contact, in_company = True, False
            removed["contact"] += 1
            continue
        company_start = rules.company_heading.match(p) or rules.about_heading.match(p)
        if in_contact and not (company_start or is_company_paragraph(p, rules)):
            if contact_like(p) or rules.web_field.match(p) or is_social(p):
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
_BULLET = re.compile(rf"^(?:[•·▪‣◦●■□–-]|\d{{1,2}}[.)](?!\s+{MONTHS}\b))\s+", re.IGNORECASE)


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
