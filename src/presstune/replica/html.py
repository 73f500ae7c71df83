"""HTML pages shaped like the real PressClub (PRESSCLUB.md §1.4 and the saved pages).

The markup keeps the real selectors that scrapers rely on (``h1``, ``h2.teaser``,
``span.date``, ``a.tag``/``.tag-searchable``, ``div#article-text.serif``,
``ul.offline-article-list a.download``, ``article.newsfeed``) and reproduces the
irregularities that break naive parsers: single-``<p>`` bodies with ``<br/> <br/>``,
hard-wrapped indented source lines, inline tags, lists, contact and company boilerplate
inside the body, and a German CO2 block now and then. ``changed_layout=True`` renders the
same content with other class names and structure (a "site redesign" fault).
"""

from __future__ import annotations

import datetime as dt
import random
import textwrap
from html import escape
from typing import TYPE_CHECKING

from presstune.replica import furniture

if TYPE_CHECKING:
    from presstune.replica.site import Attachment, GeneratedArticle, Site

_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PER_PAGE = 20
HOST = "https://www.press.bmwgroup.com"  # only ever written into share links, never fetched


def java_date(d: dt.datetime) -> str:
    """``Fri Dec 05 08:34:40 CET 2025`` (Java ``Date.toString()``)."""
    return f"{_DAYS[d.weekday()]} {_MONS[d.month - 1]} {d.day:02d} {d:%H:%M:%S} {d.tzname()} {d.year}"


def short_date(d: dt.datetime) -> str:
    return f"{d:%d.%m.%Y}"


def fmt_date(d: dt.datetime, style: str) -> str:
    return short_date(d) if style == "short" else java_date(d)


def size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.2f} MB"
    return f"{n / 1024:.2f} KB"


def _e(s: str) -> str:
    return escape(s, quote=True)


def _double_escaped(s: str) -> str:
    """og:description as the portal writes it: entities escaped twice (``&amp;#039;``)."""
    once = s.replace("&", "&amp;").replace("'", "&#039;").replace('"', "&#034;")
    return _e(once)


def _head(title: str, canonical: str | None, description: str, body_class: str, lang: str = "en") -> str:
    canon = (
        f'<link rel="canonical" href="{HOST}{_e(canonical)}"/>\n'
        f'<meta property="og:url" content="{HOST}{_e(canonical)}">'
        if canonical
        else ""
    )
    return f"""<!DOCTYPE html>
<html class="press" lang="{lang}" prefix="og: https://ogp.me/ns#">
<!-- app-host: replica -->
<!-- implementationVersion: 3.33.1-replica -->
<head>
<title>{_e(title)}</title>
<meta http-equiv="content-type" content="text/html; charset=utf-8"/>
<meta property="og:site_name" content="BMW Group PressClub">
<meta property="og:title" content="{_e(title)}">
<meta property="og:description" content="{_double_escaped(description)}">
<meta property="og:type" content="article">
{canon}
<link href="/press-frontend/resources/css/desktop/press-desktop-style-press-pc-min.css?v3.33.1" rel="stylesheet" \
type="text/css"/>
<!-- ePaaS -->
<script src="https://www.bmw.com/etc/clientlibs/wcmp/consentcontroller.fallback/epaas.js" \
type="text/javascript"></script>
<script type="text/javascript">
function epaasInit() {{
  try {{ epaas.api.initialize({{tenant: 'pressclub_bmwgroup_net', locale: 'en_EN'}}); }}
  catch(error) {{ console.log('ERROR: unable to init ePaaS - not loaded? -- ' + error.message); }}
}}
document.addEventListener("DOMContentLoaded", function() {{ epaasInit(); }});
</script>
</head>
<body class="{body_class}">
<div id="logos"><div class="page"><a id="main-logo" href="/global/"><img alt="BMW Group"/></a></div></div>
<div id="menu"><div class="page"><div class="page-inner"><div id="menu-left">
<a class="has-children" href="/global/article/topic/803/corporate"><div>Corporate</div></a>
<a class="has-children" href="/global/article/topic/4099/brands"><div>Brands</div></a>
<a class="has-children" href="/global/article/topic/10837/sports"><div>Sports</div></a>
</div></div></div></div>
"""


