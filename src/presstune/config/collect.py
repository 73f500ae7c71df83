from typing import Literal

from pydantic import Field, field_validator

from presstune.portal import PRESSCLUB
from presstune.schema import Strict


class Selectors(Strict):
    """CSS selectors for an article page, each a list tried in order (first = the real site's).

    A field whose required selector list matches nothing makes that article fail with a reason
    naming the selectors tried ("changed layout"); when a later (fallback) selector matched,
    the collect report lists the article under ``parsed_with_fallback``.
    """

    title: list[str] = Field(
        ["div.article-detail h1", "#content div.content-left h1"], description="The article's headline."
    )
    subtitle: list[str] = Field(
        ["div.article-detail h2.teaser", "h2.teaser"], description="The teaser under the headline."
    )
    date: list[str] = Field(
        ["div.article-detail div.article-info span.date", "div.article-info span.date"],
        description="The publication date.",
    )
    body: list[str] = Field(["div.article-detail #article-text", "#article-text"], description="The article body.")
    tags: list[str] = Field(
        ["div.article-detail div.tagging-info .tag", "div.tagging-info .tag"], description="The article's tags."
    )
    attachments: list[str] = Field(
        ["ul.offline-article-list a.download", "a.download[href*='/article/attachment/']"],
        description='Links to attachments ("Article Offline Attachments." list).',
    )
    attachment_label: str = Field("span.text", description="Inside an attachment link: its label.")
    attachment_details: str = Field("span.details", description="Inside an attachment link: its type and size.")
    body_drop: list[str] = Field(
        ["div.gradient", "button", "script", "style", "noscript"],
        description="Inside the body: elements dropped before text extraction (collapse gradient, buttons...).",
    )
    listing_item: list[str] = Field(
        ["article.newsfeed", "article[data-id]"], description="Listing page: one element per article."
    )
    listing_link: str = Field(
        "div.text h3 a, h3 a", description="Listing page: the article's link inside a listing item."
    )
    listing_date: str = Field("span.date", description="Listing page: the article's date inside a listing item.")


