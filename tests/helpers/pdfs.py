"""PDFs built with reportlab (and broken ones) plus the collect record that points at them."""

from __future__ import annotations

import io
import os

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

W, H = A4
BODY = (
    "Munich. The new BMW iX3 celebrates its world premiere at the Paris Motor Show. With an output of "
    "340 kW and a price starting at 68,900 euros, it opens a new chapter for the brand. Production "
    "starts at the plant in Debrecen in March 2026 and the market launch follows in the spring."
)


def text_pdf(pages: int = 2, body: str = BODY) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    for p in range(pages):
        c.setFont("Helvetica", 8)
        c.drawString(72, H - 50, "Media Information")
        c.drawRightString(W - 72, H - 50, f"Page {p + 1}")
        c.drawString(72, 50, "Company Bayerische Motoren Werke Aktiengesellschaft")
        c.setFont("Helvetica", 10)
        y = H - 120
        words = body.split()
        for i in range(0, len(words), 12):
            c.drawString(72, y, " ".join(words[i : i + 12]))
            y -= 14
        c.showPage()
    c.save()
    return buf.getvalue()


def corrupt_pdf() -> bytes:
    # The right header and trailer around random bytes: looks like a PDF, parses as nothing.
    return b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n"


def article_record(i: int, pdf_path: str | None, body: str = BODY) -> dict:
    """One ``articles.jsonl`` record (id ``T{1000000 + i}EN``) whose attachment, if any, is ``pdf_path``."""
    atts = (
        []
        if pdf_path is None
        else [
            {
                "url": f"/global/article/attachment/T000000{i}EN/1",
                "type": "pdf",
                "label": "Printable version",
                "path": pdf_path,
                "status": "ok",
            }
        ]
    )
    return {
        "id": f"T{1000000 + i:07d}EN",
        "language": "en",
        "url": f"/x/{i}",
        "title": f"Title {i}",
        "date": f"2025-01-{i + 1:02d}T10:00:00+01:00",
        "body": body,
        "attachments": atts,
    }
