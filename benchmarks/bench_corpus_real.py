"""The corpus stage on real PressClub bodies: leads, number+unit facts and contact data after cleaning.

    python benchmarks/bench_corpus_real.py [--realdev ../shared/realdev] [--cut-teasers N] [--show]

The real releases (``articles.jsonl`` of the dev set, one ``ArticleRecord`` a line, the page body
and its teaser as collect writes them) go through the path users run, ``presstune run --from
corpus``: ``build_corpus`` (phase ``no-llm``, default corpus settings; the ``tinybase`` tokenizer,
as this machine has no hub access) on a temporary run directory. Then, per document that the clean
phase kept (``cleaned/<ID>.json``, what the rows are made of: the teaser once, then the body):

- **lead kept**: the page body's first paragraph that is not a plain repeat of the teaser, all of
  its letters and digits, in the document's teaser + body (and, apart, in the body alone);
- **facts kept**: every number with its unit ("9 per cent", "805 km", "€68,900") that stands in
  the page body outside a consumption/emission disclaimer and outside the company paragraph
  (boilerplate: sales, profit, workforce of the year), found in the document's teaser + body;
- **teaser twice**: documents whose body still holds the whole teaser that the row puts above it;
- **contact data in the output**: documents whose written rows or record (``dataset/*.jsonl``)
  hold an e-mail address, a phone number or a contact-block line.

What counts as a disclaimer is decided here, not by the cleaner's rules: the crawl's appended
"CO2 Emissions & Consumption" box and legal notes as whole paragraphs; inside prose, a bracketed
group or a clause (between ";", commas, spaced dashes, sentence ends) that holds a consumption or
emission figure (kWh/100 km, l/100 km, g/km, mpg) with a consumption/emission word, and the
"label: figure" fields of such a sentence ("electric range: 418–449 km").

``--cut-teasers N`` cuts every teaser longer than N characters at a word boundary and appends
" ..." first, as the portal's listing and feeds cut them: the teaser is then a truncated prefix
of the lead wherever the release's teaser is its opening. Article text is printed only with
``--show`` (ids otherwise): the dev set's text stays out of the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: A number with its unit or currency, as releases state facts.
FACT = re.compile(
    r"[€$£]\s?\d[\d,.]*\d(?:\s?(?:million|billion|bn)\b)?|"
    r"\d[\d,.]*(?:\s?[-–]\s?\d[\d,.]*)?\s?(?:per\s?cent|percent|%|kWh/100\s?km|l/100\s?km|g/km|km/h|mph|kWh|kW|hp|"
    r"PS|Nm|km|miles|metres|meters|mm|kg|tonnes|tons|litres|seconds|minutes|hours|laps|million|billion|euros?|"
    r"vehicles|units|employees|points)(?![\w/])",
    re.IGNORECASE,
)
_CONSUMPTION_UNIT = re.compile(r"kWh\s?/\s?100\s?km|l\s?/\s?100\s?km|g\s?/\s?km|mpg\b|litres/100", re.IGNORECASE)
_CONSUMPTION_WORD = re.compile(r"consumption|verbrauch|emission|co[2₂]|combined|kombiniert|wltp|nedc", re.IGNORECASE)
_DISCLAIMER_PARAGRAPH = re.compile(
    r"^\W*(?:co[2₂]\s+emissions?\s*&\s*consumption|(?:the\s+|all\s+)?(?:information|figures|values|data)\s+"
    r"(?:on|for|regarding)\s+(?:fuel|energy|power)|consumption\s+and\s+emission\s+figures)",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r";|,(?!\d)|\s[–—-]\s|(?<=[.!?])\s+")
#: "electric range: 418–449 km (WLTP)": a field of a figure list (counted with the list it stands in).
_FIELD = re.compile(r"^\s*[^\W\d][\w\s₂().-]{0,40}:\s*\d")
#: The yearly company paragraph (sales, profit, workforce): boilerplate, not the release's news.
_COMPANY = re.compile(
    r"with its four brands|profit before tax|had a workforce of|the success of the bmw group has always been",
    re.IGNORECASE,
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(
    r"(?:\+|\b00)\d[\d\s()./-]{6,}\d|\b(?:phone|tel|telephone|mobile|fax)\b\.?\s*:?\s*\+?\(?\d{2,}", re.I
)
CONTACT_LINE = re.compile(
    r"please\s+contact|wenden\s+sie\s+sich|^\s*(?:media|press)\s+contacts?\b|^\s*corporate\s+communications\.?\s*$|"
    r"media\s+website\s*:|\b(?:e-?mail|phone|tel|mobile)\s*:",
    re.IGNORECASE | re.MULTILINE,
)


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u202f", " "))


def letters(text: str) -> str:
    """Letters and digits only, case-folded: paragraph identity without spacing or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", text).casefold())