class CollectConfig(Strict):
    """Where and how politely to collect press releases."""

    base_url: str = Field(
        PRESSCLUB.url.base_url,
        description="The portal's root; unset, the portal profile's (`portal.profile`; the PressClub's here).",
    )
    allowed_hosts: list[str] = Field(
        [],
        description=(
            "Origins that may be requested (default: the base URL's origin only), enforced by "
            "one guard on every request and redirect. `https://host[:port]` as written; a "
            "bare host name means the base URL's scheme, and the base URL's port when it is "
            "the base URL's host."
        ),
    )
    language: str = Field(
        "en",
        description=(
            'Language from the id suffix (T0454343EN -> "en"). Regional variants (EN_GB, '
            "EN_US) are separate republications under other ids; they count only when "
            "include_variants is on."
        ),
    )
    include_variants: bool = Field(
        False,
        description=(
            "Also collect regional republications (EN_GB, EN_US ids); off: they are separate copies of a release."
        ),
    )
    target: int | None = Field(
        None, ge=1, description="Collect only the newest N articles (after filters); None = all."
    )
    date_from: str | None = Field(
        None, description="Earliest publication date collected, inclusive (YYYY-MM-DD; None = no limit)."
    )
    date_to: str | None = Field(
        None, description="Latest publication date collected, inclusive (YYYY-MM-DD; None = no limit)."
    )
    use_sitemaps: bool = Field(
        True, description="robots.txt -> sitemap index -> sitemaps; off (or none found) = listing pages."
    )
    sitemap_include: list[str] = Field(
        [],
        description="Sitemap URL filters (substring match; empty = all). The real site has one per channel/language.",
    )
    sitemaps: list[str] = Field([], description="Extra sitemap URLs to read when robots.txt names none.")
    max_sitemap_depth: int = Field(
        3,
        ge=0,
        description=(
            "Sitemap index levels followed below the sitemaps robots.txt or `sitemaps` name (0 = no index is followed)."
        ),
    )
    max_sitemap_files: int = Field(
        200, ge=1, description="Sitemap files read in all (the real site has 13 text sitemaps under one index)."
    )
    max_sitemap_urls: int = Field(
        500_000, ge=1, description="URL entries read in all; the rest is not read and the report says so."
    )
    max_sitemap_bytes: int = Field(
        50 * 1024 * 1024,
        ge=1,
        description="Decoded bytes read per sitemap file (.xml.gz inflated): bounds a hostile or broken sitemap.",
    )
    sitemap_order: Literal["any", "newest_first"] = Field(
        "any",
        description=(
            '"newest_first": each sitemap lists its URLs newest first, so with `target` set a '
            "sitemap is read only until `target` candidates passed the filters (then the "
            'download stops). "any" (default; the real site\'s order is unknown): every '
            "sitemap is read whole."
        ),
    )
    listing_path: str = Field(
        "article",
        description="Listing fallback when no sitemap is found: path relative to base_url, paged with ?page=N.",
    )
    max_listing_pages: int = Field(500, description="Listing fallback: stop after this many pages.")
    concurrency_per_host: int = Field(
        4, ge=1, le=64, description="Requests in flight per host at once: polite, and enough to hide latency."
    )
    min_delay: float = Field(
        0.25,
        ge=0,
        description="Minimum seconds between two request starts on one host (robots Crawl-delay raises it).",
    )
    max_crawl_delay: float = Field(
        10.0,
        ge=0,
        description=(
            "Cap a robots Crawl-delay at this (seconds); the run would otherwise take days. 0 "
            "caps every Crawl-delay at 0 (local replica tests); min_delay still applies."
        ),
    )
    respect_robots: bool = Field(True, description="Obey robots.txt (disallowed paths and Crawl-delay).")
    timeout: float = Field(30.0, gt=0, description="Seconds per read or connect (httpx).")
    request_deadline: float = Field(
        600.0,
        gt=0,
        description=(
            "Seconds for a whole exchange, body included: a server sending a byte a second "
            "never trips a per-read timeout."
        ),
    )
    max_retries: int = Field(
        5,
        ge=0,
        description=(
            "Retries of a failed request (5xx, 429, reset, timeout) before the item fails; a re-run retries it."
        ),
    )
    backoff_base: float = Field(
        0.5,
        ge=0,
        description="Backoff with full jitter: sleep U(0, min(backoff_max, backoff_base * 2**attempt)) seconds.",
    )
    backoff_max: float = Field(30.0, ge=0, description="Longest backoff sleep in seconds.")
    max_retry_after: float = Field(
        120.0, gt=0, description="Longest Retry-After honoured; longer = the item fails (to be retried by a re-run)."
    )
    user_agent: str = Field(
        "presstune/{version} (+https://github.com/presstune/presstune; research crawler)",
        description=(
            "User-Agent header; {version} is presstune's version. Names the crawler so that "
            "the site can reach its operator."
        ),
    )
    accept_language: str = Field(
        "",
        description=(
            "Sent as Accept-Language when not empty. Off by default: the portal then writes "
            'dates as "Fri Dec 05 08:34:40 CET 2025" (with time and zone) instead of '
            '"05.12.2025".'
        ),
    )
    retry_after_scope: Literal["host", "request"] = Field(
        "host", description='Retry-After pauses the whole host ("host", polite) or only the request that got it.'
    )
    max_pdf_bytes: int = Field(
        50 * 1024 * 1024,
        gt=0,
        description=(
            "Cap on a PDF's decoded bytes: larger ones are aborted while streaming and named "
            "in the report (real PDFs reach tens of MB)."
        ),
    )
    max_page_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="Cap on a page's decoded bytes (real pages are about 100-300 KB)."
    )
    max_robots_bytes: int = Field(
        512 * 1024, ge=1, description="Cap on robots.txt's bytes (RFC 9309: parse at least 500 KiB)."
    )
    download_pdfs: bool = Field(
        True,
        description=(
            "Download the articles' PDF attachments (the corpus prefers a PDF's text where it is the release)."
        ),
    )
    cache_html: bool = Field(
        True, description="Keep raw article HTML under html/<ID>.html (also lets a resumed run skip the refetch)."
    )
    max_failure_share: float = Field(
        0.2, ge=0, le=1, description="Exit non-zero when more than this share of articles failed."
    )
    browser_fallback: bool = Field(
        False,
        description="Render pages that fail static parsing with Playwright (only if installed; never required).",
    )
    selectors: Selectors = Field(default_factory=Selectors, description="CSS selectors for article and listing pages.")
    progress: bool = Field(True, description="Show a progress bar (only when stderr is a terminal).")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import datetime as _dt

        text = value.isoformat() if isinstance(value, _dt.date) else str(value)
        _dt.date.fromisoformat(text[:10])  # raises ValueError -> one config error naming the key
        return text[:10]
