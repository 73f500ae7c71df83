"""The collect stage: discovery -> selection -> pages -> PDFs -> articles.jsonl + report.

Files in the run directory (all written atomically or appended line-wise):

    articles.jsonl          one ArticleRecord per article (a re-collected article is appended
                            again during a run; the run ends by compacting to the last line per id)
    html/<ID>.html          raw article pages (lets a resumed run skip refetching)
    pdfs/<ID>[-n].pdf       verified attachments; in-flight downloads are pdfs/<name>.part
    collect_state.json      ETag/Last-Modified/lastmod per page and file (+ collect_journal.jsonl
                            while running, see state.py)
    collect_report.json     summary counts and every failure (URL, reason, attempts)

Ordering for ``target``: sitemap ``lastmod`` or the listing date (newest first). When some
candidates have no date at all, all their pages are fetched first and the cut is made on the
page dates. Failed articles are not replaced by older ones (the report names them); articles
whose page date falls outside ``date_from``/``date_to`` are.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import hashlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from presstune.collect.client import Fetcher, FetchError, HostNotAllowed, user_agent
from presstune.collect.config import CollectConfig
from presstune.collect.parse import (
    ParsedPage,
    ParseError,
    article_id_from_url,
    date_key,
    language_matches,
    language_of,
    local_day,
    parse_article,
    parse_listing,
    parse_sitemap,
    safe_name,
)
from presstune.collect.records import ArticleRecord, Attachment
from presstune.collect.state import CollectState, now_iso
from presstune.rundir import RunDir, append_jsonl, atomic_write_json, atomic_write_text, read_jsonl, write_jsonl

ARTICLES = "articles.jsonl"
REPORT = "collect_report.json"


@dataclass
class Candidate:
    id: str
    url: str
    lastmod: str | None = None  # sitemap
    date: str | None = None  # listing date (publication)
    source: str = ""


@dataclass
class CollectSummary:
    base_url: str = ""
    discovery: str = ""  # "sitemap" | "listing"
    candidates: int = 0
    selected: int = 0
    collected: int = 0  # pages fetched (or taken from the cache) and recorded in this run
    unchanged: int = 0  # skipped by lastmod or answered 304
    excluded_by_date: int = 0
    failed_articles: int = 0
    pdfs_downloaded: int = 0
    pdfs_unchanged: int = 0
    pdfs_failed: int = 0
    records_total: int = 0
    requests: int = 0
    retries: int = 0
    bytes: int = 0
    seconds: float = 0.0
    failure_share: float = 0.0
    exit_code: int = 0
    message: str = ""
    failures: list[dict[str, Any]] = field(default_factory=list)

    def brief(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("failures")
        return data


class _Progress:
    """A rich progress bar with rate and ETA, shown only on a terminal."""

    def __init__(self, enabled: bool):
        self.bar = None
        self.task = None
        if enabled and sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.text import Text

            class Rate(ProgressColumn):
                def render(self, task: Any) -> Text:
                    return Text(f"{task.speed:.1f}/s" if task.speed else "-/s")

            self.bar = Progress(
                TextColumn("[bold]collect"),
                BarColumn(),
                MofNCompleteColumn(),
                Rate(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                transient=False,
            )

    def start(self, total: int) -> None:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("collect", total=total)

    def advance(self) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class Collector:
    def __init__(self, cfg: CollectConfig, run_path: Path, *, transport: Any = None):
        self.cfg = cfg
        self.run_path = run_path
        self.pdf_dir = run_path / "pdfs"
        self.html_dir = run_path / "html"
        self.state = CollectState(run_path)
        self.records: dict[str, ArticleRecord] = {}
        self.summary = CollectSummary(base_url=cfg.base_url)
        self.failures: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.fallbacks: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.transport = transport
        self.fetcher: Fetcher
        self.progress = _Progress(cfg.progress)
        self._prefetched: dict[str, tuple[str, Any]] = {}
        # One thread for every append (journal, articles.jsonl): fsync'd lines stay in order
        # and the event loop keeps the network busy while the disk syncs.
        self._appender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collect-append")
        self._duplicate_lines = 0

    # -- setup ------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create folders, remove leftovers of a killed run, load records and state."""
        self.run_path.mkdir(parents=True, exist_ok=True)
        self.pdf_dir.mkdir(exist_ok=True)
        self.html_dir.mkdir(exist_ok=True)
        for folder, patterns in (
            (self.pdf_dir, ("*.part", ".*.tmp")),
            (self.html_dir, (".*.tmp",)),
            (self.run_path, (f".{ARTICLES}.*.tmp", ".collect_*.tmp")),
        ):
            for pattern in patterns:
                for leftover in folder.glob(pattern):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
        self.state.load()
        lines = 0
        for raw in read_jsonl(self.run_path / ARTICLES):
            lines += 1
            with contextlib.suppress(Exception):
                record = ArticleRecord.model_validate(raw)
                self.records[record.id] = record
        self._duplicate_lines = lines - len(self.records)

    # -- discovery --------------------------------------------------------------------------
    async def discover(self) -> list[Candidate]:
        base = self.cfg.base_url.rstrip("/")
        await self.fetcher.load_robots(base)  # always the first request
        found: dict[str, Candidate] = {}
        if self.cfg.use_sitemaps:
            sitemap_urls = list(dict.fromkeys(self.fetcher.sitemaps_from_robots(base) + self.cfg.sitemaps))
            await self._read_sitemaps(sitemap_urls, found)
        if found:
            self.summary.discovery = "sitemap"
        else:
            self.summary.discovery = "listing"
            await self._read_listing(base, found)
        self.summary.candidates = len(found)
        return list(found.values())

    async def _read_sitemaps(self, urls: list[str], found: dict[str, Candidate]) -> None:
        """Read sitemap indexes and sitemaps (each level fetched concurrently)."""
        seen: set[str] = set()
        duplicates = 0
        wave = list(urls)
        while wave:
            todo = []
            for url in dict.fromkeys(wave):
                if url in seen:
                    continue
                seen.add(url)
                if not self.fetcher.guard.allows(url):
                    self.skipped.append({"url": url, "kind": "sitemap", "reason": "host not allowed"})
                elif not self.fetcher.allowed_by_robots(url):
                    self.skipped.append({"url": url, "kind": "sitemap", "reason": "disallowed by robots.txt"})
                else:
                    todo.append(url)
            results = await asyncio.gather(*(self._one_sitemap(u) for u in todo))
            wave = []
            for url, result in zip(todo, results):
                if result is None:
                    continue
                kind, entries = result
                if kind == "index":
                    include = self.cfg.sitemap_include
                    wave += [e.loc for e in entries if not include or any(s in e.loc for s in include)]
                    continue
                for entry in entries:  # in document order, so results do not depend on timing
                    article_id = article_id_from_url(entry.loc)
                    if not article_id:
                        self.skipped.append({"url": entry.loc, "kind": "sitemap-url", "reason": "no article id in URL"})
                        continue
                    previous = found.get(article_id)
                    if previous is not None:  # the same id in several sitemaps: keep the newest lastmod
                        duplicates += 1
                        if date_key(entry.lastmod) <= date_key(previous.lastmod):
                            continue
                    found[article_id] = Candidate(article_id, entry.loc, lastmod=entry.lastmod, source=url)
        self.state.info["sitemaps_read"] = len(seen)
        self.state.info["sitemap_duplicates"] = duplicates

    async def _one_sitemap(self, url: str) -> tuple[str, list[Any]] | None:
        try:
            got = await self.fetcher.get(url, ok_statuses=(200,))
            return parse_sitemap(got.content)
        except (FetchError, ParseError) as exc:
            self._fail(None, url, "sitemap", exc)
            return None

    async def _read_listing(self, base: str, found: dict[str, Candidate]) -> None:
        path = self.cfg.listing_path.strip("/")
        for page in range(1, self.cfg.max_listing_pages + 1):
            url = f"{base}/{path}" + ("" if page == 1 else f"?page={page}")
            try:
                got = await self.fetcher.get(url, ok_statuses=(200, 404))
            except FetchError as exc:
                self._fail(None, url, "listing", exc)
                break
            if got.status == 404:
                break
            items = parse_listing(got.content.decode("utf-8", "replace"), got.url, self.cfg.selectors)
            new = [item for item in items if item.id not in found]
            if not new:
                break
            for item in new:
                found[item.id] = Candidate(item.id, item.url, date=item.date, source=url)
            if self._listing_done(found, new):
                break

    def _listing_done(self, found: dict[str, Candidate], page_items: list[Any]) -> bool:
        """The listing is newest first: stop once older than date_from, or target reached."""
        dates = [i.date for i in page_items if i.date]
        if self.cfg.date_from and dates and min(d[:10] for d in dates) < self.cfg.date_from:
            return True
        if self.cfg.target is not None and all(c.date for c in found.values()):
            return (
                len(self._filter(list(found.values()), record=False))
                >= self.cfg.target + 2 * self.cfg.concurrency_per_host
            )
        return False

    # -- selection --------------------------------------------------------------------------
    def _filter(self, candidates: list[Candidate], record: bool = True) -> list[Candidate]:
        out = []
        for c in candidates:
            lang = language_of(c.id)
            if not language_matches(lang, self.cfg.language, self.cfg.include_variants):
                if record:
                    self.state.info["filtered_language"] = self.state.info.get("filtered_language", 0) + 1
                continue
            day = local_day(c.date)
            if day and (
                (self.cfg.date_from and day < self.cfg.date_from) or (self.cfg.date_to and day > self.cfg.date_to)
            ):
                continue
            # lastmod >= publication date, so only the lower bound is safe to apply to it
            if c.lastmod and not c.date and self.cfg.date_from and local_day(c.lastmod) < self.cfg.date_from:
                continue
            if not self.fetcher.allowed_by_robots(c.url) or not self.fetcher.guard.allows(c.url):
                if record:
                    reason = "host not allowed" if not self.fetcher.guard.allows(c.url) else "disallowed by robots.txt"
                    self.skipped.append({"id": c.id, "url": c.url, "kind": "article", "reason": reason})
                continue
            out.append(c)
        out.sort(key=lambda c: (date_key(c.date or c.lastmod), c.id), reverse=True)
        return out

    # -- per article ------------------------------------------------------------------------
    def _complete(self, record: ArticleRecord) -> bool:
        for att in record.attachments:
            if att.type != "pdf" or not self.cfg.download_pdfs:
                continue
            if att.status == "ok" and att.path and (self.run_path / att.path).exists():
                continue
            if (
                att.status == "failed"
                and att.error
                and att.error.startswith(("not a PDF", "too large", "HTTP 404", "HTTP 410"))
            ):
                continue  # permanent: a re-run would fail the same way unless the page changes
            return False
        return True

    async def fetch_page(self, c: Candidate, old: ArticleRecord | None) -> tuple[str, Any]:
        """('parsed', (ParsedPage, meta)) | ('not_modified', meta); raises FetchError/ParseError."""
        if c.id in self._prefetched:
            return self._prefetched.pop(c.id)
        meta = self.state.pages.get(c.id)
        cache = self.html_dir / f"{safe_name(c.id)}.html"
        if old is None and cache.exists() and self._cache_fresh(cache, meta, c):
            # fetched completely by a killed run (the cache is written atomically): parse it, do
            # not fetch it again
            meta = meta or {"url": c.url, "lastmod": c.lastmod, "fetched_at": None}
            return "parsed", (
                self._parse(cache.read_text(encoding="utf-8"), meta.get("final_url", c.url), c),
                {**meta, "from_cache": True},
            )
        headers: dict[str, str] = {}
        if old is not None:
            if old.etag:
                headers["If-None-Match"] = old.etag
            if old.last_modified:
                headers["If-Modified-Since"] = old.last_modified
        got = await self.fetcher.get(c.url, headers)
        meta = {
            "url": c.url,
            "final_url": got.url,
            "etag": got.headers.get("etag") or (old.etag if old else None),
            "last_modified": got.headers.get("last-modified") or (old.last_modified if old else None),
            "lastmod": c.lastmod,
            "fetched_at": now_iso(),
            "attempts": got.attempts,
        }
        if got.status == 304:
            return "not_modified", meta
        html = _decode(got.content, got.headers.get("content-type", ""))
        # Journal first, then the cache: a kill in between leaves no cache file (refetched next
        # time), never a cache file whose ETag/Last-Modified were lost.
        await self._journal("page", c.id, meta)
        if self.cfg.cache_html:
            await asyncio.to_thread(atomic_write_text, cache, html)
        try:
            parsed = self._parse(html, got.url, c)
        except ParseError as exc:
            parsed = await self._browser_fallback(c, exc)
            meta["fetched_with"] = "browser"
        return "parsed", (parsed, meta)

    @staticmethod
    def _cache_fresh(cache: Path, meta: dict[str, Any] | None, c: Candidate) -> bool:
        if meta is not None:
            return c.lastmod is None or meta.get("lastmod") == c.lastmod
        # killed between the cache write and its journal line: trust it unless the sitemap says
        # the article changed after the file was written
        if c.lastmod is None:
            return True
        mtime = _dt.datetime.fromtimestamp(cache.stat().st_mtime, _dt.UTC).isoformat()
        return date_key(c.lastmod) <= mtime

    def _parse(self, html: str, url: str, c: Candidate) -> ParsedPage:
        return parse_article(html, url, self.cfg.selectors, expected_id=c.id)

    async def _browser_fallback(self, c: Candidate, exc: ParseError) -> ParsedPage:
        if not self.cfg.browser_fallback:
            raise exc
        from presstune.collect import browser

        if not browser.available():
            raise ParseError(f"{exc.args[0]}; browser fallback unavailable (playwright not installed)") from None
        html = await browser.render(c.url, self.fetcher, self.cfg)
        parsed = self._parse(html, c.url, c)
        parsed.record.fetched_with = "browser"
        return parsed

    async def process(self, c: Candidate) -> str:
        """Collect one article; returns 'collected' | 'unchanged' | 'excluded' | 'failed'."""
        old = self.records.get(c.id)
        if old is not None and c.lastmod and old.lastmod == c.lastmod and self._complete(old):
            self.summary.unchanged += 1
            return "unchanged"
        try:
            kind, payload = await self.fetch_page(c, old)
        except (FetchError, ParseError) as exc:
            self._fail(c.id, c.url, "page", exc)
            return "failed"
        except HostNotAllowed as exc:  # an off-site redirect: named, never followed
            self._fail(c.id, c.url, "page", FetchError(str(exc), retryable=False))
            return "failed"
        if kind == "not_modified":
            assert old is not None
            record = old.model_copy(deep=True)
            record.lastmod = c.lastmod
            refreshed = False
            meta = payload
        else:
            parsed, meta = payload
            record = parsed.record
            refreshed = not meta.get("from_cache", False)
            if parsed.fallbacks:
                self.fallbacks.append({"id": c.id, "url": c.url, "selectors": parsed.fallbacks})
            if parsed.warnings:
                self.warnings.append({"id": c.id, "url": c.url, "warnings": parsed.warnings})
            record.lastmod = c.lastmod
            record.etag = meta.get("etag")
            record.last_modified = meta.get("last_modified")
            record.fetched_at = meta.get("fetched_at")
            if meta.get("fetched_with") == "browser":
                record.fetched_with = "browser"
        if self._outside_dates(record):
            self.summary.excluded_by_date += 1
            return "excluded"
        await self._attachments(record, old, refreshed)
        await self._append(self.run_path / ARTICLES, record.model_dump(mode="json"))
        if c.id in self.records:
            self._duplicate_lines += 1
        self.records[c.id] = record
        if kind == "not_modified" and self._same_files(old, record):
            self.summary.unchanged += 1
            return "unchanged"
        self.summary.collected += 1
        return "collected"

    @staticmethod
    def _same_files(old: ArticleRecord | None, new: ArticleRecord) -> bool:
        return old is not None and [(a.url, a.status, a.sha256) for a in old.attachments] == [
            (a.url, a.status, a.sha256) for a in new.attachments
        ]

    def _outside_dates(self, record: ArticleRecord) -> bool:
        if not (self.cfg.date_from or self.cfg.date_to):
            return False
        day = local_day(record.date)
        if day is None:
            return True
        return bool((self.cfg.date_from and day < self.cfg.date_from) or (self.cfg.date_to and day > self.cfg.date_to))

    async def _attachments(self, record: ArticleRecord, old: ArticleRecord | None, refreshed: bool) -> None:
        old_by_url = {a.url: a for a in (old.attachments if old else [])}
        n = 0
        for att in record.attachments:
            if att.type != "pdf" or not self.cfg.download_pdfs:
                att.status = "skipped"
                continue
            n += 1
            name = safe_name(record.id) + ("" if n == 1 else f"-{n}") + ".pdf"
            rel = f"pdfs/{name}"
            prev = old_by_url.get(att.url)
            if prev is not None and prev.status == "failed" and not refreshed and self._complete_att(prev):
                att.status, att.error = prev.status, prev.error  # permanent failure, page unchanged
                continue
            await self._download(record.id, att, rel, refreshed)

    @staticmethod
    def _complete_att(att: Attachment) -> bool:
        return bool(att.error and att.error.startswith(("not a PDF", "too large", "HTTP 404", "HTTP 410")))

    async def _download(self, article_id: str, att: Attachment, rel: str, refreshed: bool) -> None:
        final = self.run_path / rel
        known = self.state.files.get(att.url)
        headers: dict[str, str] = {}
        if final.exists() and known is None and not refreshed:
            # killed between the rename and its journal line: the file was verified before the
            # rename and the page has not changed, so it is this attachment
            digest, size = await asyncio.to_thread(_sha256, final)
            known = {"path": rel, "etag": None, "last_modified": None, "sha256": digest, "bytes": size}
            await self._journal("file", att.url, known)
        if final.exists() and known and known.get("path") == rel:
            # Complete by construction (verified before the rename). Ask the server only when the
            # page itself changed, and then conditionally.
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
            if not refreshed or not headers:
                self._mark_ok(att, rel, known)
                self.summary.pdfs_unchanged += 1
                return
        part = final.with_name(final.name + ".part")
        try:
            got = await self.fetcher.download(att.url, part, headers, max_bytes=self.cfg.max_pdf_bytes)
        except FetchError as exc:
            att.status = "failed"
            att.error = exc.reason
            self._fail(article_id, att.url, "attachment", exc)
            return
        except HostNotAllowed as exc:
            att.status, att.error = "failed", str(exc)
            self._fail(article_id, att.url, "attachment", FetchError(str(exc), retryable=False))
            return
        if got.status == 304 and known:
            self._mark_ok(att, rel, known)
            self.summary.pdfs_unchanged += 1
            return
        # Journal before the rename (as for pages): a file under its final name always has its
        # validators on record; a kill in between only costs a re-download.
        digest, size = await asyncio.to_thread(_sha256, part)
        meta = {
            "path": rel,
            "etag": got.headers.get("etag"),
            "last_modified": got.headers.get("last-modified"),
            "sha256": digest,
            "bytes": size,
        }
        await self._journal("file", att.url, meta)
        await asyncio.to_thread(_finalize, part, final)
        self._mark_ok(att, rel, meta)
        self.summary.pdfs_downloaded += 1

    async def _append(self, path: Path, record: dict[str, Any]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._appender, append_jsonl, path, record)

    async def _journal(self, kind: str, key: str, data: dict[str, Any]) -> None:
        event = self.state.apply(kind, key, data)
        await self._append(self.state.journal, event)

    @staticmethod
    def _mark_ok(att: Attachment, rel: str, meta: dict[str, Any]) -> None:
        att.status, att.error, att.path = "ok", None, rel
        att.sha256, att.bytes = meta.get("sha256"), meta.get("bytes")
        att.etag, att.last_modified = meta.get("etag"), meta.get("last_modified")

    def _fail(self, article_id: str | None, url: str, kind: str, exc: Exception) -> None:
        entry = {
            "id": article_id,
            "url": url,
            "kind": kind,
            "reason": getattr(exc, "reason", None) or str(exc),
            "attempts": getattr(exc, "attempts", 1),
            "status": getattr(exc, "status", None),
            "retryable": getattr(exc, "retryable", False),
            "at": now_iso(),
        }
        if kind == "page":
            self.summary.failed_articles += 1
        elif kind == "attachment":
            self.summary.pdfs_failed += 1
        self.failures.append(entry)

    # -- the run ----------------------------------------------------------------------------
    async def run(self) -> CollectSummary:
        t0 = time.perf_counter()
        self.prepare()
        async with Fetcher(self.cfg, transport=self.transport) as fetcher:
            self.fetcher = fetcher
            try:
                candidates = self._filter(await self.discover())
            except FetchError as exc:
                self.summary.message = f"discovery failed: {exc.reason}"
                candidates = []
            if self.cfg.target is not None and any(not (c.date or c.lastmod) for c in candidates):
                candidates = await self._order_by_page_dates(candidates)
            self.summary.selected = (
                min(len(candidates), self.cfg.target) if self.cfg.target is not None else len(candidates)
            )
            self.progress.start(self.summary.selected)
            try:
                await self._work(candidates)
            finally:
                self.progress.stop()
                self._appender.shutdown(wait=True)
        self._finish(time.perf_counter() - t0)
        return self.summary

    async def _order_by_page_dates(self, candidates: list[Candidate]) -> list[Candidate]:
        """No dates from discovery: fetch every page first, then order by the page's date."""

        async def one(c: Candidate) -> None:
            try:
                result = await self.fetch_page(c, self.records.get(c.id))
            except (FetchError, ParseError, HostNotAllowed):
                return  # fetched again (and reported) in the main pass if selected
            self._prefetched[c.id] = result
            if result[0] == "parsed":
                c.date = result[1][0].record.date
            elif c.id in self.records:
                c.date = self.records[c.id].date

        await _bounded(one, candidates, self.cfg.concurrency_per_host * 2)
        candidates.sort(key=lambda c: (date_key(c.date), c.id), reverse=True)
        return candidates

    async def _work(self, candidates: list[Candidate]) -> None:
        target = self.cfg.target
        it = iter(candidates)
        counted = 0  # articles that use up a target slot (done or failed)
        inflight = 0
        cond = asyncio.Condition()

        async def worker() -> None:
            nonlocal counted, inflight
            while True:
                async with cond:
                    while target is not None and counted + inflight >= target and inflight > 0:
                        await cond.wait()
                    if target is not None and counted >= target:
                        return
                    c = next(it, None)
                    if c is None:
                        return
                    inflight += 1
                outcome = "failed"
                try:
                    outcome = await self.process(c)
                finally:
                    async with cond:
                        inflight -= 1
                        if outcome != "excluded":
                            counted += 1
                            self.progress.advance()
                        cond.notify_all()

        n = max(1, self.cfg.concurrency_per_host * max(1, len(self.fetcher.guard.hosts)) * 2)
        await asyncio.gather(*(worker() for _ in range(n)))

    def _finish(self, seconds: float) -> None:
        s = self.summary
        if self._duplicate_lines > 0:  # keep one line per id (the last), atomically
            write_jsonl(self.run_path / ARTICLES, [r.model_dump(mode="json") for r in self.records.values()])
        self.state.info.update({"base_url": self.cfg.base_url, "last_run": now_iso()})
        self.state.save()
        st = self.fetcher.stats
        s.requests, s.retries, s.bytes = st.requests, st.retries, st.bytes
        s.seconds = round(seconds, 3)
        s.records_total = len(self.records)
        s.failures = self.failures
        done_items = (
            s.collected + s.unchanged + s.failed_articles + s.pdfs_downloaded + s.pdfs_unchanged + s.pdfs_failed
        )
        s.failure_share = round((s.failed_articles + s.pdfs_failed) / done_items, 4) if done_items else 0.0
        if s.collected + s.unchanged == 0 and s.records_total == 0:
            s.exit_code = 1
            if not s.message:
                if s.candidates == 0:
                    s.message = "no articles found"
                elif s.selected == 0:
                    c = self.cfg
                    s.message = (
                        f"no articles match the filters ({s.candidates} found; language={c.language!r}, "
                        f"variants={c.include_variants}, since={c.date_from}, until={c.date_to})"
                    )
                else:
                    s.message = "nothing could be collected"
        elif s.failure_share > self.cfg.max_failure_share:
            s.exit_code = 1
            s.message = (
                f"failure share {s.failure_share:.1%} exceeds max_failure_share {self.cfg.max_failure_share:.1%}"
            )
        else:
            s.message = s.message or "ok"
        report = {
            "summary": s.brief(),
            "user_agent": user_agent(self.cfg.user_agent),
            "discovery": {k: v for k, v in self.state.info.items() if k not in ("base_url", "last_run")},
            "http": {
                "status_counts": {str(k): v for k, v in sorted(st.status_counts.items())},
                "retry_after_waits_s": st.retry_after_waits,
                "robots_disallowed": st.robots_disallowed,
                "per_host_delay_s": self.fetcher.slots.delay_for or {"*": self.cfg.min_delay},
            },
            "rate": {
                "articles_per_s": round((s.collected + s.unchanged) / seconds, 3) if seconds else None,
                "pdfs_per_s": round(s.pdfs_downloaded / seconds, 3) if seconds else None,
            },
            "failures": self.failures,
            "skipped": self.skipped,
            "parsed_with_fallback": self.fallbacks,
            "warnings": self.warnings,
        }
        atomic_write_json(self.run_path / REPORT, report)


async def _bounded(fn: Any, items: list[Any], limit: int) -> None:
    sem = asyncio.Semaphore(limit)

    async def one(item: Any) -> None:
        async with sem:
            await fn(item)

    await asyncio.gather(*(one(i) for i in items))


def _decode(content: bytes, content_type: str) -> str:
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"') or "utf-8"
    try:
        return content.decode(charset, "replace")
    except LookupError:
        return content.decode("utf-8", "replace")


def _finalize(part: Path, final: Path) -> None:
    """Rename the verified .part file onto its final name (durably)."""
    os.replace(part, final)
    _fsync_dir(final.parent)


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def run_collect(settings: Any, run_dir: str | Path | RunDir, *, transport: Any = None) -> CollectSummary:
    """Collect into ``run_dir`` (records the 'collect' stage in run.json); ``settings`` is a
    :class:`CollectConfig` or a whole :class:`presstune.config.Config`."""
    cfg: CollectConfig = settings.collect if hasattr(settings, "collect") else settings
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    run.create()
    with run.stage("collect", base_url=cfg.base_url) as details:
        summary = asyncio.run(Collector(cfg, run.path, transport=transport).run())
        details.update({k: v for k, v in summary.brief().items() if k not in ("base_url",)})
    return summary
