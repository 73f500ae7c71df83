"""Parsing: article pages (selectolax), listing pages, sitemaps, dates, ids, safe file names.

Body text is rendered by a small hand-written (iterative: a page nested 10,000 deep must not
exhaust the stack) walker because no library renders the portal's
irregular markup the way we need: HTML whitespace collapsing (unwraps hard-wrapped, indented
source lines), ``<br><br>`` as paragraph breaks inside a single ``<p>``, ``ul/li`` as lines,
and a separator where an inline tag edge would glue two words ("foundedThe").
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from presstune.collect.limits import CappedInflater, TooLarge
from presstune.config.collect import Selectors
from presstune.portal import PRESSCLUB, UrlScheme
from presstune.records import ArticleRecord, Attachment

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class ArticleIds:
    """A portal's article ids and detail URLs (its profile's ``url`` scheme), compiled."""

    #: Used with fullmatch only ("$" would accept a trailing newline: "T0000002EN\n").
    id: re.Pattern[str]
    detail: re.Pattern[str]
    id_query: str

    @classmethod
    def of(cls, scheme: UrlScheme) -> ArticleIds:
        return cls(re.compile(scheme.article_id), re.compile(scheme.detail_path), scheme.id_query)


#: The default profile's ids (``portal.profile: pressclub``).
PRESSCLUB_IDS = ArticleIds.of(PRESSCLUB.url)
#: The PressClub's article id ("T0454343EN"): a file name as it is (:func:`safe_name`).
TID_RE = PRESSCLUB_IDS.id
_TZ_OFFSETS = {
    "CET": 1,
    "CEST": 2,
    "MEZ": 1,
    "MESZ": 2,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "EET": 2,
    "EEST": 3,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "JST": 9,
    "KST": 9,
    "IST": 5.5,
    "AEST": 10,
    "AEDT": 11,
}
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_JAVA_DATE = re.compile(
    r"^(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+([A-Za-z]{1,5})\s+(\d{4})$"
)
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class ParseError(Exception):
    """The page does not have the expected structure; the message names what is missing."""


# -- ids and names ---------------------------------------------------------------------------
def language_of(article_id: str, ids: ArticleIds = PRESSCLUB_IDS) -> str | None:
    """'T0454343EN' -> 'en', 'T0448891EN_US' -> 'en_us'; None for an id of another shape."""
    m = ids.id.fullmatch(article_id)
    return m.group(1).lower() if m else None


def language_matches(lang: str | None, wanted: str, include_variants: bool) -> bool:
    if lang is None:
        return False
    wanted = wanted.lower()
    return lang == wanted or (include_variants and lang.split("_")[0] == wanted)


def safe_name(article_id: str, max_len: int = 80) -> str:
    """A file-name stem derived from an id only: well-formed ids stay as they are; anything
    else (``../../etc/passwd``, 300 emoji, NUL bytes) becomes ``[A-Za-z0-9_-]`` plus a hash
    of the original, so two odd ids never collide and no name escapes its folder (ids of
    another portal's shape are such names: safe, if less readable)."""
    if TID_RE.fullmatch(article_id):
        return article_id
    ascii_id = unicodedata.normalize("NFKD", article_id).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_id).strip("_-")[:max_len] or "id"
    digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"x-{cleaned}-{digest}"


def article_id_from_url(url: str, ids: ArticleIds = PRESSCLUB_IDS) -> str | None:
    """The id of a detail URL (the PressClub's: new style ``/article/detail/<TID>/<slug>`` or
    legacy ``pressDetail.html?...&id=<TID>``); slugs may contain '/', so route by the id segment."""
    parts = urlsplit(url)
    m = ids.detail.search(parts.path)
    if m:
        return unquote(m.group(1)) or None
    found = parse_qs(parts.query).get(ids.id_query)
    if found and found[0]:
        return found[0]
    return None


# -- dates ------------------------------------------------------------------------------------
def parse_date(text: str | None) -> str | None:
    """'Fri Dec 05 08:34:40 CET 2025' / '05.12.2025' / ISO / RFC 2822 -> ISO 8601 with offset.

    Date-only values get midnight in Munich's time zone (the portal's zone). Returns None for
    an empty or unknown format (the caller reports it)."""
    if not text:
        return None
    text = " ".join(text.split())
    m = _JAVA_DATE.match(text)
    if m:
        mon, day, hh, mm, ss, tz, year = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            return None
        naive = _dt.datetime(int(year), month, int(day), int(hh), int(mm), int(ss))
        tz_up = tz.upper()
        if tz_up in _TZ_OFFSETS:
            offset = _dt.timezone(_dt.timedelta(hours=_TZ_OFFSETS[tz_up]))
            return naive.replace(tzinfo=offset).isoformat()
        return naive.replace(tzinfo=BERLIN).isoformat()  # unknown abbreviation: the portal's zone
    m = _DOTTED_DATE.match(text)
    if m:
        d, mo, y, hh, mi, ss = m.groups()
        naive = _dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
        return naive.replace(tzinfo=BERLIN).isoformat()
    try:
        value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            import email.utils

            value = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.isoformat()


