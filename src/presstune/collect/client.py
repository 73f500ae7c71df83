"""The polite HTTP layer (the downloader): one guard for origins, robots.txt, per-host slots,
retries, a deadline per request, size caps, downloads.

httpx does the HTTP (async, HTTP/1.1 keep-alive) and protego reads robots.txt (RFC 9309:
wildcards, longest match, Crawl-delay). What no library does for us, and is written here: the
per-host concurrency + minimum start spacing (a semaphore and a clock), backoff with full jitter
that honours ``Retry-After`` host-wide, a cap on *decoded* bytes for every response
(:mod:`presstune.collect.limits`), and verified streaming PDF downloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import email.utils
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from presstune import __version__
from presstune.collect.limits import CappedInflater, TooLarge
from presstune.config.collect import CollectConfig

RETRY_STATUSES = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

#: The clock and the sleep that spacing, Retry-After and backoff use; tests pass a fake pair so that
#: waits are checked exactly and take no wall time.
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class HostNotAllowed(RuntimeError):
    """A request to a host outside the configured set: a programming or data error, never sent."""


class FetchError(Exception):
    """An item could not be fetched; ``reason`` is one line for the report."""

    def __init__(self, reason: str, *, attempts: int = 1, status: int | None = None, retryable: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.status = status
        #: False = retrying in a later run will not help (404, robots, not a PDF...).
        self.retryable = retryable


class ContentError(Exception):
    """The body is wrong (truncated, not a PDF, too big); ``retryable`` says if a retry may help."""

    def __init__(self, reason: str, retryable: bool):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def user_agent(template: str) -> str:
    return template.replace("{version}", __version__)


Origin = tuple[str, str, int]  # (scheme, host, port)
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | httpx.URL) -> Origin | None:
    parts = urlsplit(str(url))
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port out of range
        return None
    return parts.scheme, parts.hostname.lower(), port


def allowed_origins(entries: list[str], base_url: str) -> list[Origin]:
    """``allowed_hosts`` entries as origins: ``scheme://host[:port]`` as written; a bare host
    name means the base URL's scheme, and the base URL's port when it is the base URL's host."""
    base = origin_of(base_url)
    if base is None:
        raise ValueError(f"collect.base_url must be an http(s) URL, got {base_url!r}")
    if not entries:
        return [base]
    out = []
    for entry in entries:
        if "://" in entry:
            origin = origin_of(entry)
            if origin is None:
                raise ValueError(f"collect.allowed_hosts: {entry!r} is not an http(s) origin")
        else:
            host = entry.strip().lower()
            port = base[2] if host == base[1] else DEFAULT_PORTS[base[0]]
            origin = (base[0], host, port)
        out.append(origin)
    return list(dict.fromkeys(out))


def _show(origin: Origin) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


class HostGuard:
    """The single place that decides whether a URL may be requested (installed as an httpx hook,
    so redirects and every other request pass through it too). It allows origins (scheme, host,
    port), not host names: another port on an allowed host is another server."""

    def __init__(self, origins: list[Origin]):
        self.origins = set(origins)

    def check(self, url: str | httpx.URL) -> None:
        origin = origin_of(url)
        if origin not in self.origins:
            shown = _show(origin) if origin else repr(str(url)[:80])
            raise HostNotAllowed(
                f"refusing to request {str(url)[:200]!r}: origin {shown} is not in allowed hosts "
                f"{sorted(_show(o) for o in self.origins)}"
            )

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
        except HostNotAllowed:
            return False
        return True

    async def hook(self, request: httpx.Request) -> None:
        self.check(request.url)


def host_key(url: str | httpx.URL) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}".lower()