def paragraphs(body: str) -> list[str]:
    return [normalize(p).strip() for p in re.split(r"\n\s*\n", body or "") if p.strip()]


def lead_of(body: str, teaser: str) -> str | None:
    """The first paragraph that is not a plain repeat of the teaser (all its letters in it)."""
    key = letters(teaser)
    for par in paragraphs(body):
        if not (key and letters(par) in key):
            return par
    return None


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    spans, depth, opened = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            opened = i if depth == 0 else opened
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, i + 1))
    return spans


def news_facts(body: str) -> set[str]:
    """Number+unit facts of a page body outside consumption/emission disclaimers and the company paragraph."""
    facts: set[str] = set()
    for par in paragraphs(body):
        if _DISCLAIMER_PARAGRAPH.search(par) or _COMPANY.search(par):
            continue
        masked = par
        for start, end in _bracket_spans(par):
            group = par[start:end]
            if _CONSUMPTION_UNIT.search(group) and _CONSUMPTION_WORD.search(group):
                masked = masked[:start] + " " * (end - start) + masked[end:]
        for sentence in re.split(r"(?<=[.!?])\s+", masked):
            clauses = _CLAUSE.split(sentence)
            figures = [bool(_CONSUMPTION_UNIT.search(c) and _CONSUMPTION_WORD.search(c)) for c in clauses]
            for clause, figure in zip(clauses, figures):
                if not (figure or (any(figures) and _FIELD.match(clause))):
                    facts.update(m.group(0) for m in FACT.finditer(clause))
    return facts


