"""Replica HTTP server on 127.0.0.1: routes, sitemaps, pagination, conditional requests,
fault injection and the ``presstune replica serve`` command."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from email.utils import format_datetime
from urllib.parse import urlsplit

import httpx
import pypdf
import pytest
from lxml import etree
from lxml import html as lhtml

from helpers.fake_clock import FakeClock
from presstune.config.replica import FaultConfig
from presstune.replica.faults import PRESETS
from presstune.replica.server import ReplicaServer
from presstune.replica.site import Site

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def srv():
    with ReplicaServer(articles=90, seed=5) as s:
        yield s


@pytest.fixture()
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_base_url_and_private_paths(srv, client):
    assert re.match(r"^http://127\.0\.0\.1:\d+/global$", srv.base_url)
    assert srv.base_url == srv.root_url + "/global"
    facts = client.get(srv.root_url + "/_replica/facts.jsonl").text.splitlines()
    recs = [json.loads(line) for line in facts]
    assert [r["id"] for r in recs] == [a.id for a in srv.site.articles()]
    for r in recs:
        for qa in r["qa"]:
            assert qa["answer"] in r["body"]
    no_body = json.loads(client.get(srv.root_url + "/_replica/facts.jsonl?body=0").text.splitlines()[0])
    assert "body" not in no_body
    start = client.get(srv.base_url).text
    assert "_replica" not in start and 'class="startpage"' in start
    log = client.get(srv.root_url + "/_replica/log").json()
    assert any(e["path"] == "/_replica/facts.jsonl" and e["status"] == 200 for e in log)


def test_robots_and_sitemaps_cover_every_article_once(srv, client):
    robots = client.get(srv.root_url + "/robots.txt").text
    assert "Disallow: /global/oneclick/" in robots and "Crawl-delay:" in robots
    index_url = re.search(r"^Sitemap: (\S+)$", robots, re.M).group(1)
    index = etree.fromstring(client.get(index_url).content)
    locs = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=NS)
    assert len(locs) >= 4 and all(index.xpath("//sm:sitemap/sm:lastmod/text()", namespaces=NS))
    seen: dict[str, list[str]] = {}
    for loc in locs:
        xml = etree.fromstring(client.get(loc).content)
        for url in xml.xpath("//sm:url", namespaces=NS):
            u = url.findtext("sm:loc", namespaces=NS)
            assert url.findtext("sm:lastmod", namespaces=NS)
            tid = re.search(r"(?:detail/|id=)(T\d{7}[A-Z_]+?)(?:/|&|$)", u).group(1)
            seen.setdefault(tid, []).append(loc.rsplit("/", 1)[1])
    ids = {a.id for a in srv.site.articles()}
    assert set(seen) == ids
    for tid, files in seen.items():
        main = [f for f in files if "_ade_" not in f]
        assert len(main) == 1, (tid, files)  # once per language sitemap
    de_files = {f for tid, fs in seen.items() if tid.endswith("DE") for f in fs}
    assert de_files == {"sitemap_text_pcgl_de.xml"}
    assert any(len(fs) == 2 for fs in seen.values())  # planned duplicate (pcgl + ade)


def test_sitemaps_are_split_into_several_files():
    with ReplicaServer(articles=250, seed=1, sitemap_chunk=100) as s, httpx.Client() as c:
        index = etree.fromstring(c.get(s.root_url + "/sitemap_index.xml").content)
        names = [loc.rsplit("/", 1)[1] for loc in index.xpath("//sm:loc/text()", namespaces=NS)]
        assert "sitemap_text_pcgl_en.xml" in names and "sitemap_text_pcgl_en_2.xml" in names


def test_listing_pagination_and_load_more_cover_all(srv, client):
    expected = [a.url_path for a in srv.site.articles()]
    got: list[str] = []
    page = 1
    while True:
        doc = lhtml.fromstring(client.get(f"{srv.base_url}/article", params={"page": page} if page > 1 else None).text)
        items = doc.xpath("//article[contains(@class,'newsfeed')]")
        if not items:
            break
        assert len(items) <= 20
        for it in items:
            assert it.xpath("string(.//span[@class='date'])")
            got.append(it.xpath(".//h3/a/@href")[0])
        page += 1
    assert got == expected
    frag_links: list[str] = []
    for page in range(1, 100):
        frag = client.get(f"{srv.base_url}/startpage/list", params={"page": page}).text
        if not frag.strip():
            break
        frag_links += re.findall(r'<h3><a href="([^"]+)"', frag)
    assert frag_links == expected
    assert (
        client.get(f"{srv.base_url}/article?page=2", headers={"Accept-Language": "en"}).text.count(
            '<span class="date">'
        )
        == 20
    )


def test_detail_routes_slug_legacy_and_404(srv, client):
    art = next(a for a in srv.site.articles() if "%" in a.slug or ":" in a.slug or "/" in a.slug)
    for url in (
        art.url_path,
        art.url_path + "?language=en",
        f"/global/article/detail/{art.id}",
        f"/global/article/detail/{art.id}/wrong-slug/x:y",
    ):
        r = client.get(srv.root_url + url)
        assert r.status_code == 200, url
        assert lhtml.fromstring(r.text).xpath("string(//h1)") == art.title
    java = client.get(srv.root_url + art.url_path).text
    short = client.get(srv.root_url + art.url_path, headers={"Accept-Language": "en-US,en;q=0.5"}).text
    assert re.search(r'<span class="date">\w{3} \w{3} \d\d \d\d:\d\d:\d\d CES?T \d{4}</span>', java)
    assert f'<span class="date">{art.date:%d.%m.%Y}</span>' in short
    legacy = f"/pressclub/p/pcgl/pressDetail.html?title=x&outputChannelId=6&id={art.id}&left_menu_item=node__1"
    r = client.get(srv.root_url + legacy)
    assert r.status_code == 301 and r.headers["location"].endswith(f"{art.url_path}?language=en")
    assert client.get(srv.root_url + legacy, follow_redirects=True).status_code == 200
    assert client.get(srv.base_url + "/article/detail/T0000001EN/none").status_code == 404
    assert client.get(srv.base_url + "/article/attachment/T0000001EN/1").status_code == 404
    assert client.get(srv.root_url + "/nothing/here").status_code == 404


def test_attachments_rss_oneclick_and_conditional_requests(srv, client):
    art = next(a for a in srv.site.articles() if a.has_pdf and a.pdf_kind == "text")
    att = art.attachments[0]
    r = client.get(srv.root_url + att.url(art.id))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert int(r.headers["content-length"]) == len(r.content) and r.content.startswith(b"%PDF")
    assert pypdf.PdfReader(io.BytesIO(r.content)).pages
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert client.get(srv.root_url + att.url(art.id), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(srv.root_url + att.url(art.id), headers={"If-Modified-Since": lm}).status_code == 304
    assert client.get(srv.root_url + att.url(art.id), headers={"If-None-Match": '"other"'}).status_code == 200
    page = client.get(srv.root_url + art.url_path)
    assert client.get(srv.root_url + art.url_path, headers={"If-None-Match": page.headers["etag"]}).status_code == 304
    older = format_datetime(art.date.replace(year=art.date.year - 1))
    assert client.get(srv.root_url + art.url_path, headers={"If-Modified-Since": older}).status_code == 200
    # file-name variant of the attachment URL
    named = next(((a, x) for a in srv.site.articles() for x in a.attachments if x.filename), None)
    if named:
        assert client.get(srv.root_url + named[1].url(named[0].id)).content.startswith(b"%PDF")
    z = client.get(f"{srv.base_url}/oneclick/download/{art.id}/attachment")
    assert z.status_code == 200 and zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    rss = etree.fromstring(client.get(srv.base_url + "/rss").content)
    assert len(rss.xpath("//item")) == 20
    assert rss.xpath("//item/link/text()")[0].endswith(f"{srv.site.articles()[0].id}?language=en")
    assert rss.xpath("//*[local-name()='link'][@rel='next']/@href")[0].endswith("/rss?page=2")


def test_request_log_and_concurrency(srv):
    srv.clear_log()
    # The latency wait holds each request until all four are in: the server must serve them at once.
    all_in = threading.Barrier(4)
    waits: list[float] = []

    def wait_for_the_others(seconds: float) -> None:
        waits.append(seconds)
        all_in.wait(timeout=30)

    slow_srv = ReplicaServer(srv.site, latency=0.2, sleep=wait_for_the_others).start()
    try:
        urls = [f"{slow_srv.base_url}/article?page={i}" for i in range(1, 5)]

        def get(u: str) -> None:
            httpx.get(u, headers={"User-Agent": "presstune-test"})

        threads = [threading.Thread(target=get, args=(u,)) for u in urls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        log = slow_srv.request_log_snapshot()
        assert len(log) == 4 and all(e["status"] == 200 and e["user_agent"] == "presstune-test" for e in log)
        assert waits == [0.2] * 4  # the latency is waited out once per request
        assert slow_srv.max_concurrency == 4 and ReplicaServer.concurrency_of(log) == 4
    finally:
        slow_srv.stop()


def test_no_sitemap_mode():
    with ReplicaServer(articles=30, seed=2, sitemap=False) as s, httpx.Client() as c:
        robots = c.get(s.root_url + "/robots.txt").text
        assert "Sitemap:" not in robots
        assert c.get(s.root_url + "/sitemap_index.xml").status_code == 404
        assert c.get(s.root_url + "/sitemaps/sitemap_text_pcgl_en.xml").status_code == 404
        assert c.get(s.base_url + "/article").status_code == 200


# ------------------------------------------------------------------ faults


def _fetch_until_ok(c: httpx.Client, url: str, tries: int = 6) -> tuple[httpx.Response, list[str]]:
    seen: list[str] = []
    for _ in range(tries):
        try:
            r = c.get(url)
        except httpx.TransportError as exc:
            seen.append(type(exc).__name__)
            continue
        if r.status_code == 200 and int(r.headers.get("content-length", len(r.content))) == len(r.content):
            return r, seen
        seen.append(str(r.status_code))
    raise AssertionError(f"{url} never succeeded: {seen}")


@pytest.mark.parametrize("kind", ["error_5xx", "rate_limit_429", "reset", "slow"])
def test_transient_faults_clear_after_retries(kind):
    cfg = FaultConfig(**{kind: 1.0}, max_failures=2, retry_after=3, slow_seconds=0.3)
    clock = FakeClock()
    with (
        ReplicaServer(articles=20, seed=3, faults=cfg, clock=clock, sleep=clock.sleep_blocking) as s,
        httpx.Client(timeout=10) as c,
    ):
        url = s.base_url + "/article"
        r, seen = _fetch_until_ok(c, url)
        assert 1 <= len(seen) <= 2 or kind == "slow"
        log = [e for e in s.request_log_snapshot() if e["path"] == "/global/article"]
        if kind == "error_5xx":
            assert set(seen) <= {"500", "502", "503"}
        if kind == "rate_limit_429":
            assert set(seen) == {"429"}
            first = c.get(s.base_url + "/startpage/list?page=1")
            assert first.status_code == 429 and first.headers["retry-after"] == "3"
        if kind == "reset":
            assert all(x in ("RemoteProtocolError", "ReadError", "ConnectError") for x in seen), seen
            assert log[0]["status"] == 0 and log[0]["fault"] == "reset"
        if kind == "slow":
            slow = [e for e in log if e["fault"] == "slow"]
            assert log[0]["fault"] == "slow" and clock.sleeps == [0.3] * len(slow)
            assert all(e["ended"] - e["started"] == pytest.approx(0.3) for e in slow)
        assert log[-1]["status"] == 200
        # robots.txt and the private paths are exempt
        assert c.get(s.root_url + "/robots.txt").status_code == 200


def test_reset_closes_the_socket_without_response():
    with ReplicaServer(articles=10, seed=1, faults=FaultConfig(reset=1.0, max_failures=1)) as s:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        sock.sendall(b"GET /global HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = sock.recv(100)
        except ConnectionResetError:
            data = b""
        assert data == b""
        sock.close()


def test_faults_are_deterministic_per_path_and_attempt():
    cfg = FaultConfig(error_5xx=0.3, rate_limit_429=0.2, max_failures=3)
    site = Site(40, seed=9)
    results = []
    for _ in range(2):
        with ReplicaServer(site, faults=cfg) as s, httpx.Client() as c:
            results.append([c.get(s.root_url + a.url_path).status_code for a in site.articles() for _ in range(2)])
    assert results[0] == results[1]
    assert {429, 200} <= set(results[0]) and set(results[0]) & {500, 502, 503}


def test_truncated_pdf_then_ok():
    with (
        ReplicaServer(articles=20, seed=2, faults=FaultConfig(truncated_pdf=1.0, max_failures=1)) as s,
        httpx.Client() as c,
    ):
        art = next(a for a in s.site.articles() if a.has_pdf)
        url = s.root_url + art.attachments[0].url(art.id)
        with pytest.raises(httpx.TransportError):
            c.get(url)
        r = c.get(url)
        assert r.status_code == 200 and r.content == s.site.attachment_bytes(art.id, art.attachments[0].no)


def test_permanent_faults_persist_and_are_listed():
    cfg = FaultConfig(html_instead_of_pdf=0.05, oversized=1, oversized_bytes=3 * 1024 * 1024, changed_layout=0.05)
    with ReplicaServer(articles=60, seed=4, faults=cfg) as s, httpx.Client(timeout=10) as c:
        perm = c.get(s.root_url + "/_replica/faults").json()
        assert perm == s.permanent_faults
        assert perm["html_instead_of_pdf"] and perm["oversized"] and perm["changed_layout"]
        for _ in range(3):
            r = c.get(s.root_url + perm["html_instead_of_pdf"][0])
            assert (
                r.status_code == 200
                and r.headers["content-type"].startswith("text/html")
                and not r.content.startswith(b"%PDF")
            )
            with c.stream("GET", s.root_url + perm["oversized"][0]) as big:
                assert int(big.headers["content-length"]) == 3 * 1024 * 1024
                assert next(big.iter_bytes()).startswith(b"%PDF")
            tid = perm["changed_layout"][0]
            page = c.get(s.root_url + s.site.article(tid).url_path).text
            assert 'id="article-text"' not in page and "article-body" in page
        # full download of the oversized file is streamed to the declared size
        assert len(c.get(s.root_url + perm["oversized"][0]).content) == 3 * 1024 * 1024


def test_presets_resolve():
    for name in ("none", "mild", "harsh"):
        with ReplicaServer(articles=30, seed=0, faults=name) as s:
            assert s.faults == PRESETS[name]
            if name == "none":
                assert s.faults == FaultConfig() and not any(s.permanent_faults.values())
            else:
                assert s.faults.error_5xx > 0 and s.permanent_faults["oversized"]
    with pytest.raises(ValueError):
        ReplicaServer(articles=5, faults="brutal")


# ------------------------------------------------------------------ CLI


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_replica_serve_cli_prints_first_line_and_serves(stop_signal):
    """The contract other tools rely on, with the issue's own command: `presstune replica serve
    --articles 200` prints `serving http://127.0.0.1:<port>/global` first, then serves pages."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "presstune.cli", "replica", "serve", "--articles", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline().rstrip("\n")
        m = re.fullmatch(r"serving (http://127\.0\.0\.1:(\d+)/global)", line)
        if not m:
            proc.kill()
            raise AssertionError(f"first line {line!r}; stderr: {proc.stderr.read()[-600:]}")
        assert int(m.group(2)) > 0  # --port 0 (the default) picked a real port
        r = httpx.get(m.group(1) + "/article", timeout=10)
        assert r.status_code == 200 and r.text.count("<article ") == 20
        link = lhtml.fromstring(r.text).xpath("//article[contains(@class,'newsfeed')]//h3/a/@href")[0]
        page = httpx.get(m.group(1).rsplit("/global", 1)[0] + link, timeout=10)
        assert page.status_code == 200 and lhtml.fromstring(page.text).xpath("string(//h1)")
        # 200 articles: the last listing page holds the 200th item, the next one is empty
        last = httpx.get(m.group(1) + "/article?page=10", timeout=10).text.count("<article ")
        assert last == 20 and httpx.get(m.group(1) + "/article?page=11", timeout=10).text.count("<article ") == 0
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_replica_serve_stops_while_a_client_holds_a_keep_alive_connection():
    """SIGTERM ends `replica serve` even while a client keeps an idle HTTP/1.1 connection open."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "presstune.cli", "replica", "serve", "--articles", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        m = re.fullmatch(r"serving http://127\.0\.0\.1:(\d+)/global", proc.stdout.readline().rstrip("\n"))
        assert m, proc.stderr.read()[-600:]
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=10) as sock:
            sock.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            proc.send_signal(signal.SIGTERM)  # the connection stays open and idle
            assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_two_servers_same_seed_serve_identical_bytes():
    site_a, site_b = Site(40, seed=8), Site(40, seed=8)
    other = Site(40, seed=9)
    art = next(a for a in site_a.articles() if a.has_pdf)
    paths = ["/global/article?page=2", art.url_path, art.attachments[0].url(art.id), "/global/startpage/list?page=1"]
    with ReplicaServer(site_a) as a, ReplicaServer(site_b) as b, ReplicaServer(other) as c, httpx.Client() as http:
        for p in paths:
            ra, rb = http.get(a.root_url + p), http.get(b.root_url + p)
            assert (
                ra.status_code == 200
                and ra.content == rb.content
                and ra.headers["etag" if "detail" in p or "attachment" in p else "content-length"]
                == rb.headers["etag" if "detail" in p or "attachment" in p else "content-length"]
            )
        assert http.get(a.root_url + paths[0]).content != http.get(c.root_url + paths[0]).content


def test_head_requests_have_no_body(srv, client):
    art = next(a for a in srv.site.articles() if a.has_pdf)
    r = client.head(srv.root_url + art.attachments[0].url(art.id))
    assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) > 1000


# ------------------------------------------------------------------ sitemap schema, scale

# The sitemaps.org 0.9 schemas (sitemap.xsd and siteindex.xsd), transcribed into one document
# because both use the same target namespace; only the extension wildcards are left out, so any
# element the protocol does not define is an error here.
SITEMAP_XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
            targetNamespace="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" elementFormDefault="qualified">
  <xsd:element name="urlset">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="url" maxOccurs="unbounded">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="loc" type="tLoc"/>
          <xsd:element name="lastmod" type="tLastmod" minOccurs="0"/>
          <xsd:element name="changefreq" type="tChangeFreq" minOccurs="0"/>
          <xsd:element name="priority" type="tPriority" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
  <xsd:element name="sitemapindex">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="sitemap" maxOccurs="unbounded">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="loc" type="tLoc"/>
          <xsd:element name="lastmod" type="tLastmod" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
  <xsd:simpleType name="tLoc">
    <xsd:restriction base="xsd:anyURI"><xsd:minLength value="12"/><xsd:maxLength value="2048"/></xsd:restriction>
  </xsd:simpleType>
  <xsd:simpleType name="tLastmod"><xsd:union memberTypes="xsd:date xsd:dateTime"/></xsd:simpleType>
  <xsd:simpleType name="tChangeFreq">
    <xsd:restriction base="xsd:string">
      <xsd:enumeration value="always"/><xsd:enumeration value="hourly"/><xsd:enumeration value="daily"/>
      <xsd:enumeration value="weekly"/><xsd:enumeration value="monthly"/><xsd:enumeration value="yearly"/>
      <xsd:enumeration value="never"/>
    </xsd:restriction>
  </xsd:simpleType>
  <xsd:simpleType name="tPriority">
    <xsd:restriction base="xsd:decimal"><xsd:minInclusive value="0.0"/><xsd:maxInclusive value="1.0"/></xsd:restriction>
  </xsd:simpleType>
</xsd:schema>
"""