_FOOT = """<footer><div class="page"><div id="bottom-links"><div class="page clear-after">
<a href="/global/infopage.html?name=impressum">Imprint</a>
<a href="/global/info/cookie">Cookies</a>
<a href="/global/info/rss"><span>RSS</span></a>
</div></div></div></footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- body markup


def _inline(rng: random.Random, para: str, model: str) -> str:
    """Escape and add inline markup: the model in <strong>, web addresses as <a>.
    Spaces stay outside the tags, so per-node ``strip()`` glues words (a real-site trap)."""
    s = _e(para)
    if model and rng.random() < 0.5:
        s = s.replace(_e(model), f"<strong>{_e(model)}</strong>", 1)
    s = s.replace(
        "www.press.bmwgroup.com", '<a href="https://www.press.bmwgroup.com" target="_blank">www.press.bmwgroup.com</a>'
    )
    return s


def _wrapped(rng: random.Random, html_text: str) -> str:
    """Hard-wrap source text at about 70 columns with a 2- or 4-space indent."""
    indent = rng.choice(["  ", "    "])
    return ("\n" + indent).join(textwrap.wrap(html_text, 70, break_long_words=False, break_on_hyphens=False))


def _is_subhead(p: str) -> bool:
    return len(p) < 60 and not p.endswith(".") and not p.endswith(":") and "\n" not in p


def body_html(article: GeneratedArticle) -> str:
    rng = random.Random(f"{article.site.seed}:{article.id}:markup")
    paras = article.teaser_repeat + article.page_paragraphs
    model = article.facts.get("model", "")
    lang = article.lang2
    style = article.markup
    parts: list[str] = []
    if not paras:
        parts.append("<p>\xa0</p>")
    elif style == "single_p_br":
        chunks: list[str] = []
        for i, p in enumerate(paras):
            if "\n" in p:
                parts.append("<p>\n" + "<br/> <br/>".join(chunks) + "\n</p>")
                chunks = []
                parts.append("<ul>" + "".join(f"<li>{_e(it)}</li>" for it in p.split("\n")) + "</ul>")
            elif i == 0:
                chunks.append(f"<strong>{_e(p)}</strong>")
            elif _is_subhead(p):
                chunks.append(f"<strong>{_e(p)}</strong>")
            else:
                chunks.append(_inline(rng, p, model))
        if chunks:
            parts.append("<p>\n" + "<br/> <br/>".join(chunks) + "\n</p>")
    else:
        for i, p in enumerate(paras):
            if "\n" in p:
                parts.append("<ul>\n" + "\n".join(f"<li>{_e(it)}</li>" for it in p.split("\n")) + "\n</ul>")
                continue
            if _is_subhead(p):
                parts.append(f"<p><strong>{_e(p)}</strong></p>")
                continue
            inner = _inline(rng, p, model)
            if style == "wrapped":
                inner = "\n  " + _wrapped(rng, inner) + "\n"
                if rng.random() < 0.2:
                    inner = inner.replace(" ", "\xa0", 1)
            if i == 0 and rng.random() < 0.5:
                inner = f"<strong>{inner}</strong>"
            parts.append(f"<p>{inner}</p>")
    # Boilerplate that the real site keeps inside the body.
    if rng.random() < 0.35 and paras and article.site.hard_cases:
        for block in article.contact_paragraphs:
            parts.append("<p>" + "<br/>".join(_inline(rng, line, "") for line in block.split("\n")) + "</p>")
    elif rng.random() < 0.35 and paras:
        people = article.contacts
        parts.append(f"<p>{_e(furniture.CONTACT_INTRO[lang])}</p>")
        for c in people:
            tel = "Tel." if lang == "de" else "Telephone"
            parts.append(
                f"<p>{_e(c['name'])}<br/>{_e(c['role'])}<br/>{tel}: {_e(c['phone'])}<br/>"
                f'E-mail: <a href="mailto:{_e(c["email"])}">{_e(c["email"])}</a></p>'
            )
    if rng.random() < 0.45 and paras:
        bp = furniture.BOILERPLATE[lang]
        parts.append(f"<p><strong>{_e(bp[0])}</strong></p>")
        parts.append(f"<p>{_e(bp[1])}</p>")
    co2 = article.co2
    if co2 and paras:
        parts.append(f'<div class="text co2_summary"><p>{_e(co2)}</p></div>')
        if rng.random() < 0.5:
            parts.append(f"<p>{_e(furniture.DISCLAIMER[lang])}</p>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- detail page


def _tags_html(article: GeneratedArticle) -> str:
    out = []
    for i, t in enumerate(article.tags):
        if i:
            out.append('<div class="separator">·</div>')
        tag_id = 4000 + sum(map(ord, t)) % 900
        out.append(
            f'<a class="clickable tag tag-searchable" data-type="global" data-area="article" data-tag-id="{tag_id}" '
            f'href="/global/article/search/tag:{tag_id}">{_e(t)}</a>'
        )
    return "".join(out)


def _attachment_li(article: GeneratedArticle, att: Attachment, size: int) -> str:
    fmt = "PDF" if att.kind == "pdf" else "ZIP"
    url = att.url(article.id)
    return f"""<li class="clear-after">
