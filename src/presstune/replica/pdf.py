"""PDF press releases shaped like the portal's "Printable version" (PRESSCLUB.md §1.5).

We lay the text out ourselves on a reportlab canvas instead of using platypus: the replica
needs exact control over line breaks (hyphenated words at line ends), running headers on
every page and a two-column variant, which is simpler as a 150-line line-breaker than as
platypus subclasses. Standard Helvetica (WinAnsi) covers umlauts, € and typographic quotes,
so no font files are needed. ``invariant=1`` makes the bytes deterministic.

Scanned-like PDFs are the text PDF rendered to a bitmap with pypdfium2 and placed as an
image on an otherwise empty page: no text layer at all.
"""

from __future__ import annotations

import io
import random
import re
import threading
import unicodedata
import zipfile
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from presstune.replica import furniture, prose, vocabulary

if TYPE_CHECKING:
    from presstune.replica.site import Attachment, GeneratedArticle

W, H = A4
LEFT, RIGHT = 72.0, 72.0
BODY_LEFT = 150.0  # the body column sits right of the label column, as on the real print layout
TOP_FIRST = H - 200.0  # page 1 leaves room for the header block
TOP_OTHER = H - 110.0
BOTTOM = 95.0
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEAD = 10.0, 14.0
COMPANY_LINE = {
    "en": "Company Bayerische Motoren Werke Aktiengesellschaft · Postal address BMW AG, 80788 München · "
    "Telephone +49 89 382-0 · Internet www.bmwgroup.com",
    "de": "Firma Bayerische Motoren Werke Aktiengesellschaft · Postanschrift BMW AG, 80788 München · "
    "Telefon +49 89 382-0 · Internet www.bmwgroup.com",
}
LABELS = {
    "en": {
        "corp": "Corporate Communications",
        "doc": "Media Information",
        "date": "Date",
        "subject": "Subject",
        "page": "Page",
    },
    "de": {
        "corp": "Presse- und Öffentlichkeitsarbeit",
        "doc": "Presse-Information",
        "date": "Datum",
        "subject": "Thema",
        "page": "Seite",
    },
}
_VOWELS = set("aeiouäöüy")
_PDFIUM_LOCK = threading.Lock()


def pdf_date(article: GeneratedArticle, lang: str) -> str:
    d = article.date
    return vocabulary.fmt_day(d.date().isoformat(), lang)


# --------------------------------------------------------------------------- line breaking


def _hyphen_split(word: str, avail: float, font: str, size: float) -> tuple[str, str] | None:
    """Split a long word so that ``head + '-'`` fits ``avail``, at a rough syllable
    boundary (V-CV as in "expe-rience", VC-CV as in "produc-tion"), leaving at least three
    letters on each side. Returns None when no split fits."""
    core = word.rstrip(".,;:!?\"”)’'")
    if len(core) < 8 or not core.isalpha():
        return None
    lo = core.lower()
    for i in range(len(core) - 3, 2, -1):
        v_cv = lo[i - 1] in _VOWELS and lo[i] not in _VOWELS and lo[i + 1] in _VOWELS
        vc_cv = lo[i - 2] in _VOWELS and lo[i - 1] not in _VOWELS and lo[i] not in _VOWELS and lo[i + 1] in _VOWELS
        if (v_cv or vc_cv) and stringWidth(word[:i] + "-", font, size) <= avail:
            return word[:i] + "-", word[i:]
    return None


def pdf_safe(s: str) -> str:
    """Helvetica (WinAnsi) has no glyph for e.g. 'ř' or '₂': fall back to the NFKD base
    letter ('r', '2') instead of drawing a black box. Umlauts, €, – and quotes are kept."""
    out = []
    for ch in s:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii()) or "?")
    return "".join(out)


def wrap(paragraph: str, width: float, font: str = FONT, size: float = SIZE, hyphenate: bool = True) -> list[str]:
    paragraph = pdf_safe(paragraph)
    lines: list[str] = []
    for raw in paragraph.split("\n"):
        words = raw.split()
        cur = ""
        i = 0
        while i < len(words):
            w = words[i]
            cand = f"{cur} {w}" if cur else w
            if stringWidth(cand, font, size) <= width:
                cur = cand
                i += 1
                continue
            if hyphenate and cur:
                avail = width - stringWidth(cur + " ", font, size)
                split = _hyphen_split(w, avail, font, size)
                if split:
                    lines.append(f"{cur} {split[0]}")
                    words[i] = split[1]
                    cur = ""
                    continue
            if cur:
                lines.append(cur)
                cur = ""
            else:  # a single word wider than the line
                lines.append(w)
                i += 1
        if cur:
            lines.append(cur)
    return lines