def date_key(iso: str | None) -> str:
    """Sortable UTC key of an ISO date ('' when unknown)."""
    if not iso:
        return ""
    try:
        value = _dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.astimezone(_dt.UTC).isoformat()


def local_day(iso: str | None) -> str | None:
    """The calendar day (YYYY-MM-DD) of an ISO date as written, for --since/--until."""
    return iso[:10] if iso else None


# -- body text --------------------------------------------------------------------------------
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "thead",
    "tbody",
    "blockquote",
    "pre",
    "header",
    "footer",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "hr",
    "center",
    "main",
    "aside",
    "nav",
    "form",
    "address",
}
_SKIP = {"script", "style", "noscript", "template", "button", "svg", "iframe", "head", "select", "input"}
_LINE, _PARA, _EDGE = "\x00", "\x01", "\x02"
_WS = re.compile(r"[ \t\r\n\f]+")  # HTML whitespace; \xa0 is not collapsed by HTML either


def _walk(root: LexborNode, out: list[str]) -> None:
    """Append the text pieces and break markers of ``root``'s subtree, in document order.

    An explicit stack instead of recursion: each element pushes its closing marker (if any)
    and then its children, so the markers come out after the subtree."""
    stack: list[LexborNode | str] = []
    _push_children(root, stack)
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        tag = item.tag
        if tag == "-text":
            text = item.text_content or ""
            if text:
                out.append(_WS.sub(" ", text))
            continue
        if tag in ("-comment", "!doctype") or tag in _SKIP:
            continue
        if tag == "br":
            out.append(_LINE)
            continue
        if tag in ("td", "th"):
            out.append(" | ")
        elif tag == "li":
            out.append(_LINE)
        elif tag in _BLOCK:  # ul/ol included: a paragraph break on both sides
            out.append(_PARA)
            stack.append(_PARA)
        else:  # inline element: mark both edges, the joiner decides on a separator
            out.append(_EDGE)
            stack.append(_EDGE)
        _push_children(item, stack)


def _push_children(node: LexborNode, stack: list[LexborNode | str]) -> None:
    children = []
    child = node.child
    while child is not None:
        children.append(child)
        child = child.next
    stack.extend(reversed(children))


def _needs_space(prev: str, nxt: str) -> bool:
    """At an inline-tag edge with no whitespace: 'founded' + 'The' or 'Munich.' + 'The'."""
    if prev.islower() and nxt.isupper():
        return True
    return prev in ".:!?" and nxt.isupper()