<div class="add-to-cart clickable" data-add-cart-url="/my/dcart/addTextAttachment/{att.no}/{article.id}" \
data-cart-key="attachment_{att.no}"><i class="bmw-ci-folder-plus"></i></div>
<a class="download" data-detail-url="{_e(url)}" data-title="{_e(att.label)}{fmt}" href="{_e(url)}" rel="nofollow" \
title="{_e(att.label)}">
<div class="bmw-ci-download-sm"></div>
<div class="text">
<span class="text">{_e(att.label)}</span> <span class="details">{fmt}, {att.language}, {size_label(size)}</span>
</div>
</a>
</li>"""


def _sidebar(article: GeneratedArticle, date_style: str) -> str:
    """ "Latest Facts & Figures." teaser box: links to other (often evergreen) articles with
    their own ``span.date`` -- a trap for scrapers that take the first link or date they see."""
    others = [a for a in article.site.articles()[:12] if a.id != article.id][:3]
    items = "".join(
        f'<div class="fact-and-latest-press-kits"><a href="{_e(a.url_path)}">{_e(a.title)}</a>'
        f'<div class="tags clear-after"><span class="date">{_e(fmt_date(a.date, date_style))}</span>'
        f'<div class="clickable tag tag-searchable">{_e(a.tags[0]) if a.tags else ""}</div></div></div>'
        for a in others
    )
    return (
        f'<div class="teaser-box"><h2>Latest Facts &amp; Figures.</h2>{items}'
        '<a class="with-arrow" href="/global/article/search/category:11">Show all</a></div>'
    )


def detail_page(
    article: GeneratedArticle,
    date_style: str = "java",
    changed_layout: bool = False,
    sizes: dict[int, int] | None = None,
) -> str:
    """The article page. ``sizes`` maps attachment number -> byte size for the labels.

    Long because it is the page's template, top to bottom like the page it writes (the
    redesigned layout first, then the portal's own); split up, the markup would be read in
    pieces."""
    sizes = sizes or {}
    site = article.site
    canonical = f"{article.url_path}?language=en"
    date = fmt_date(article.date, date_style)
    head = _head(article.title, canonical, article.subtitle, "article", article.lang2)
    c0 = article.contacts[0]
    body = body_html(article)
    twins = [a for a in site.family(article.family_id) if a.id != article.id]
    total = sum(sizes.get(a.no, 0) for a in article.attachments)
    if changed_layout:
        atts = "".join(
            f'<li><a class="file-link" href="{_e(a.url(article.id))}">{_e(a.label)} '
            f"({'PDF' if a.kind == 'pdf' else 'ZIP'}, {a.language})</a></li>"
            for a in article.attachments
        )
        return (
            head
            + f"""<main id="page-content" class="press-article-v2">
