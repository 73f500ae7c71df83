"""The corpus stage: extract -> clean -> [llm] -> format, one folder per phase.

The format phase is a list of steps (filters, dedup, families, split, leak check, rows,
writers; see corpus/steps.py for the step interface), named in ``corpus.format_steps``.

Each phase writes one JSON per document (atomically) carrying the hash of its inputs and
settings, and skips documents whose hash is unchanged, so phases can be re-run alone and a
killed run continues. Each phase writes a report listing every document's outcome with a
named reason for failures and drops.

    extracted/<ID>.json   pages and lines of the chosen PDF (or the page-body fallback) + why
    cleaned/<ID>.json     title, date, body, source, removed-line counts;  cleaned/report.json
    llm/<ID>.json         LLM-cleaned body or the regex body with the rejection reason; llm/cache/
    dataset/              train.jsonl, eval.jsonl, documents.jsonl, dropped.jsonl, stats.json,
                          lengths.png, README.md; with knowledge augmentation also train.<mix>.jsonl,
                          augment/<ID>.json, probe.json and qa_valid.jsonl (held-out QA about
                          trained facts, one row per question: id, question, answer, aliases, fact_kind)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from presstune.cache import move_aside
from presstune.config.corpus import CorpusConfig
from presstune.console import phase as progress_phase
from presstune.corpus import boilerplate, clean, steps
from presstune.corpus import format as formatting
from presstune.corpus.augment import card_section
from presstune.corpus.dedup import detect_language, preference
from presstune.corpus.extract import Line, PdfError, PdfText, extract_pdf
from presstune.corpus.keys import input_hash, safe_file_name
from presstune.corpus.llm import clean_with_llm, make_backend
from presstune.portal import PRESSCLUB, PortalProfile
from presstune.records import ArticleRecord
from presstune.rundir import RunDir, atomic_write_json, atomic_write_text, read_jsonl
from presstune.runlock import run_lock

log = logging.getLogger(__name__)

#: Bump when a phase's output for the same input changes (forces a re-run of that phase).
EXTRACT_VERSION = "2"
CLEAN_VERSION = "4"
LLM_VERSION = "1"

PHASES = {
    "regex": ("extract", "clean"),
    "llm": ("llm",),
    "format": ("format",),
    "no-llm": ("extract", "clean", "format"),
    "all": ("extract", "clean", "llm", "format"),
}


def _file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def load_articles(run: Path) -> list[dict[str, Any]]:
    """articles.jsonl validated as ArticleRecord; later lines for the same id supersede earlier."""
    from pydantic import ValidationError

    by_id: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(read_jsonl(RunDir(run).articles)):
        try:
            rec = ArticleRecord.model_validate(row)
        except ValidationError as exc:
            log.warning("articles.jsonl line %d: invalid record skipped: %s", i + 1, exc.errors()[0]["msg"])
            continue
        by_id[rec.id] = rec.model_dump()
    return list(by_id.values())


def primary_language(rec_language: str) -> str:
    return rec_language.split("_")[0].lower()


# -- extract -------------------------------------------------------------------------------------


def _pdf_candidates(rec: dict[str, Any]) -> list[dict[str, Any]]:
    pdfs = [a for a in rec.get("attachments", []) if a.get("type") == "pdf"]
    printable = [a for a in pdfs if "printable" in (a.get("label") or "").lower()]
    return printable or pdfs


def extract_article(rec: dict[str, Any], run: Path, cfg: CorpusConfig) -> dict[str, Any]:
    """Pick the text source of one article; every PDF that is not used gets a named reason."""
    attempts: list[dict[str, Any]] = []
    for att in _pdf_candidates(rec):
        where = att.get("path") or att.get("url")
        if att.get("status") != "ok" or not att.get("path"):
            attempts.append({"attachment": where, "reason": f"not_downloaded_{att.get('status')}"})
            continue
        try:
            pdf = extract_pdf(run / att["path"], cfg.pdf_engine)
        except PdfError as exc:
            attempts.append({"attachment": where, "reason": exc.reason, "detail": exc.detail})
            continue
        except Exception as exc:  # a PDF that crashes the engine must not stop the run
            attempts.append({"attachment": where, "reason": "corrupt", "detail": f"{type(exc).__name__}: {exc}"})
            continue
        if pdf.chars() < cfg.min_pdf_chars:
            attempts.append(
                {
                    "attachment": where,
                    "reason": "no_text_layer",
                    "detail": f"{pdf.chars()} characters on {pdf.n_pages} pages (scanned?)",
                }
            )
            continue
        if cfg.check_pdf_language:
            lang = detect_language(pdf.plain())
            want = primary_language(rec["language"])
            if lang != want:
                attempts.append(
                    {"attachment": where, "reason": "pdf_language_mismatch", "detail": f"pdf {lang}, article {want}"}
                )
                continue
        pages = [
            [
                [l.text, _r(l.x0), _r(l.x1), _r(l.top), _r(l.bottom), int(l.gap_before), int(l.col_start), int(l.table)]
                for l in page
            ]
            for page in pdf.pages
        ]
        return {"source": "pdf", "pdf": att["path"], "engine": pdf.engine, "pages": pages, "pdf_failures": attempts}
    return {"source": "html", "pdf": None, "engine": None, "pages": None, "pdf_failures": attempts}


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _pdf_from_json(pages: list[list[list[Any]]], engine: str) -> PdfText:
    out = PdfText(engine=engine)
    for page in pages:
        out.pages.append(
            [
                Line(
                    text=t, x0=x0, x1=x1, top=top, bottom=bottom, gap_before=bool(g), col_start=bool(c), table=bool(tb)
                )
                for t, x0, x1, top, bottom, g, c, tb in page
            ]
        )
    return out


#: Fewer documents to extract than this per worker and the extract phase uses fewer workers
#: (below twice this, none: it stays in-process). Measured on the replica, 2 cores: up to ~30
#: documents a pool saves nothing (the language model's load, ~0.5 s, is paid either way).
MIN_DOCS_PER_WORKER = 16
#: The same where workers cannot be forked from this process (forkserver/spawn: this process
#: runs other threads, or not Linux): each worker then starts an interpreter (~1-1.5 s).
MIN_DOCS_PER_SPAWNED_WORKER = 100
#: Documents per task sent to a worker (fewer round trips; small enough to balance the load).
CHUNK_DOCS = 8


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def extract_workers(cfg: CorpusConfig, n_docs: int) -> int:
    """Processes the extract phase uses for ``n_docs`` documents (1 = in this process)."""
    workers = cfg.workers or usable_cpus()
    return max(1, min(workers, n_docs // MIN_DOCS_PER_WORKER))


def _mp_context():
    """fork (cheap, shares the loaded language model) when this process runs no other Python
    thread; else forkserver, as forking a process whose threads may hold locks can deadlock."""
    import multiprocessing as mp
    import threading

    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["presstune.corpus.pipeline"])
    return ctx


#: Threads writing extracted/<ID>.json behind the extraction (each write is fsync'd: I/O wait).
WRITER_THREADS = 4


def _extract_chunk(run: Path, cfg: CorpusConfig, jobs: list[tuple]) -> list[tuple[str, list]]:
    """Extract documents in order; each extracted/<ID>.json is written atomically by a writer
    thread while the next document is extracted, and all are on disk before this returns."""
    from concurrent.futures import ThreadPoolExecutor

    out = []
    with ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="extract-write") as writer:
        writes = []
        for rec, h, path in jobs:
            result = extract_article(rec, run, cfg)
            writes.append(
                writer.submit(atomic_write_json, Path(path), {"id": rec["id"], "input_hash": h, **result}, indent=None)
            )
            out.append((result["source"], result["pdf_failures"]))
        for w in writes:
            w.result()  # a failed write fails the phase, as before
    return out


def _extract_article_task(rec: dict[str, Any], run: Path, cfg: CorpusConfig) -> dict[str, Any]:
    return extract_article(rec, run, cfg)


def _in_fresh_process(ctx, fn, *args):
    """``fn(*args)`` in a new one-process pool; raises BrokenProcessPool if that process dies."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