# --------------------------------------------------------------------------- document model


def _blocks(article: GeneratedArticle, lang: str, kind: str) -> list[tuple[str, Any]]:
    """(type, payload) blocks: title, subtitle, para, bullets, table, head, small."""
    f = article.facts
    rng = random.Random(f"{article.site.seed}:{article.id}:pdf")
    if lang == article.lang2:
        title, subtitle, body = article.title, article.subtitle, article.page_paragraphs
    else:  # a printable version in the other language, same facts
        title, subtitle = prose.title_subtitle(random.Random(f"{article.site.seed}:{article.id}:pdfx"), f, lang)
        body = [] if article.media_only else prose.body_paragraphs(rng, f, lang, article.dateline)
    blocks: list[tuple[str, Any]] = [("title", title), ("subtitle", subtitle)]
    if not body:
        blocks.append(
            (
                "para",
                "Photos and footage are available in the media pool."
                if lang == "en"
                else "Fotos und Filmmaterial stehen im Mediapool bereit.",
            )
        )
    for p in body:
        if "\n" in p:
            blocks.append(("bullets", p.split("\n")))
        elif len(p) < 60 and not p.endswith("."):
            blocks.append(("head", p))
        else:
            blocks.append(("para", p))
    if kind == "table":
        blocks.append(("head", "Technical data" if lang == "en" else "Technische Daten"))
        rows = [
            ("Model" if lang == "en" else "Modell", f["model"]),
            ("Power" if lang == "en" else "Leistung", f"{f['power_kw']} kW"),
        ]
        rows.append(("Price" if lang == "en" else "Preis", vocabulary.fmt_price(f["price_eur"], lang)))
        if "range_km" in f:
            rows.append(("Range (WLTP)" if lang == "en" else "Reichweite (WLTP)", f"{f['range_km']} km"))
        if "consumption" in f:
            rows.append(("Consumption (WLTP)" if lang == "en" else "Verbrauch (WLTP)", f["consumption"]))
        rows.append(
            ("Plant" if lang == "en" else "Werk", f["plant"] if lang == "en" else vocabulary.PLANT_DE[f["plant"]])
        )
        blocks.append(("table", rows))
    if lang == article.lang2 and article.quirks.get("huge_pdf"):
        blocks += appendix_blocks(article, lang)
    if article.co2:
        blocks.append(("small", article.co2))
    blocks.append(("small", furniture.DISCLAIMER[lang]))
    if lang == article.lang2 and article.site.hard_cases:
        for para in article.contact_paragraphs:
            blocks.append(("para", para))
    else:
        blocks.append(("head", "Media Contact." if lang == "en" else "Pressekontakt."))
        for line in furniture.contact_lines(article.contacts, lang):
            blocks.append(("para", line))
    bp = furniture.BOILERPLATE[lang]
    blocks.append(("head", bp[0]))
    blocks.append(("para", bp[1]))
    return blocks


#: Pages of filler text a "huge" printable version carries after the release (a spec book).
HUGE_APPENDIX_PARAGRAPHS = 1500


def appendix_blocks(article: GeneratedArticle, lang: str, paragraphs: int = HUGE_APPENDIX_PARAGRAPHS) -> list:
    """A long technical appendix (a spec book / annual report attached as the printable version)."""
    rng = random.Random(f"{article.site.seed}:{article.id}:appendix")
    out: list[tuple[str, Any]] = [("head", "Technical appendix" if lang == "en" else "Technischer Anhang")]
    for i in range(paragraphs):
        if i % 12 == 0:
            out.append(("head", f"Section {i // 12 + 1}"))
        out.append(("para", prose.filler(rng, 4)))
    return out


