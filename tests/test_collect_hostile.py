"""The collector against hostile or broken servers (issue 16, items 1-10), each with a scripted
server on 127.0.0.1 built here; bodies are bounded (a bomb is 64 MiB decoded, ~65 KB sent) and
so are slow servers (a dribble stops after 10 s)."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from helpers.scripted_http import PDF, Scripted, send
from presstune.collect.client import Fetcher, FetchError
from presstune.collect.parse import language_of, node_text, parse_sitemap, safe_name
from presstune.collect.runner import run_collect
from presstune.config.collect import CollectConfig
from presstune.rundir import read_jsonl

MiB = 1024 * 1024
SM_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _deflate(data_chunks: Any, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(z.compress(c) for c in data_chunks) + z.flush()


_BOMB: dict[str, bytes] = {}


def bomb() -> bytes:
    """gzip of 64 MiB of zeros (about 65 KB)."""
    if "gz" not in _BOMB:
        _BOMB["gz"] = _deflate(b"\0" * MiB for _ in range(64))
    return _BOMB["gz"]


def conf(srv: Scripted, **kw: Any) -> CollectConfig:
    base = {
        "base_url": srv.url + "/global",
        "min_delay": 0.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "timeout": 5.0,
        "max_retries": 1,
        "progress": False,
    }
    return CollectConfig(**{**base, **kw})


def page_html(i: int, body: str = "<p>Text.</p>", pdf: str | None = None) -> bytes:
    att = (
        f'<ul class="offline-article-list"><li><a class="download" href="{pdf}"><span class="text">Printable'
        ' version</span><span class="details">PDF, EN, 1 KB</span></a></li></ul>'
        if pdf
        else ""
    )
    return (
        f'<html><body><div class="article-detail"><h1>Article {i}</h1><div class="article-info">'
        f'<span class="date">{10 + i:02d}.11.2025</span></div><div id="article-text">{body}</div>{att}</div>'
        "</body></html>"
    ).encode()


def tid(i: int) -> str:
    return f"T{i:07d}EN"


def serve_site(srv: Scripted, pages: dict[int, Any], robots: str = "User-agent: *\nDisallow:\n") -> None:
    """robots.txt -> /sm.xml -> one detail page per entry (bytes = an HTML page, else a route)."""
    urls = "".join(
        f"<url><loc>{srv.url}/global/article/detail/{tid(i)}/a</loc><lastmod>2025-11-{10 + i:02d}</lastmod></url>"
        for i in pages
    )
    sitemap = f"<urlset {SM_NS}>{urls}</urlset>".encode()
    srv.routes.update(
        {
            "/robots.txt": lambda h, n: send(h, 200, f"{robots}Sitemap: {srv.url}/sm.xml\n".encode()),
            "/sm.xml": lambda h, n: send(h, 200, sitemap, "application/xml"),
        }
    )
    for i, page in pages.items():
        route = (lambda body: lambda h, n: send(h, 200, body, "text/html; charset=utf-8"))(page)
        srv.routes[f"/global/article/detail/{tid(i)}/a"] = route if isinstance(page, bytes) else page


def report(run: Path) -> dict[str, Any]:
    return json.loads((run / "collect_report.json").read_text())


def failures(run: Path) -> dict[str, str]:
    return {f["id"] or f["url"]: f["reason"] for f in report(run)["failures"]}


def failing_fetch(cfg: CollectConfig, call: Callable[[Fetcher], Awaitable[Any]]) -> tuple[FetchError, int]:
    """Run ``call(fetcher)``, which must raise FetchError; returns it and the peak traced memory."""

    async def go() -> FetchError:
        async with Fetcher(cfg) as f:
            with pytest.raises(FetchError) as err:
                await call(f)
            return err.value

    tracemalloc.start()
    try:
        return asyncio.run(go()), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def srv() -> Any:
    server = Scripted({})
    yield server
    server.close()


# -- 1. any exception on one item is that item's named failure -----------------------------------
def test_deep_page_is_parsed_without_recursion() -> None:
    from selectolax.lexbor import LexborHTMLParser

    depth = 5000
    html = "<div id=b><p>Lead.</p>" + "<span>" * depth + "deep" + "</span>" * depth + "</div>"
    try:
        text = node_text(LexborHTMLParser(html).css_first("#b"))
    except RecursionError:  # not re-raised: pytest would spend minutes formatting 5,000 frames
        text = "RecursionError"
    assert text == "Lead.\n\ndeep"


def test_any_exception_on_one_article_is_named_and_the_run_goes_on(
    srv: Scripted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from presstune.collect import runner

    deep = "<span>" * 3000 + "Deep text." + "</span>" * 3000
    serve_site(srv, {1: page_html(1), 2: page_html(2, deep), 3: page_html(3)})
    real = runner.parse_article

    def parse_or_exhaust(html: str, url: str, *args: Any, **kw: Any) -> Any:
        if tid(3) in url:  # what an exhausted allocator raises; no step of the collector expects it
            raise MemoryError("cannot allocate")
        return real(html, url, *args, **kw)

    monkeypatch.setattr(runner, "parse_article", parse_or_exhaust)
    try:
        summary = run_collect(conf(srv, max_failure_share=1.0), tmp_path / "run")
    except (RecursionError, MemoryError) as exc:  # not re-raised: see test_deep_page_is_parsed_without_recursion
        aborted = type(exc).__name__
    else:
        aborted = None
    assert aborted is None, f"the run was aborted by {aborted}"
    got = {r["id"]: r for r in read_jsonl(tmp_path / "run" / "articles.jsonl")}
    assert set(got) == {tid(1), tid(2)} and got[tid(2)]["body"] == "Deep text."
    assert failures(tmp_path / "run") == {tid(3): "MemoryError: cannot allocate"}
    assert summary.failed_articles == 1 and summary.collected == 2


# -- 2. caps on decoded bytes, for every response type -------------------------------------------
def test_gzip_bomb_page_is_cut_at_the_cap_in_bounded_memory(srv: Scripted, tmp_path: Path) -> None:
    bomb_page = lambda h, n: send(h, 200, bomb(), "text/html", headers={"Content-Encoding": "gzip"})  # noqa: E731
    serve_site(srv, {1: page_html(1), 2: bomb_page})

    error, peak = failing_fetch(
        conf(srv, max_page_bytes=MiB), lambda f: f.get(f"{srv.url}/global/article/detail/{tid(2)}/a")
    )
    assert error.reason.startswith("too large: more than 1048576 bytes (decoded") and not error.retryable
    assert peak < 12 * MiB, peak  # httpx's own decoder would have inflated a whole 64 KiB chunk: ~64 MiB
    summary = run_collect(conf(srv, max_page_bytes=MiB, max_failure_share=1.0), tmp_path / "run")
    assert failures(tmp_path / "run")[tid(2)].startswith("too large")
    assert summary.collected == 1 and not (tmp_path / "run" / "html" / f"{tid(2)}.html").exists()
    assert max(p.stat().st_size for p in (tmp_path / "run").rglob("*") if p.is_file()) < MiB


def test_gzip_bomb_pdf_is_cut_at_the_cap_in_bounded_memory(srv: Scripted, tmp_path: Path) -> None:
    pdf_bomb = _deflate([b"%PDF-1.4\n", *(b"0" * MiB for _ in range(64))])
    srv.routes["/robots.txt"] = lambda h, n: send(h, 404)
    srv.routes["/a.pdf"] = lambda h, n: send(h, 200, pdf_bomb, "application/pdf", headers={"Content-Encoding": "gzip"})

    error, peak = failing_fetch(
        conf(srv), lambda f: f.download(srv.url + "/a.pdf", tmp_path / "a.part", max_bytes=2 * MiB)
    )
    assert error.reason.startswith("too large: more than 2097152 bytes") and not (tmp_path / "a.part").exists()
    assert peak < 12 * MiB, peak


def test_sitemap_and_robots_caps(srv: Scripted, tmp_path: Path) -> None:
    xml_bomb = _deflate([f"<urlset {SM_NS}>".encode(), *(b" " * MiB for _ in range(64)), b"</urlset>"])
    with pytest.raises(Exception, match="sitemap too large: more than 1048576 bytes decoded"):
        parse_sitemap(xml_bomb, max_bytes=MiB)
    serve_site(srv, {1: page_html(1)})
    sitemap = f"<urlset {SM_NS}><url><loc>{srv.url}/global/article/detail/{tid(1)}/a</loc></url></urlset>"
    srv.routes["/robots.txt"] = lambda h, n: send(
        h, 200, f"User-agent: *\nSitemap: {srv.url}/sm.xml.gz\nSitemap: {srv.url}/ok.xml.gz\n".encode()
    )
    srv.routes["/sm.xml.gz"] = lambda h, n: send(h, 200, xml_bomb, "application/gzip")
    srv.routes["/ok.xml.gz"] = lambda h, n: send(h, 200, gzip.compress(sitemap.encode()), "application/gzip")
    summary = run_collect(conf(srv, max_sitemap_bytes=MiB), tmp_path / "run")
    assert summary.collected == 1  # the .xml.gz that is not a bomb was read
    assert failures(tmp_path / "run")[f"{srv.url}/sm.xml.gz"].startswith("sitemap too large")
    # robots.txt over its cap: discovery fails with the reason, and the report is written
    srv.routes["/robots.txt"] = lambda h, n: send(h, 200, b"# padding\n" * 100_000)
    summary = run_collect(conf(srv, max_robots_bytes=64 * 1024), tmp_path / "robots")
    assert summary.exit_code == 1 and summary.message.startswith("discovery failed: too large: more than 65536")
    assert report(tmp_path / "robots")["summary"]["exit_code"] == 1


# -- 3. parsing off the event loop -----------------------------------------------------------------
def test_pages_are_parsed_off_the_event_loop(srv: Scripted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from presstune.collect import runner

    serve_site(srv, {i: page_html(i) for i in range(1, 4)})
    threads: list[int] = []
    real = runner.parse_article

    def spy(*args: Any, **kw: Any) -> Any:
        threads.append(threading.get_ident())
        return real(*args, **kw)

    monkeypatch.setattr(runner, "parse_article", spy)
    assert run_collect(conf(srv), tmp_path / "run").collected == 3
    assert len(threads) == 3 and threading.main_thread().ident not in threads  # asyncio.run's loop: main thread


# -- 4. a deadline per request ---------------------------------------------------------------------
def test_a_dribbling_server_fails_at_the_deadline(srv: Scripted) -> None:
    def dribble(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "50")
        h.end_headers()
        for _ in range(50):  # a byte every 0.2 s: every read is within the timeout, the whole is not
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.2)

    srv.routes.update({"/robots.txt": lambda h, n: send(h, 404), "/slow": dribble})

    error, _ = failing_fetch(
        conf(srv, timeout=5.0, request_deadline=1.0, max_retries=0), lambda f: f.get(srv.url + "/slow")
    )
    assert error.reason.startswith("deadline: no complete response within request_deadline 1s"), error.reason


# -- 5. gzip-encoded PDFs with Content-Length --------------------------------------------------
def test_gzip_encoded_pdf_with_content_length(srv: Scripted, tmp_path: Path) -> None:
    encoded = gzip.compress(PDF)

    def short(h: BaseHTTPRequestHandler, n: int) -> None:
        send(h, 200, encoded[:-10], "application/pdf", headers={"Content-Encoding": "gzip"}, length=len(encoded))
        h.close_connection = True

    srv.routes.update(
        {
            "/robots.txt": lambda h, n: send(h, 404),
            "/a.pdf": lambda h, n: send(h, 200, encoded, "application/pdf", headers={"Content-Encoding": "gzip"}),
            "/short.pdf": short,
        }
    )

    async def go() -> None:
        async with Fetcher(conf(srv)) as f:
            got = await f.download(srv.url + "/a.pdf", tmp_path / "a.part", max_bytes=MiB)
            assert got.status == 200 and (tmp_path / "a.part").read_bytes() == PDF
            with pytest.raises(FetchError, match="truncated"):  # short of Content-Length: still caught
                await f.download(srv.url + "/short.pdf", tmp_path / "b.part", max_bytes=MiB)

    asyncio.run(go())


# -- 6. the guard allows origins --------------------------------------------------------------------
def test_redirects_to_another_port_or_scheme_are_refused_and_named(srv: Scripted, tmp_path: Path) -> None:
    other = Scripted({})
    try:
        other.routes.update(
            {
                "/robots.txt": lambda h, n: send(h, 200, b"User-agent: *\nDisallow:\n"),
                f"/global/article/detail/{tid(2)}/a": lambda h, n: send(h, 200, page_html(2), "text/html"),
                "/f.pdf": lambda h, n: send(h, 200, PDF, "application/pdf"),
            }
        )
        elsewhere = f"{other.url}/global/article/detail/{tid(2)}/a"
        https = srv.url.replace("http://", "https://") + f"/global/article/detail/{tid(3)}/a"
        serve_site(
            srv,
            {
                1: page_html(1, pdf=f"{other.url}/f.pdf"),
                2: lambda h, n: send(h, 302, headers={"Location": elsewhere}),
                3: lambda h, n: send(h, 301, headers={"Location": https}),
            },
        )
        summary = run_collect(conf(srv, max_failure_share=1.0), tmp_path / "run")
        assert other.log == []  # the server on the other port saw nothing: no robots, no page, no PDF
    finally:
        other.close()
    named = failures(tmp_path / "run")
    port = srv.url.rsplit(":", 1)[1]
    assert f"origin {other.url} is not in allowed hosts ['http://127.0.0.1:{port}']" in named[tid(2)]
    assert f"origin https://127.0.0.1:{port} is not in allowed hosts" in named[tid(3)]
    [pdf_failure] = [f for f in report(tmp_path / "run")["failures"] if f["kind"] == "attachment"]
    assert pdf_failure["url"] == f"{other.url}/f.pdf" and "is not in allowed hosts" in pdf_failure["reason"]
    assert summary.collected == 1 and summary.pdfs_failed == 1


# -- 7. sitemap discovery limits ----------------------------------------------------------------------
def test_sitemap_depth_files_and_url_limits(srv: Scripted, tmp_path: Path) -> None:
    serve_site(srv, {1: page_html(1)})
    for level in range(12):  # /i0.xml -> /i1.xml -> ... an index chain 12 deep
        body = f"<sitemapindex {SM_NS}><sitemap><loc>{srv.url}/i{level + 1}.xml</loc></sitemap></sitemapindex>"
        srv.routes[f"/i{level}.xml"] = (lambda b: lambda h, n: send(h, 200, b.encode(), "application/xml"))(body)
    many = "".join(f"<url><loc>{srv.url}/global/article/detail/T{9000000 + i}EN/x</loc></url>" for i in range(5000))
    srv.routes["/many.xml"] = lambda h, n: send(h, 200, f"<urlset {SM_NS}>{many}</urlset>".encode(), "application/xml")
    run = tmp_path / "run"
    summary = run_collect(
        conf(
            srv,
            sitemaps=[srv.url + "/i0.xml", srv.url + "/many.xml"],
            max_sitemap_depth=2,
            max_sitemap_urls=101,
            max_failure_share=1.0,
        ),
        run,
    )
    requested = [e["path"] for e in srv.log if e["path"].startswith("/i")]
    assert requested == ["/i0.xml", "/i1.xml", "/i2.xml"]  # robots' sitemap is depth 0
    skipped = {s["url"]: s["reason"] for s in report(run)["skipped"] if s["kind"] == "sitemap"}
    assert skipped[srv.url + "/i2.xml"] == "index deeper than max_sitemap_depth=2: 1 not read"
    assert skipped[srv.url + "/many.xml"] == "max_sitemap_urls=101 reached: later entries not read"
    assert summary.candidates == 101  # /sm.xml's one URL first, then 100 of /many.xml
    summary = run_collect(conf(srv, sitemaps=[srv.url + "/many.xml"], max_sitemap_files=1), tmp_path / "files")
    assert summary.candidates == 1 and "max_sitemap_files=1" in json.dumps(report(tmp_path / "files")["skipped"])


def test_newest_first_sitemap_stops_reading_at_the_target(srv: Scripted, tmp_path: Path) -> None:
    serve_site(srv, {i: page_html(i) for i in range(1, 4)})
    total = 50_000

    def huge(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/xml")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()

        def chunk(data: bytes) -> None:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        chunk(f"<urlset {SM_NS}>".encode())
        for i in range(1, 4):  # the three newest are real pages
            chunk(
                f"<url><loc>{srv.url}/global/article/detail/{tid(i)}/a</loc><lastmod>2025-11-2{i}</lastmod></url>".encode()
            )
        for start in range(0, total, 500):  # then 50,000 older entries, 500 per chunk
            rows = "".join(
                f"<url><loc>{srv.url}/global/article/detail/T{8000000 + i}EN/x</loc><lastmod>2020-01-01</lastmod></url>"
                for i in range(start, start + 500)
            )
            chunk(rows.encode())
        chunk(b"</urlset>")
        h.wfile.write(b"0\r\n\r\n")

    srv.routes["/robots.txt"] = lambda h, n: send(h, 200, f"User-agent: *\nSitemap: {srv.url}/huge.xml\n".encode())
    srv.routes["/huge.xml"] = huge
    summary = run_collect(
        conf(srv, target=3, concurrency_per_host=1, sitemap_order="newest_first", max_failure_share=1.0),
        tmp_path / "run",
    )
    assert summary.candidates < 5_000, summary.candidates  # stopped after the first network reads
    info = report(tmp_path / "run")["discovery"]
    assert info["sitemaps_stopped_early"] == {srv.url + "/huge.xml": "target met (sitemap_order: newest_first)"}
    assert {r["id"] for r in read_jsonl(tmp_path / "run" / "articles.jsonl")} == {tid(1), tid(2), tid(3)}


def test_new_limits_must_be_positive() -> None:
    from pydantic import ValidationError

    keys = ("max_sitemap_files", "max_sitemap_urls", "max_sitemap_bytes", "max_page_bytes", "max_robots_bytes")
    for key in (*keys, "request_deadline"):
        assert getattr(CollectConfig(), key) > 0
        with pytest.raises(ValidationError) as err:
            CollectConfig(**{key: 0})
        assert err.value.errors()[0]["type"] in ("greater_than", "greater_than_equal"), err.value
    with pytest.raises(ValidationError):
        CollectConfig(max_sitemap_depth=-1)


# -- 8. ids -------------------------------------------------------------------------------------------
def test_ids_with_a_trailing_newline_are_not_ids() -> None:
    assert language_of("T0000002EN\n") is None and language_of("T0000002EN") == "en"
    name = safe_name("T0000002EN\n")
    assert name != "T0000002EN\n" and "\n" not in name and name.startswith("x-")


# -- 9. one writer per run directory --------------------------------------------------------------
def test_a_second_process_is_refused_with_the_holder_pid_and_a_dead_holder_is_taken_over(
    srv: Scripted, tmp_path: Path
) -> None:
    from presstune.runlock import LOCK_FILE, RunLocked, run_lock

    run = tmp_path / "run"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from presstune.runlock import run_lock\n"
            f"with run_lock({str(run)!r}, 'corpus'):\n    print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        serve_site(srv, {1: page_html(1)})
        with pytest.raises(RunLocked, match=rf"is in use by pid {holder.pid} \(corpus, since "):
            run_collect(conf(srv), run)
        assert not (run / "articles.jsonl").exists() and srv.log == []  # refused before any request
    finally:
        holder.kill()  # kill -9: the lock file still names the dead pid
        holder.wait()
    assert f'"pid": {holder.pid}' in (run / LOCK_FILE).read_text()
    assert run_collect(conf(srv), run).collected == 1  # taken over
    with run_lock(run, "pipeline"), run_lock(run, "collect"):  # re-entrant within one process
        assert f'"pid": {os.getpid()}' in (run / LOCK_FILE).read_text()


# -- 10. read_jsonl reads bytes ------------------------------------------------------------------------
def test_torn_last_line_inside_a_multibyte_character_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n' + '{"t": "Stra\u00df'.encode()[:-1])  # cut inside the two-byte "\u00df"
    assert read_jsonl(path) == [{"a": 1}]


# -- robots.txt (issue 19): RFC 9309 through protego --------------------------------------------------
def test_robots_longest_match_and_wildcards(srv: Scripted) -> None:
    rules = "User-agent: *\nDisallow: /global/private/\nAllow: /global/private/open/\nDisallow: /*.pdf$\n"
    srv.routes["/robots.txt"] = lambda h, n: send(h, 200, rules.encode())

    async def go() -> dict[str, bool]:
        async with Fetcher(conf(srv)) as f:
            await f.load_robots(srv.url)
            paths = ["/global/private/x", "/global/private/open/x", "/global/a/file.pdf", "/global/a/file.pdfx"]
            return {p: f.allowed_by_robots(srv.url + p) for p in paths}

    assert asyncio.run(go()) == {
        "/global/private/x": False,
        "/global/private/open/x": True,  # the longer Allow wins over the shorter Disallow
        "/global/a/file.pdf": False,  # wildcard and end anchor
        "/global/a/file.pdfx": True,
    }
