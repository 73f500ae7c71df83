"""The collect stage: discovery -> selection -> pages -> PDFs -> articles.jsonl + report.

Laid out like Scrapy: this module is the engine (scheduling articles and attachments, the target
cut, conditional requests, what failed); :mod:`~presstune.collect.client` is the downloader
(politeness, retries, deadlines, size caps); :mod:`~presstune.collect.discovery` finds and selects
candidates; :mod:`~presstune.collect.store` is the item pipeline, the only writer of the files.
One process at a time writes a run directory (:mod:`presstune.runlock`).

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
import datetime as _dt
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from presstune.collect import browser
from presstune.collect.client import Clock, Fetcher, FetchError, HostNotAllowed, Sleep, user_agent
from presstune.collect.discovery import Candidate, Discovery
from presstune.collect.parse import (
    PRESSCLUB_IDS,
    ArticleIds,
    ParsedPage,
    ParseError,
    date_key,
    local_day,
    parse_article,
    safe_name,
)
from presstune.collect.state import now_iso
from presstune.collect.store import ARTICLES, REPORT, RunStore
from presstune.config.collect import CollectConfig
from presstune.records import ArticleRecord, Attachment
from presstune.rundir import RunDir
from presstune.runlock import run_lock

if TYPE_CHECKING:
    from rich.progress import TaskID

__all__ = ["ARTICLES", "REPORT", "Candidate", "CollectSummary", "Collector", "run_collect"]


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
        self.task: TaskID | None = None
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
    """The engine: discovery, selection and scheduling of articles and their attachments over
    the :class:`Fetcher` (the downloader); finished items go to the :class:`RunStore` (the item
    pipeline), which alone writes under the run directory."""

    def __init__(
        self,
        cfg: CollectConfig,
        run_path: Path,
        *,
        transport: Any = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        ids: ArticleIds = PRESSCLUB_IDS,
    ):
        self.cfg = cfg
        self.ids = ids  # the portal's article ids and detail URLs
        self.run_path = run_path
        self.store = RunStore(run_path)
        self.records = self.store.records
        self.summary = CollectSummary(base_url=cfg.base_url)
        self.failures: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.fallbacks: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.transport = transport
        self.clock, self.sleep = clock, sleep  # the Fetcher's waits (tests pass a fake clock)
        self.fetcher: Fetcher
        self.progress = _Progress(cfg.progress)
        self._prefetched: dict[str, tuple[str, Any]] = {}

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
        meta = self.store.state.pages.get(c.id)
        cache = self.store.html_cache(c.id)
        if old is None and cache.exists() and self._cache_fresh(cache, meta, c):
            # fetched completely by a killed run (the cache is written atomically): parse it, do
            # not fetch it again
            meta = meta or {"url": c.url, "lastmod": c.lastmod, "fetched_at": None}
            html = await asyncio.to_thread(cache.read_text, encoding="utf-8")
            return "parsed", (await self._parse(html, meta.get("final_url", c.url), c), {**meta, "from_cache": True})
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
        await self.store.save_page(c.id, meta, html if self.cfg.cache_html else None)
        try:
            parsed = await self._parse(html, got.url, c)
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

    async def _parse(self, html: str, url: str, c: Candidate) -> ParsedPage:
        """Parse on a worker thread: a slow page must not stall every download on the loop."""
        return await asyncio.to_thread(parse_article, html, url, self.cfg.selectors, c.id, self.ids)

    async def _browser_fallback(self, c: Candidate, exc: ParseError) -> ParsedPage:
        if not self.cfg.browser_fallback:
            raise exc
        if not browser.available():
            raise ParseError(f"{exc.args[0]}; browser fallback unavailable (playwright not installed)") from None
        html = await browser.render(c.url, self.fetcher, self.cfg)
        parsed = await self._parse(html, c.url, c)
        parsed.record.fetched_with = "browser"
        return parsed

    async def process(self, c: Candidate) -> str:
        """Collect one article; returns 'collected' | 'unchanged' | 'excluded' | 'failed'.

        Any exception on the article (RecursionError, MemoryError, a bug) becomes its named
        failure in the report; the run goes on."""
        try:
            return await self._process(c)
        except Exception as exc:
            self._fail(c.id, c.url, "page", _unexpected(exc))
            return "failed"

    async def _process(self, c: Candidate) -> str:
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
        await self.store.add_record(record)
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
        known = self.store.state.files.get(att.url)
        headers: dict[str, str] = {}
        if final.exists() and known is None and not refreshed:
            # killed between the rename and its journal line: the file was verified before the
            # rename and the page has not changed, so it is this attachment
            known = await self.store.adopt_file(att.url, rel)
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
        except Exception as exc:  # FetchError, an off-site link, or anything else: this file's failure
            failure = (
                exc
                if isinstance(exc, FetchError)
                else FetchError(str(exc), retryable=False)
                if isinstance(exc, HostNotAllowed)
                else _unexpected(exc)
            )
            att.status, att.error = "failed", failure.reason
            self._fail(article_id, att.url, "attachment", failure)
            return
        if got.status == 304 and known:
            self._mark_ok(att, rel, known)
            self.summary.pdfs_unchanged += 1
            return
        # Journal before the rename (as for pages): a file under its final name always has its
        # validators on record; a kill in between only costs a re-download.
        meta = await self.store.commit_file(att.url, part, rel, got.headers)
        self._mark_ok(att, rel, meta)
        self.summary.pdfs_downloaded += 1

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
        self.store.prepare()
        async with Fetcher(self.cfg, transport=self.transport, clock=self.clock, sleep=self.sleep) as fetcher:
            self.fetcher = fetcher
            discovery = Discovery(self.cfg, fetcher, self.store.state.info, self.skipped, self._fail, self.ids)
            try:
                found = await discovery.discover()
                self.summary.discovery = discovery.method
                self.summary.candidates = len(found)
                candidates = discovery.select(found)
            except FetchError as exc:
                self.summary.message = f"discovery failed: {exc.reason}"
                candidates = []
            except Exception as exc:  # the report is written whatever happened
                self.summary.message = f"discovery failed: {_unexpected(exc).reason}"
                candidates = []
            if self.cfg.target is not None and any(not (c.date or c.lastmod) for c in candidates):
                candidates = await self._order_by_page_dates(candidates)
            self.summary.selected = (
                min(len(candidates), self.cfg.target) if self.cfg.target is not None else len(candidates)
            )
            self.progress.start(self.summary.selected)
            try:
                await self._work(candidates)
            except Exception as exc:  # not an item's failure (those are caught per item): still report
                self.summary.message = f"aborted: {_unexpected(exc).reason}"
            finally:
                self.progress.stop()
                self.store.close()
        self._finish(time.perf_counter() - t0)
        return self.summary

    async def _order_by_page_dates(self, candidates: list[Candidate]) -> list[Candidate]:
        """No dates from discovery: fetch every page first, then order by the page's date."""

        async def one(c: Candidate) -> None:
            try:
                result = await self.fetch_page(c, self.records.get(c.id))
            except Exception:
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

        n = max(1, self.cfg.concurrency_per_host * max(1, len(self.fetcher.guard.origins)) * 2)
        await asyncio.gather(*(worker() for _ in range(n)))

    def _finish(self, seconds: float) -> None:
        s = self.summary
        self.store.finish({"base_url": self.cfg.base_url, "last_run": now_iso()})
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
            "discovery": {k: v for k, v in self.store.state.info.items() if k not in ("base_url", "last_run")},
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
        self.store.write_report(report)