class _Writer:
    def __init__(self, c: Canvas, article: GeneratedArticle, lang: str, columns: int, short_subject: str) -> None:
        self.c, self.a, self.lang, self.columns = c, article, lang, columns
        self.subject = short_subject
        self.page = 1
        self.col = 0
        self.gap = 18.0
        self.colw = (W - BODY_LEFT - RIGHT - (columns - 1) * self.gap) / columns
        self._start_page()

    def _start_page(self) -> None:
        L = LABELS[self.lang]
        c = self.c
        date = pdf_date(self.a, self.lang)
        if self.page == 1:
            c.setFont(BOLD, 9)
            c.drawString(LEFT, H - 60, L["corp"])
            c.setFont(BOLD, 16)
            c.drawString(LEFT, H - 95, L["doc"])
            c.setFont(FONT, 10)
            c.drawString(LEFT, H - 115, f"{L['date']} {date}")
            c.drawString(LEFT, H - 130, f"{L['subject']} {self.subject}")
            self.top = TOP_FIRST
        else:
            c.setFont(FONT, 8)
            c.drawString(LEFT, H - 50, f"{L['doc']}")
            c.drawString(LEFT, H - 62, f"{L['date']} {date}")
            c.drawString(LEFT, H - 74, f"{L['subject']} {self.subject}")
            self.top = TOP_OTHER
        c.setFont(FONT, 8)
        c.drawRightString(W - RIGHT, 78, f"{L['page']} {self.page}")
        c.setFont(FONT, 6.5)
        for i, chunk in enumerate(wrap(COMPANY_LINE[self.lang], W - LEFT - RIGHT, FONT, 6.5, hyphenate=False)):
            c.drawString(LEFT, 60 - i * 8, chunk)
        self.y = self.top
        self.col = 0

    def _x(self) -> float:
        return BODY_LEFT + self.col * (self.colw + self.gap)

    def _need(self, h: float) -> None:
        if self.y - h < BOTTOM:
            if self.col + 1 < self.columns:
                self.col += 1
                self.y = self.top
            else:
                self.c.showPage()
                self.page += 1
                self._start_page()

    def lines(self, lines: list[str], font: str, size: float, lead: float, indent: float = 0.0) -> None:
        for ln in lines:
            self._need(lead)
            self.c.setFont(font, size)
            self.c.drawString(self._x() + indent, self.y - size, ln)
            self.y -= lead

    def block(self, kind: str, payload: Any) -> None:
        width = self.colw
        if kind == "title":
            # The title spans the page even in two-column layouts.
            for ln in wrap(payload, W - BODY_LEFT - RIGHT, BOLD, 14, hyphenate=False):
                self._need(19)
                self.c.setFont(BOLD, 14)
                self.c.drawString(BODY_LEFT, self.y - 14, ln)
                self.y -= 19
            self.y -= 6
        elif kind == "subtitle":
            for ln in wrap(payload, W - BODY_LEFT - RIGHT, BOLD, 10, hyphenate=False):
                self._need(LEAD)
                self.c.setFont(BOLD, 10)
                self.c.drawString(BODY_LEFT, self.y - 10, ln)
                self.y -= LEAD
            self.y -= 10
            self.top = self.y  # columns on this page start below the full-width title block
        elif kind == "head":
            self._need(LEAD * 3)
            self.lines(wrap(payload, width, BOLD, SIZE, hyphenate=False), BOLD, SIZE, LEAD)
            self.y -= 2
        elif kind == "para":
            self.lines(wrap(payload, width), FONT, SIZE, LEAD)
            self.y -= 8
        elif kind == "small":
            self.lines(wrap(payload, width, FONT, 8, hyphenate=False), FONT, 8, 10.5)
            self.y -= 8
        elif kind == "bullets":
            for item in payload:
                ls = wrap(item, width - 14)
                self._need(LEAD)
                self.c.setFont(FONT, SIZE)
                self.c.drawString(self._x(), self.y - SIZE, "•")
                self.lines(ls, FONT, SIZE, LEAD, indent=14)
            self.y -= 8
        elif kind == "table":
            rows: list[tuple[str, str]] = payload
            self._need(LEAD * (len(rows) + 1))
            x0 = self._x()
            half = width * 0.45
            for k, v in rows:
                self._need(LEAD + 4)
                c = self.c
                c.setLineWidth(0.4)
                c.line(x0, self.y, x0 + width, self.y)
                c.setFont(BOLD, 9)
                c.drawString(x0 + 3, self.y - 11, pdf_safe(k))
                c.setFont(FONT, 9)
                c.drawString(x0 + half, self.y - 11, pdf_safe(v))
                self.y -= LEAD + 2
            self.c.line(x0, self.y, x0 + width, self.y)
            self.y -= 10


def _short_subject(title: str) -> str:
    words = pdf_safe(title).rstrip(".").split()
    return " ".join(words[:7]) + (" …" if len(words) > 7 else "")


