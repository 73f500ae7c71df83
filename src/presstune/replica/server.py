"""The replica HTTP server (127.0.0.1 only), in-process for tests or via ``presstune replica serve``.

    with ReplicaServer(articles=200, seed=0, faults="mild") as srv:
        httpx.get(srv.base_url + "/article?page=2")      # base_url = http://127.0.0.1:PORT/global
        srv.request_log                                  # what the client did
        srv.permanent_faults                             # items that never recover

Routes (PRESSCLUB.md §1.8): ``/robots.txt``, ``/sitemap_index.xml``, ``/sitemaps/<name>``,
``/global`` (start page), ``/global/article?page=N`` (20 per page, newest first),
``/global/startpage/list?page=N`` and ``/global/article/list?page=N`` (AJAX "load more":
bare HTML fragment, empty past the end), ``/global/article/detail/<TID>[/<slug>]``
(routed by TID; the slug may hold ``/``, ``:`` and ``%XX``), the legacy
``/pressclub/p/<channel>/pressDetail.html?...&id=<TID>`` (301 to the canonical URL),
``/global/article/attachment/<TID>/<n>[/<file>]``, ``/global/oneclick/download/<TID>/attachment``
(ZIP), ``/global/rss[?page=N]``; private and unlinked: ``/_replica/facts.jsonl`` (see
:mod:`presstune.replica.site` for the schema; ``?body=0`` leaves the bodies out),
``/_replica/log`` (JSON request log) and ``/_replica/faults`` (permanent faults).

Article pages and attachments carry ETag and Last-Modified and answer conditional requests
with 304. ``span.date`` is ``dd.MM.yyyy`` when the request has Accept-Language, the Java
form otherwise (as observed on the real site).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import socket
import struct
import threading
import time
import zipfile
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from presstune.config.replica import FaultConfig
from presstune.replica import feeds, html
from presstune.replica.faults import FaultPlan, resolve
from presstune.replica.site import Site

if TYPE_CHECKING:
    from collections.abc import Callable

    from presstune.config.replica import ReplicaConfig

_TID = r"T\d{7}(?:EN_GB|EN_US|EN|DE|ES|FR)"
_DETAIL = re.compile(rf"^/global/article/detail/({_TID})(?:/.*)?$")
_ATTACH = re.compile(rf"^/global/article/attachment/({_TID})/(\d+)(?:/[^/]+)?$")
_ONECLICK = re.compile(rf"^/global/oneclick/download/({_TID})/attachment$")
_LEGACY = re.compile(r"^/pressclub/p/[a-z]+/pressDetail\.html$")
_SITEMAP = re.compile(r"^/sitemaps/(sitemap_text_[a-z_0-9]+\.xml)$")


class _Reset(Exception):
    """Raised inside a handler to drop the connection without answering."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replica: ReplicaServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid 40 ms delayed-ACK stalls
    server: _Server
    server_version = "PressClubReplica/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr access log
        pass

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_GET(self) -> None:
        self._handle("GET")

    def _handle(self, method: str) -> None:
        rep = self.server.replica
        entry: dict[str, Any] = {
            "method": method,
            "path": self.path,
            "status": None,
            "started": rep.clock(),
            "ended": None,
            "user_agent": self.headers.get("User-Agent"),
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "accept_language": self.headers.get("Accept-Language"),
            "fault": None,
            "bytes": 0,
        }
        self._entry = entry
        rep._enter()
        try:
            if rep.latency:
                rep.sleep(rep.latency)
            self._route(method)
        except _Reset:
            entry["status"] = 0
            self.close_connection = True
            try:  # SO_LINGER 0 -> the peer sees a reset instead of an orderly close
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug in the replica must not kill the thread silently
            entry["fault"] = f"error: {type(exc).__name__}: {exc}"
            if entry["status"] is None:
                try:
                    self._send(500, b"internal error\n", "text/plain", method=method)
                except OSError:
                    pass
        finally:
            self._finish()

    def _finish(self) -> None:
        """Close the log entry once. Called just before the last body bytes go out, so a
        client that has its response already finds its request in the log."""
        entry = self._entry
        if entry["ended"] is None:
            entry["ended"] = self.server.replica.clock()
            self.server.replica._leave(entry)

    # -------------------------------------------------------------- responses

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
        method: str = "GET",
        declared_length: int | None = None,
        close: bool = False,
    ) -> None:
        self._entry["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(declared_length if declared_length is not None else len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        if method != "HEAD" and status != 304:
            self._entry["bytes"] = len(body)
        self._finish()
        self.end_headers()
        if method != "HEAD" and status != 304:
            self.wfile.write(body)

    def _html(self, method: str, status: int, page: str, extra: dict[str, str] | None = None) -> None:
        self._send(status, page.encode("utf-8"), "text/html;charset=UTF-8", extra, method)

    def _not_found(self, method: str, path: str) -> None:
        self._html(method, 404, html.not_found_page(path))

    def _conditional(
        self, method: str, body: bytes, ctype: str, last_modified: Any, extra: dict[str, str] | None = None
    ) -> None:
        """Serve with ETag/Last-Modified; 304 when the client's validators match."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        lm = format_datetime(last_modified.astimezone(dt.UTC), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": lm, "Cache-Control": "no-cache", **(extra or {})}
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        not_modified = False
        if inm is not None:
            not_modified = inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]
        elif ims:
            try:
                not_modified = parsedate_to_datetime(ims) >= last_modified.replace(microsecond=0)
            except (TypeError, ValueError):
                not_modified = False
        if not_modified:
            self._send(304, b"", ctype, headers, method, declared_length=0)
        else:
            self._send(200, body, ctype, headers, method)

    # -------------------------------------------------------------- routing

    def _route(self, method: str) -> None:
        """Dispatch one request: the URL table of the portal in the order the portal answers
        (faults, robots, listings, articles, attachments, feeds); long because it is the table."""
        rep = self.server.replica
        site = rep.site
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        style = "short" if self.headers.get("Accept-Language") else "java"

        attempt = rep._attempt(self.path)
        self._entry["attempt"] = attempt
        att_match = _ATTACH.match(path)
        # Faults are chosen per request target (path + query): page 2 and page 3 of a listing differ.
        kind, fails = rep.plan.transient(self.path, is_attachment=bool(att_match))
        if kind is not None and attempt <= fails:
            self._entry["fault"] = kind
            if kind == "5xx":
                self._send(
                    rep.plan.status_5xx(self.path),
                    b"<html><body>Service temporarily unavailable</body></html>",
                    "text/html",
                    method=method,
                )
                return
            if kind == "429":
                self._send(
                    429, b"Too Many Requests\n", "text/plain", {"Retry-After": str(rep.faults.retry_after)}, method
                )
                return
            if kind == "reset":
                raise _Reset()
            if kind == "slow":
                rep.sleep(rep.faults.slow_seconds)
            # "truncated" is applied by the attachment handler below.

        def page_no() -> int:
            try:
                return max(1, int(query.get("page", ["1"])[0]))
            except ValueError:
                return 1

        if path == "/robots.txt":
            self._send(
                200, feeds.robots_txt(rep.root_url, rep.sitemap).encode(), "text/plain; charset=utf-8", method=method
            )
        elif path == feeds.SITEMAP_INDEX:
            if not rep.sitemap:
                return self._not_found(method, path)
            self._send(
                200, feeds.sitemap_index(rep.root_url, rep.sitemap_files()).encode(), "application/xml", method=method
            )
        elif m := _SITEMAP.match(path):
            files = rep.sitemap_files() if rep.sitemap else {}
            if m.group(1) not in files:
                return self._not_found(method, path)
            self._send(
                200, feeds.sitemap_xml(rep.root_url, files[m.group(1)]).encode(), "application/xml", method=method
            )
        elif path in ("/global", "/global/"):
            self._html(method, 200, html.listing_page(site, 1, style, start=True))
        elif path in ("/global/article", "/global/article/"):
            self._html(method, 200, html.listing_page(site, page_no(), style))
        elif path in ("/global/startpage/list", "/global/article/list"):
            self._html(method, 200, html.list_fragment(site, page_no(), style))
        elif m := _DETAIL.match(path):
            art = site.get(m.group(1))
            if art is None:
                return self._not_found(method, path)
            sizes = {a.no: len(site.attachment_bytes(art.id, a.no)) for a in art.attachments}
            page = html.detail_page(art, style, changed_layout=art.id in rep.plan.changed_layout, sizes=sizes)
            self._conditional(method, page.encode("utf-8"), "text/html;charset=UTF-8", art.date)
        elif _LEGACY.match(path):
            tid = query.get("id", [""])[0]
            art = site.get(tid)
            if art is None:
                return self._not_found(method, path)
            self._send(301, b"", "text/html", {"Location": f"{rep.root_url}{art.url_path}?language=en"}, method)
        elif att_match:
            self._attachment(
                method, att_match.group(1), int(att_match.group(2)), kind == "truncated" and attempt <= fails
            )
        elif m := _ONECLICK.match(path):
            art = site.get(m.group(1))
            if art is None or not art.attachments:
                return self._not_found(method, path)
            self._send(
                200,
                rep.oneclick_zip(art.id),
                "application/zip",
                {"Content-Disposition": f'attachment; filename="{art.id}.zip"'},
                method,
            )
        elif path in ("/global/rss", "/rss"):
            self._send(
                200,
                feeds.rss_xml(site, rep.root_url, page_no()).encode(),
                "application/rss+xml; charset=utf-8",
                method=method,
            )
        elif path == "/_replica/facts.jsonl":
            body = query.get("body", ["1"])[0] not in ("0", "false")
            self._send(200, site.facts_jsonl(body=body).encode(), "application/x-ndjson; charset=utf-8", method=method)
        elif path == "/_replica/log":
            self._send(200, json.dumps(rep.request_log_snapshot()).encode(), "application/json", method=method)
        elif path == "/_replica/faults":
            self._send(200, json.dumps(rep.permanent_faults).encode(), "application/json", method=method)
        else:
            self._not_found(method, path)

    def _attachment(self, method: str, tid: str, no: int, truncate: bool) -> None:
        rep = self.server.replica
        site = rep.site
        art = site.get(tid)
        att = site.attachment(tid, no)
        if art is None or att is None:
            return self._not_found(method, self.path)
        key = (tid, no)
        if key in rep.plan.html_instead_of_pdf:
            self._entry["fault"] = "html_instead_of_pdf"
            # What a misconfigured CMS does: the article page instead of the file.
            return self._html(method, 200, html.detail_page(art, "java"))
        if key in rep.plan.oversized:
            self._entry["fault"] = "oversized"
            return self._oversized(method)
        blob = site.attachment_bytes(tid, no)
        ctype = "application/pdf" if att.kind == "pdf" else "application/zip"
        fname = att.filename or f"{tid}_{no}.{'pdf' if att.kind == 'pdf' else 'zip'}"
        extra = {"Content-Disposition": f'inline; filename="{fname}"'}
        if truncate:
            self._entry["fault"] = "truncated"
            etag = '"' + hashlib.sha1(blob).hexdigest()[:20] + '"'
            self._entry["status"] = 200
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(blob)))
            self.send_header("ETag", etag)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(blob[: len(blob) // 2])
                self.wfile.flush()
                self._entry["bytes"] = len(blob) // 2
            raise _Reset()
        self._conditional(method, blob, ctype, art.date, extra)

    def _oversized(self, method: str) -> None:
        size = self.server.replica.faults.oversized_bytes
        self._entry["status"] = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if method == "HEAD":
            return
        head = b"%PDF-1.4\n% oversized replica attachment\n"
        chunk = b"%" + b"0" * 65534 + b"\n"
        self.wfile.write(head)
        sent = len(head)
        while sent < size:
            part = chunk[: size - sent]
            self.wfile.write(part)
            sent += len(part)
        self._entry["bytes"] = sent


class ReplicaServer:
    """A replica of the PressClub on 127.0.0.1, served from a background thread.

    ``site_or_none`` reuses an existing :class:`Site`; otherwise one is built from
    ``articles``/``seed``. ``faults`` is a preset name or a :class:`FaultConfig`;
    ``latency`` adds a fixed delay to every request; ``sitemap=False`` is the
    "no sitemap" mode (robots.txt without ``Sitemap:``, sitemap URLs 404). ``clock`` stamps the
    request log and ``sleep`` waits out ``latency`` and the "slow" fault (tests pass a fake pair).
    """

    def __init__(
        self,
        site_or_none: Site | None = None,
        *,
        articles: int = 200,
        seed: int = 0,
        faults: str | FaultConfig = "none",
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        sitemap: bool = True,
        sitemap_chunk: int = 100,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the replica only binds to loopback, not {host!r}")
        self.site = site_or_none if site_or_none is not None else Site(articles=articles, seed=seed)
        self.faults: FaultConfig = resolve(faults)
        self.plan = FaultPlan(self.faults, self.site)
        self.latency = latency
        self.clock, self.sleep = clock, sleep
        self.sitemap = sitemap
        self.sitemap_chunk = sitemap_chunk
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self.request_log: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_concurrency = 0
        self._attempts: dict[str, int] = {}
        self._sitemaps: dict[str, Any] | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, cfg: ReplicaConfig, site: Site | None = None) -> ReplicaServer:
        """Build from the ``replica:`` config section (not started yet)."""
        return cls(
            site,
            articles=cfg.articles,
            seed=cfg.seed,
            faults=cfg.faults,
            latency=cfg.latency,
            port=cfg.port,
            sitemap=cfg.sitemap,
            sitemap_chunk=cfg.sitemap_chunk,
        )

    # -------------------------------------------------------------- lifecycle

    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            return self
        httpd = _Server((self._host, self._port), _Handler)
        httpd.replica = self
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name=f"replica:{self._port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_until(self, should_stop: Callable[[], bool]) -> None:
        """Block until ``should_stop()`` (the CLI's loop; its signal handlers set the flag).

        Polls with ``time.sleep`` instead of joining the thread: a signal handler that raises inside
        ``Thread.join`` (Python 3.11) can mark the live server thread as stopped and leave the process
        hanging on exit (seen once in CI: `replica serve` did not exit within 15 s of SIGTERM)."""
        self.start()
        assert self._thread is not None
        while self._thread.is_alive() and not should_stop():
            time.sleep(0.1)

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/global"

    # -------------------------------------------------------------- bookkeeping

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_concurrency = max(self.max_concurrency, self.in_flight)

    def _leave(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.in_flight -= 1
            self.request_log.append(entry)

    def _attempt(self, target: str) -> int:
        with self._lock:
            n = self._attempts.get(target, 0) + 1
            self._attempts[target] = n
            return n

    def request_log_snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self.request_log]

    def clear_log(self) -> None:
        """Forget the log and the per-path attempt counters (a fresh client run)."""
        with self._lock:
            self.request_log.clear()
            self._attempts.clear()
            self.max_concurrency = self.in_flight

    @staticmethod
    def concurrency_of(entries: list[dict[str, Any]]) -> int:
        """Maximum number of overlapping requests in a log (from started/ended)."""
        events = sorted(
            [(e["started"], 1) for e in entries] + [(e["ended"], -1) for e in entries], key=lambda x: (x[0], x[1])
        )
        cur = best = 0
        for _, d in events:
            cur += d
            best = max(best, cur)
        return best

    @property
    def permanent_faults(self) -> dict[str, list[str]]:
        return self.plan.permanent()

    def sitemap_files(self) -> dict[str, Any]:
        if self._sitemaps is None:
            self._sitemaps = feeds.sitemap_files(self.site, self.sitemap_chunk)
        return self._sitemaps

    def oneclick_zip(self, tid: str) -> bytes:
        art = self.site.article(tid)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
            for att in art.attachments:
                ext = "pdf" if att.kind == "pdf" else "zip"
                info = zipfile.ZipInfo(f"{tid}_{att.no}.{ext}", date_time=(2025, 1, 1, 0, 0, 0))
                z.writestr(info, self.site.attachment_bytes(tid, att.no))
        return buf.getvalue()