<article class="press-release" data-article-id="{article.id}">
<header class="press-release__header">
<div class="press-release__title">{_e(article.title)}</div>
<p class="press-release__standfirst">{_e(article.subtitle)}</p>
<div class="press-release__meta"><time class="press-release__date" \
datetime="{article.date.isoformat()}">{_e(date)}</time></div>
<ul class="press-release__topics">{"".join(f'<li class="topic">{_e(t)}</li>' for t in article.tags)}</ul>
</header>
<section class="article-body">
{body}
</section>
<aside class="press-release__files"><ul class="files">{atts}</ul></aside>
</article>
</main>
"""
            + _FOOT
        )
    others = ""
    if twins:
        links = "".join(f'<li><a href="{_e(t.url_path)}">{_e(t.id)} ({t.language.upper()})</a></li>' for t in twins)
        others = f'<h4>This article in other PressClubs</h4>\n<ul class="other-pressclubs">{links}</ul>'
    att_block = ""
    if article.attachments:
        lis = "\n".join(_attachment_li(article, a, sizes.get(a.no, 0)) for a in article.attachments)
        att_block = (
            '<h4 class="media-material">Article Offline Attachments.</h4>\n'
            f'<ul class="offline-article-list">\n{lis}\n</ul>'
        )
    downloads = ""
    if article.attachments:
        downloads = (
            f'<h4>Downloads.</h4>\n<a class="clickable download" '
            f'href="/global/oneclick/download/{article.id}/attachment" rel="nofollow">'
            f'<i class="icon ready bmw-ci-download-sm"> </i><span class="text">Attachments</span>'
            f'<span class="details right">({len(article.attachments)}x, {size_label(total)})</span></a>'
        )
    return (
        head
        + f"""<div id="main" class="page">
<div id="content" class="clear-after">
<script type="text/javascript">var isPreRelease = false;</script>
<div class="content-block">
<h3>PressClub Global · Article.</h3>
<div class="content-left">
<div class="article-detail remove-on-search" data-article-id="{article.internal_id}">
<h1>{_e(article.title)}</h1>
<div class="article-info">
<h5><span class="date">{_e(date)}</span> <span class="category">Press Release</span></h5>
</div>
<div class="sharing-icons"><div class="icons"><a \
href="mailto:?subject={_e(article.title)}&amp;body={HOST}{_e(canonical)}" rel="nofollow"><i \
class="bmw-ci-contact-med"> </i></a></div></div>
<h2 class="teaser clear">{_e(article.subtitle)}</h2>
<div class="tagging-info tags clear-after">{_tags_html(article)}</div>
<div class="left">
<h4>Press Contact.</h4>
<p style="font-size: 14px;">{_e(c0["name"])}<br/>BMW Group
            <br/>
<br/>Tel: {_e(c0["phone"])}<br/>
<br/>
<a href="mailto:{_e(c0["email"])}" rel="nofollow"><i class="bmw-ci-contact-med"></i>send an e-mail</a>
</p>
<h4>Author.</h4>
<p style="font-size: 14px;">{_e(article.contacts[-1]["name"])}<br/>BMW Group
            <br/>