def build_press_pdf(article: GeneratedArticle, lang: str, kind: str) -> bytes:
    """Text PDF (kind "text", "two_column" or "table")."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    blocks = _blocks(article, lang, kind)
    title = blocks[0][1]
    c.setTitle(title)
    c.setAuthor("BMW Group Corporate Communications (replica)")
    c.setCreator("presstune replica")
    w = _Writer(c, article, lang, columns=2 if kind == "two_column" else 1, short_subject=_short_subject(title))
    for kind_, payload in blocks:
        w.block(kind_, payload)
    c.showPage()
    c.save()
    return buf.getvalue()


def build_sheet_pdf(article: GeneratedArticle, att: Attachment) -> bytes:
    """A secondary attachment (technical data / fact sheet): one page, table or list."""
    lang = "de" if att.language == "DE" else "en"
    f = article.facts
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"{att.label} {f['model']}")
    w = _Writer(c, article, lang, 1, f"{att.label}: {f['model']}")
    w.block("title", f"{att.label}: {f['model']}")
    rows = [(k.replace("_", " "), str(v)) for k, v in f.items() if k not in ("kind", "role_de", "drive", "date")]
    if att.pdf_kind == "table":
        w.block("table", rows)
    else:
        w.block("bullets", [f"{k}: {v}" for k, v in rows])
    c.showPage()
    c.save()
    return buf.getvalue()


def scan(pdf_bytes: bytes, seed_key: str, dpi: int = 60) -> bytes:
    """Rasterise every page and rebuild the PDF from the images: a 'scanned' document
    without any text layer (what OCR-less extraction sees as 0 words)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader

    with _PDFIUM_LOCK:  # pdfium is not thread-safe and the server builds PDFs from many threads
        images = _render_pages(pdfium, pdf_bytes, dpi, random.Random(seed_key))
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    for jpg in images:
        c.drawImage(ImageReader(jpg), 0, 0, width=W, height=H)
        c.showPage()
    c.save()
    return out.getvalue()


def _render_pages(pdfium: Any, pdf_bytes: bytes, dpi: int, rng: random.Random) -> list[io.BytesIO]:
    doc = pdfium.PdfDocument(pdf_bytes)
    images: list[io.BytesIO] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            img = img.rotate(rng.uniform(-0.8, 0.8), fillcolor=255)  # a slightly skewed scan
            jpg = io.BytesIO()
            img.save(jpg, format="JPEG", quality=55, optimize=False)
            jpg.seek(0)
            images.append(jpg)
            page.close()
    finally:
        doc.close()
    return images


def build_other(article: GeneratedArticle, att: Attachment) -> bytes:
    """A non-PDF attachment (the portal occasionally serves ZIP/media bundles there)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("README.txt", date_time=(2025, 1, 1, 0, 0, 0))
        z.writestr(info, f"Media assets for {article.id}: {article.title}\n")
    return buf.getvalue()


_XREF = re.compile(rb"\nxref\n0 (\d+)\n")


def break_xref(pdf: bytes, extra: int = 2) -> bytes:
    """Declare ``extra`` phantom in-use objects at offset 0 in the xref table (and /Size).

    The real portal's PDFs make pypdf log "Ignoring wrong pointing object N 0 (offset 0)"
    while staying readable; this reproduces exactly that and nothing worse."""
    i = pdf.rfind(b"\nxref\n")
    m = _XREF.match(pdf, i)
    if m is None:
        return pdf
    n = int(m.group(1))
    end = m.end() + 20 * n  # xref entries are exactly 20 bytes
    head = pdf[:i] + b"\nxref\n0 %d\n" % (n + extra) + pdf[m.end() : end] + b"0000000000 00000 n \n" * extra
    return head + pdf[end:].replace(b"/Size %d\n" % n, b"/Size %d\n" % (n + extra), 1)


def build_attachment(article: GeneratedArticle, att: Attachment) -> bytes:
    if att.kind != "pdf":
        return build_other(article, att)
    lang = "de" if att.language == "DE" else "en"
    if att.label != "Printable version":
        return build_sheet_pdf(article, att)
    if att.pdf_kind == "scanned":
        return scan(build_press_pdf(article, lang, "text"), f"{article.site.seed}:{article.id}:scan")
    blob = build_press_pdf(article, lang, att.pdf_kind or "text")
    if random.Random(f"{article.site.seed}:{article.id}:{att.no}:xref").random() < 0.25:
        blob = break_xref(blob)
    return blob
