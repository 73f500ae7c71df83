"""Parallel extract phase: the same bytes on disk and the same report as in-process, bad PDFs included."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from helpers.pdfs import BODY, article_record, corrupt_pdf, text_pdf
from helpers.replica_run import write_replica_run
from presstune.config.corpus import CorpusConfig
from presstune.corpus import pipeline as P
from presstune.rundir import read_jsonl, write_jsonl

replica_site = pytest.importorskip("presstune.replica.site")


@pytest.fixture
def counted_pools(monkeypatch):
    """Counts the process pools the extract phase starts (and forces one even for few documents)."""
    started = []

    class Counting(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counting)
    monkeypatch.setattr(P, "MIN_DOCS_PER_WORKER", 1)
    monkeypatch.setattr(P, "MIN_DOCS_PER_SPAWNED_WORKER", 1)
    return started


def _tree(path: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(path.iterdir()) if f.is_file()}


@pytest.mark.parametrize(
    "start_method", [m for m in ("fork", "forkserver") if m in multiprocessing.get_all_start_methods()]
)
@pytest.mark.slow
def test_two_workers_write_the_same_bytes_and_report_as_one(tmp_path: Path, counted_pools, monkeypatch, start_method):

    monkeypatch.setattr(P, "_mp_context", lambda: multiprocessing.get_context(start_method))

    site = replica_site.Site(articles=30, seed=4)
    base = tmp_path / "base"
    write_replica_run(site, base)
    records = list(read_jsonl(base / "articles.jsonl"))
    # A corrupt printable PDF and a truncated one: named per-document failures, the run goes on.
    with_pdf = [r for r in records if any(a.get("path") for a in r["attachments"])]
    broken = {with_pdf[0]["id"]: "corrupt", with_pdf[1]["id"]: "truncated"}
    for rec in with_pdf[:2]:
        path = base / next(a["path"] for a in rec["attachments"] if a.get("path"))
        path.write_bytes(corrupt_pdf() if broken[rec["id"]] == "corrupt" else path.read_bytes()[:1500])
    runs = {}
    for workers in (1, 2):
        run = tmp_path / f"w{workers}"
        shutil.copytree(base, run)
        summary = P.build_corpus(CorpusConfig(languages=["en", "de"], workers=workers), run, phase="regex")
        runs[workers] = (run, summary)
    assert counted_pools == [2]  # workers=1 ran in-process, workers=2 over a pool of 2
    (run1, s1), (run2, s2) = runs[1], runs[2]
    for s in (s1, s2):
        for phase in ("extract", "clean"):
            s[phase].pop("seconds")
    assert s1 == s2
    extracted1, extracted2 = _tree(run1 / "extracted"), _tree(run2 / "extracted")
    assert len(extracted1) == len(records) + 1 and extracted1 == extracted2  # + report.json, byte for byte
    assert _tree(run1 / "cleaned") == _tree(run2 / "cleaned")
    report = json.loads((run2 / "extracted" / "report.json").read_text())
    assert [it["id"] for it in report["items"]] == [r["id"] for r in records]  # the records' order
    by_id = {it["id"]: it for it in report["items"]}
    for doc_id, reason in broken.items():
        assert reason in [f["reason"] for f in by_id[doc_id]["pdf_failures"]]
    assert report["pdf_failures"].get("corrupt", 0) >= 1 and report["pdf_failures"].get("truncated", 0) >= 1
    # Resumable: a re-run over the pool skips every document by its content hash.
    again = P.build_corpus(CorpusConfig(languages=["en", "de"], workers=2), run2, phase="regex")
    assert again["extract"]["counts"] == {"skipped": len(records)}
    assert json.loads((run2 / "extracted" / "report.json").read_text())["items"][0]["skipped"] is True


_real_extract_pdf = P.extract_pdf


def _crashing_extract_pdf(source, engine="pypdfium2"):
    if str(source).endswith("CRASH.pdf"):
        os._exit(3)  # what a segfault in the PDF engine does to the worker process
    return _real_extract_pdf(source, engine)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to patch the workers")
def test_a_pdf_that_kills_its_worker_is_a_named_failure(tmp_path: Path, monkeypatch, counted_pools):

    monkeypatch.setattr(P, "extract_pdf", _crashing_extract_pdf)
    monkeypatch.setattr(P, "_mp_context", lambda: multiprocessing.get_context("fork"))
    (tmp_path / "pdfs").mkdir()
    records = []
    for i in range(6):
        name = f"pdfs/T{1000000 + i:07d}EN.pdf"
        (tmp_path / name).write_bytes(text_pdf(2, body=f"{BODY} Document number {i}."))
        records.append(article_record(i, name))
    # Document 2: its first printable PDF kills the process, its second one is fine.
    (tmp_path / "pdfs" / "CRASH.pdf").write_bytes(text_pdf(1))
    crash = records[2]
    crash["attachments"].insert(0, {**crash["attachments"][0], "path": "pdfs/CRASH.pdf"})
    # Document 4: its only PDF kills the process; the page body is used.
    records[4]["attachments"][0]["path"] = "pdfs/CRASH.pdf"
    write_jsonl(tmp_path / "articles.jsonl", records)
    cfg = CorpusConfig(workers=2, check_pdf_language=False)
    summary = P.phase_extract(tmp_path, P.load_articles(tmp_path), cfg)
    assert counted_pools and counted_pools[0] == 2
    items = {it["id"]: it for it in json.loads((tmp_path / "extracted" / "report.json").read_text())["items"]}
    assert [it["source"] for it in items.values()] == ["pdf", "pdf", "pdf", "pdf", "html", "pdf"]
    assert [f["reason"] for f in items[crash["id"]]["pdf_failures"]] == ["engine_crash"]
    assert [f["reason"] for f in items[records[4]["id"]]["pdf_failures"]] == ["engine_crash"]
    assert summary["pdf_failures"] == {"engine_crash": 2}
    for rec in records:
        doc = json.loads((tmp_path / "extracted" / f"{rec['id']}.json").read_text())
        assert doc["source"] == items[rec["id"]]["source"] and doc["pdf_failures"] == items[rec["id"]]["pdf_failures"]
    assert (
        json.loads((tmp_path / "extracted" / f"{crash['id']}.json").read_text())["pdf"]
        == records[2]["attachments"][1]["path"]
    )


def test_workers_default_to_the_usable_cpus():
    assert CorpusConfig().workers is None
    assert P.extract_workers(CorpusConfig(), 10_000) == min(P.usable_cpus(), 10_000 // P.MIN_DOCS_PER_WORKER)
    assert P.extract_workers(CorpusConfig(workers=8), 3) == 1  # a handful of documents: in-process
    with pytest.raises(ValueError):
        CorpusConfig(workers=0)
