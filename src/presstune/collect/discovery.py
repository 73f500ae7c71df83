"""Discovery and selection: robots.txt -> sitemap indexes -> sitemaps (else listing pages) ->
the candidates that pass the filters, newest first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from presstune.collect.client import Fetcher, FetchError
from presstune.collect.parse import (
    PRESSCLUB_IDS,
    ArticleIds,
    ParseError,
    SitemapEntry,
    SitemapReader,
    article_id_from_url,
    date_key,
    language_matches,
    language_of,
    local_day,
    parse_listing,
)
from presstune.config.collect import CollectConfig


@dataclass
class Candidate:
    id: str
    url: str
    lastmod: str | None = None  # sitemap
    date: str | None = None  # listing date (publication)
    source: str = ""


#: fail(article_id, url, kind, exc): record a named failure in the report.
FailFn = Callable[[str | None, str, str, Exception], None]


class Discovery:
    def __init__(
        self,
        cfg: CollectConfig,
        fetcher: Fetcher,
        info: dict[str, Any],
        skipped: list[dict[str, Any]],
        fail: FailFn,
        ids: ArticleIds = PRESSCLUB_IDS,
    ):
        self.cfg = cfg
        self.ids = ids  # the portal's article ids and detail URLs
        self.fetcher = fetcher
        self.info = info  # collect_state.json "info": counts that the report shows
        self.skipped = skipped
        self.fail = fail
        self.method = ""  # "sitemap" | "listing"
        self._urls_left = cfg.max_sitemap_urls  # sitemap URL entries still to be read

    async def discover(self) -> list[Candidate]:
        base = self.cfg.base_url.rstrip("/")
        await self.fetcher.load_robots(base)  # always the first request
        found: dict[str, Candidate] = {}
        if self.cfg.use_sitemaps:
            sitemap_urls = list(dict.fromkeys(self.fetcher.sitemaps_from_robots(base) + self.cfg.sitemaps))
            await self._read_sitemaps(sitemap_urls, found)
        if found:
            self.method = "sitemap"
        else:
            self.method = "listing"
            await self._read_listing(base, found)
        return list(found.values())

    async def _read_sitemaps(self, urls: list[str], found: dict[str, Candidate]) -> None:
        """Read sitemap indexes and sitemaps (each level fetched concurrently), within the
        limits of depth, files, URLs and bytes; whatever a limit leaves unread is named."""
        cfg = self.cfg
        seen: set[str] = set()
        duplicates = 0
        stopped_early: dict[str, str] = {}
        wave = [(url, 0) for url in urls]
        while wave:
            todo: list[tuple[str, int]] = []
            for url, depth in dict.fromkeys(wave):
                if url in seen:
                    continue
                if len(seen) >= cfg.max_sitemap_files:
                    self._limit(url, f"max_sitemap_files={cfg.max_sitemap_files} reached: not read")
                    continue
                seen.add(url)
                if not self.fetcher.guard.allows(url):
                    self.skipped.append({"url": url, "kind": "sitemap", "reason": "host not allowed"})
                elif not self.fetcher.allowed_by_robots(url):
                    self.skipped.append({"url": url, "kind": "sitemap", "reason": "disallowed by robots.txt"})
                else:
                    todo.append((url, depth))
            results = await asyncio.gather(*(self._one_sitemap(url) for url, _ in todo))
            wave = []
            for (url, depth), result in zip(todo, results):
                if result is None:
                    continue
                kind, entries, stopped = result
                if stopped:
                    stopped_early[url] = stopped
                if kind == "index":
                    if depth >= cfg.max_sitemap_depth:
                        self._limit(
                            url, f"index deeper than max_sitemap_depth={cfg.max_sitemap_depth}: {len(entries)} not read"
                        )
                        continue
                    include = cfg.sitemap_include
                    wave += [(e.loc, depth + 1) for e in entries if not include or any(s in e.loc for s in include)]
                    continue
                if len(entries) > self._urls_left:  # in document order, so results do not depend on timing
                    self._limit(url, f"max_sitemap_urls={cfg.max_sitemap_urls} reached: later entries not read")
                    entries = entries[: self._urls_left]
                self._urls_left -= len(entries)
                for entry in entries:
                    article_id = article_id_from_url(entry.loc, self.ids)
                    if not article_id:
                        self.skipped.append({"url": entry.loc, "kind": "sitemap-url", "reason": "no article id in URL"})
                        continue
                    previous = found.get(article_id)
                    if previous is not None:  # the same id in several sitemaps: keep the newest lastmod
                        duplicates += 1
                        if date_key(entry.lastmod) <= date_key(previous.lastmod):
                            continue
                    found[article_id] = Candidate(article_id, entry.loc, lastmod=entry.lastmod, source=url)
        self.info["sitemaps_read"] = len(seen)
        self.info["sitemap_duplicates"] = duplicates
        self.info.pop("sitemaps_stopped_early", None)  # this run's, not an earlier one's
        if stopped_early:
            self.info["sitemaps_stopped_early"] = stopped_early

    def _limit(self, url: str, reason: str) -> None:
        self.skipped.append({"url": url, "kind": "sitemap", "reason": reason})

    async def _one_sitemap(self, url: str) -> tuple[str, list[SitemapEntry], str | None] | None:
        """(kind, entries, why reading stopped early or None); streamed, so a sitemap is read
        only as far as needed."""
        enough = self._enough_for_target()

        async def consume(body: AsyncIterator[bytes]) -> tuple[str, list[SitemapEntry], str | None]:
            reader = SitemapReader(self.cfg.max_sitemap_bytes)
            entries: list[SitemapEntry] = []
            budget = self._urls_left
            async for piece in body:
                entries += reader.feed(piece)
                if reader.kind == "urlset" and len(entries) > budget:
                    return reader.kind, entries, "max_sitemap_urls"
                if reader.kind == "urlset" and enough is not None and enough(entries):
                    return reader.kind, entries, "target met (sitemap_order: newest_first)"
            entries += reader.close()
            assert reader.kind is not None
            return reader.kind, entries, None

        try:
            got = await self.fetcher.get(url, ok_statuses=(200,), max_bytes=self.cfg.max_sitemap_bytes, consume=consume)
            return got.result
        except (FetchError, ParseError) as exc:
            self.fail(None, url, "sitemap", exc)
        except Exception as exc:  # anything else on one sitemap is that sitemap's failure
            self.fail(None, url, "sitemap", ParseError(f"{type(exc).__name__}: {exc}"))
        return None

    def _enough_for_target(self) -> Callable[[list[SitemapEntry]], bool] | None:
        """With ``sitemap_order: newest_first`` and a target: a test whether a sitemap's first
        entries already hold ``target`` (+ a margin for pages dated out of range) selectable ones."""
        if self.cfg.sitemap_order != "newest_first" or self.cfg.target is None:
            return None
        wanted = self.cfg.target + 2 * self.cfg.concurrency_per_host
        counted = [0, 0]  # entries looked at, selectable among them

        def enough(entries: list[SitemapEntry]) -> bool:
            for entry in entries[counted[0] :]:
                article_id = article_id_from_url(entry.loc, self.ids)
                if article_id and self.select([Candidate(article_id, entry.loc, entry.lastmod)], record=False):
                    counted[1] += 1
            counted[0] = len(entries)
            return counted[1] >= wanted

        return enough

    async def _read_listing(self, base: str, found: dict[str, Candidate]) -> None:
        path = self.cfg.listing_path.strip("/")
        for page in range(1, self.cfg.max_listing_pages + 1):
            url = f"{base}/{path}" + ("" if page == 1 else f"?page={page}")
            try:
                got = await self.fetcher.get(url, ok_statuses=(200, 404))
                if got.status == 404:
                    break
                html = got.content.decode("utf-8", "replace")
                items = await asyncio.to_thread(
                    parse_listing, html, got.url, self.cfg.selectors, self.ids
                )  # off the loop
            except FetchError as exc:
                self.fail(None, url, "listing", exc)
                break
            except Exception as exc:  # anything else on one listing page is that page's failure
                self.fail(None, url, "listing", ParseError(f"{type(exc).__name__}: {exc}"))
                break
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
                len(self.select(list(found.values()), record=False))
                >= self.cfg.target + 2 * self.cfg.concurrency_per_host
            )
        return False

    # -- selection --------------------------------------------------------------------------
    def select(self, candidates: list[Candidate], record: bool = True) -> list[Candidate]:
        """The candidates that pass language, date, robots and host filters, newest first."""
        out = []
        for c in candidates:
            lang = language_of(c.id, self.ids)
            if not language_matches(lang, self.cfg.language, self.cfg.include_variants):
                if record:
                    self.info["filtered_language"] = self.info.get("filtered_language", 0) + 1
                continue
            day = local_day(c.date)
            if day and (
                (self.cfg.date_from and day < self.cfg.date_from) or (self.cfg.date_to and day > self.cfg.date_to)
            ):
                continue
            # lastmod >= publication date, so only the lower bound is safe to apply to it
            lastmod_day = local_day(c.lastmod)
            if lastmod_day and not c.date and self.cfg.date_from and lastmod_day < self.cfg.date_from:
                continue
            if not self.fetcher.allowed_by_robots(c.url) or not self.fetcher.guard.allows(c.url):
                if record:
                    reason = "host not allowed" if not self.fetcher.guard.allows(c.url) else "disallowed by robots.txt"
                    self.skipped.append({"id": c.id, "url": c.url, "kind": "article", "reason": reason})
                continue
            out.append(c)
        out.sort(key=lambda c: (date_key(c.date or c.lastmod), c.id), reverse=True)
        return out
