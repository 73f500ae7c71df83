"""``write_replica_run``: ``articles.jsonl`` + ``pdfs/`` straight from the replica's generator (no
collect stage), used by the corpus tests and benchmarks/bench_corpus.py."""

from __future__ import annotations

from pathlib import Path

from presstune.replica import furniture
from presstune.rundir import write_jsonl


def html_body(article) -> str:
    """The page body as collect extracts it: paragraphs, then the CO2 line, contacts and company text."""
    lang = article.lang2
    parts = article.teaser_repeat + article.page_paragraphs
    if article.co2:
        parts.append(article.co2)
    parts += article.contact_paragraphs
    parts += furniture.BOILERPLATE[lang]
    return "\n\n".join(parts)


def write_replica_run(site, run: Path, limit: int | None = None) -> list:
    """articles.jsonl + pdfs/ for the replica's articles (newest first, ``limit`` of them)."""
    run = Path(run)
    (run / "pdfs").mkdir(parents=True, exist_ok=True)
    records = []
    arts = site.articles()[:limit] if limit else site.articles()
    for a in arts:
        atts = []
        n_pdf = 0
        for att in a.attachments:
            entry = {
                "url": att.url(a.id),
                "type": "pdf" if att.kind == "pdf" else "other",
                "label": att.label,
                "language": att.language,
                "status": "pending",
            }
            if att.kind == "pdf":
                name = f"{a.id}.pdf" if n_pdf == 0 else f"{a.id}-{n_pdf}.pdf"
                n_pdf += 1
                (run / "pdfs" / name).write_bytes(site.attachment_bytes(a.id, att.no))
                entry.update(path=f"pdfs/{name}", status="ok")
            atts.append(entry)
        records.append(
            {
                "id": a.id,
                "language": a.language,
                "url": a.url_path,
                "title": a.title,
                "subtitle": a.subtitle,
                "date": a.date.isoformat(),
                "body": html_body(a),
                "tags": list(a.tags),
                "attachments": atts,
            }
        )
    write_jsonl(run / "articles.jsonl", records)
    return arts