class HostSlots:
    """At most ``concurrency`` requests in flight per host, and request starts spaced by
    ``min_delay`` seconds; ``pause(host, s)`` makes the whole host wait (Retry-After)."""

    def __init__(
        self, concurrency: int, min_delay: float, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ):
        self.clock = clock
        self.sleep = sleep
        self.concurrency = concurrency
        self.min_delay = min_delay
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}
        self._paused: dict[str, float] = {}
        self.delay_for: dict[str, float] = {}

    def set_delay(self, host: str, delay: float) -> None:
        self.delay_for[host] = max(self.min_delay, delay)

    def pause(self, host: str, seconds: float) -> None:
        until = self.clock() + seconds
        self._paused[host] = max(self._paused.get(host, 0.0), until)

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        sem = self._sems.setdefault(host, asyncio.Semaphore(self.concurrency))
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with sem:
            async with lock:  # starts are serialised so that they can be spaced
                while True:
                    now = self.clock()
                    start = max(now, self._next.get(host, 0.0), self._paused.get(host, 0.0))
                    if start <= now:
                        break
                    await self.sleep(start - now)
                self._next[host] = now + self.delay_for.get(host, self.min_delay)
            yield


def crawl_delay(robots_txt: str, ua: str) -> float | None:
    """Crawl-delay of the group that applies to ``ua`` (its own group, else ``*``)."""
    return Protego.parse(robots_txt).crawl_delay(ua)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    now_dt = _dt.datetime.fromtimestamp(now if now is not None else time.time(), _dt.UTC)
    return max(0.0, (when - now_dt).total_seconds())


@dataclass
class Fetched:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    content: bytes = b""
    attempts: int = 1
    #: what a custom ``consume`` function returned (streamed bodies)
    result: Any = None


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    bytes: int = 0  # as received (before Content-Encoding is decoded)
    status_counts: dict[int, int] = field(default_factory=dict)
    retry_after_waits: list[float] = field(default_factory=list)
    robots_disallowed: int = 0