def _extract_crashed(run: Path, cfg: CorpusConfig, job: tuple, ctx) -> tuple[str, list]:
    """A document whose process died (a PDF that crashes the engine): its PDFs one by one, each
    in a fresh process, so the one that kills it gets a named failure (``engine_crash``) and
    the article goes on with its next PDF or the page body, as for any other bad PDF."""
    from concurrent.futures.process import BrokenProcessPool

    rec, h, path = job
    attempts: list[dict[str, Any]] = []
    result = None
    for att in _pdf_candidates(rec):
        try:
            res = _in_fresh_process(ctx, _extract_article_task, {**rec, "attachments": [att]}, run, cfg)
        except BrokenProcessPool:
            attempts.append(
                {
                    "attachment": att.get("path") or att.get("url"),
                    "reason": "engine_crash",
                    "detail": "the extraction process died on this PDF",
                }
            )
            continue
        attempts += res["pdf_failures"]
        if res["source"] == "pdf":
            result = {**res, "pdf_failures": attempts}
            break
    if result is None:
        result = {"source": "html", "pdf": None, "engine": None, "pages": None, "pdf_failures": attempts}
    log.warning("extract: %s killed its worker process; pdf failures %s", rec["id"], [a["reason"] for a in attempts])
    atomic_write_json(Path(path), {"id": rec["id"], "input_hash": h, **result}, indent=None)
    return result["source"], result["pdf_failures"]