def _unexpected(exc: Exception) -> FetchError:
    """An exception no step anticipated, as a permanent named failure."""
    return FetchError(f"{type(exc).__name__}: {str(exc)[:300]}", retryable=False)


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


def run_collect(
    settings: Any,
    run_dir: str | Path | RunDir,
    *,
    transport: Any = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> CollectSummary:
    """Collect into ``run_dir`` (records the 'collect' stage in run.json); ``settings`` is a
    :class:`CollectConfig` or a whole :class:`presstune.config.Config` (whose ``portal.profile``
    then gives the article ids' and detail URLs' shape; else the PressClub's). Raises
    :class:`presstune.runlock.RunLocked` when another process writes into ``run_dir``. ``clock`` and
    ``sleep`` are the Fetcher's (spacing, Retry-After, backoff)."""
    cfg: CollectConfig = settings.collect if hasattr(settings, "collect") else settings
    ids = ArticleIds.of(settings.portal.load().url) if hasattr(settings, "portal") else PRESSCLUB_IDS
    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    run.create()
    with run_lock(run.path, "collect"), run.stage("collect", base_url=cfg.base_url) as details:
        collector = Collector(cfg, run.path, transport=transport, clock=clock, sleep=sleep, ids=ids)
        summary = asyncio.run(collector.run())
        details.update({k: v for k, v in summary.brief().items() if k not in ("base_url",)})
    return summary