@pytest.fixture(scope="module")
def sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(SITEMAP_XSD))


def test_schema_rejects_what_the_protocol_forbids(sitemap_schema):
    """Negative control: the schema above is not a rubber stamp."""
    ns = NS["sm"]
    good = f'<urlset xmlns="{ns}"><url><loc>http://127.0.0.1:1/a</loc><lastmod>2025-12-05T08:34:40+01:00</lastmod></url></urlset>'
    assert sitemap_schema.validate(etree.fromstring(good))
    for bad in (
        good.replace("2025-12-05T08:34:40+01:00", "Fri Dec 05 08:34:40 CET 2025"),  # not a W3C datetime
        good.replace("<lastmod>", "<changefreq>sometimes</changefreq><lastmod>"),  # unknown value, wrong order
        good.replace("http://127.0.0.1:1/a", "http://127.0.0.1:1/" + "a" * 2048),  # loc too long
        good.replace(ns, "http://www.sitemaps.org/schemas/sitemap/0.8"),  # wrong namespace
        f'<urlset xmlns="{ns}"></urlset>',  # no url at all
    ):
        assert not sitemap_schema.validate(etree.fromstring(bad)), bad


@pytest.mark.parametrize("chunk", [100, 7])
def test_sitemaps_validate_against_the_sitemap_schema(sitemap_schema, chunk):
    """The sitemap index and every sitemap validate as sitemaps.org XML (not just well-formed),
    every loc is an absolute URL on the replica itself, and every article appears."""
    with ReplicaServer(articles=90, seed=5, sitemap_chunk=chunk) as s, httpx.Client(timeout=10) as c:
        r = c.get(s.root_url + "/sitemap_index.xml")
        assert r.status_code == 200 and r.headers["content-type"] == "application/xml"
        assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        index = etree.fromstring(r.content)
        sitemap_schema.assertValid(index)
        ids = set()
        for loc in index.xpath("//sm:sitemap/sm:loc/text()", namespaces=NS):
            assert loc.startswith(s.root_url + "/sitemaps/")
            doc = etree.fromstring(c.get(loc).content)
            sitemap_schema.assertValid(doc)
            for u in doc.xpath("//sm:url/sm:loc/text()", namespaces=NS):
                assert u.startswith(s.root_url + "/") and " " not in u
                ids.add(re.search(r"(?:detail/|id=)(T\d{7}[A-Z_]+?)(?:/|&|$)", u).group(1))
    assert ids == {a.id for a in s.site.articles()}


