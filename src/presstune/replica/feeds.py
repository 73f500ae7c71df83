"""robots.txt, sitemaps and RSS of the replica.

Sitemap layout (names modelled on the real ``sitemap_text_<channel>_<lang>`` files):
``/sitemap_index.xml`` lists ``/sitemaps/sitemap_text_pcgl_en.xml`` (+ ``_2``, ``_3`` …
chunks), ``sitemap_text_pcgl_de.xml`` (German items), ``sitemap_text_us_en.xml`` /
``sitemap_text_gb_en.xml`` (EN_US / EN_GB items) and ``sitemap_text_ade_en.xml``, which
repeats a few pcgl TIDs under *legacy* URLs (the same TID in two sitemaps, as observed).
Every article appears in exactly one of the pcgl/us/gb/de sitemaps.
"""

from __future__ import annotations

import random
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from presstune.replica.site import GeneratedArticle, Site

SITEMAP_INDEX = "/sitemap_index.xml"
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def robots_txt(root_url: str, with_sitemap: bool = True, crawl_delay: float = 1.0) -> str:
    lines = [
        "User-agent: *",
        "Disallow: /global/my/",
        "Disallow: /my/",
        "Disallow: /global/oneclick/",
        "Disallow: /global/search",
        f"Crawl-delay: {crawl_delay:g}",
        "",
    ]
    if with_sitemap:
        lines.append(f"Sitemap: {root_url}{SITEMAP_INDEX}")
    return "\n".join(lines) + "\n"


def legacy_slug(title: str) -> str:
    """Legacy sitemap slugs: lower-case %xx, ':' dropped, truncated to ~100 characters."""
    s = title.lower().replace(":", "").replace(" ", "-")
    s = "".join(ch for ch in s if ch.isalnum() or ch in "-/" or not ch.isascii())
    return quote(s, safe="-/").lower()[:100].rstrip("%")


def legacy_url(article: GeneratedArticle, channel: str = "pcgl", channel_id: int = 6) -> str:
    return (
        f"/pressclub/p/{channel}/pressDetail.html?title={legacy_slug(article.title)}"
        f"&outputChannelId={channel_id}&id={article.id}&left_menu_item=node__{2000 + article.number % 3000}"
    )


def sitemap_files(site: Site, chunk: int) -> dict[str, list[tuple[GeneratedArticle, str]]]:
    """name -> [(article, path)] for every sitemap file (deterministic)."""
    by: dict[str, list[GeneratedArticle]] = {"pcgl_en": [], "pcgl_de": [], "us_en": [], "gb_en": []}
    for a in site.articles():
        key = {"en": "pcgl_en", "de": "pcgl_de", "en_us": "us_en", "en_gb": "gb_en"}[a.language]
        by[key].append(a)
    files: dict[str, list[tuple[GeneratedArticle, str]]] = {}
    for key, arts in by.items():
        if not arts:
            continue
        for i in range(0, len(arts), chunk):
            name = f"sitemap_text_{key}.xml" if i == 0 else f"sitemap_text_{key}_{i // chunk + 1}.xml"
            files[name] = [(a, a.url_path) for a in arts[i : i + chunk]]
    rng = random.Random(f"{site.seed}:ade")
    en = by["pcgl_en"]
    if en:
        picked = sorted(rng.sample(en, max(1, len(en) // 25)), key=lambda a: a.date, reverse=True)
        files["sitemap_text_ade_en.xml"] = [(a, legacy_url(a, "ade", 36)) for a in picked]
    return files


def sitemap_index(root_url: str, files: dict[str, list[tuple[GeneratedArticle, str]]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{_NS}">']
    for name, entries in files.items():
        last = max(a.date for a, _ in entries)
        out.append(
            f"<sitemap><loc>{escape(root_url)}/sitemaps/{name}</loc><lastmod>{last.isoformat()}</lastmod></sitemap>"
        )
    out.append("</sitemapindex>")
    return "\n".join(out) + "\n"


def sitemap_xml(root_url: str, entries: list[tuple[GeneratedArticle, str]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{_NS}">']
    for a, path in entries:
        out.append(
            f"<url><loc>{escape(root_url + path)}</loc><lastmod>{a.date.isoformat()}</lastmod>"
            f"<changefreq>monthly</changefreq></url>"
        )
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def rss_xml(site: Site, root_url: str, page: int, per_page: int = 20) -> str:
    arts = site.articles()
    n_pages = max(1, -(-len(arts) // per_page))
    items = arts[(page - 1) * per_page : page * per_page]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        "<title>BMW Group PressClub Global</title>",
        f"<link>{escape(root_url)}/global</link>",
        "<description>Latest press releases of the BMW Group (replica)</description>",
        f'<atom:link href="{escape(root_url)}/rss?page={page}" rel="self" type="application/rss+xml"/>',
    ]
    if page < n_pages:
        out.append(f'<atom:link href="{escape(root_url)}/rss?page={page + 1}" rel="next" type="application/rss+xml"/>')
    for a in items:
        desc = a.subtitle if len(a.subtitle) <= 200 else a.subtitle[:200] + " ..."
        out.append(
            "<item>"
            f"<title>{escape(a.title)}</title>"
            f'<guid isPermaLink="false">www.press.bmwgroup.com/{a.id}</guid>'
            f"<link>{escape(root_url)}/global/article/detail/{a.id}?language=en</link>"
            f"<pubDate>{format_datetime(a.date)}</pubDate>"
            f"<description>{escape(desc)}</description>"
            "</item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out) + "\n"
