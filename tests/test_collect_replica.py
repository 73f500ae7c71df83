"""End-to-end collect runs against the replica on 127.0.0.1: faults, kill -9 + resume,
conditional re-runs, politeness seen from the server's request log, listing fallback,
filters, hostile titles, CLI exit codes.

The replica's robots.txt says ``Crawl-delay: 1``; these tests cap it with
``max_crawl_delay`` so that each stays within seconds (Crawl-delay handling itself is
tested in test_collect_client.py with a 0.2 s delay).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers.fake_clock import FakeClock
from presstune.collect.parse import language_of
from presstune.collect.runner import run_collect
from presstune.config.collect import CollectConfig
from presstune.config.replica import FaultConfig
from presstune.replica.server import ReplicaServer
from presstune.replica.site import Site
from presstune.rundir import read_jsonl

pytestmark = pytest.mark.slow  # end-to-end collects against the replica, with kill -9 and resume

DISALLOWED = ("/global/my/", "/my/", "/global/oneclick/", "/global/search")
FAST = {
    "min_delay": 0.0,
    "max_crawl_delay": 0.0,
    "backoff_base": 0.02,
    "backoff_max": 0.2,
    "timeout": 5.0,
    "progress": False,
}


def conf(srv: ReplicaServer, **kw: Any) -> CollectConfig:
    return CollectConfig(base_url=srv.base_url, **{**FAST, **kw})


def records(run: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read_jsonl(run / "articles.jsonl")}


def files(run: Path, sub: str) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((run / sub).iterdir())}


def comparable(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k not in ("fetched_at",)}


def leftovers(run: Path) -> list[str]:
    return [str(p) for p in run.rglob("*") if p.name.endswith((".part", ".tmp"))]


def english(site: Site) -> list[str]:
    return [a.id for a in site.articles() if language_of(a.id) == "en"]


def check_politeness(log: list[dict[str, Any]], limit: int = 4) -> None:
    assert log and log[0]["path"] == "/robots.txt"
    assert not [e["path"] for e in log if e["path"].startswith(DISALLOWED)]
    assert all((e["user_agent"] or "").startswith("presstune/") for e in log)
    assert ReplicaServer.concurrency_of(log) <= limit


def test_faults_collect_the_same_set(tmp_path: Path) -> None:
    # The population of 2026-12-01: the fault plan (a function of the paths) hits an
    # attachment this 30-article crawl fetches; the hard cases' regional edits shift it.
    site = Site(articles=30, seed=5, hard_cases=False)
    faults = FaultConfig(
        error_5xx=0.1,
        rate_limit_429=0.04,
        retry_after=1,
        reset=0.05,
        slow=0.05,
        slow_seconds=0.3,
        truncated_pdf=0.15,
        max_failures=2,
        html_instead_of_pdf=0.05,
        oversized=1,
        oversized_bytes=3_000_000,
        changed_layout=0.05,
    )
    with ReplicaServer(site, faults="none") as clean:
        ref = run_collect(conf(clean, max_pdf_bytes=2_000_000), tmp_path / "clean")
    # One fake clock for both sides: the client's waits (Retry-After, backoff) and the server's slow
    # answers pass no wall time, and the server's log is stamped with the time the client waited by.
    clock = FakeClock()
    with ReplicaServer(site, faults=faults, clock=clock, sleep=clock.sleep_blocking) as srv:
        got = run_collect(conf(srv, max_pdf_bytes=2_000_000), tmp_path / "faulty", clock=clock, sleep=clock.sleep)
        log = srv.request_log_snapshot()
        permanent = srv.permanent_faults
    assert ref.failed_articles == 0 and ref.pdfs_failed == 0 and ref.exit_code == 0
    a, b = records(tmp_path / "clean"), records(tmp_path / "faulty")
    assert set(a) == set(english(site))
    broken_pages = set(permanent["changed_layout"]) & set(a)
    assert broken_pages, "the fault plan should break at least one English page"
    assert set(b) == set(a) - broken_pages
    broken_files = {p for p in permanent["html_instead_of_pdf"] + permanent["oversized"]}
    expected_failures = {("page", i) for i in broken_pages}
    for article_id, rec in b.items():
        assert comparable({**rec, "attachments": None, "etag": None}) == comparable(
            {**a[article_id], "attachments": None, "etag": None}
        )
        for att_b, att_a in zip(rec["attachments"], a[article_id]["attachments"], strict=True):
            path = att_b["url"].split("127.0.0.1", 1)[1].split("/", 1)[1]
            if "/" + path in broken_files:
                assert att_b["status"] == "failed" and att_b["error"].startswith(("not a PDF", "too large")), att_b
                expected_failures.add(("attachment", att_b["url"]))
            else:
                assert (att_b["status"], att_b["path"], att_b["sha256"]) == (
                    att_a["status"],
                    att_a["path"],
                    att_a["sha256"],
                )
    # every uncollectable item is named in the report, with a reason and attempts
    report = json.loads((tmp_path / "faulty" / "collect_report.json").read_text())
    named = {(f["kind"], f["id"] if f["kind"] == "page" else f["url"]) for f in report["failures"]}
    assert named == expected_failures
    assert all(f["reason"] and f["attempts"] >= 1 for f in report["failures"])
    assert any("changed layout" in f["reason"] for f in report["failures"])
    pdfs_a, pdfs_b = files(tmp_path / "clean", "pdfs"), files(tmp_path / "faulty", "pdfs")
    assert all(pdfs_a[name] == digest for name, digest in pdfs_b.items())
    assert got.retries > 0 and got.exit_code == 0 and not leftovers(tmp_path / "faulty")
    # politeness, from the server's side
    check_politeness(log)
    limited = [e for e in log if e["status"] == 429]
    assert limited, "the fault plan should answer 429 at least once"
    for entry in limited:
        later = [e for e in log if e["path"] == entry["path"] and e["started"] > entry["started"]]
        assert later and later[0]["started"] - entry["ended"] >= 1.0  # Retry-After: 1 honoured
    # every kind of fault of the issue was met (faults are a pure function of seed and path)
    assert {e["fault"] for e in log} >= {"5xx", "429", "reset", "slow", "truncated", "html_instead_of_pdf", "oversized"}
    reasons = " ".join(f["reason"] for f in report["failures"])
    assert "not a PDF" in reasons and "too large" in reasons and "changed layout" in reasons


def _cli(srv: ReplicaServer, run: Path, *extra: str) -> list[str]:
    sets = [f"collect.{k}={json.dumps(v)}" for k, v in FAST.items()]
    cmd = [sys.executable, "-m", "presstune.collect", "collect", "--base-url", srv.base_url, "--run", str(run), *extra]
    for s in sets:
        cmd += ["--set", s]
    return cmd


def test_sigkill_and_resume(tmp_path: Path) -> None:
    site = Site(articles=60, seed=7)
    with ReplicaServer(site, latency=0.01) as srv:
        run_collect(conf(srv), tmp_path / "whole")
        run = tmp_path / "killed"
        for threshold in (6, 20):  # kill -9 twice, at different points, then let it finish
            srv.clear_log()
            done_before = records(run) if (run / "articles.jsonl").exists() else {}
            proc = subprocess.Popen(_cli(srv, run), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(read_jsonl(run / "articles.jsonl")) < threshold:
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            # right after the kill: whatever sits under a final name is complete (byte-equal to the
            # uninterrupted run's file); in-flight downloads may only exist as *.part / *.tmp
            for sub in ("pdfs", "html"):
                whole_files = files(tmp_path / "whole", sub)
                for p in (run / sub).iterdir():
                    if not p.name.endswith((".part", ".tmp")):
                        assert hashlib.sha256(p.read_bytes()).hexdigest() == whole_files[p.name], p
            # nothing that was complete before this attempt was fetched again
            log = srv.request_log_snapshot()
            assert [e["path"] for e in log for i in done_before if f"/{i}" in e["path"]] == []
        done_before = records(run)
        assert 20 <= len(done_before) < len(english(site)), "the kills should land mid-run"
        srv.clear_log()
        again = subprocess.run(_cli(srv, run), capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        log = srv.request_log_snapshot()
    whole = tmp_path / "whole"
    assert {k: comparable(v) for k, v in records(run).items()} == {k: comparable(v) for k, v in records(whole).items()}
    assert files(run, "pdfs") == files(whole, "pdfs") and files(run, "html") == files(whole, "html")
    assert not leftovers(run)
    assert len(read_jsonl(run / "articles.jsonl")) == len(records(run))  # compacted: one line per id
    assert [e["path"] for e in log for i in done_before if f"/{i}" in e["path"]] == []
    assert not (run / "collect_journal.jsonl").exists() and (run / "collect_state.json").exists()
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["stages"]["collect"]["status"] == "done"


def test_rerun_uses_lastmod_then_etags(tmp_path: Path) -> None:
    site = Site(articles=24, seed=2)
    run = tmp_path / "run"
    with ReplicaServer(site) as srv:
        first = run_collect(conf(srv), run)
        n = len(english(site))
        assert first.collected == n and first.pdfs_downloaded > 0
        before = {p.name: p.stat().st_mtime_ns for p in (run / "pdfs").iterdir()}
        srv.clear_log()
        second = run_collect(conf(srv), run)  # sitemap lastmod unchanged -> no article request at all
        log2 = srv.request_log_snapshot()
        srv.clear_log()
        third = run_collect(conf(srv, use_sitemaps=False), run)  # listing: no lastmod -> conditional GETs
        log3 = srv.request_log_snapshot()
    assert second.unchanged == n and second.collected == 0 and second.pdfs_downloaded == 0
    assert not [e for e in log2 if "/article/detail/" in e["path"] or "/attachment/" in e["path"]]
    detail3 = [e for e in log3 if "/article/detail/" in e["path"]]
    assert len(detail3) == n and all(e["status"] == 304 and e["if_none_match"] for e in detail3)
    assert not [e for e in log3 if "/attachment/" in e["path"]]
    assert third.unchanged == n and third.collected == 0 and third.pdfs_downloaded == 0
    assert {p.name: p.stat().st_mtime_ns for p in (run / "pdfs").iterdir()} == before
    assert len(read_jsonl(run / "articles.jsonl")) == n


def test_listing_fallback_target_and_dates(tmp_path: Path) -> None:
    site = Site(articles=60, seed=4)
    newest = english(site)[:7]
    with ReplicaServer(site, sitemap=False) as srv:
        got = run_collect(conf(srv, target=7), tmp_path / "listing")
        log = srv.request_log_snapshot()
    assert got.discovery == "listing" and set(records(tmp_path / "listing")) == set(newest)
    assert not [e for e in log if "sitemap" in e["path"] and e["status"] == 200]
    check_politeness(log)
    with ReplicaServer(site) as srv:
        got = run_collect(conf(srv, target=7), tmp_path / "sitemap")
        assert got.discovery == "sitemap" and set(records(tmp_path / "sitemap")) == set(newest)
        days = sorted({a.date.date().isoformat() for a in site.articles()})
        lo, hi = days[len(days) // 3], days[2 * len(days) // 3]
        run_collect(conf(srv, date_from=lo, date_to=hi), tmp_path / "range")
    expected = {a.id for a in site.articles() if language_of(a.id) == "en" and lo <= a.date.date().isoformat() <= hi}
    recs = records(tmp_path / "range")
    assert set(recs) == expected and all(lo <= r["date"][:10] <= hi for r in recs.values())


def test_hostile_titles_are_stored_safely(tmp_path: Path) -> None:
    site = Site(articles=10, seed=9)
    targets = [a for a in site.articles() if language_of(a.id) == "en"][:3]
    hostile = ["../../etc/passwd", "\U0001f600" * 300, "..\\..\\windows\\system32 <script>alert(1)</script>"]
    for article, title in zip(targets, hostile):
        article.title = title
    run = tmp_path / "run"
    with ReplicaServer(site) as srv:
        got = run_collect(conf(srv), run)
    assert got.exit_code == 0
    recs = records(run)
    for article, title in zip(targets, hostile):
        assert recs[article.id]["title"] == title
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    allowed = {f"{i}.html" for i in recs} | {f"{i}{s}.pdf" for i in recs for s in ("", "-2", "-3", "-4", "-5", "-6")}
    assert {p.name for p in (run / "html").iterdir()} | {p.name for p in (run / "pdfs").iterdir()} <= allowed


def test_cli_exit_codes(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from presstune.collect import cli as collect_cli

    # Only this stage's command: other stages' CLIs must not be able to break this test.
    app = typer.Typer()
    app.callback()(lambda: None)
    collect_cli.register(app)

    with ReplicaServer(Site(articles=12, seed=1)) as srv:
        args = ["collect", "--base-url", srv.base_url, "--target", "3", "--concurrency", "2"]
        for k, v in FAST.items():
            args += ["--set", f"collect.{k}={json.dumps(v)}"]
        ok = CliRunner().invoke(app, [*args, "--run", str(tmp_path / "ok")])
        assert ok.exit_code == 0, ok.output
        assert len(records(tmp_path / "ok")) == 3
        none = CliRunner().invoke(app, [*args, "--run", str(tmp_path / "none"), "--language", "fr"])
        assert none.exit_code == 1 and "no articles match the filters (" in none.output
        log = srv.request_log_snapshot()
    check_politeness(log, limit=2)
    report = json.loads((tmp_path / "none" / "collect_report.json").read_text())
    assert report["summary"]["exit_code"] == 1
    manifest = json.loads((tmp_path / "ok" / "run.json").read_text())
    assert manifest["stages"]["collect"]["status"] == "done" and manifest["config"]["collect"]["target"] == 3


@pytest.mark.parametrize("name", ["collect-pressclub.yaml", "collect-replica.yaml"])
def test_shipped_configs_validate(name: str) -> None:
    from presstune.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / name)
    assert cfg.collect.selectors.body and cfg.collect.base_url.endswith("/global")


def httpx_get_status(url: str) -> int:
    import httpx

    return httpx.get(url, timeout=5).status_code


def test_links_to_other_hosts_are_never_requested(tmp_path: Path) -> None:
    """An attachment link and an extra sitemap on another host (a second replica reached as
    `localhost`, which would answer) are refused and named; that host sees no request at all."""
    site = Site(articles=12, seed=3)
    victim = next(a for a in site.articles() if language_of(a.id) == "en" and a.has_pdf)
    with ReplicaServer(site) as srv, ReplicaServer(Site(articles=12, seed=3)) as other:
        off_site = f"http://localhost:{other.port}{victim.attachments[0].url(victim.id)}"
        victim.attachments[0].url = lambda article_id: off_site  # type: ignore[method-assign]
        assert off_site in srv.site.article(victim.id).attachments[0].url(victim.id)
        assert httpx_get_status(off_site) == 200  # the other host is reachable and would serve it
        other.clear_log()
        got = run_collect(conf(srv, sitemaps=[f"http://localhost:{other.port}/sitemap_index.xml"]), tmp_path / "run")
        foreign = other.request_log_snapshot()
        log = srv.request_log_snapshot()
    assert foreign == []
    check_politeness(log)
    assert got.exit_code == 0 and set(records(tmp_path / "run")) == set(english(site))
    att = records(tmp_path / "run")[victim.id]["attachments"][0]
    assert att["url"] == off_site and att["status"] == "failed" and "not in allowed hosts" in att["error"]
    report = json.loads((tmp_path / "run" / "collect_report.json").read_text())
    assert [(f["kind"], f["url"]) for f in report["failures"]] == [("attachment", off_site)]
    assert {
        "url": f"http://localhost:{other.port}/sitemap_index.xml",
        "kind": "sitemap",
        "reason": "host not allowed",
    } in report["skipped"]


def test_per_host_concurrency_reaches_but_never_exceeds_the_limit(tmp_path: Path) -> None:
    """With a slow server there is always work waiting, so the limit is reached; the server's own
    in-flight counter and the log's overlap both stay at it."""
    site = Site(articles=12, seed=6)
    for limit in (1, 3):
        with ReplicaServer(site, latency=0.03) as srv:
            run_collect(conf(srv, concurrency_per_host=limit), tmp_path / f"run{limit}")
            log = srv.request_log_snapshot()
            peak = srv.max_concurrency
        check_politeness(log, limit=limit)
        assert ReplicaServer.concurrency_of(log) == limit and peak == limit, (limit, peak)