</p>
{downloads}
{others}
</div>
<div class="right">
<div class="serif" id="article-text">
{body}
<div class="gradient"></div>
</div>
<button class="readmore" type="button"><span>Show entire text</span><i class="bmw-ci-expand-sm"></i></button>
{att_block}
<h4 id="avMedia">Article Media Material.</h4>
<div class="media-links clear-after"><div class="compilation clickable has-dropin" \
data-url="/global/photo/articleCompilation/{article.id}"></div></div>
</div>
<div class="clear"></div>
</div>
</div>
<div class="content-right hide-on-small">
<div class="teaser-box"><h2>CO2 emission information.</h2><div class="co2-info-teaser">Consumption figures are \
determined according to WLTP.</div></div>
{_sidebar(article, date_style)}
</div>
</div>
</div>
</div>
"""
        + _FOOT
    )


# --------------------------------------------------------------------------- listings


def newsfeed_item(article: GeneratedArticle, date_style: str) -> str:
    pdfs = [a for a in article.attachments]
    dl = ""
    if pdfs:
        dl = (
            f'<div class="download-dropdown"><a class="clickable download " '
            f'href="/global/oneclick/download/{article.id}/attachment" rel="nofollow">'
            f'<span class="text">Attachments</span><span class="details right">({len(pdfs)}x)</span></a></div>'
        )
    title = article.title
    # Some listing titles carry a hard newline (seen on the real listing).
    if article.internal_id % 7 == 0 and " " in title:
        i = title.find(" ", len(title) // 2)
        if i > 0:
            title = title[:i] + "\n" + title[i + 1 :]
    teaser = article.subtitle if len(article.subtitle) < 160 else article.subtitle[:157] + " ..."
    has_img = article.internal_id % 5 != 0
    return f"""<article data-id="{article.internal_id}" data-category="1" class="newsfeed clear-after \
{"has-image" if has_img else ""} has-media ">
<div class="image">{'<div class="img thumb16-9">&nbsp;</div>' if has_img else ""}{dl}</div>
<div class="text "><h3><a href="{_e(article.url_path)}">{_e(title)}</a></h3>
<div class="info"><h4><span class="date">{_e(fmt_date(article.date, date_style))}</span><span \
class="category">Press Release</span></h4></div>
<p class="serif">{_e(teaser)}</p>
<div class="tagging-info tags clear-after">{_tags_html(article)}</div></div></article>"""


def list_fragment(site: Site, page: int, date_style: str, per_page: int = PER_PAGE) -> str:
    """The AJAX "load more" answer: a bare HTML fragment with the next ``per_page`` items
    (empty string past the end)."""
    arts = site.articles()[(page - 1) * per_page : page * per_page]
    return "\n".join(newsfeed_item(a, date_style) for a in arts)


def listing_page(site: Site, page: int, date_style: str, per_page: int = PER_PAGE, start: bool = False) -> str:
    n_pages = max(1, -(-len(site) // per_page))
    items = list_fragment(site, page, date_style, per_page)
    nxt = (
        f'<a class="next-page" rel="next" href="/global/article?page={page + 1}">Next page</a>'
        if page < n_pages
        else ""
    )
    prev = (
        f'<a class="prev-page" rel="prev" href="/global/article?page={page - 1}">Previous page</a>' if page > 1 else ""
    )
    title = "PressClub Global." if start else "PressClub Global · Articles."
    url = "/global/startpage/list" if start else "/global/article"
    return (
        _head(title, None, "BMW Group PressClub Global", "startpage" if start else "article-list")
        + f"""<div id="main" class="page">
<div id="content" class="clear-after">
<div class="content-block"><h3>{title}</h3>
<div class="content-left" id="newsfeed-list">
{items}
</div>
<div id="lazy-loader" class="loading ispinner gray animating" style="display: none;"></div>
<div class="button" id="lazy-load-button" data-url="{url}" data-page="{page + 1}">Load more</div>
<div class="pagination">{prev} {nxt}</div>
<script type="text/javascript">
if (window.lazyLoaderModule) \
{{ lazyLoaderModule.init({{url: '{url}', maxAjaxRequests: 100, tileView: false, page: {page + 1}}}); }}
</script>
</div></div></div>
"""
        + _FOOT
    )


def not_found_page(path: str) -> str:
    return (
        _head("Page not found", None, "", "error")
        + f'<div id="main" class="page"><h1>Page not found.</h1><p>{_e(path)}</p></div>\n'
        + _FOOT
    )