def _join(pieces: list[str]) -> str:
    buf: list[str] = []
    edge = False
    for piece in pieces:
        if piece == _EDGE:
            edge = True
            continue
        if edge and buf and piece and piece[0] not in (_LINE, _PARA, " "):
            last = buf[-1][-1:] if buf[-1] else ""
            if last and last not in (_LINE, _PARA, " ") and _needs_space(last, piece[0]):
                buf.append(" ")
        edge = False
        buf.append(piece)
    text = "".join(buf).replace("\xa0", " ")
    text = re.sub(r" *([\x00\x01]) *", r"\1", text)

    def breaks(m: re.Match[str]) -> str:
        run = m.group(0)
        return "\n\n" if (_PARA in run or len(run) >= 2) else "\n"

    text = re.sub(r"[\x00\x01]+", breaks, text)
    text = re.sub(r"[ \t]+", " ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def node_text(node: LexborNode) -> str:
    """Readable text of an element: paragraphs separated by a blank line, lines by newline."""
    pieces: list[str] = []
    _walk(node, pieces)
    return _join(pieces)


def inline_text(node: LexborNode | None) -> str:
    if node is None:
        return ""
    return " ".join(node_text(node).split())


# -- article page -----------------------------------------------------------------------------
@dataclass
class ParsedPage:
    record: ArticleRecord
    #: "field: selector" entries where a fallback (not the first) selector was needed.
    fallbacks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _first(tree: LexborHTMLParser, selectors: list[str], name: str, fallbacks: list[str]) -> LexborNode | None:
    for i, selector in enumerate(selectors):
        node = tree.css_first(selector)
        if node is not None:
            if i > 0:
                fallbacks.append(f"{name}: {selector}")
            return node
    return None


def _all(tree: LexborHTMLParser, selectors: list[str], name: str, fallbacks: list[str]) -> list[LexborNode]:
    for i, selector in enumerate(selectors):
        nodes = tree.css(selector)
        if nodes:
            if i > 0:
                fallbacks.append(f"{name}: {selector}")
            return nodes
    return []


def _meta(tree: LexborHTMLParser, css: str, attr: str) -> str | None:
    node = tree.css_first(css)
    value = node.attributes.get(attr) if node is not None else None
    return value.strip() if value else None


def parse_article(
    html: str, url: str, selectors: Selectors, expected_id: str | None = None, ids: ArticleIds = PRESSCLUB_IDS
) -> ParsedPage:
    """Parse one article page into an :class:`ArticleRecord` (attachments pending; ids and
    their language by the portal's scheme, ``ids``).

    Raises :class:`ParseError` naming the selectors tried when the title or body is missing
    (a changed layout must fail loudly, not produce an empty record)."""
    tree = LexborHTMLParser(html)
    fallbacks: list[str] = []
    warnings: list[str] = []
    title_node = _first(tree, selectors.title, "title", fallbacks)
    if title_node is None or not inline_text(title_node):
        raise ParseError(f"changed layout: no title (tried selectors {selectors.title})")
    body_node = _first(tree, selectors.body, "body", fallbacks)
    if body_node is None:
        raise ParseError(f"changed layout: no article body (tried selectors {selectors.body})")
    for selector in selectors.body_drop:
        for node in body_node.css(selector):
            node.decompose()
    canonical = _meta(tree, "link[rel=canonical]", "href") or _meta(tree, "meta[property='og:url']", "content")
    if canonical:
        canonical = urljoin(url, canonical)
    page_id = article_id_from_url(canonical, ids) if canonical else None
    article_id = expected_id or page_id or article_id_from_url(url, ids)
    if not article_id:
        raise ParseError(f"no article id in {url!r} or the page's canonical link")
    if expected_id and page_id and page_id != expected_id:
        raise ParseError(f"page is article {page_id!r}, expected {expected_id!r}")
    date_node = _first(tree, selectors.date, "date", fallbacks)
    date_text = inline_text(date_node) if date_node is not None else ""
    date = parse_date(date_text)
    if date_node is None:
        warnings.append(f"no date (tried selectors {selectors.date})")
    elif date is None:
        warnings.append(f"unrecognised date {date_text[:60]!r}")
    subtitle_node = _first(tree, selectors.subtitle, "subtitle", fallbacks)
    tags: list[str] = []
    for node in _all(tree, selectors.tags, "tags", fallbacks):
        tag = inline_text(node)
        if tag and tag not in tags:
            tags.append(tag)
    attachments: list[Attachment] = []
    seen: set[str] = set()
    for node in _all(tree, selectors.attachments, "attachments", fallbacks):
        href = (node.attributes.get("href") or "").strip()
        if not href:
            continue
        att_url = urljoin(url, href)
        if att_url in seen:
            continue
        seen.add(att_url)
        label = (
            inline_text(node.css_first(selectors.attachment_label))
            or (node.attributes.get("title") or "").strip()
            or None
        )
        details = inline_text(node.css_first(selectors.attachment_details))
        kind, lang, size = _split_details(details)
        is_pdf = kind == "pdf" or (kind is None and (att_url.lower().endswith(".pdf") or "/attachment/" in att_url))
        attachments.append(
            Attachment(url=att_url, type="pdf" if is_pdf else "other", label=label, language=lang, size_label=size)
        )
    language = language_of(article_id, ids)
    if language is None:
        html_node = tree.css_first("html")
        lang_attr = (html_node.attributes.get("lang") if html_node is not None else None) or ""
        language = lang_attr.lower().replace("-", "_") or "unknown"
    record = ArticleRecord(
        id=article_id,
        language=language,
        url=canonical if canonical else url,
        title=inline_text(title_node),
        subtitle=(inline_text(subtitle_node) or None) if subtitle_node is not None else None,
        date=date,
        body=node_text(body_node),
        tags=tags,
        attachments=attachments,
    )
    return ParsedPage(record, fallbacks, warnings)


def _split_details(details: str) -> tuple[str | None, str | None, str | None]:
    """'PDF, EN, 234.82 KB' -> ('pdf', 'EN', '234.82 KB')."""
    if not details:
        return None, None, None
    parts = [p.strip() for p in details.split(",")]
    kind = parts[0].lower() if parts and parts[0] else None
    lang = next((p for p in parts[1:] if re.fullmatch(r"[A-Za-z]{2}(?:[_-][A-Za-z]{2})?", p)), None)
    size = next((p for p in parts[1:] if re.search(r"\d\s*(?:[KMG]?B|bytes)$", p, re.I)), None)
    return kind, lang, size


# -- listing pages ----------------------------------------------------------------------------
@dataclass
class ListingItem:
    id: str
    url: str
    date: str | None


def parse_listing(html: str, page_url: str, selectors: Selectors, ids: ArticleIds = PRESSCLUB_IDS) -> list[ListingItem]:
    """Article entries of a listing page (``/global/article?page=N`` or a load-more fragment)."""
    tree = LexborHTMLParser(html)
    items: list[ListingItem] = []
    seen: set[str] = set()
    nodes: list[LexborNode] = []
    for selector in selectors.listing_item:
        nodes = tree.css(selector)
        if nodes:
            break
    for node in nodes:
        link = node.css_first(selectors.listing_link)
        href = (link.attributes.get("href") or "").strip() if link is not None else ""
        if not href:
            continue
        url = urljoin(page_url, href)
        article_id = article_id_from_url(url, ids)
        if not article_id or article_id in seen:
            continue
        seen.add(article_id)
        date_node = node.css_first(selectors.listing_date)
        items.append(
            ListingItem(article_id, url, parse_date(inline_text(date_node)) if date_node is not None else None)
        )
    return items


# -- sitemaps ---------------------------------------------------------------------------------
@dataclass
class SitemapEntry:
    loc: str
    lastmod: str | None


class SitemapReader:
    """Incremental sitemap parser: feed bytes as they arrive and take the entries completed so
    far, so discovery can stop reading a huge sitemap once it has enough. Memory stays bounded:
    finished entries are removed from the tree, and a ``.xml.gz`` file is inflated with a cap.
    Entities and network access are off (no XML bombs, no XXE)."""

    def __init__(self, max_bytes: int):
        from lxml import etree

        self.max_bytes = max_bytes
        self.kind: str | None = None  # "index" | "urlset" once the root element was seen
        self._etree = etree
        self._parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=False
        )
        self._root = None
        self._head: bytes | None = b""  # the first bytes, until gzip or not is known
        self._inflater: CappedInflater | None = None
        self._decoded = 0

    def feed(self, data: bytes) -> list[SitemapEntry]:
        if self._head is not None:
            self._head += data
            if len(self._head) < 2:
                return []
            data, self._head = self._head, None
            if data[:2] == b"\x1f\x8b":
                self._inflater = CappedInflater("gzip", self.max_bytes)
        if self._inflater is not None:
            try:
                data = self._inflater.feed(data)
            except TooLarge:
                raise ParseError(f"sitemap too large: more than {self.max_bytes} bytes decoded") from None
            except Exception as exc:  # zlib.error
                raise ParseError(f"sitemap is not valid gzip: {exc}") from None
        self._decoded += len(data)
        if self._decoded > self.max_bytes:
            raise ParseError(f"sitemap too large: more than {self.max_bytes} bytes decoded")
        try:
            self._parser.feed(data)
        except self._etree.XMLSyntaxError as exc:
            raise ParseError(f"sitemap is not valid XML: {exc}") from None
        return self._entries()

    def close(self) -> list[SitemapEntry]:
        entries = []
        if self._head:  # a document of one byte: not gzip
            head, self._head = self._head, None
            entries = self.feed(head)
        try:
            self._parser.close()
        except self._etree.XMLSyntaxError as exc:
            raise ParseError(f"sitemap is not valid XML: {exc}") from None
        entries += self._entries()
        if self.kind is None:
            raise ParseError("not a sitemap: empty document")
        return entries

    def _entries(self) -> list[SitemapEntry]:
        etree = self._etree
        entries = []
        for event, element in self._parser.read_events():
            if event == "start":
                if self._root is None:
                    self._root = element
                    name = etree.QName(element).localname
                    if name not in ("sitemapindex", "urlset"):
                        raise ParseError(f"not a sitemap: root element <{name}>")
                    self.kind = "index" if name == "sitemapindex" else "urlset"
                continue
            if element.getparent() is not self._root or not isinstance(element.tag, str):
                continue
            loc = lastmod = None
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                name = etree.QName(child).localname
                if name == "loc":
                    loc = (child.text or "").strip()
                elif name == "lastmod":
                    lastmod = (child.text or "").strip() or None
            if loc:
                entries.append(SitemapEntry(loc, parse_date(lastmod) if lastmod else None))
            element.clear()
            while element.getprevious() is not None:  # drop finished siblings: memory stays flat
                del self._root[0]
        return entries


def parse_sitemap(data: bytes, max_bytes: int = 50 * 1024 * 1024) -> tuple[str, list[SitemapEntry]]:
    """('index' | 'urlset', entries) of a whole sitemap document (``.xml`` or ``.xml.gz``)."""
    reader = SitemapReader(max_bytes)
    entries = reader.feed(data) + reader.close()
    assert reader.kind is not None
    return reader.kind, entries