def test_changed_page_rechecks_its_pdfs_conditionally(tmp_path: Path) -> None:
    """Re-run after one page changed (listing discovery: no lastmod): every page is asked for with
    If-None-Match and If-Modified-Since; the changed one is re-parsed, and its PDFs are asked for
    conditionally (304, files untouched) instead of downloaded again."""
    site = Site(articles=16, seed=8)
    run = tmp_path / "run"
    changed = next(
        a
        for a in site.articles()
        if language_of(a.id) == "en" and a.has_pdf and sum(x.kind == "pdf" for x in a.attachments) >= 1
    )
    with ReplicaServer(site, sitemap=False) as srv:
        run_collect(conf(srv), run)
        before = {
            p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (run / "pdfs").iterdir()
        }
        changed.tags = [*changed.tags, "Updated tag"]  # the page changes; the PDF does not
        srv.clear_log()
        second = run_collect(conf(srv), run)
        log = srv.request_log_snapshot()
    detail = [e for e in log if "/article/detail/" in e["path"]]
    assert len(detail) == len(english(site))
    assert all(e["if_none_match"] and e["if_modified_since"] for e in detail)
    assert {e["path"].split("/")[4] for e in detail if e["status"] == 200} == {changed.id}
    assert all(e["status"] == 304 for e in detail if changed.id not in e["path"])
    pdf_requests = [e for e in log if "/attachment/" in e["path"]]
    wanted = {x.url(changed.id) for x in changed.attachments if x.kind == "pdf"}
    assert {e["path"] for e in pdf_requests} == wanted
    assert all(e["status"] == 304 and e["if_none_match"] and e["if_modified_since"] for e in pdf_requests)
    assert records(run)[changed.id]["tags"][-1] == "Updated tag"
    assert second.pdfs_downloaded == 0 and second.collected == 1 and second.unchanged == len(english(site)) - 1
    after = {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (run / "pdfs").iterdir()
    }
    assert after == before


