"""The polite HTTP layer against a tiny scripted server on 127.0.0.1: host guard, robots
(Disallow + Crawl-delay), Retry-After, backoff on resets, verified PDF downloads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from helpers.fake_clock import FakeClock
from helpers.scripted_http import PDF, Route, Scripted, send
from presstune.collect.client import (
    Fetcher,
    FetchError,
    HostGuard,
    HostNotAllowed,
    allowed_origins,
    parse_retry_after,
)
from presstune.config.collect import CollectConfig

ROBOTS = b"User-agent: *\nDisallow: /global/private/\nCrawl-delay: 0.2\n"


def robots(h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 200, ROBOTS)


@pytest.fixture
def server() -> Iterator[Scripted]:
    srv = Scripted({"/robots.txt": robots})
    yield srv
    srv.close()


def cfg(srv: Scripted, **kw: Any) -> CollectConfig:
    base = {"base_url": srv.url + "/global", "min_delay": 0.0, "backoff_base": 0.01, "timeout": 3.0, "max_retries": 3}
    return CollectConfig(**{**base, **kw})


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_guard_refuses_other_hosts_everywhere(server: Scripted) -> None:
    guard = HostGuard(allowed_origins(["127.0.0.1"], "http://127.0.0.1:9/global"))
    guard.check("http://127.0.0.1:9/x")
    for bad in (
        "http://other.invalid/x",
        "ftp://127.0.0.1/x",
        "http://127.0.0.1.other.invalid/",
        "file:///etc/passwd",
        "http://127.0.0.1:10/x",  # another port is another server
        "https://127.0.0.1:9/x",
        "http://127.0.0.1/x",
    ):
        with pytest.raises(HostNotAllowed):
            guard.check(bad)
    server.routes["/global/away"] = lambda h, n: send(h, 302, headers={"Location": "http://other.invalid/steal"})

    async def go() -> None:
        async with Fetcher(cfg(server)) as f:
            with pytest.raises(HostNotAllowed):
                await f.get("http://other.invalid/global/x")
            with pytest.raises(HostNotAllowed):  # a redirect off-site is never followed
                await f.get(server.url + "/global/away")
            with pytest.raises(HostNotAllowed):  # the httpx hook guards even direct client use
                assert f.client is not None
                await f.client.get("http://other.invalid/")

    run(go())
    assert [e["path"] for e in server.log] == ["/robots.txt", "/global/away"]


def test_robots_disallow_and_crawl_delay(server: Scripted) -> None:
    for i in range(4):
        server.routes[f"/global/p{i}"] = lambda h, n: send(h, 200, b"ok")

    clock = FakeClock()
    sent: list[float] = []

    async def note_send(request) -> None:
        if request.url.path.startswith("/global/p"):
            sent.append(clock())

    async def go() -> None:
        async with Fetcher(cfg(server, concurrency_per_host=4), clock=clock, sleep=clock.sleep) as f:
            # When each request leaves the client, on the fake clock the slots wait by.
            f.client.event_hooks["request"].append(note_send)
            with pytest.raises(FetchError, match="disallowed by robots.txt") as err:
                await f.get(server.url + "/global/private/secret")
            assert err.value.retryable is False
            await asyncio.gather(*(f.get(f"{server.url}/global/p{i}") for i in range(4)))

    run(go())
    paths = [e["path"] for e in server.log]
    assert paths[0] == "/robots.txt" and "/global/private/secret" not in paths
    assert sorted(p for p in paths if p.startswith("/global/p")) == [f"/global/p{i}" for i in range(4)]
    # Crawl-delay 0.2 raises min_delay 0: request starts are spaced by it although 4 may run at once
    assert [b - a for a, b in zip(sent, sent[1:])] == pytest.approx([0.2] * 3), sent
    ua = server.log[0]["headers"]["User-Agent"]
    assert ua.startswith("presstune/") and "+" in ua


def test_retry_after_and_backoff(server: Scripted) -> None:
    def limited(h: BaseHTTPRequestHandler, n: int) -> None:
        if n == 1:
            send(h, 429, b"slow down", headers={"Retry-After": "1"})
        elif n == 2:
            send(h, 503, b"busy")
        else:
            send(h, 200, b"done")

    def reset_then_ok(h: BaseHTTPRequestHandler, n: int) -> None:
        if n == 1:
            h.close_connection = True
            h.connection.shutdown(2)  # no response at all
            return
        send(h, 200, b"fine")

    server.routes["/global/limited"] = limited
    server.routes["/global/reset"] = reset_then_ok
    server.routes["/global/gone"] = lambda h, n: send(h, 404, b"gone")
    server.routes["/global/broken"] = lambda h, n: send(h, 500, b"always")

    clock = FakeClock()
    limited_sent: list[float] = []

    async def note_send(request) -> None:
        if request.url.path == "/global/limited":
            limited_sent.append(clock())

    async def go() -> None:
        async with Fetcher(cfg(server), clock=clock, sleep=clock.sleep) as f:
            f.client.event_hooks["request"].append(note_send)
            got = await f.get(server.url + "/global/limited")
            assert got.content == b"done" and got.attempts == 3
            assert (await f.get(server.url + "/global/reset")).content == b"fine"
            with pytest.raises(FetchError, match="HTTP 404") as err:
                await f.get(server.url + "/global/gone")
            assert err.value.attempts == 1 and not err.value.retryable
            with pytest.raises(FetchError, match=r"HTTP 500 \(gave up after 4 attempts\)"):
                await f.get(server.url + "/global/broken")
            assert f.stats.retry_after_waits == [1.0]

    run(go())
    assert len(limited_sent) == 3 and limited_sent[1] - limited_sent[0] >= 1.0  # Retry-After: 1 was waited for
    assert server.attempts["/global/broken"] == 4  # counted before the reply: no race with the log


def test_parse_retry_after_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == pytest.approx(30.0)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 99) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_downloads_are_verified(server: Scripted, tmp_path: Path) -> None:
    def truncated_once(h: BaseHTTPRequestHandler, n: int) -> None:
        if n == 1:
            send(h, 200, PDF[:40], "application/pdf", length=len(PDF))
            h.close_connection = True
            return
        send(h, 200, PDF, "application/pdf", headers={"ETag": '"v1"'})

    def chunked_huge(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"%PDF-1.4\n" + b"0" * 8000
        for _ in range(100):  # 800 KB, no Content-Length: the cap must cut the stream
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        h.wfile.write(b"0\r\n\r\n")

    server.routes.update(
        {
            "/global/a/trunc": truncated_once,
            "/global/a/html": lambda h, n: send(h, 200, b"<!DOCTYPE html><html>login</html>", "text/html"),
            "/global/a/magic": lambda h, n: send(h, 200, b"PK\x03\x04zipzipzip", "application/octet-stream"),
            "/global/a/noeof": lambda h, n: send(h, 200, PDF[:-7], "application/pdf"),
            "/global/a/big": lambda h, n: send(h, 200, PDF, "application/pdf", length=10**9),
            "/global/a/huge": chunked_huge,
            "/global/a/ok304": lambda h, n: (
                send(h, 304) if h.headers.get("If-None-Match") == '"v1"' else send(h, 200, PDF, "application/pdf")
            ),
        }
    )

    async def go() -> None:
        async with Fetcher(cfg(server, max_retries=2)) as f:
            part = tmp_path / "x.pdf.part"
            got = await f.download(server.url + "/global/a/trunc", part, max_bytes=10**6)
            assert got.status == 200 and part.read_bytes() == PDF and got.headers["etag"] == '"v1"'
            expectations = {
                "html": "not a PDF: content-type 'text/html'",
                "magic": "not a PDF: starts with b'PK",
                "noeof": "truncated PDF: no %%EOF",
                "big": "too large: Content-Length",
                "huge": "too large: more than 100000 bytes",
            }
            for name, reason in expectations.items():
                p = tmp_path / f"{name}.part"
                with pytest.raises(FetchError) as err:
                    await f.download(f"{server.url}/global/a/{name}", p, max_bytes=100_000)
                assert reason in err.value.reason, (name, err.value.reason)
                assert not p.exists()
            got = await f.download(
                server.url + "/global/a/ok304", tmp_path / "c.part", {"If-None-Match": '"v1"'}, max_bytes=10**6
            )
            assert got.status == 304 and not (tmp_path / "c.part").exists()

    run(go())
    assert sum(e["path"] == "/global/a/trunc" for e in server.log) == 2
    assert sum(e["path"] == "/global/a/noeof" for e in server.log) == 3  # retried: may be transient
    assert sum(e["path"] == "/global/a/html" for e in server.log) == 1  # permanent: not retried


def test_crawl_delay_parsing() -> None:
    from presstune.collect.client import crawl_delay

    assert crawl_delay("User-agent: *\nDisallow: /x\nCrawl-delay: 0.2\n", "presstune/0.1") == 0.2
    own = "User-agent: presstune\nCrawl-delay: 3\n\nUser-agent: *\nCrawl-delay: 1\n"
    assert crawl_delay(own, "presstune/0.1 (+x)") == 3.0 and crawl_delay(own, "other/1") == 1.0
    assert crawl_delay("User-agent: other\nCrawl-delay: 3\n", "presstune/0.1") is None


def test_target_without_sitemap_dates_uses_page_dates(tmp_path: Path) -> None:
    """A sitemap without <lastmod>: every page is fetched once, the cut uses the page dates."""
    from presstune.collect.runner import run_collect
    from presstune.rundir import read_jsonl

    srv = Scripted({})
    days = [12, 3, 27, 8, 19, 1, 30, 15]  # page dates in an order unrelated to the ids

    def page(i: int) -> Route:
        body = (
            f'<html><body><div class="article-detail"><h1>Article {i}</h1><div class="article-info"><h5>'
            f'<span class="date">{days[i]:02d}.11.2025</span></h5></div><div id="article-text"><p>Text {i}.</p></div>'
            "</div></body></html>"
        ).encode()
        return lambda h, n: send(h, 200, body, "text/html; charset=utf-8")

    urls = "".join(f"<url><loc>{srv.url}/global/article/detail/T000000{i}EN/a-{i}</loc></url>" for i in range(8))
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
    srv.routes.update(
        {
            "/robots.txt": lambda h, n: send(h, 200, f"User-agent: *\nDisallow:\nSitemap: {srv.url}/sm.xml\n".encode()),
            "/sm.xml": lambda h, n: send(h, 200, sitemap, "application/xml"),
            **{f"/global/article/detail/T000000{i}EN/a-{i}": page(i) for i in range(8)},
        }
    )
    try:
        summary = run_collect(cfg(srv, target=3, progress=False), tmp_path / "run")
    finally:
        srv.close()
    got = {r["id"]: r["date"][:10] for r in read_jsonl(tmp_path / "run" / "articles.jsonl")}
    assert got == {"T0000006EN": "2025-11-30", "T0000002EN": "2025-11-27", "T0000004EN": "2025-11-19"}
    assert summary.collected == 3 and summary.exit_code == 0
    detail = [e["path"] for e in srv.log if "/detail/" in e["path"]]
    assert sorted(detail) == sorted(set(detail)) and len(detail) == 8  # each page fetched once
