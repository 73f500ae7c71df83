"""Extraction: every kind of bad PDF gets a named reason and the run goes on; page structure kept."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from helpers.pdfs import BODY, H, W, article_record, corrupt_pdf, text_pdf
from presstune.config.corpus import CorpusConfig
from presstune.corpus.extract import PdfError, extract_pdf
from presstune.corpus.pipeline import build_corpus
from presstune.rundir import write_jsonl


def image_only_pdf() -> bytes:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (200, 280), 255)
    for x in range(20, 180):
        for y in range(40, 44):
            img.putpixel((x, y), 0)
    b = io.BytesIO()
    img.save(b, format="PNG")
    b.seek(0)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(b), 0, 0, width=W, height=H)
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(1))))
    writer.encrypt(user_password="secret", owner_password="owner")  # RC4: needs no extra crypto package
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zero_page_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


BAD = {
    "truncated": lambda: text_pdf(2)[:1500],
    "not_pdf": lambda: b"<!DOCTYPE html><html><body>Not found</body></html>",
    "random": lambda: os.urandom(4096),
    "corrupt": corrupt_pdf,
    "encrypted": encrypted_pdf,
    "empty_file": lambda: b"",
    "zero_pages": zero_page_pdf,
    "scanned": image_only_pdf,
}
EXPECTED = {
    "truncated": "truncated",
    "not_pdf": "not_pdf",
    "random": "not_pdf",
    "corrupt": "corrupt",
    "encrypted": "encrypted",
    "empty_file": "empty_file",
    "zero_pages": "zero_pages",
    "scanned": "no_text_layer",
}


@pytest.mark.parametrize("engine", ["pypdfium2", "pypdf"])
@pytest.mark.parametrize("kind", [k for k in BAD if k != "scanned"])
def test_bad_pdf_raises_named_reason(kind, engine):
    with pytest.raises(PdfError) as err:
        extract_pdf(BAD[kind](), engine)
    assert err.value.reason == EXPECTED[kind]


def test_scanned_pdf_has_no_text():
    assert extract_pdf(image_only_pdf()).chars() == 0


def test_text_pdf_keeps_pages_and_lines():
    pdf = extract_pdf(text_pdf(2))
    assert pdf.n_pages == 2
    texts = [l.text for l in pdf.pages[0]]
    assert "Page 1" in texts and "Media Information" in texts
    assert all(l.top is not None for l in pdf.pages[0])
    base = extract_pdf(text_pdf(2), "pypdf")
    assert base.n_pages == 2 and "Page 2" in [l.text for l in base.pages[1]]


def test_two_column_rows_are_read_column_by_column():
    """Columns drawn row by row (left, right, left, ...) must still read left column first."""
    left = [f"Left column sentence number {i} continues here." for i in range(8)]
    right = [f"Right column sentence number {i} continues here." for i in range(8)]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, H - 100, "A title that spans the whole width of the page, above both columns")
    c.setFont("Helvetica", 10)
    for i, (a, b) in enumerate(zip(left, right)):
        c.drawString(72, H - 140 - 14 * i, a)
        c.drawString(310, H - 140 - 14 * i, b)
    c.showPage()
    c.save()
    lines = [l.text for l in extract_pdf(buf.getvalue()).pages[0]]
    assert lines[0].startswith("A title")
    assert lines[1:9] == left and lines[9:17] == right


@pytest.mark.slow
def test_each_bad_pdf_is_reported_and_the_run_goes_on(tmp_path: Path, tiny_tokenizer):
    (tmp_path / "pdfs").mkdir()
    records = []
    for i, (kind, make) in enumerate(BAD.items()):
        name = f"pdfs/T{1000000 + i:07d}EN.pdf"
        (tmp_path / name).write_bytes(make())
        records.append(article_record(i, name, body=f"{BODY} Variant {kind} number {i} of the page text."))
    good = len(records)
    (tmp_path / f"pdfs/T{1000000 + good:07d}EN.pdf").write_bytes(text_pdf(2))
    records.append(article_record(good, f"pdfs/T{1000000 + good:07d}EN.pdf", body=""))
    records.append(article_record(good + 1, None, body=""))  # nothing at all: dropped with a reason
    missing = article_record(good + 2, "pdfs/missing.pdf", body="")
    records.append(missing)
    write_jsonl(tmp_path / "articles.jsonl", records)
    cfg = CorpusConfig(min_chars=50, near_dup_threshold=0.95)
    build_corpus(cfg, tmp_path, tokenizer=tiny_tokenizer)
    report = json.loads((tmp_path / "cleaned" / "report.json").read_text())
    by_id = {it["id"]: it for it in report["items"]}
    for i, kind in enumerate(BAD):
        item = by_id[f"T{1000000 + i:07d}EN"]
        assert [f["reason"] for f in item["pdf_failures"]] == [EXPECTED[kind]], kind
        assert item["status"] == "ok" and item["source"] == "html"  # fell back to the page body
    assert by_id[f"T{1000000 + good:07d}EN"]["source"] == "pdf"
    assert by_id[f"T{1000000 + good + 1:07d}EN"]["reason"] == "no_text"
    assert by_id[f"T{1000000 + good + 2:07d}EN"]["pdf_failures"][0]["reason"] == "missing_file"
    manifest = json.loads((tmp_path / "run.json").read_text())
    assert manifest["stages"]["corpus"]["status"] == "done"


def test_two_column_page_one_header_and_wrapped_title_read_before_the_columns():
    """Real page 1: a header block at the top left and a title whose last line is short (fits in
    the left half) above two columns. Both must read before the columns, in order."""
    left = [f"Left column sentence {i} goes on here." for i in range(8)]
    right = [f"Right column sentence {i} goes on." for i in range(8)]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(72, H - 60, "Corporate Communications")
    c.setFont("Helvetica", 10)
    c.drawString(72, H - 115, "Date 5 December 2025")
    c.drawString(72, H - 130, "Subject Driver finishes fourth at the endurance race in the US")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(150, H - 200, "Driver finishes fourth at the endurance race held in the")
    c.drawString(150, H - 219, "United States.")
    c.setFont("Helvetica", 10)
    for i, (a, b) in enumerate(zip(left, right)):
        c.drawString(150, H - 260 - 14 * i, a)
        c.drawString(345, H - 260 - 14 * i, b)
    c.showPage()
    c.save()
    lines = [l.text for l in extract_pdf(buf.getvalue()).pages[0]]
    assert lines[:5] == [
        "Corporate Communications",
        "Date 5 December 2025",
        "Subject Driver finishes fourth at the endurance race in the US",
        "Driver finishes fourth at the endurance race held in the",
        "United States.",
    ]
    assert lines[5:13] == left and lines[13:21] == right


def test_long_left_line_past_the_gutter_midpoint_stays_in_the_left_column():
    """An e-mail address in a narrow left column can run past the midpoint between the
    columns (but not into the right column): it is still read in the left column."""
    left = [f"Left column sentence {i} goes on here." for i in range(8)]
    left[7] = "daniel.baumgaertner@bmwgroup.example"
    right = [f"Right column sentence {i} goes on." for i in range(6)]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("Helvetica", 10)
    for i, a in enumerate(left):
        c.drawString(150, H - 260 - 14 * i, a)
    for i, b in enumerate(right):  # a shorter right column: nothing beside the e-mail line
        c.drawString(345, H - 260 - 14 * i, b)
    c.showPage()
    c.save()
    lines = [l.text for l in extract_pdf(buf.getvalue()).pages[0]]
    assert lines == left + right