def test_harsh_faults_sigkill_and_resume_end_with_the_fault_free_corpus(tmp_path: Path) -> None:
    """Issue 16's done-when: a collect under the replica's ``harsh`` faults, killed with SIGKILL twice
    and resumed, ends with the articles, pages and PDFs of a fault-free run (the corpus stage's
    whole input), except the replica's permanent faults, which are named."""
    site = Site(articles=24, seed=11)
    with ReplicaServer(site, faults="none") as clean:
        run_collect(conf(clean, max_pdf_bytes=2_000_000), tmp_path / "clean")
    run = tmp_path / "harsh"
    # Retry-After waits per request instead of host-wide: the same faults, a shorter test
    extra = ["--set", "collect.max_pdf_bytes=2000000", "--set", 'collect.retry_after_scope="request"']
    with ReplicaServer(site, faults="harsh", latency=0.01) as srv:
        permanent = srv.permanent_faults
        for threshold in (3, 8):
            proc = subprocess.Popen(_cli(srv, run, *extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(read_jsonl(run / "articles.jsonl")) < threshold:
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        killed_at = len(records(run))
        done = subprocess.run(_cli(srv, run, *extra), capture_output=True, text=True, timeout=180)
        log = srv.request_log_snapshot()
    assert done.returncode == 0, done.stderr
    a, b = records(tmp_path / "clean"), records(run)
    assert 3 <= killed_at < len(a), "the kills should land mid-run"
    assert {e["fault"] for e in log} & {"5xx", "429", "reset", "slow", "truncated"}, "harsh faults were met"
    broken_pages = set(permanent["changed_layout"]) & set(a)
    assert set(b) == set(a) - broken_pages
    broken_files = set(permanent["html_instead_of_pdf"] + permanent["oversized"])
    for article_id, rec in b.items():
        assert comparable({**rec, "attachments": None, "etag": None}) == comparable(
            {**a[article_id], "attachments": None, "etag": None}
        )
        for att_b, att_a in zip(rec["attachments"], a[article_id]["attachments"], strict=True):
            if "/" + att_b["url"].split("127.0.0.1", 1)[1].split("/", 1)[1] in broken_files:
                assert att_b["status"] == "failed" and att_b["error"].startswith(("not a PDF", "too large")), att_b
            else:
                assert (att_b["status"], att_b["path"], att_b["sha256"]) == (
                    att_a["status"],
                    att_a["path"],
                    att_a["sha256"],
                )
    clean_pdfs = files(tmp_path / "clean", "pdfs")
    assert all(clean_pdfs[name] == digest for name, digest in files(run, "pdfs").items())
    assert {p for p in clean_pdfs if p not in files(run, "pdfs")} == {
        Path(att["path"]).name
        for rec in a.values()
        for att in rec["attachments"]
        if att["path"]
        and (
            rec["id"] in broken_pages
            or att["url"].split("127.0.0.1", 1)[1].split("/", 1)[1] in {f[1:] for f in broken_files}
        )
    }
    clean_html = files(tmp_path / "clean", "html")
    harsh_html = {k: v for k, v in files(run, "html").items() if k[: -len(".html")] not in broken_pages}
    assert harsh_html == {k: v for k, v in clean_html.items() if k[: -len(".html")] in b}  # broken: kept as served
    report = json.loads((run / "collect_report.json").read_text())
    assert {f["id"] for f in report["failures"] if f["kind"] == "page"} == broken_pages
    assert not leftovers(run) and len(read_jsonl(run / "articles.jsonl")) == len(b)
