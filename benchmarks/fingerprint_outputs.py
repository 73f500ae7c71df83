"""Fingerprints of what a restructuring must leave unchanged: the replica site of one seed, and the
corpus stage's outputs on a seeded replica run and on the real releases of ``../shared/realdev``.

Run it on two checkouts and compare the printed lines; each line is one artifact and the sha256 of
its content with what legitimately differs between runs left out (timestamps and durations, the
cache keys ``input_hash`` that name a code version, ``run.json``)::

    PYTHONPATH=src python benchmarks/fingerprint_outputs.py > after.txt
    (cd ../old-checkout && PYTHONPATH=src python /path/to/benchmarks/fingerprint_outputs.py) > before.txt
    diff before.txt after.txt

The sources, ``tests/helpers`` and ``configs/demo.yaml`` are read from the checkout whose
``presstune`` is imported, so the same script fingerprints an older commit. The corpus is built
with the demo's corpus section (rules augmentation), English and German, and a small tokenizer
trained here (seconds on 2 cores; realdev's 100 releases about half a minute).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import presstune

ROOT = Path(presstune.__file__).resolve().parents[2]  # the checkout being fingerprinted
#: Keys whose values differ between two runs of the same code (clock, durations, cache keys).
VOLATILE = {"built", "input_hash", "seconds", "started", "finished", "updated", "fetched_at", "created"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def file_fingerprint(path: Path) -> str:
    if path.suffix == ".json":
        data = json.dumps(_stable(json.loads(path.read_text(encoding="utf-8"))), sort_keys=True)
    elif path.suffix == ".jsonl":
        lines = path.read_text(encoding="utf-8").splitlines()
        data = "\n".join(json.dumps(_stable(json.loads(line)), sort_keys=True) for line in lines if line.strip())
    elif path.suffix == ".md":
        data = re.sub(r"Built \S+", "Built", path.read_text(encoding="utf-8"))
    else:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def site_fingerprint(seed: int, articles: int) -> str:
    """Every article's text, fact sheet, questions, contacts, detail page and attachment bytes."""
    from presstune.replica import html
    from presstune.replica.site import Site

    site = Site(articles=articles, seed=seed)
    h = hashlib.sha256()
    for a in site.articles():
        record = {
            "id": a.id,
            "title": a.title,
            "subtitle": a.subtitle,
            "date": a.date.isoformat(),
            "page": a.page_body,
            "truth": a.ground_truth_body,
            "qa": a.qa,
            "facts": a.fact_record(body=True),
            "contacts": a.contact_paragraphs,
        }
        h.update(json.dumps(record, sort_keys=True, default=str).encode("utf-8"))
        h.update(html.detail_page(a).encode("utf-8"))
        for att in a.attachments:
            h.update(site.attachment_bytes(a.id, att.no))
    h.update(site.facts_jsonl().encode("utf-8"))
    return h.hexdigest()


def corpus_fingerprints(run: Path) -> dict[str, str]:
    """Build the corpus stage in ``run`` (its articles.jsonl, pdfs/) and fingerprint its outputs."""
    from presstune.config import load_config
    from presstune.corpus.pipeline import build_corpus
    from presstune.models.tinybase import train_tokenizer

    cfg = load_config(ROOT / "configs" / "demo.yaml").corpus
    cfg.languages = ["en", "de"]
    tokenizer = train_tokenizer(["presstune fingerprint tokenizer text " * 20], vocab_size=512)
    build_corpus(cfg, run, tokenizer=tokenizer)
    out = {}
    for path in sorted(run.rglob("*")):
        rel = path.relative_to(run)
        if path.is_file() and rel.parts[0] in ("extracted", "cleaned", "dataset"):
            out[str(rel)] = file_fingerprint(path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=3, help="replica seed (default 3)")
    ap.add_argument("--articles", type=int, default=80, help="replica articles (default 80)")
    ap.add_argument("--realdev", type=Path, default=ROOT.parent / "shared" / "realdev", help="real releases folder")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.replica_run import write_replica_run  # the checkout's own replica -> run writer
    from presstune.replica.site import Site

    print(f"site seed={args.seed} articles={args.articles} {site_fingerprint(args.seed, args.articles)}")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "replica"
        write_replica_run(Site(articles=args.articles, seed=args.seed), run)
        for name, digest in corpus_fingerprints(run).items():
            print(f"replica corpus {name} {digest}")
        if (args.realdev / "articles.jsonl").is_file():
            real = Path(tmp) / "realdev"
            real.mkdir()
            shutil.copy(args.realdev / "articles.jsonl", real / "articles.jsonl")
            for name, digest in corpus_fingerprints(real).items():
                print(f"realdev corpus {name} {digest}")
        else:
            print(f"realdev: {args.realdev}/articles.jsonl not found, not fingerprinted", file=sys.stderr)


if __name__ == "__main__":
    main()