def _built(site: Site) -> set[str]:
    """Ids whose heavy content (body, QA) has been generated (cached_property in the instance dict)."""
    return {a.id for a in site.articles() if "body_paragraphs" in vars(a) or "qa" in vars(a)}


@pytest.mark.slow
def test_ten_thousand_articles_serve_lazily(sitemap_schema):
    """10,000 articles: the server answers the sitemap index, every sitemap, a listing page and an
    article page (with its PDF) while generating the content of that one article only."""
    site = Site(articles=10_000, seed=1)
    assert _built(site) == set()
    art = next(a for a in site.articles()[5000:] if a.origin == "original" and a.has_pdf and not a.media_only)
    with ReplicaServer(site) as s, httpx.Client(timeout=30) as c:
        index = etree.fromstring(c.get(s.root_url + "/sitemap_index.xml").content)
        sitemap_schema.assertValid(index)
        locs = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=NS)
        assert len(locs) >= 10_000 // 100
        listed: set[str] = set()
        for loc in locs:
            doc = etree.fromstring(c.get(loc).content)
            listed |= {
                re.search(r"(?:detail/|id=)(T\d{7}[A-Z_]+?)(?:/|&|$)", u).group(1)
                for u in doc.xpath("//sm:url/sm:loc/text()", namespaces=NS)
            }
        assert len(listed) == 10_000
        assert _built(site) == set()  # sitemaps come from the plan alone
        page = c.get(s.base_url + "/article?page=400")
        assert page.text.count("<article ") == 20
        assert _built(site) == set()
        r = c.get(s.root_url + art.url_path)
        assert r.status_code == 200 and lhtml.fromstring(r.text).xpath("string(//h1)") == art.title
        pdf = c.get(s.root_url + art.attachments[0].url(art.id))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert _built(site) == {art.id}
        assert {k[0] for k in site._blob_cache} == {art.id}  # only that article's attachments were built
