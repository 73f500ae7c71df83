"""Parser tests: the real saved PressClub pages (skipped without ../shared), replica pages, and
small hand-written snippets for each markup quirk listed in PRESSCLUB.md §1.4."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from presstune.collect.parse import (
    ParseError,
    article_id_from_url,
    language_matches,
    language_of,
    node_text,
    parse_article,
    parse_date,
    parse_listing,
    parse_sitemap,
    safe_name,
)
from presstune.config.collect import Selectors

REAL_URL = "https://www.press.bmwgroup.com/global/article/detail/T0454343EN/x"


def _body(html_inner: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    return node_text(LexborHTMLParser(f"<div id=b>{html_inner}</div>").css_first("#b"))


# -- real pages -------------------------------------------------------------------------------
def test_real_article_page(pressclub_reference: Path) -> None:
    html = (pressclub_reference / "article-T0454343EN.html").read_text(encoding="utf-8")
    parsed = parse_article(html, REAL_URL, Selectors(), expected_id="T0454343EN")
    r = parsed.record
    assert parsed.fallbacks == [] and parsed.warnings == []
    assert r.id == "T0454343EN" and r.language == "en"
    assert r.url.endswith("?language=en") and "/detail/T0454343EN/" in r.url
    assert r.title.startswith("BMW M Racing Academy") and r.title.endswith("continents.")
    assert r.subtitle is not None and r.subtitle.startswith("+++") and r.subtitle.endswith("+++")
    assert r.date == "2025-12-05T08:34:40+01:00"
    assert r.tags == ["BMW M Motorsport", "Customer Racing"]
    assert len(r.attachments) == 1
    att = r.attachments[0]
    assert att.url == "https://www.press.bmwgroup.com/global/article/attachment/T0454343EN/641182"
    assert (att.type, att.label, att.language, att.size_label) == ("pdf", "Printable version", "EN", "234.82 KB")
    paragraphs = r.body.split("\n\n")
    # single <p> with <br> <br> separators -> many paragraphs; the bold lead is the first one
    assert len(paragraphs) >= 12
    assert paragraphs[0].startswith("Munich. BMW M Motorsport") and paragraphs[0].endswith("Ryder Quinn.")
    assert paragraphs[1].startswith("Following the successful completion")
    assert 'Comments on the "Class of 2026".' in paragraphs
    # hard-wrapped, indented source lines are unwrapped: no line break inside a paragraph
    assert all("\n" not in p and "  " not in p for p in paragraphs)
    assert "customer racing enters its second round" in r.body
    # sidebars, contact block and the "Show entire text" button are not body text
    assert "Show entire text" not in r.body and "PressClub Streaming" not in r.body
    assert not r.body.endswith("\n")


def test_real_listing_page(pressclub_reference: Path) -> None:
    html = (pressclub_reference / "listing-global.html").read_text(encoding="utf-8")
    items = parse_listing(html, "https://www.press.bmwgroup.com/global/article", Selectors())
    assert len(items) >= 150
    assert len({i.id for i in items}) == len(items)
    assert all(re.fullmatch(r"T\d{7}[A-Z_]+", i.id) for i in items)
    assert all(i.url.startswith("https://www.press.bmwgroup.com/global/article/detail/") for i in items)
    assert all(i.date is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+0[12]:00", i.date) for i in items)
    assert {language_of(i.id) for i in items} >= {"en", "de"}
    # newest first (the listing's own order)
    days = [i.date[:10] for i in items]
    assert days == sorted(days, reverse=True)


# -- replica pages ----------------------------------------------------------------------------
def test_replica_pages_match_ground_truth() -> None:
    from presstune.replica import html as rhtml
    from presstune.replica.site import Site

    site = Site(articles=40, seed=3)
    markups = set()
    for article in site.articles():
        for style in ("java", "short"):
            page = rhtml.detail_page(article, style)
            parsed = parse_article(page, "http://127.0.0.1:1" + article.url_path, Selectors(), expected_id=article.id)
            r = parsed.record
            assert r.title == article.title
            assert r.language == article.language
            assert r.body.startswith(article.page_body), article.id  # the page's text, hard cases included
            assert r.date is not None and r.date[:10] == article.date.date().isoformat()
            if style == "java":
                assert r.date == article.date.isoformat(), (r.date, article.date)
            pdfs = [a for a in article.attachments if a.kind == "pdf"]
            assert [a.url for a in r.attachments if a.type == "pdf"] == [
                "http://127.0.0.1:1" + a.url(article.id) for a in pdfs
            ]
        markups.add(article.markup)
    assert len(markups) >= 2


def test_replica_changed_layout_fails_loudly() -> None:
    from presstune.replica import html as rhtml
    from presstune.replica.site import Site

    article = Site(articles=10, seed=1).articles()[0]
    page = rhtml.detail_page(article, "java", changed_layout=True)
    with pytest.raises(ParseError, match=r"changed layout: no title \(tried selectors"):
        parse_article(page, "http://127.0.0.1:1" + article.url_path, Selectors(), expected_id=article.id)


def test_fallback_selectors_are_reported() -> None:
    page = (
        "<html><body><main><h1 class=t>Title</h1>"
        "<section class=txt><p>One.</p><p>Two.</p></section></main></body></html>"
    )
    sel = Selectors(title=["div.article-detail h1", "main h1.t"], body=["#article-text", "section.txt"])
    parsed = parse_article(page, "http://h/global/article/detail/T0000001EN/x", sel)
    assert parsed.record.title == "Title" and parsed.record.body == "One.\n\nTwo."
    assert parsed.fallbacks == ["title: main h1.t", "body: section.txt"]


def test_wrong_article_is_rejected() -> None:
    page = (
        '<html><head><link rel="canonical" href="/global/article/detail/T0000002EN/other"></head><body>'
        '<div class="article-detail"><h1>T</h1><div id="article-text"><p>x</p></div></div></body></html>'
    )
    with pytest.raises(ParseError, match="expected 'T0000001EN'"):
        parse_article(page, "http://h/global/article/detail/T0000001EN/x", Selectors(), expected_id="T0000001EN")


# -- body markup quirks -----------------------------------------------------------------------
def test_single_p_with_br_br_and_bold_lead() -> None:
    body = _body(
        "<p><strong>Munich. Lead sentence\n    wrapped here.</strong>\n<br> <br>Second\n  paragraph.<br/> <br/>"
        '<strong>Speaker:</strong> "Quote."<br/>line two</p>'
    )
    assert body == 'Munich. Lead sentence wrapped here.\n\nSecond paragraph.\n\nSpeaker: "Quote."\nline two'


def test_inline_tag_edges_do_not_glue_words() -> None:
    assert _body("<p>She <a href=x>first</a> came.</p>") == "She first came."
    assert _body("<p>It was founded<a href=x>The Bridge</a> later.</p>") == "It was founded The Bridge later."
    assert (
        _body("<p><strong>Outstanding results.</strong>The company grew.</p>")
        == "Outstanding results. The company grew."
    )
    # no separator where none belongs
    assert (
        _body("<p>BMW<sup>2</sup> and <b>M</b>4, 15,<b>4</b> kWh, BMW’<i>s</i></p>") == "BMW2 and M4, 15,4 kWh, BMW’s"
    )


def test_lists_nbsp_and_multi_p() -> None:
    body = _body(
        "<p>Highlights:</p><ul><li>One</li>\n<li>Two <b>bold</b></li></ul>"
        "<p>After&nbsp;list.</p><div class=gradient></div>"
    )
    assert body == "Highlights:\n\nOne\nTwo bold\n\nAfter list."


# -- dates, ids, names, sitemaps --------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Fri Dec 05 08:34:40 CET 2025", "2025-12-05T08:34:40+01:00"),
        ("Wed May 14 14:00:00 CEST 2025", "2025-05-14T14:00:00+02:00"),
        ("05.12.2025", "2025-12-05T00:00:00+01:00"),
        ("14.08.2025", "2025-08-14T00:00:00+02:00"),
        ("2025-10-24T16:20:07+02:00", "2025-10-24T16:20:07+02:00"),
        ("Wed, 13 May 2026 17:26:19 +0200", "2026-05-13T17:26:19+02:00"),
        ("  Fri   Dec 05 08:34:40 CET 2025 ", "2025-12-05T08:34:40+01:00"),
        ("next Tuesday", None),
        ("", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_ids_and_languages() -> None:
    assert article_id_from_url("https://x/global/article/detail/T0454343EN/a:b/c-11/2024?language=en") == "T0454343EN"
    assert (
        article_id_from_url(
            "https://x/pressclub/p/pcgl/pressDetail.html?title=t&outputChannelId=6&id=T0448891EN_US&left_menu_item=node__1"
        )
        == "T0448891EN_US"
    )
    assert article_id_from_url("https://x/global/article?page=2") is None
    assert language_of("T0448891EN_US") == "en_us" and language_of("T0453713DE") == "de" and language_of("../x") is None
    assert language_matches("en", "en", False) and not language_matches("en_gb", "en", False)
    assert language_matches("en_gb", "en", True) and not language_matches("de", "en", True)


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "\U0001f600" * 300, "a/b\\c\x00d", "..", "CON", "T0454343EN/../../x"]
)
def test_safe_name_never_escapes(bad: str, tmp_path: Path) -> None:
    name = safe_name(bad)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name), name
    assert safe_name(bad) == name  # stable across runs
    target = tmp_path / f"{name}.pdf"
    target.write_bytes(b"x")
    assert target.resolve().parent == tmp_path.resolve()
    assert safe_name("T0454343EN") == "T0454343EN" and safe_name("T0448891EN_US") == "T0448891EN_US"
    assert safe_name("../../etc/passwd") != safe_name("../../etc/passwd2")


def test_sitemap_parsing_is_safe() -> None:
    index = b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://h/s1.xml</loc><lastmod>2025-01-02</lastmod></sitemap></sitemapindex>'
    kind, entries = parse_sitemap(index)
    assert kind == "index" and entries[0].loc == "http://h/s1.xml" and entries[0].lastmod == "2025-01-02T00:00:00+01:00"
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://h/a&x;</loc></url></urlset>'
    )
    kind, entries = parse_sitemap(xxe)
    assert kind == "urlset" and "root:" not in entries[0].loc
    with pytest.raises(ParseError, match="not a sitemap"):
        parse_sitemap(b"<html><body>hi</body></html>")
    with pytest.raises(ParseError, match="not valid XML"):
        parse_sitemap(b"<urlset><url>")
