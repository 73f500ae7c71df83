"""PDF text extraction that keeps page structure (pages -> lines), with named failure reasons.

Engines: pypdfium2 (default; Apache-2.0/BSD, PDFium's C++ text layer) and pypdf (pure Python,
the baseline). PyMuPDF would also be fast but is AGPL-licensed, which would bind every user
of this package, so it is not offered. ``benchmarks/bench_corpus.py`` measures both engines.

Every failure is a :class:`PdfError` with a short machine-readable ``reason`` (``empty_file``,
``not_pdf``, ``truncated``, ``encrypted``, ``corrupt``, ``zero_pages``, ``no_text_layer`` ...)
so the corpus report can name it and the run goes on with the article's page body.
"""

from __future__ import annotations

import logging
import operator
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


class PdfError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Line:
    text: str
    #: Geometry in PDF points (origin bottom-left); None when the engine gives no positions.
    x0: float | None = None
    x1: float | None = None
    top: float | None = None
    bottom: float | None = None
    #: Paragraph break before this line (from the vertical gap), when geometry is known.
    gap_before: bool = False
    #: First line of a right-hand column (reading order jumps up): treated like a page break.
    col_start: bool = False
    #: Several runs far apart on one baseline in a one-column page: a table row.
    table: bool = False

    def __reduce__(self):
        # Compact, fast pickles (a process pool sends pages back): the fields, not a __dict__ each.
        return Line, (self.text, self.x0, self.x1, self.top, self.bottom, self.gap_before, self.col_start, self.table)