class Fetcher:
    """Async client with the politeness rules; use as ``async with Fetcher(cfg) as f:``."""

    def __init__(
        self,
        cfg: CollectConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.cfg = cfg
        self.sleep = sleep
        self.guard = HostGuard(allowed_origins(cfg.allowed_hosts, cfg.base_url))
        self.guard.check(cfg.base_url)
        self.ua = user_agent(cfg.user_agent)
        self.slots = HostSlots(cfg.concurrency_per_host, cfg.min_delay, clock=clock, sleep=sleep)
        self.robots: dict[str, Protego | None] = {}
        self._robots_lock = asyncio.Lock()
        self.stats = Stats()
        self._rng = random.Random()
        self._transport = transport
        self.client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        n = self.cfg.concurrency_per_host * max(1, len(self.guard.origins))
        self.client = httpx.AsyncClient(
            http1=True,
            http2=False,
            follow_redirects=False,  # redirects are followed here, each hop through slot + guard
            timeout=httpx.Timeout(self.cfg.timeout, connect=min(10.0, self.cfg.timeout)),
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
            headers={
                "User-Agent": self.ua,
                # only what CappedInflater decodes (httpx would also offer br/zstd when installed)
                "Accept-Encoding": "gzip, deflate",
                **({"Accept-Language": self.cfg.accept_language} if self.cfg.accept_language else {}),
            },
            event_hooks={"request": [self.guard.hook]},
            transport=self._transport,
            trust_env=False,  # no proxies from the environment: only the configured hosts
        )
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.client is not None:
            await self.client.aclose()

    # -- robots.txt ----------------------------------------------------------------------
    async def load_robots(self, url: str) -> Protego | None:
        """Fetch and parse robots.txt of ``url``'s host once (RFC 9309: 4xx = allow all,
        5xx/unreachable after retries = the run cannot go on politely -> FetchError)."""
        host = host_key(url)
        async with self._robots_lock:
            if host in self.robots:
                return self.robots[host]
            if not self.cfg.respect_robots:
                self.robots[host] = None
                return None
            got = await self._get(
                host + "/robots.txt", {}, range(200, 500), self.cfg.max_robots_bytes, check_robots=False
            )
            if got.status >= 400:
                self.robots[host] = None
                return None
            parser = Protego.parse(got.content.decode("utf-8", "replace"))
            delay = parser.crawl_delay(self.ua)
            if delay is not None:
                self.slots.set_delay(host, min(max(0.0, float(delay)), self.cfg.max_crawl_delay))
            self.robots[host] = parser
            return parser

    def sitemaps_from_robots(self, url: str) -> list[str]:
        parser = self.robots.get(host_key(url))
        return list(parser.sitemaps) if parser else []

    def allowed_by_robots(self, url: str) -> bool:
        parser = self.robots.get(host_key(url))
        return True if parser is None else parser.can_fetch(url, self.ua)

    # -- requests ------------------------------------------------------------------------
    async def get(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        ok_statuses: Any = (200, 304),
        *,
        max_bytes: int | None = None,
        consume: Callable[[AsyncIterator[bytes]], Awaitable[Any]] | None = None,
    ) -> Fetched:
        """GET ``url`` with at most ``max_bytes`` decoded bytes (default: ``max_page_bytes``).
        The body is ``content``; or, with ``consume``, the streamed pieces are handed to it (once
        per attempt) and its return value is ``result`` (it may stop reading early)."""
        cap = self.cfg.max_page_bytes if max_bytes is None else max_bytes
        return await self._get(url, headers or {}, ok_statuses, cap, consume=consume)

    async def _get(
        self,
        url: str,
        headers: dict[str, str],
        ok_statuses: Any,
        max_bytes: int,
        *,
        check_robots: bool = True,
        consume: Callable[[AsyncIterator[bytes]], Awaitable[Any]] | None = None,
    ) -> Fetched:
        async def sink(resp: httpx.Response) -> Any:
            body = _body(resp, max_bytes)
            if consume is not None:
                return await consume(body)
            return b"".join([piece async for piece in body])

        return await self._content_retries(url, headers, sink, ok_statuses, check_robots=check_robots)

    async def download(
        self,
        url: str,
        part_path: Path,
        headers: dict[str, str] | None = None,
        *,
        max_bytes: int,
        expect_pdf: bool = True,
    ) -> Fetched:
        """Stream ``url`` into ``part_path`` and verify it; 304 leaves no file. Content errors
        that a retry may cure (truncation) are retried; a failed download leaves no file."""

        async def sink(resp: httpx.Response) -> None:
            await _stream_to_file(resp, part_path, max_bytes, expect_pdf)

        def cleanup() -> None:
            with contextlib.suppress(FileNotFoundError):
                part_path.unlink()

        try:
            return await self._content_retries(url, headers or {}, sink, (200, 304), cleanup=cleanup)
        except BaseException:
            cleanup()
            raise

    async def _content_retries(
        self,
        url: str,
        headers: dict[str, str],
        sink: Callable[[httpx.Response], Awaitable[Any]],
        ok_statuses: Any,
        *,
        check_robots: bool = True,
        cleanup: Callable[[], None] | None = None,
    ) -> Fetched:
        """:meth:`_request`, retrying body errors a retry may cure (truncation) up to
        ``max_retries`` times; a permanent one (too large, not a PDF) fails at once."""
        last: ContentError | None = None
        attempts = 0
        for _ in range(self.cfg.max_retries + 1):
            try:
                got = await self._request(
                    "GET", url, headers, sink=sink, ok_statuses=ok_statuses, check_robots=check_robots
                )
                got.attempts += attempts
                return got
            except ContentError as exc:
                attempts += 1
                last = exc
                if cleanup is not None:
                    cleanup()
                if not exc.retryable:
                    raise FetchError(exc.reason, attempts=attempts, retryable=False) from None
                self.stats.retries += 1
                await self.sleep(self._backoff(attempts))
        assert last is not None
        raise FetchError(last.reason, attempts=attempts, retryable=True)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter (AWS architecture blog): U(0, min(cap, base*2^n))."""
        return self._rng.uniform(0, min(self.cfg.backoff_max, self.cfg.backoff_base * (2 ** max(0, attempt - 1))))

    async def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        check_robots: bool = True,
        sink: Callable[[httpx.Response], Awaitable[Any]],
        ok_statuses: Any = (200,),
        max_redirects: int = 5,
    ) -> Fetched:
        assert self.client is not None, "use 'async with Fetcher(...)'"
        self.guard.check(url)
        attempt = 0
        redirects = 0
        while True:
            if check_robots:
                await self.load_robots(url)
                if not self.allowed_by_robots(url):
                    self.stats.robots_disallowed += 1
                    raise FetchError(f"disallowed by robots.txt: {url}", attempts=0, retryable=False)
            attempt += 1
            host = host_key(url)
            error: str | None = None
            wait: float | None = None
            try:
                # The deadline bounds the whole exchange, body included: httpx's timeout is per
                # read, so a server sending a byte a second would hold the request forever.
                async with self.slots.slot(host), asyncio.timeout(self.cfg.request_deadline):
                    self.stats.requests += 1
                    request = self.client.build_request(method, url, headers=headers)
                    response = await self.client.send(request, stream=True)
                    try:
                        status = response.status_code
                        self.stats.status_counts[status] = self.stats.status_counts.get(status, 0) + 1
                        if status in REDIRECT_STATUSES and "location" in response.headers:
                            location = urljoin(url, response.headers["location"])
                            await response.aclose()
                            redirects += 1
                            if redirects > max_redirects:
                                raise FetchError(
                                    f"too many redirects at {url}", attempts=attempt, status=status, retryable=False
                                )
                            self.guard.check(location)  # raises: a redirect to another origin is never followed
                            url = location
                            attempt -= 1  # a redirect is not a failed attempt
                            continue
                        if status in ok_statuses and status != 304:
                            try:
                                result = await sink(response)
                            finally:
                                self.stats.bytes += int(response.num_bytes_downloaded)
                            content = result if isinstance(result, bytes) else b""
                            return Fetched(url, status, response.headers, content, attempt, result)
                        if status == 304 and status in ok_statuses:
                            return Fetched(url, status, response.headers, b"", attempt)
                        if status in RETRY_STATUSES:
                            error = f"HTTP {status}"
                            if status in (429, 503):
                                wait = parse_retry_after(response.headers.get("retry-after"))
                        else:
                            raise FetchError(
                                f"HTTP {status}",
                                attempts=attempt,
                                status=status,
                                retryable=status in (403, 408, 409, 425),
                            )
                    finally:
                        await response.aclose()
            except TimeoutError:
                error = f"deadline: no complete response within request_deadline {self.cfg.request_deadline:g}s"
            except httpx.TimeoutException as exc:
                error = f"timeout ({type(exc).__name__})"
            except httpx.RemoteProtocolError as exc:
                error = f"connection broken: {exc}"[:200]
            except httpx.TransportError as exc:
                error = f"connection error: {type(exc).__name__}: {exc}"[:200]
            await self._wait_before_retry(error or "error", wait, attempt, host)

    async def _wait_before_retry(self, error: str, wait: float | None, attempt: int, host: str) -> None:
        """After a failed attempt: raise FetchError when no retry is left (or Retry-After is too
        long), else wait (Retry-After host-wide or for this request; backoff otherwise)."""
        if attempt > self.cfg.max_retries:
            raise FetchError(f"{error} (gave up after {attempt} attempts)", attempts=attempt, status=_status_of(error))
        if wait is not None:
            if wait > self.cfg.max_retry_after:
                raise FetchError(
                    f"{error}: Retry-After {wait:.0f}s exceeds max_retry_after",
                    attempts=attempt,
                    status=_status_of(error),
                )
            self.stats.retry_after_waits.append(wait)
            if self.cfg.retry_after_scope == "host":
                self.slots.pause(host, wait)  # the host asked everybody to wait
            else:
                await self.sleep(wait)
        else:
            await self.sleep(self._backoff(attempt))
        self.stats.retries += 1


def _status_of(error: str | None) -> int | None:
    if error and error.startswith("HTTP "):
        with contextlib.suppress(ValueError):
            return int(error.split()[1])
    return None


async def _body(resp: httpx.Response, max_bytes: int) -> AsyncIterator[bytes]:
    """The decoded body in pieces, stopped with a permanent :class:`ContentError` past
    ``max_bytes`` decoded bytes; at the end, the bytes received are checked against
    Content-Length (which counts the encoded body)."""
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    inflater: CappedInflater | None = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = CappedInflater("deflate" if encoding == "deflate" else "gzip", max_bytes)
    elif encoding not in ("", "identity"):
        raise ContentError(f"unsupported Content-Encoding {encoding!r}", retryable=False)
    too_large = f"too large: more than {max_bytes} bytes (decoded; stream aborted)"
    decoded = 0
    async for raw in resp.aiter_raw():
        try:
            piece = inflater.feed(raw) if inflater is not None else raw
        except TooLarge:
            raise ContentError(too_large, retryable=False) from None
        except Exception as exc:  # zlib.error: a corrupt stream may be a broken transfer
            raise ContentError(f"undecodable {encoding} body: {exc}", retryable=True) from None
        decoded += len(piece)
        if decoded > max_bytes:
            raise ContentError(too_large, retryable=False)
        if piece:
            yield piece
    declared = resp.headers.get("content-length")
    if declared is not None and declared.isdigit() and resp.num_bytes_downloaded != int(declared):
        raise ContentError(f"truncated: got {resp.num_bytes_downloaded} of {declared} bytes", retryable=True)


async def _stream_to_file(resp: httpx.Response, part_path: Path, max_bytes: int, expect_pdf: bool) -> None:
    """Write the decoded body to ``part_path`` (fsync'd), enforcing the cap while streaming;
    verify Content-Length (of the encoded body), content type, ``%PDF-`` magic and ``%%EOF``."""
    declared = resp.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise ContentError(f"too large: Content-Length {int(declared)} > cap {max_bytes}", retryable=False)
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    body = _body(resp, max_bytes)
    if (
        expect_pdf
        and ctype
        and ctype not in ("application/pdf", "application/octet-stream", "application/x-pdf", "binary/octet-stream")
    ):
        # Read a little to say what it is, then give up: an HTML page is not a PDF.
        head = b""
        with contextlib.suppress(ContentError, httpx.HTTPError):
            async for chunk in body:
                head += chunk
                if len(head) >= 64:
                    break
        raise ContentError(f"not a PDF: content-type {ctype!r}, starts with {head[:20]!r}", retryable=False)
    part_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    head = b""
    tail = b""
    try:
        with open(part_path, "wb") as handle:
            async for chunk in body:
                written += len(chunk)
                if len(head) < 8:
                    head += chunk[:8]
                    if expect_pdf and len(head) >= 5 and not head.startswith(b"%PDF-"):
                        raise ContentError(f"not a PDF: starts with {head[:20]!r}", retryable=False)
                tail = (tail + chunk)[-2048:]
                handle.write(chunk)
            handle.flush()
            await asyncio.to_thread(os.fsync, handle.fileno())  # off the event loop: fsync can take ms
    except httpx.HTTPError as exc:
        raise ContentError(
            f"truncated: connection broke after {written} bytes ({type(exc).__name__})", retryable=True
        ) from None
    if expect_pdf:
        if not head.startswith(b"%PDF-"):
            raise ContentError(f"not a PDF: starts with {head[:20]!r}", retryable=False)
        if b"%%EOF" not in tail:
            raise ContentError(f"truncated PDF: no %%EOF trailer in the last bytes ({written} bytes)", retryable=True)