def cut_teaser(teaser: str, limit: int) -> str:
    if len(teaser) <= limit:
        return teaser
    return teaser[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " ..."


def dataset_texts(run: Path) -> dict[str, str]:
    """id -> all text written for that document (rows of every mix, its documents.jsonl record)."""
    out: dict[str, list[str]] = {}
    for path in sorted((run / "dataset").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "id" not in row:
                continue
            parts = [row.get(k) or "" for k in ("text", "title", "teaser", "body")]
            parts += [m["content"] for m in row.get("prompt", []) + row.get("completion", [])]
            out.setdefault(row["id"], []).append("\n".join(parts))
    return {k: "\n".join(v) for k, v in out.items()}


def contact_marks(text: str) -> list[str]:
    marks = [m.group(0) for rx in (EMAIL, CONTACT_LINE) for m in rx.finditer(text)]
    marks += [m.group(0) for m in PHONE.finditer(text) if sum(ch.isdigit() for ch in m.group(0)) >= 7]
    return marks


def measure(records: list[dict[str, Any]], run: Path) -> dict[str, Any]:
    leads = leads_body = leads_n = facts_kept = facts_n = twice = 0
    lost_leads: list[str] = []
    lost_facts: list[tuple[str, str]] = []
    not_ok: list[str] = []
    for rec in records:
        doc = json.loads((run / "cleaned" / f"{rec['id']}.json").read_text(encoding="utf-8"))
        if doc["status"] != "ok":
            not_ok.append(rec["id"])
            continue
        body, teaser = doc["body"], doc.get("teaser") or ""
        out = normalize(f"{teaser}\n\n{body}")
        twice += bool(letters(teaser)) and letters(teaser) in letters(body)
        lead = lead_of(rec.get("body") or "", rec.get("subtitle") or "")
        if lead is not None:
            leads_n += 1
            kept = letters(lead) in letters(out)
            leads += kept
            leads_body += letters(lead) in letters(body)
            if not kept:
                lost_leads.append(rec["id"])
        for fact in sorted(news_facts(rec.get("body") or "")):
            facts_n += 1
            if normalize(fact) in out:
                facts_kept += 1
            else:
                lost_facts.append((rec["id"], fact))
    texts = dataset_texts(run)
    contact = {i: contact_marks(t) for i, t in texts.items()}
    contact = {i: m for i, m in contact.items() if m}
    contact_in = sum(1 for r in records if contact_marks(r.get("body") or ""))
    return {
        "documents": len(records),
        "not_ok": not_ok,
        "leads": (leads, leads_n),
        "leads_body": (leads_body, leads_n),
        "teaser_twice": twice,
        "lost_leads": lost_leads,
        "facts": (facts_kept, facts_n),
        "lost_facts": lost_facts,
        "contact_docs": contact,
        "contact_in_input": contact_in,
        "written_docs": len(texts),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--realdev", default=str(ROOT.parent / "shared" / "realdev"), help="folder with articles.jsonl")
    ap.add_argument("--cut-teasers", type=int, default=0, help="cut teasers longer than N chars (0: as given)")
    ap.add_argument("--show", action="store_true", help="print the lost leads and facts (article text)")
    args = ap.parse_args()
    src = Path(args.realdev) / "articles.jsonl"
    if not src.exists():
        sys.exit(f"no real dev set at {src} (pass --realdev): nothing measured")
    import logging

    logging.basicConfig(level=logging.ERROR)
    from presstune.config.corpus import CorpusConfig
    from presstune.corpus.pipeline import CLEAN_VERSION, build_corpus

    records = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.cut_teasers:
        records = [{**r, "subtitle": cut_teaser(r.get("subtitle") or "", args.cut_teasers) or None} for r in records]
    with tempfile.TemporaryDirectory(prefix="bench_corpus_real_") as tmp:
        run = Path(tmp)
        (run / "articles.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        t0 = time.perf_counter()
        build_corpus(CorpusConfig(tokenizer="tinybase"), run, phase="no-llm")
        seconds = time.perf_counter() - t0
        m = measure(records, run)
    (lk, ln), (lb, _), (fk, fn) = m["leads"], m["leads_body"], m["facts"]
    teasers = f"teasers cut at {args.cut_teasers} chars" if args.cut_teasers else "teasers as given"
    print(f"# Corpus stage on {m['documents']} real bodies ({src}, {teasers}; clean version {CLEAN_VERSION})")
    print(f"build_corpus no-llm: {seconds:.1f} s; clean phase not ok: {len(m['not_ok'])} {m['not_ok']}")
    print(f"lead paragraph kept whole (teaser + body, as the rows hold it): {lk}/{ln} = {lk / max(1, ln):.1%}")
    print(f"lead paragraph kept whole in the body alone: {lb}/{ln} = {lb / max(1, ln):.1%}")
    print(f"documents whose row holds the teaser twice (teaser, then again in the body): {m['teaser_twice']}")
    print(f"number+unit facts outside disclaimers and the company paragraph kept: {fk}/{fn} = {fk / max(1, fn):.1%}")
    n_contact = len(m["contact_docs"])
    print(
        f"documents with e-mail / phone / contact-block lines in written rows: {n_contact} of {m['written_docs']} "
        f"(input bodies with any: {m['contact_in_input']})"
    )
    print(f"lost leads: {m['lost_leads']}")
    print(f"lost facts ({len(m['lost_facts'])}): " + ", ".join(sorted({i for i, _ in m["lost_facts"]})))
    if args.show:
        for i, fact in m["lost_facts"]:
            print(f"  {i}: {fact!r}")
        for i, marks in m["contact_docs"].items():
            print(f"  contact {i}: {marks[:3]}")


if __name__ == "__main__":
    main()