@dataclass
class PdfText:
    engine: str
    pages: list[list[Line]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_pages(self) -> int:
        return len(self.pages)

    def chars(self) -> int:
        return sum(len(line.text) for page in self.pages for line in page)

    def plain(self) -> str:
        return "\n\n".join("\n".join(line.text for line in page) for page in self.pages)


def check_bytes(data: bytes) -> None:
    """Cheap structural checks before parsing: empty, wrong magic, cut-off tail."""
    if not data.strip():
        raise PdfError("empty_file", f"{len(data)} bytes")
    head = data[:1024]
    if b"%PDF-" not in head:
        kind = "html" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "unknown data"
        raise PdfError("not_pdf", f"no %PDF header ({kind})")
    # A complete PDF ends with %%EOF (maybe followed by whitespace); a download cut short does
    # not. Partial text is worse than the page body, so a truncated file is not used at all.
    if b"%%EOF" not in data[-2048:]:
        raise PdfError("truncated", "no %%EOF marker at the end")


def extract_pdf(source: str | Path | bytes, engine: str = "pypdfium2") -> PdfText:
    """Extract the text of a PDF page by page; raises :class:`PdfError` with a named reason."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise PdfError("missing_file", str(path))
        data = path.read_bytes()
    else:
        data = source
    check_bytes(data)
    if engine == "pypdfium2":
        result = _extract_pdfium(data)
    elif engine == "pypdf":
        result = _extract_pypdf(data)
    else:
        raise ValueError(f"unknown pdf engine {engine!r}")
    if result.n_pages == 0:
        raise PdfError("zero_pages", "the document has no pages")
    return result


# -- pypdfium2 --------------------------------------------------------------------------------


def _extract_pdfium(data: bytes) -> PdfText:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # PDFium's error code is global state (a stale value survives a later failure), so
        # the reason is read from the file itself.
        if re.search(rb"/Encrypt\s", data[-8192:]) or re.search(rb"/Encrypt\s+\d+\s+\d+\s+R", data):
            raise PdfError("encrypted", "password required") from None
        if re.search(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b", data, re.S) and not re.search(rb"/Type\s*/Page\b", data):
            raise PdfError("zero_pages", "the document has no pages") from None
        raise PdfError("corrupt", str(exc)) from None
    out = PdfText(engine="pypdfium2")
    # Pages and text pages through PDFium's C API directly (the same calls pypdfium2's
    # helpers make, without their per-object finalizer bookkeeping); messages as pypdfium2's.
    raw_doc = doc.raw
    try:
        for index in range(len(doc)):
            page = pdfium_c.FPDF_LoadPage(raw_doc, index)
            if not page:
                raise pdfium.PdfiumError("Failed to load page.")
            try:
                textpage = pdfium_c.FPDFText_LoadPage(page)
                if not textpage:
                    raise pdfium.PdfiumError("Failed to load text page.")
                try:
                    out.pages.append(_pdfium_page_lines(page, textpage))
                finally:
                    pdfium_c.FPDFText_ClosePage(textpage)
            finally:
                pdfium_c.FPDF_ClosePage(page)
    except pdfium.PdfiumError as exc:
        raise PdfError("corrupt", f"page {len(out.pages) + 1}: {exc}") from None
    finally:
        doc.close()
    return out


class _TextPage:
    """The few PDFium text-page calls the layout work needs, on raw handles with reused buffers.

    Same C functions, arguments and checks as pypdfium2's ``PdfTextPage`` methods of the same
    names (so the same numbers and errors), minus a ctypes object per argument per call.
    """

    def __init__(self, textpage) -> None:
        import ctypes

        import pypdfium2.raw as pdfium_c

        self.raw = textpage
        self._l, self._b, self._r, self._t = (ctypes.c_double() for _ in range(4))
        self._refs = tuple(ctypes.byref(v) for v in (self._l, self._t, self._r, self._b))  # ltrb order
        self._rectf = pdfium_c.FS_RECTF()
        self._rectf_ref = ctypes.byref(self._rectf)
        self._get_rect = pdfium_c.FPDFText_GetRect
        self._get_loose = pdfium_c.FPDFText_GetLooseCharBox

    def count_chars(self) -> int:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        n = pdfium_c.FPDFText_CountChars(self.raw)
        if n == -1:
            raise pdfium.PdfiumError("Failed to get character count.")
        return n

    def rects(self) -> list[Box]:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        n = pdfium_c.FPDFText_CountRects(self.raw, 0, -1)
        if n == -1:
            raise pdfium.PdfiumError("Failed to count rectangles.")
        raw, get, (pl, pt, pr, pb) = self.raw, self._get_rect, self._refs
        l, b, r, t = self._l, self._b, self._r, self._t
        out = []
        for i in range(n):
            if not get(raw, i, pl, pt, pr, pb):
                raise pdfium.PdfiumError("Failed to get rectangle.")
            out.append((l.value, b.value, r.value, t.value))
        return out

    def charbox(self, index: int) -> Box:
        """Loose box (left, bottom, right, top) of one character."""
        if not self._get_loose(self.raw, index, self._rectf_ref):
            import pypdfium2 as pdfium

            raise pdfium.PdfiumError("Failed to get charbox.")
        rect = self._rectf
        return rect.left, rect.bottom, rect.right, rect.top

    def text_range(self, n_chars: int) -> str:
        """All text of the page (pypdfium2's ``get_text_range()``, errors ignored)."""
        import ctypes
        from codecs import decode

        import pypdfium2.raw as pdfium_c

        index, count = 0, n_chars
        c_start, c_end, l_passive, r_passive = 0, n_chars - 1, 0, 0
        while True:  # skip chars without a text index at both ends (crbug.com/pdfium/2079)
            if c_start > c_end:
                return ""
            t_start = pdfium_c.FPDFText_GetTextIndexFromCharIndex(self.raw, c_start)
            if t_start == -1:
                c_start, l_passive = c_start + 1, l_passive + 1
                continue
            t_end = pdfium_c.FPDFText_GetTextIndexFromCharIndex(self.raw, c_end)
            if t_end == -1:
                c_end, r_passive = c_end - 1, r_passive + 1
                continue
            break
        index += l_passive
        count -= l_passive + r_passive
        in_count = t_end + 2 - t_start
        buffer = (ctypes.c_ushort * in_count)()
        out_count = pdfium_c.FPDFText_GetText(self.raw, index, count, buffer)
        assert in_count >= out_count, f"Buffer too small: {in_count} vs {out_count}"
        return decode(memoryview(buffer)[: out_count - 1], "utf-16-le", errors="ignore")


Box = tuple[float, float, float, float]  # left, bottom, right, top


def _rows(boxes: list[Box]) -> list[list[Box]]:
    """Group boxes into rows (same vertical centre within half a box height), top to bottom."""
    boxes = sorted(boxes, key=lambda b: (-(b[1] + b[3]) / 2, b[0]))
    rows: list[list[Box]] = []
    row: list[Box] = []
    ref_centre = ref_tol = 0.0  # of the current row's first box
    for box in boxes:
        centre = (box[1] + box[3]) / 2
        if row and abs(ref_centre - centre) < ref_tol:
            row.append(box)
            continue
        row = [box]
        rows.append(row)
        ref_centre, ref_tol = centre, max(box[3] - box[1], 1.0) * 0.5
    first = operator.itemgetter(0)
    for row in rows:
        row.sort(key=first)
    return rows


def _split_runs(row: list[Box], char_h: float) -> list[list[Box]]:
    """Split a row where the horizontal gap exceeds 1.5 character heights (column/table cell)."""
    runs = [[row[0]]]
    for box in row[1:]:
        if box[0] - runs[-1][-1][2] < char_h * 1.5:
            runs[-1].append(box)
        else:
            runs.append([box])
    return runs


def _pdfium_page_lines(page, textpage) -> list[Line]:
    """Lines of one page in reading order, with geometry.

    Fast path: PDFium's own line-ordered text (``get_text_range``) plus one loose character box
    per line end for geometry. PDFium's text *rectangles* (geometry only; its bounded-text call
    is unreliable on overlapping rectangles) tell where a row has runs far apart: with a
    consistent gutter the page has two columns and is rebuilt from its text objects (slower,
    order-independent); elsewhere such rows are table rows.
    """
    import pypdfium2.raw as pdfium_c

    width = pdfium_c.FPDF_GetPageWidthF(page)
    tp = _TextPage(textpage)
    rects = tp.rects()
    if not rects:
        return []
    char_h = statistics.median(r[3] - r[1] for r in rects) or 10.0
    rows = [_split_runs(row, char_h) for row in _rows(rects)]
    gutter = _find_gutter(rows, width)
    n_chars = tp.count_chars()
    text = tp.text_range(n_chars)
    if gutter is not None or len(text) != n_chars:
        return _pdfium_object_lines(page, textpage, width, char_h)
    table_rows = [((row[0][0][1] + row[0][0][3]) / 2, row[0][0][3] - row[0][0][1]) for row in rows if len(row) > 1]
    lines: list[Line] = []
    pos = 0
    charbox = tp.charbox
    for raw in text.split("\r\n"):
        start, pos = pos, pos + len(raw) + 2
        stripped = raw.strip()
        if not stripped:
            continue
        i0 = start + (len(raw) - len(raw.lstrip()))
        i1 = start + len(raw.rstrip()) - 1
        left, bottom, _, top = charbox(i0)
        _, bottom1, right, top1 = charbox(i1)
        # PDFium now and then keeps two visual lines in one; the box then spans both.
        line = Line(text=stripped, x0=left, x1=right, top=max(top, top1), bottom=min(bottom, bottom1))
        centre = (top + bottom) / 2
        if any(abs(c - centre) < h * 0.6 for c, h in table_rows):
            # Runs far apart on one baseline (table cells, "Media Information ... Page 1"):
            # PDFium joined them with a space; split them again at the wide gaps.
            parts = _split_line(tp, raw, start, char_h)
            for part in parts:
                part.table = len(parts) > 1
            lines.extend(parts)
            continue
        lines.append(line)
    # One column: top-to-bottom is the reading order (footers drawn first come last).
    lines.sort(key=lambda l: -(l.top + l.bottom) / 2)
    _mark_gaps(lines)
    return lines


def _split_line(tp: _TextPage, raw: str, start: int, char_h: float) -> list[Line]:
    parts: list[Line] = []
    cur = ""
    box = None
    prev_right = None
    charbox, gap = tp.charbox, char_h * 1.5
    for k, ch in enumerate(raw):
        if ch.isspace():
            cur += ch
            continue
        left, bottom, right, top = charbox(start + k)
        if prev_right is not None and left - prev_right > gap and cur.strip():
            parts.append(Line(text=cur.strip(), x0=box[0], x1=box[2], top=box[3], bottom=box[1]))
            cur, box = "", None
        cur += ch
        box = (left, bottom, right, top) if box is None else (box[0], min(box[1], bottom), right, max(box[3], top))
        prev_right = right
    if cur.strip() and box is not None:
        parts.append(Line(text=cur.strip(), x0=box[0], x1=box[2], top=box[3], bottom=box[1]))
    return parts


def _pdfium_object_lines(page, textpage, width: float, char_h: float) -> list[Line]:
    """Two-column pages: rows rebuilt from text objects, read column by column."""
    segs = _object_segments(page, textpage)
    if not segs:
        return []
    merged_rows = _merge_runs(_baseline_rows(segs), char_h)
    gutter = _find_gutter(merged_rows, width)
    if gutter is None:
        ordered = []
        for row in merged_rows:
            line = _join_row(row)
            line.table = len(row) > 1
            ordered.append(line)
    else:
        ordered = _column_order(merged_rows, gutter)
    _mark_gaps(ordered)
    return ordered


def _object_segments(page, textpage) -> list[Line]:
    """Every text object of the page with its text and bounds.

    One function on purpose: it is the hot loop over PDFium's C calls with reused ctypes
    buffers (see the module docstring); split, the buffers would travel through arguments."""
    import ctypes
    from codecs import decode

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    get_text, get_bounds = pdfium_c.FPDFTextObj_GetText, pdfium_c.FPDFPageObj_GetBounds
    wchar, wchar_size = pdfium_c.FPDF_WCHAR, ctypes.sizeof(pdfium_c.FPDF_WCHAR)
    l, b, r, t = (ctypes.c_float() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (l, b, r, t))
    segs: list[Line] = []
    # PDFium scans the whole page's characters for each object's text: one call per object
    # into a page-wide buffer (it copies only when the buffer is large enough, and always
    # returns the length) instead of a length call and a copy call.
    capacity = 4096
    buffer = (wchar * capacity)()
    for obj in _text_objects(page):
        # pypdfium2's PdfTextObj.extract(), then get_bounds(), on the raw handle.
        n_bytes = get_text(obj, textpage, buffer, capacity * wchar_size)
        if not n_bytes:  # an object without text (e.g. a clipped glyph run)
            continue
        n_units = -(n_bytes // -wchar_size)
        if n_units > capacity:
            capacity = n_units
            buffer = (wchar * capacity)()
            get_text(obj, textpage, buffer, n_bytes)
        try:
            text = decode(memoryview(buffer)[: n_units - 1], "utf-16-le")
        except Exception:  # undecodable text: skipped like an object without text
            continue
        text = text.replace("\r", " ").replace("\n", " ").replace("\x00", "")
        if not text.strip():
            continue
        if not get_bounds(obj, *refs):
            raise pdfium.PdfiumError("Failed to locate pageobject.")
        segs.append(Line(text=text, x0=l.value, x1=r.value, top=t.value, bottom=b.value))
    return segs


def _baseline_rows(segs: list[Line]) -> list[list[Line]]:
    """Segments grouped into rows, top to bottom: a segment joins the row above when its centre
    lies within half that row's first segment's height."""
    segs.sort(key=lambda l: (-(l.top + l.bottom) / 2, l.x0))
    rows: list[list[Line]] = []
    for seg in segs:
        centre = (seg.top + seg.bottom) / 2
        if rows:
            ref = rows[-1][0]
            if abs((ref.top + ref.bottom) / 2 - centre) < max(ref.top - ref.bottom, 1.0) * 0.5:
                rows[-1].append(seg)
                continue
        rows.append([seg])
    return rows


def _merge_runs(rows: list[list[Line]], char_h: float) -> list[list[Line]]:
    """Each row left to right, neighbouring segments closer than 1.5 character heights joined
    into one run of text (a wider gap separates columns or table cells)."""
    merged_rows: list[list[Line]] = []
    for row in rows:
        row.sort(key=lambda l: l.x0)
        parts: list[Line] = [row[0]]
        for seg in row[1:]:
            prev = parts[-1]
            gap = seg.x0 - prev.x1
            if -1.0 <= gap < char_h * 1.5:  # the same run of text (overlapping runs stay apart)
                glue = "" if gap < char_h * 0.1 or prev.text.endswith(" ") else " "
                parts[-1] = Line(
                    text=prev.text + glue + seg.text,
                    x0=prev.x0,
                    x1=seg.x1,
                    top=max(prev.top, seg.top),
                    bottom=min(prev.bottom, seg.bottom),
                )
            else:
                parts.append(seg)
        for part in parts:
            part.text = part.text.strip()
        merged_rows.append(parts)
    return merged_rows


def _column_order(merged_rows: list[list[Line]], gutter: float) -> list[Line]:
    """Reading order of a two-column page.

    Everything above the first row that has text on both sides of the gutter (page-1 header
    block, title and teaser, even where a short title line fits in the left half), top to
    bottom; then the left column, the right column, and full-width blocks below (footers).
    Parts of a row are classified one by one, so a right column drawn beside a full-width title
    still reads after the left."""

    def side(p: Line, left_edge: float = gutter + 1) -> str:
        return "right" if p.x0 >= gutter - 1 else "left" if p.x1 <= left_edge else "full"

    paired = [row for row in merged_rows if {"left", "right"} <= {side(p) for p in row}]
    # The gutter is the median midpoint between the columns; a long left line (an e-mail
    # address, an unhyphenated word) can pass it. Left is whatever ends before the right
    # column begins.
    right_x0 = [p.x0 for row in paired for p in row if side(p) == "right"]
    edge = max(gutter + 1, statistics.median(right_x0) - 2) if right_x0 else gutter + 1
    side = lambda p, _s=side: _s(p, edge)  # noqa: E731
    col_top = max((max(p.top for p in row) for row in paired), default=float("inf"))
    before = [p for row in merged_rows for p in row if p.bottom > col_top + 1]
    rest = [p for row in merged_rows for p in row if p.bottom <= col_top + 1]
    left = [p for p in rest if side(p) == "left"]
    right = [p for p in rest if side(p) == "right"]
    full = [p for p in rest if side(p) == "full"]
    left_top = max((p.top for p in left), default=0.0)
    before += [p for p in full if p.bottom >= left_top - 1]
    after = [p for p in full if p.bottom < left_top - 1]
    if right:
        right[0].col_start = True
    return before + left + right + after


def _text_objects(page, form=None, level: int = 0, max_depth: int = 15):
    """Raw text objects of a page in pypdfium2's ``get_objects`` order (into Form XObjects)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if form is None:
        count, get, parent = pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, page
    else:
        count, get, parent = pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, form
    n = count(parent)
    if n < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    for i in range(n):
        obj = get(parent, i)
        if not obj:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            yield obj
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < max_depth - 1:
            yield from _text_objects(page, obj, level + 1, max_depth)


def _join_row(parts: list[Line]) -> Line:
    if len(parts) == 1:
        return parts[0]
    return Line(
        text=" ".join(p.text for p in parts),
        x0=parts[0].x0,
        x1=parts[-1].x1,
        top=max(p.top for p in parts),
        bottom=min(p.bottom for p in parts),
    )


def _find_gutter(rows: list[list[Line]], page_width: float) -> float | None:
    """The x of a column gutter, or None (one column, maybe with table rows).

    Two columns and a key/value table both give rows of two runs; in a column layout the left
    runs fill most of the column (ragged right), in a table the keys are short.
    """
    pairs = [tuple(_span(part) for part in row) for row in rows if len(row) == 2]
    if len(pairs) < 3:
        return None
    cuts = [(a[1] + b[0]) / 2 for a, b in pairs]
    cut = statistics.median(cuts)
    if not page_width * 0.3 < cut < page_width * 0.7:
        return None
    consistent = [(a, b) for (a, b), c in zip(pairs, cuts) if abs(c - cut) < page_width * 0.1]
    if len(consistent) < 3:
        return None
    fill = statistics.median((a[1] - a[0]) / max(b[0] - a[0], 1.0) for a, b in consistent)
    return cut if fill >= 0.6 else None


def _span(part) -> tuple[float, float]:
    """(x0, x1) of a Line or of a run of boxes."""
    if isinstance(part, Line):
        return part.x0, part.x1
    return part[0][0], part[-1][2]


def _mark_gaps(lines: list[Line]) -> None:
    """Flag paragraph breaks: white space between two lines clearly above the usual leading."""
    heights = [l.top - l.bottom for l in lines if l.top is not None]
    whites = [
        prev.bottom - cur.top for prev, cur in zip(lines, lines[1:]) if not cur.col_start and prev.bottom - cur.top > -2
    ]
    if not heights or not whites:
        return
    height = statistics.median(heights)
    # The leading inside paragraphs is the small end of the white-space distribution (many
    # paragraphs are only two lines, so the median can already be a paragraph gap).
    white = max(sorted(whites)[len(whites) // 5], 0.0)
    for prev, cur in zip(lines, lines[1:]):
        if cur.col_start:
            continue
        # A gap clearly above the leading, or a jump back up the page (a new text block).
        cur.gap_before = (prev.bottom - cur.top) > white + 0.5 * height or cur.bottom > prev.top


# -- pypdf (baseline) -------------------------------------------------------------------------


def _extract_pypdf(data: bytes) -> PdfText:
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "wrong pointing object" noise
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise PdfError("encrypted", "password required")
            except PdfError:
                raise
            except Exception:
                raise PdfError("encrypted", "password required") from None
        out = PdfText(engine="pypdf")
        for page in reader.pages:
            text = page.extract_text() or ""
            out.pages.append([Line(text=t.strip()) for t in text.splitlines() if t.strip()])
    except PdfError:
        raise
    except FileNotDecryptedError:
        raise PdfError("encrypted", "password required") from None
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise PdfError("corrupt", f"{type(exc).__name__}: {exc}") from None
    return out