def _extract_one_by_one(run: Path, cfg: CorpusConfig, jobs: list[tuple], ctx) -> list[tuple[str, list]]:
    """After a worker died: the unfinished documents one at a time in one worker process, so a
    death names its document (handled by :func:`_extract_crashed`; then a new process goes on)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    out: list[tuple[str, list]] = []
    pool = None
    try:
        for job in jobs:
            pool = pool or ProcessPoolExecutor(max_workers=1, mp_context=ctx)
            try:
                out.append(pool.submit(_extract_chunk, run, cfg, [job]).result()[0])
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                pool = None
                out.append(_extract_crashed(run, cfg, job, ctx))
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return out


def _extract_jobs(run: Path, cfg: CorpusConfig, jobs: list[tuple]) -> list[tuple[str, list]]:
    """(source, pdf_failures) per job, in the jobs' order, in-process or over a process pool."""
    workers = extract_workers(cfg, len(jobs))
    if workers <= 1:
        return _extract_chunk(run, cfg, jobs)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = _mp_context()
    if ctx.get_start_method() != "fork":
        # Fresh interpreters: each worker imports the stage and loads the language model itself.
        workers = max(1, min(workers, len(jobs) // MIN_DOCS_PER_SPAWNED_WORKER))
        if workers <= 1:
            return _extract_chunk(run, cfg, jobs)
    elif cfg.check_pdf_language:
        detect_language("warm up")  # load the language model once; the forked workers share it
    size = max(1, min(CHUNK_DOCS, len(jobs) // (workers * 4)))
    chunks = [(i, jobs[i : i + size]) for i in range(0, len(jobs), size)]
    results: list[Any] = [None] * len(jobs)
    broken: list[tuple[int, list[tuple]]] = []
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    try:
        futures = [(i, chunk, pool.submit(_extract_chunk, run, cfg, chunk)) for i, chunk in chunks]
        for i, chunk, future in futures:
            try:
                results[i : i + len(chunk)] = future.result()
            except BrokenProcessPool:  # a worker died: every unfinished chunk is redone below
                broken.append((i, chunk))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if broken:
        log.warning(
            "extract: a worker process died; %d documents again one by one", sum(len(chunk) for _, chunk in broken)
        )
        redo = _extract_one_by_one(run, cfg, [job for _, chunk in broken for job in chunk], ctx)
        slots = [i + k for i, chunk in broken for k in range(len(chunk))]
        for slot, res in zip(slots, redo):
            results[slot] = res
    return results


def phase_extract(run: Path, records: list[dict[str, Any]], cfg: CorpusConfig) -> dict[str, Any]:
    out_dir = run / "extracted"
    settings = {
        "v": EXTRACT_VERSION,
        "engine": cfg.pdf_engine,
        "min_pdf_chars": cfg.min_pdf_chars,
        "check_pdf_language": cfg.check_pdf_language,
    }
    report: list[dict[str, Any]] = []
    jobs, slots = [], []
    for rec in records:
        pdf_shas = [_file_sha(run / a["path"]) if a.get("path") else None for a in _pdf_candidates(rec)]
        rec_key = {k: rec.get(k) for k in ("id", "language", "title", "subtitle", "date", "body", "attachments")}
        h = input_hash(settings, rec_key, pdf_shas)
        path = out_dir / f"{safe_file_name(rec['id'])}.json"
        old = _read_json(path)
        if old and old.get("input_hash") == h:
            report.append(
                {"id": rec["id"], "source": old["source"], "pdf_failures": old["pdf_failures"], "skipped": True}
            )
            continue
        slots.append(len(report))
        report.append({})
        jobs.append((rec, h, str(path)))
    for slot, (rec, _, _), (source, failures) in zip(slots, jobs, _extract_jobs(run, cfg, jobs)):
        report[slot] = {"id": rec["id"], "source": source, "pdf_failures": failures, "skipped": False}
    counts = Counter("skipped" if r["skipped"] else r["source"] for r in report)  # in the records' order
    failure_counts = Counter(f["reason"] for r in report for f in r["pdf_failures"])
    summary = {"documents": len(report), "counts": dict(counts), "pdf_failures": dict(failure_counts)}
    atomic_write_json(out_dir / "report.json", {**summary, "items": report})
    return summary


# -- clean ---------------------------------------------------------------------------------------


def clean_document(
    rec: dict[str, Any],
    ext: dict[str, Any],
    cfg: CorpusConfig,
    rules: boilerplate.PortalRules = boilerplate.PRESSCLUB_RULES,
) -> dict[str, Any]:
    title, subtitle = rec.get("title"), rec.get("subtitle")
    html = clean.clean_html(rec.get("body") or "", title, subtitle, cfg.remove_boilerplate, rules)
    source, body, removed, note = "html", html.body, html.removed, None
    if ext["source"] == "pdf":
        pdf = clean.clean_pdf(
            _pdf_from_json(ext["pages"], ext["engine"]),
            title,
            subtitle,
            cfg.header_footer_share,
            cfg.header_footer_zone,
            cfg.remove_boilerplate,
            rules=rules,
        )
        if html.body and len(pdf.body) < cfg.min_pdf_to_html_ratio * len(html.body):
            note = f"pdf_much_shorter_than_page ({len(pdf.body)} vs {len(html.body)} chars): page body used"
        elif html.body and len(pdf.body) > cfg.max_pdf_to_html_ratio * len(html.body):
            # An annual report or spec book attached as the printable version: not this release.
            note = f"pdf_much_longer_than_page ({len(pdf.body)} vs {len(html.body)} chars): page body used"
        else:
            source, body, removed = "pdf", pdf.body, pdf.removed
    doc = {
        "id": rec["id"],
        "language": rec["language"],
        "title": clean.normalize_text(title or "").strip(),
        #: The teaser ("+++ ... +++"): kept once, at the top of the document's rows; a repeat
        #: of it at the start of the body is removed from the body (counted in removed). A
        #: teaser the body's opening holds whole (a cut prefix of the lead, the lead behind a
        #: dateline) is the repeat instead: the body keeps its text and the teaser goes.
        "teaser": "" if removed.get("teaser_in_body") else clean.normalize_text(subtitle or "").strip(),
        "date": rec.get("date"),
        "source": source,
        "body": body,
        "chars": len(body),
        "removed": dict(removed),
        "pdf_failures": ext["pdf_failures"],
        "note": note,
        "status": "ok" if body.strip() else "failed",
        "reason": None if body.strip() else "no_text",
    }
    if not body.strip():
        why = [f["reason"] for f in ext["pdf_failures"]] or ["no_pdf"]
        doc["detail"] = f"empty page body and no usable PDF ({', '.join(why)})"
    return doc


def phase_clean(
    run: Path, records: list[dict[str, Any]], cfg: CorpusConfig, profile: PortalProfile = PRESSCLUB
) -> dict[str, Any]:
    out_dir = run / "cleaned"
    rules = boilerplate.PortalRules.of(profile.boilerplate)
    settings = {
        "v": CLEAN_VERSION,
        "share": cfg.header_footer_share,
        "zone": cfg.header_footer_zone,
        "boilerplate": cfg.remove_boilerplate,
        "ratio": cfg.min_pdf_to_html_ratio,
        "max_ratio": cfg.max_pdf_to_html_ratio,
        "portal": profile.boilerplate.model_dump(),
    }
    items = []
    counts: Counter = Counter()
    for rec in records:
        ext = _read_json(run / "extracted" / f"{safe_file_name(rec['id'])}.json")
        if ext is None:
            items.append({"id": rec["id"], "status": "failed", "reason": "not_extracted"})
            counts["failed:not_extracted"] += 1
            continue
        h = input_hash(settings, ext["input_hash"], rec.get("title"), rec.get("subtitle"), rec.get("body"))
        path = out_dir / f"{safe_file_name(rec['id'])}.json"
        old = _read_json(path)
        skipped = bool(old and old.get("input_hash") == h)
        doc = old if skipped and old is not None else {"input_hash": h, **clean_document(rec, ext, cfg, rules)}
        if not skipped:
            atomic_write_json(path, doc, indent=None)
        counts["skipped" if skipped else "processed"] += 1
        counts[f"{doc['status']}:{doc['source'] if doc['status'] == 'ok' else doc['reason']}"] += 1
        items.append(
            {
                "id": doc["id"],
                "status": doc["status"],
                "reason": doc["reason"],
                "source": doc["source"],
                "chars": doc["chars"],
                "pdf_failures": doc["pdf_failures"],
                "removed": doc["removed"],
                "note": doc.get("note"),
                "skipped": skipped,
            }
        )
    summary = {
        "documents": len(items),
        "counts": dict(counts),
        "pdf_failures": dict(Counter(f["reason"] for it in items for f in it.get("pdf_failures", []))),
    }
    atomic_write_json(out_dir / "report.json", {**summary, "items": items})
    return summary


def cleaned_docs(run: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    docs = []
    for rec in records:
        doc = _read_json(run / "cleaned" / f"{safe_file_name(rec['id'])}.json")
        if doc and doc.get("status") == "ok":
            docs.append(doc)
    return docs


# -- llm -----------------------------------------------------------------------------------------


def phase_llm(
    run: Path, records: list[dict[str, Any]], cfg: CorpusConfig, backend=None, token_counter=None
) -> dict[str, Any]:
    out_dir = run / "llm"
    docs = cleaned_docs(run, records)
    if not docs:
        raise RuntimeError(f"{run}/cleaned has no documents: run the regex phase first")
    backend = backend or make_backend(cfg.llm)
    settings = {
        "v": LLM_VERSION,
        "backend": backend.name,
        **cfg.llm.model_dump(exclude={"api_key_env", "timeout", "concurrency", "batch_size"}),
    }
    todo, items = [], []
    counts: Counter = Counter()
    for doc in docs:
        h = input_hash(settings, doc["input_hash"])
        old = _read_json(out_dir / f"{safe_file_name(doc['id'])}.json")
        if old and old.get("input_hash") == h:
            counts["skipped"] += 1
            counts[old["status"]] += 1
            items.append({"id": doc["id"], "status": old["status"], "reason": old["reason"], "skipped": True})
            continue
        todo.append((doc, h))
    if todo:
        results = clean_with_llm([d for d, _ in todo], backend, cfg.llm, out_dir / "cache", token_counter)
        for (doc, h), res in zip(todo, results):
            atomic_write_json(
                out_dir / f"{safe_file_name(doc['id'])}.json",
                {"id": doc["id"], "input_hash": h, "cleaned_hash": doc["input_hash"], **res},
                indent=None,
            )
            counts[res["status"]] += 1
            if res["reason"]:
                counts[f"rejected:{res['reason']}"] += 1
            items.append({"id": doc["id"], "status": res["status"], "reason": res["reason"], "skipped": False})
    summary = {"documents": len(items), "backend": backend.name, "counts": dict(counts)}
    atomic_write_json(out_dir / "report.json", {**summary, "items": items})
    return summary


# -- format --------------------------------------------------------------------------------------


def read_cleaned(run: Path, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The format phase's input: cleaned documents, with the LLM body where it was accepted for
    this very cleaned version; returns (documents, how many carry an LLM body)."""
    docs = cleaned_docs(run, records)
    if not docs:
        raise RuntimeError(
            f"{run}/cleaned has no usable documents: run the regex phase first (see cleaned/report.json)"
        )
    n_llm = 0
    for doc in docs:
        llm = _read_json(run / "llm" / f"{safe_file_name(doc['id'])}.json")
        if llm and llm.get("cleaned_hash") == doc["input_hash"] and llm.get("status") == "accepted":
            doc["body"], doc["llm"] = llm["body"], True
            n_llm += 1
    docs = [
        {k: d[k] for k in ("id", "language", "title", "date", "source", "body")}
        | {"teaser": d.get("teaser", ""), "llm": d.get("llm", False)}
        for d in docs
    ]
    return docs, n_llm


def phase_format(
    run: Path, records: list[dict[str, Any]], cfg: CorpusConfig, tokenizer=None, profile: PortalProfile = PRESSCLUB
) -> dict[str, Any]:
    """Cleaned documents through ``corpus.format_steps`` (see corpus/steps.py), then the card."""
    docs, n_llm = read_cleaned(run, records)
    ctx = steps.Context(cfg=cfg, run=run, tokenizer=tokenizer, profile=profile)
    kept = steps.run_steps(docs, steps.build_steps(cfg.format_steps or steps.DEFAULT_STEPS), ctx)
    out = RunDir(run).dataset
    ctx.exclusions.write(out / "dropped.jsonl")
    stats = _write_card(run, cfg, ctx, kept, n_llm)
    leaks = ctx.stats.get("leaks", [])
    if leaks:
        log.warning("leak check: %d train/eval pairs look related (stats.json leak_pairs): %s", len(leaks), leaks[:3])
    return {
        k: stats[k] for k in ("documents", "rows", "sources", "dropped", "families", "near_duplicate_pairs", "leaks")
    }


def _write_card(run: Path, cfg: CorpusConfig, ctx, kept: list[dict[str, Any]], n_llm: int) -> dict[str, Any]:
    """lengths.png, README.md (the dataset card) and stats.json from what the steps recorded."""
    kept = sorted(kept, key=preference)  # counts listed in the order of first appearance
    out = RunDir(run).dataset
    tokens = ctx.stats.get("tokens", {"train": [], "eval": []})
    pairs = ctx.stats.get("near_duplicate_pairs", [])
    formatting.histogram_png(out / "lengths.png", tokens)
    cleaned_report = _read_json(run / "cleaned" / "report.json") or {}
    failed_clean = Counter(it["reason"] for it in cleaned_report.get("items", []) if it.get("status") != "ok")
    dropped_counts = ctx.exclusions.counts() + Counter({f"cleaning:{k}": v for k, v in failed_clean.items()})
    if ctx.stats.get("rows_over_max_tokens"):
        dropped_counts["rows_over_max_tokens"] = ctx.stats["rows_over_max_tokens"]
    stats = {
        "built": formatting.now(),
        "style": cfg.style,
        "tokenizer": getattr(ctx.tokenizer, "name_or_path", None) or cfg.tokenizer,
        "documents": {s: sum(1 for d in kept if d.get("split") == s) for s in ("train", "eval")},
        "rows": ctx.stats.get("rows", {"train": 0, "eval": 0}),
        "tokens": tokens,
        "sources": dict(Counter(d["source"] for d in kept)),
        "languages": dict(Counter(d["language"] for d in kept)),
        "llm_cleaned": n_llm,
        "dropped": dict(dropped_counts),
        "split": cfg.split,
        "train_ratio": cfg.train_ratio,
        "seed": cfg.seed,
        "families": len({d["family"] for d in kept if "family" in d}),
        "near_duplicate_pairs": len(pairs),
        "near_dup_threshold": cfg.near_dup_threshold,
        "shingle_size": cfg.shingle_size,
        "leaks": len(ctx.stats.get("leaks", [])),
        "leak_jaccard": cfg.leak_jaccard,
        "headline_pairs": len(ctx.stats.get("headline_pairs", [])),
        "families_joined_by_headline": ctx.stats.get("families_joined_by_headline", 0),
        "headline_window_days": cfg.headline_window_days,
        "headline_similarity": cfg.headline_similarity,
        "pii_scrubbed": dict(ctx.stats.get("pii_scrubbed", {})) if cfg.scrub_pii else None,
        "teaser": _teaser_counts(kept, cleaned_report),
        "pdf_failures": cleaned_report.get("pdf_failures", {}),
    }
    card = formatting.card(stats)
    if ctx.stats.get("augment"):
        stats["augment"] = ctx.stats["augment"]
        card += "\n".join(card_section(stats["augment"]))
    atomic_write_text(out / "README.md", card)
    atomic_write_json(
        RunDir(run).dataset_stats,
        {
            **stats,
            "tokens": {k: {"sum": sum(v), "n": len(v), "max": max(v, default=0)} for k, v in tokens.items()},
            "near_duplicate_pairs_list": pairs,
            "headline_pairs_list": ctx.stats.get("headline_pairs", []),
            "leak_pairs": ctx.stats.get("leaks", []),
        },
    )
    return stats


def _teaser_counts(kept: list[dict[str, Any]], cleaned_report: dict[str, Any]) -> dict[str, int]:
    """Documents with a teaser (kept once at the top of their rows) and body repeats removed."""
    removed = {it["id"]: it.get("removed") or {} for it in cleaned_report.get("items", [])}
    return {
        "documents_with_teaser": sum(1 for d in kept if d.get("teaser")),
        "body_repeats_removed": sum(1 for d in kept if removed.get(d["id"], {}).get("subtitle")),
        "teasers_inside_body": sum(1 for d in kept if removed.get(d["id"], {}).get("teaser_in_body")),
    }


# -- entry point ---------------------------------------------------------------------------------


def build_corpus(
    cfg: CorpusConfig,
    run_dir: str | Path,
    tokenizer=None,
    phase: str | None = None,
    llm_backend=None,
    profile: PortalProfile = PRESSCLUB,
) -> dict[str, Any]:
    """Run the configured phases on ``run_dir`` for the releases of ``profile``'s portal; returns
    a summary per phase (also in run.json)."""
    run = RunDir(run_dir)
    if not run.articles.exists():
        raise FileNotFoundError(f"{run.path}/articles.jsonl not found: run `presstune collect` first")
    phase = phase or cfg.phase
    records = load_articles(run.path)
    summary: dict[str, Any] = {"phase": phase}
    with run_lock(run.path, "corpus"), run.stage("corpus", phase=phase) as details:
        for step in PHASES[phase]:
            progress_phase(step)
            t0 = time.perf_counter()
            if step == "extract":
                summary[step] = phase_extract(run.path, records, cfg)
            elif step == "clean":
                summary[step] = phase_clean(run.path, records, cfg, profile)
            elif step == "llm":
                counter = None
                if tokenizer is not None:
                    counter = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
                summary[step] = phase_llm(run.path, records, cfg, llm_backend, counter)
            elif step == "format":
                summary[step] = phase_format(run.path, records, cfg, tokenizer, profile)
            summary[step]["seconds"] = round(time.perf_counter() - t0, 2)
        details.update(summary)
    return summary


def force_corpus(run: RunDir) -> list[str]:
    """Move the per-document outputs of the corpus phases to stale/ so every phase recomputes
    (the LLM phase's response cache ``llm/cache/`` stays: same prompt, same answer)."""
    llm = run / "llm"
    per_doc = [p for p in llm.iterdir() if p.name != "cache"] if llm.is_dir() else []
    return move_aside(run, [run / "extracted", run / "cleaned", *per_doc, run.dataset])
