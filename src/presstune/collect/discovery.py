"""Discovery and selection: robots.txt -> sitemap indexes -> sitemaps (else listing pages) ->
the candidates that pass the filters, newest first."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from presstune.collect.client import Fetcher, FetchError
from presstune.collect.config import CollectConfig
from presstune.collect.parse import (
    ParseError,
    article_id_from_url,
    date_key,
    language_matches,
    language_of,
    local_day,
    parse_listing,
    parse_sitemap,
)


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
    ):
        self.cfg = cfg
        self.fetcher = fetcher
        self.info = info  # collect_state.json "info": counts that the report shows
        self.skipped = skipped
        self.fail = fail
        self.method = ""  # "sitemap" | "listing"

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
        self.info["sitemaps_read"] = len(seen)
        self.info["sitemap_duplicates"] = duplicates

    async def _one_sitemap(self, url: str) -> tuple[str, list[Any]] | None:
        try:
            got = await self.fetcher.get(url, ok_statuses=(200,))
            return parse_sitemap(got.content)
        except (FetchError, ParseError) as exc:
            self.fail(None, url, "sitemap", exc)
            return None

    async def _read_listing(self, base: str, found: dict[str, Candidate]) -> None:
        path = self.cfg.listing_path.strip("/")
        for page in range(1, self.cfg.max_listing_pages + 1):
            url = f"{base}/{path}" + ("" if page == 1 else f"?page={page}")
            try:
                got = await self.fetcher.get(url, ok_statuses=(200, 404))
            except FetchError as exc:
                self.fail(None, url, "listing", exc)
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
                len(self.select(list(found.values()), record=False))
                >= self.cfg.target + 2 * self.cfg.concurrency_per_host
            )
        return False

    # -- selection --------------------------------------------------------------------------
    def select(self, candidates: list[Candidate], record: bool = True) -> list[Candidate]:
        """The candidates that pass language, date, robots and host filters, newest first."""
        out = []
        for c in candidates:
            lang = language_of(c.id)
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
