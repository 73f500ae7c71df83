from typing import Literal

from pydantic import Field, field_validator

from presstune.schema import Strict


class Selectors(Strict):
    """CSS selectors for an article page, each a list tried in order (first = the real site's).

    A field whose required selector list matches nothing makes that article fail with a reason
    naming the selectors tried ("changed layout"); when a later (fallback) selector matched,
    the collect report lists the article under ``parsed_with_fallback``.
    """

    title: list[str] = ["div.article-detail h1", "#content div.content-left h1"]
    subtitle: list[str] = ["div.article-detail h2.teaser", "h2.teaser"]
    date: list[str] = ["div.article-detail div.article-info span.date", "div.article-info span.date"]
    body: list[str] = ["div.article-detail #article-text", "#article-text"]
    tags: list[str] = ["div.article-detail div.tagging-info .tag", "div.tagging-info .tag"]
    #: Links to attachments ("Article Offline Attachments." list).
    attachments: list[str] = ["ul.offline-article-list a.download", "a.download[href*='/article/attachment/']"]
    attachment_label: str = "span.text"
    attachment_details: str = "span.details"
    #: Inside the body: elements dropped before text extraction (collapse gradient, buttons...).
    body_drop: list[str] = ["div.gradient", "button", "script", "style", "noscript"]
    #: Listing page: one element per article, the link inside it and its date.
    listing_item: list[str] = ["article.newsfeed", "article[data-id]"]
    listing_link: str = "div.text h3 a, h3 a"
    listing_date: str = "span.date"


class CollectConfig(Strict):
    """Where and how politely to collect press releases."""

    base_url: str = "https://www.press.bmwgroup.com/global"
    #: Origins that may be requested (default: the base URL's origin only), enforced by one guard
    #: on every request and redirect. ``https://host[:port]`` as written; a bare host name means
    #: the base URL's scheme, and the base URL's port when it is the base URL's host.
    allowed_hosts: list[str] = []
    #: Language from the id suffix (T0454343EN -> "en"). Regional variants (EN_GB, EN_US) are
    #: separate republications under other ids; they count only when include_variants is on.
    language: str = "en"
    include_variants: bool = False
    #: Collect only the newest N articles (after filters); None = all.
    target: int | None = Field(None, ge=1)
    #: Inclusive date range, ISO dates (YYYY-MM-DD).
    date_from: str | None = None
    date_to: str | None = None
    #: robots.txt -> sitemap index -> sitemaps; off (or none found) = listing pages.
    use_sitemaps: bool = True
    #: Sitemap URL filters (substring match; empty = all). The real site has one per channel/language.
    sitemap_include: list[str] = []
    #: Extra sitemap URLs to read when robots.txt names none.
    sitemaps: list[str] = []
    #: Discovery limits (the real site: 13 text sitemaps under one index, ~1,254 URLs). Index
    #: levels followed below the sitemaps named by robots.txt/``sitemaps`` (0 = no index is
    #: followed); sitemap files read in all; URL entries read in all (the rest is not read and
    #: the report says so); decoded bytes per sitemap file (.xml.gz inflated).
    max_sitemap_depth: int = Field(3, ge=0)
    max_sitemap_files: int = Field(200, ge=1)
    max_sitemap_urls: int = Field(500_000, ge=1)
    max_sitemap_bytes: int = Field(50 * 1024 * 1024, ge=1)
    #: "newest_first": each sitemap lists its URLs newest first, so with ``target`` set a sitemap
    #: is read only until ``target`` candidates passed the filters (then the download stops).
    #: "any" (default; the real site's order is unknown): every sitemap is read whole.
    sitemap_order: Literal["any", "newest_first"] = "any"
    #: Listing fallback: path (relative to base_url) with ?page=N, stop after this many pages.
    listing_path: str = "article"
    max_listing_pages: int = 500
    concurrency_per_host: int = Field(4, ge=1, le=64)
    #: Minimum seconds between two request starts on one host (robots Crawl-delay raises it).
    min_delay: float = Field(0.25, ge=0)
    #: Cap a robots Crawl-delay at this (seconds); the run would otherwise take days. 0
    #: caps every Crawl-delay at 0 (local replica tests); min_delay still applies.
    max_crawl_delay: float = Field(10.0, ge=0)
    respect_robots: bool = True
    #: Seconds per read/connect (httpx); ``request_deadline`` bounds a whole exchange, body
    #: included (a server sending a byte a second never trips a per-read timeout).
    timeout: float = Field(30.0, gt=0)
    request_deadline: float = Field(600.0, gt=0)
    max_retries: int = Field(5, ge=0)
    #: Backoff: full jitter, sleep U(0, min(backoff_max, backoff_base * 2**attempt)).
    backoff_base: float = Field(0.5, ge=0)
    backoff_max: float = Field(30.0, ge=0)
    #: Longest Retry-After honoured; longer = the item fails (to be retried by a re-run).
    max_retry_after: float = Field(120.0, gt=0)
    user_agent: str = "presstune/{version} (+https://github.com/presstune/presstune; research crawler)"
    #: Sent as Accept-Language when not empty. Off by default: the portal then writes dates as
    #: "Fri Dec 05 08:34:40 CET 2025" (with time and zone) instead of "05.12.2025".
    accept_language: str = ""
    #: Retry-After pauses the whole host ("host", polite) or only the request that got it.
    retry_after_scope: Literal["host", "request"] = "host"
    #: Caps on decoded bytes (after Content-Encoding): larger responses are aborted while
    #: streaming and named in the report. Real pages are ~100-300 KB; PDFs up to tens of MB.
    max_pdf_bytes: int = Field(50 * 1024 * 1024, gt=0)
    max_page_bytes: int = Field(10 * 1024 * 1024, ge=1)
    max_robots_bytes: int = Field(512 * 1024, ge=1)  # RFC 9309: parse at least 500 KiB
    download_pdfs: bool = True
    #: Keep raw article HTML under html/<ID>.html (also lets a resumed run skip the refetch).
    cache_html: bool = True
    #: Exit non-zero when more than this share of articles failed.
    max_failure_share: float = Field(0.2, ge=0, le=1)
    #: Render pages that fail static parsing with Playwright (only if installed; never required).
    browser_fallback: bool = False
    selectors: Selectors = Field(default_factory=Selectors)
    #: Show a progress bar (only when stderr is a terminal).
    progress: bool = True

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import datetime as _dt

        text = value.isoformat() if isinstance(value, _dt.date) else str(value)
        _dt.date.fromisoformat(text[:10])  # raises ValueError -> one config error naming the key
        return text[:10]
