"""The generated press portal: articles, their facts, bodies and attachments.

``Site(articles=N, seed=S)`` plans all N articles at construction (ids, dates, titles,
facts, attachment numbers: cheap, about 10k/s) and builds heavy content (body, QA, PDFs)
lazily per article, cached. Everything is a pure function of ``(seed, article id)``, so
two sites with the same arguments serve byte-identical pages and PDFs.

Article population (shares of N, see :meth:`Site._plan`): EN originals; German twins that
share the 7-digit number and the facts (``T0453713EN`` + ``T0453713DE``); EN_US/EN_GB
regional republications under a new number in the same family; near-duplicate updates
(new number, same text with an edit, ``is_near_duplicate_of`` set); media-only items with
an empty body; a few evergreen items with old numbers and recent dates.

facts.jsonl schema (one JSON object per article, served at ``/_replica/facts.jsonl``)::

    {"id": "T0453713EN", "family_id": "0453713", "language": "en",
     "date": "2025-12-05T08:34:40+01:00", "title": str, "subtitle": str, "slug": str,
     "url": "/global/article/detail/<id>/<slug>", "tags": [str],
     "facts": {"kind", "model", "power_kw", "price_eur", "plant", "person", "role",
               "event", "event_date", "date", ... optional "range_km", "deliveries", ...},
     "qa": [{"question": str, "answer": str, "fact_key": str}],
     "is_near_duplicate_of": str | null, "media_only": bool, "has_pdf": bool,
     "pdf_kind": "text"|"two_column"|"table"|"scanned"|null,
     "attachments": [{"no": int, "label": str, "kind": "pdf"|"other", "language": "EN",
                      "pdf_kind": str|null, "filename": str|null, "url": str}],
     "body": str   # ground truth, paragraphs joined by "\\n\\n" (only with body=True)}

Ground-truth body: the press-release prose only. The contact block, "The BMW Group"
paragraph, CO2 summary and WLTP disclaimer that the HTML/PDF add are *not* part of it.
A bullet list is one paragraph whose items are separated by single newlines.

Hard cases (``hard_cases=True``, the default; PRESSCLUB.md §1.9), each from its own random
stream: contact blocks in many wordings with UK "Ends"/"About ..." trailers
(``contact_paragraphs``, never in the truth); the teaser repeated as the page body's first
paragraph (``teaser_repeat``, not in the truth: the teaser is kept once, as the subtitle);
consumption figures inline in prose (``page_paragraphs`` = the truth plus the figures: in
brackets, as a sentence of their own, or inside a news sentence); a page teaser that is the
lead's opening cut mid-sentence (``quirks["lead_teaser"]``: the subtitle, the lead whole in the truth);
news that opens like the company paragraph and tables one paragraph a cell (in the truth);
regional republications with edited bodies (origin ``regional_edit``, their own truth);
printable versions with a 150-page appendix (``quirks["huge_pdf"]``; the page body is the
truth). People, phone numbers and e-mail addresses are invented (fiction number ranges,
``.example`` domains).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from presstune.replica import furniture, hard_cases, pdf, prose, vocabulary
from presstune.replica.facts import make_facts, qa_pairs

BERLIN = ZoneInfo("Europe/Berlin")
#: The newest article's date; fixed so that output does not depend on the wall clock.
SITE_END = dt.datetime(2025, 12, 19, 18, 0, tzinfo=BERLIN)
SPAN_DAYS = 730

_TRANSLIT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
_DROP = set('.,"&()!?;+#*[]{}<>|=~^`$%@\\')


def slugify(title: str) -> str:
    """Slug as the real portal writes it (PRESSCLUB.md §1.1): lower case, ``:`` and ``/``
    kept, umlauts transliterated, other non-ASCII percent-encoded with upper-case hex,
    ASCII apostrophe -> ``-``, other ASCII punctuation dropped, never truncated."""
    out: list[str] = []
    for ch in title.lower():
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif ch == " ":
            out.append("-")
        elif ch == "'":
            out.append("-")
        elif ch in _DROP:
            continue
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(quote(ch, safe=""))  # quote() emits upper-case hex
    return "".join(out)


@dataclass(eq=False)
class Attachment:
    no: int
    label: str  # "Printable version", "Technical data", ...
    kind: str  # "pdf" | "other"
    language: str  # "EN", "DE"
    pdf_kind: str | None  # "text" | "two_column" | "table" | "scanned" for PDFs
    filename: str | None = None  # some URLs carry a file name

    def url(self, article_id: str) -> str:
        base = f"/global/article/attachment/{article_id}/{self.no}"
        return f"{base}/{self.filename}" if self.filename else base

    def to_dict(self, article_id: str) -> dict[str, Any]:
        return {
            "no": self.no,
            "label": self.label,
            "kind": self.kind,
            "language": self.language,
            "pdf_kind": self.pdf_kind,
            "filename": self.filename,
            "url": self.url(article_id),
        }


@dataclass(eq=False)
class GeneratedArticle:
    """One press release. Metadata fields are set at planning time; ``body_paragraphs``,
    ``qa``, ``contacts`` and ``co2`` are built on first access (cached)."""

    site: Site = field(repr=False)
    id: str
    number: int
    language: str  # "en", "de", "en_us", "en_gb"
    family_id: str
    title: str
    subtitle: str
    date: dt.datetime
    tags: list[str]
    facts: dict[str, Any]
    internal_id: int
    origin: str  # "original" | "twin" | "regional" | "near_duplicate" | "regional_edit"
    source_id: str | None  # the article this one was derived from
    is_near_duplicate_of: str | None
    media_only: bool
    has_pdf: bool
    pdf_kind: str | None
    attachments: list[Attachment]
    dateline: str | None
    markup: str  # HTML body variant: "multi_p" | "single_p_br" | "wrapped"

    @cached_property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def url_path(self) -> str:
        return f"/global/article/detail/{self.id}/{self.slug}"

    @property
    def lang2(self) -> str:
        """'en' or 'de': the language the text is written in."""
        return "de" if self.language == "de" else "en"

    def _rng(self, what: str) -> random.Random:
        return random.Random(f"{self.site.seed}:{self.id}:{what}")

    @property
    def region(self) -> str:
        """ "gb" / "us" for the UK and US PressClubs' republications, else ""."""
        return {"en_gb": "gb", "en_us": "us"}.get(self.language, "")

    @cached_property
    def quirks(self) -> dict[str, Any]:
        """Which of the real pages' hard cases this article shows (PRESSCLUB.md §1.9); drawn
        from their own random stream, so the plain articles stay what they were."""
        if not self.site.hard_cases or self.media_only:
            return {}
        rng = self._rng("quirks")
        f = self.facts
        q: dict[str, Any] = {
            "teaser_repeat": rng.random() < (0.9 if self.region == "us" else 0.2) and self.lang2 == "en",
            "inline_figures": rng.choice(["paren", "sentence"]) if "consumption" in f and rng.random() < 0.35 else None,
            "lookalike": rng.random() < (0.6 if f["kind"] in ("corporate", "production") else 0.08),
            "table": rng.random() < 0.5 and self.pdf_kind in (None, "scanned"),
            "uk_trailer": self.region == "gb" or (self.lang2 == "en" and rng.random() < 0.08),
            "huge_pdf": rng.random() < 0.004 and self.pdf_kind == "text",
        }
        # Later forms draw from their own streams, so the forms above stay what they were.
        if q["inline_figures"] and self._rng("figure-clause").random() < 0.4:
            q["inline_figures"] = "in_sentence"  # news and figures in one sentence
        q["lead_teaser"] = self.lead_teaser
        return q

    @cached_property
    def lead_teaser(self) -> bool:
        """Whether the page teaser is the lead's opening, cut mid-sentence (EN originals, hard
        cases); decided at planning time, when the teaser is made, without the other quirks."""
        if not self.site.hard_cases or self.media_only or self.origin != "original" or self.lang2 != "en":
            return False
        return self._rng("lead-teaser").random() < 0.2

    @cached_property
    def body_paragraphs(self) -> list[str]:
        """The ground truth: the release's prose (see the module docstring)."""
        paras = self._base_paragraphs()
        if self.origin not in ("original", "twin") or not paras:
            return paras
        rng = self._rng("hard-body")
        if self.quirks.get("lookalike"):  # news that opens like the company paragraph
            paras.insert(1, hard_cases.company_lookalike(rng, self.facts, self.lang2))
        if self.quirks.get("table"):  # a table, one paragraph a cell, as real page bodies hold them
            paras[min(3, len(paras)) : min(3, len(paras))] = hard_cases.cell_table(rng, self.facts, self.lang2)
        return paras

    @cached_property
    def page_paragraphs(self) -> list[str]:
        """The body as the page and the PDF print it: the truth plus consumption figures inline."""
        paras = list(self.body_paragraphs)
        how = self.quirks.get("inline_figures")
        model = self.facts.get("model", "")
        at = next((i for i, p in enumerate(paras) if model and model in p and "\n" not in p), None)
        if how and at is not None:
            rng = self._rng("figures")
            if how == "paren":
                mark = model + "*" if model + "*" in paras[at] else model
                paras[at] = paras[at].replace(mark, mark + hard_cases.inline_figures(rng, self.facts, self.lang2), 1)
            elif how == "in_sentence":
                mark = model + "*" if model + "*" in paras[at] else model
                sentences = re.split(r"(?<=[.!?]) ", paras[at])
                i = next((i for i, x in enumerate(sentences) if mark in x and x.endswith(".")), 0)
                sentences[i] = hard_cases.figures_in_sentence(rng, sentences[i], mark, self.facts, self.lang2)
                paras[at] = " ".join(sentences)
            else:
                paras[at] = paras[at] + " " + hard_cases.figure_sentence(rng, self.facts, self.lang2)
        return paras

    @cached_property
    def teaser_repeat(self) -> list[str]:
        """The teaser again as the page body's first paragraph (some regions), maybe behind a dateline."""
        if not self.quirks.get("teaser_repeat"):
            return []
        if self.region == "us":
            return [
                f"Woodcliff Lake, NJ – {vocabulary.MONTHS[self.date.month - 1]} {self.date.day}, {self.date.year} – "
                f"{self.subtitle}"
            ]
        return [self.subtitle]

    @cached_property
    def contact_paragraphs(self) -> list[str]:
        """The press-contact block after the body (and a UK release's "Ends"/"About ..." trailer)."""
        if not self.site.hard_cases:
            return furniture.contact_lines(self.contacts, self.lang2)
        rng = self._rng("contact-block")
        block = hard_cases.contact_block(rng, self.lang2, self.region)
        return (hard_cases.uk_trailer(rng) + block) if self.quirks.get("uk_trailer") else block

    def _base_paragraphs(self) -> list[str]:
        if self.media_only:
            return []
        if self.origin == "regional_edit" and self.source_id:
            src = self.site.article(self.source_id)
            return hard_cases.regional_edit(
                self._rng("regional"), src.body_paragraphs, self.facts, self.region, src.dateline
            )
        if self.origin in ("regional", "near_duplicate") and self.source_id:
            paras = list(self.site.article(self.source_id).body_paragraphs)
            rng = self._rng("edit")
            if self.origin == "regional":
                old = self.site.article(self.source_id).dateline
                if old and paras and paras[0].startswith(old + ". "):
                    paras[0] = f"{self.dateline}. " + paras[0][len(old) + 2 :]
                return paras
            # near duplicate: an update -- one sentence added to the lead, one paragraph edited/dropped
            paras[0] = (
                paras[0]
                + " "
                + rng.choice(
                    [
                        "The information has been updated with the latest market details.",
                        "This release has been updated with additional information on equipment.",
                        "Updated: details on availability have been added.",
                    ]
                )
            )
            if len(paras) > 4:
                i = rng.randrange(4, len(paras))
                if rng.random() < 0.5:
                    del paras[i]
                else:
                    paras[i] = paras[i].replace("The ", "Now, the ", 1)
            return paras
        return prose.body_paragraphs(self._rng("body"), self.facts, self.lang2, self.dateline)

    @property
    def ground_truth_body(self) -> str:
        return "\n\n".join(self.body_paragraphs)

    @property
    def page_body(self) -> str:
        """The body text as the page prints it before its boilerplate (what a parser must
        return first): the teaser repeat, if any, and the truth with its inline figures."""
        return "\n\n".join(self.teaser_repeat + self.page_paragraphs)

    @cached_property
    def qa(self) -> list[dict[str, str]]:
        return qa_pairs(self.facts, self.lang2, self.ground_truth_body, f"{self.site.seed}:{self.family_id}")

    @cached_property
    def contacts(self) -> list[dict[str, str]]:
        return furniture.contact_people(self._rng("contacts"))

    @cached_property
    def co2(self) -> str | None:
        if self.facts.get("kind") == "people":
            return None
        # German CO2 wording now and then even on English pages (seen on the real site).
        rng = self._rng("co2")
        lang = "de" if (self.lang2 == "de" or rng.random() < 0.04) else "en"
        return furniture.co2_summary(rng, self.facts, lang)

    def fact_record(self, body: bool = False) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "id": self.id,
            "family_id": self.family_id,
            "language": self.language,
            "date": self.date.isoformat(),
            "title": self.title,
            "subtitle": self.subtitle,
            "slug": self.slug,
            "url": self.url_path,
            "tags": list(self.tags),
            "facts": {k: v for k, v in self.facts.items() if k != "role_de"},
            "qa": self.qa,
            "is_near_duplicate_of": self.is_near_duplicate_of,
            "media_only": self.media_only,
            "has_pdf": self.has_pdf,
            "pdf_kind": self.pdf_kind,
            "attachments": [a.to_dict(self.id) for a in self.attachments],
        }
        if body:
            rec["body"] = self.ground_truth_body
        return rec


def _time_of_day(rng: random.Random) -> dt.time:
    r = rng.random()
    if r < 0.08:
        return dt.time(0, 1, 0)
    if r < 0.16:
        return dt.time(10, 0, 0)
    return dt.time(rng.randint(7, 19), rng.randint(0, 59), rng.randint(0, 59))


def _free_number(num: int, used: set[int]) -> int:
    """The first release number from ``num`` on that no article has yet (now taken)."""
    while num in used:
        num += 1
    used.add(num)
    return num


class Site:
    """A deterministic generated PressClub with ``articles`` items (see module docstring)."""

    def __init__(self, articles: int = 200, seed: int = 0, hard_cases: bool = True) -> None:
        if articles < 1:
            raise ValueError(f"articles must be >= 1, got {articles}")
        self.n = articles
        self.seed = seed
        #: The real pages' hard cases (contact wordings, teaser repeats, regional edits, inline
        #: figures, lookalike news, cell tables, huge attachments); False = a plain replica without
        #: them, to measure what the hard cases cost the corpus stage (bench_corpus.py --plain).
        self.hard_cases = hard_cases
        self._by_id: dict[str, GeneratedArticle] = {}
        self._ordered: list[GeneratedArticle] = []
        self._blob_cache: dict[tuple[str, int], bytes] = {}
        self._blob_lock = threading.Lock()
        self._facts_cache: dict[bool, str] = {}
        self._plan()

    # ------------------------------------------------------------------ planning

    def _plan(self) -> None:
        """The population (shares of N): originals, German twins, regional copies, updates and
        (hard cases) regional edits, each drawn by its own method from the shared streams."""
        rng = random.Random(f"{self.seed}:plan")
        n = self.n
        n_de = int(n * 0.08)
        n_reg = int(n * 0.03)
        n_dup = int(n * 0.03)
        if n >= 12:
            n_de, n_reg, n_dup = max(n_de, 1), max(n_reg, 1), max(n_dup, 1)
        # Regional republications with edited bodies (hard cases only), within the N articles.
        n_edit = (max(1, int(n * 0.03)) if n >= 12 else 0) if self.hard_cases else 0
        n_orig = n - n_de - n_reg - n_dup - n_edit
        used: set[int] = set()
        number = 446000 + rng.randint(0, 900)
        att_no = 600000 + rng.randint(0, 9000)
        start = SITE_END - dt.timedelta(days=SPAN_DAYS)

        def next_att() -> int:
            nonlocal att_no
            att_no += rng.randint(1, 40)
            return att_no

        originals = self._plan_originals(rng, next_att, n_orig, number, start, used)
        eligible = [a for a in originals if not a.media_only]
        pick = random.Random(f"{self.seed}:pick")
        self._plan_twins(rng, next_att, pick, eligible, n_de)
        self._plan_regional(rng, next_att, pick, eligible, used, n_reg)
        self._plan_updates(rng, next_att, pick, eligible, used, n_dup)
        if n_edit:
            self._plan_regional_edits(rng, next_att, eligible, used, n_edit)
        self._ordered = sorted(self._by_id.values(), key=lambda a: (a.date, a.id), reverse=True)
        self._families: dict[str, list[GeneratedArticle]] = {}
        for a in self._ordered:
            self._families.setdefault(a.family_id, []).append(a)
        for i, a in enumerate(self._ordered):
            a.internal_id = 550000 + (len(self._ordered) - i) * 3

    def _plan_originals(self, rng, next_att, n_orig: int, number: int, start: dt.datetime, used: set[int]) -> list:
        """EN originals spread over the span, with evergreen items and media-only pages."""
        originals: list[GeneratedArticle] = []
        for i in range(n_orig):
            number += rng.randint(1, 25)
            num = number
            frac = (i + 0.5) / n_orig
            day = start + dt.timedelta(days=frac * SPAN_DAYS + rng.uniform(-4, 4))
            evergreen = rng.random() < 0.02
            if evergreen:  # old number, re-dated (CVs, spec sheets)
                num = number - rng.randint(100000, 150000)
                while num in used:
                    num -= 1
            used.add(num)
            when = self._at(day, rng)
            media_only = rng.random() < 0.025
            kind = rng.choice(vocabulary.KINDS)
            fam = f"{num:07d}"
            frng = random.Random(f"{self.seed}:{fam}:facts")
            facts = make_facts(frng, kind, when.date().isoformat())
            title, subtitle = prose.title_subtitle(frng, facts, "en")
            if media_only:
                title = frng.choice(
                    [f"The {facts['model']} – Additional Media Assets.", f"{facts['model']} - Additional photos."]
                )
            tags = frng.sample(
                vocabulary.TAGS_BY_KIND[kind], k=min(len(vocabulary.TAGS_BY_KIND[kind]), frng.randint(1, 3))
            )
            # A dateline opens most bodies; "Munich." dominates on the real site (PRESSCLUB.md §1.4).
            r = frng.random()
            dateline = "Munich" if r < 0.4 else frng.choice(vocabulary.DATELINES) if r < 0.87 else None
            art = self._make(
                rng,
                next_att,
                id=f"T{num:07d}EN",
                number=num,
                language="en",
                family_id=fam,
                title=title,
                subtitle=subtitle,
                date=when,
                tags=tags,
                facts=facts,
                origin="original",
                source_id=None,
                is_near_duplicate_of=None,
                media_only=media_only,
                dateline=dateline,
            )
            if art.lead_teaser:  # the page teaser is the lead's opening, cut by the portal
                # The lead as the body will print it, without its dateline; the body itself stays
                # unbuilt (the plan generates no content).
                lead = prose.body_paragraphs(art._rng("body"), facts, "en", None)[0]
                art.subtitle = hard_cases.lead_teaser(art._rng("lead-teaser-cut"), lead)
            originals.append(art)

        return originals

    def _plan_twins(self, rng, next_att, pick: random.Random, eligible: list, count: int) -> None:
        """German twins: the same 7-digit number and facts, the text written in German."""
        twins_src = pick.sample(eligible, min(count, len(eligible)))
        for src in twins_src:
            frng = random.Random(f"{self.seed}:{src.family_id}:de")
            title, subtitle = prose.title_subtitle(frng, src.facts, "de")
            self._make(
                rng,
                next_att,
                id=f"T{src.number:07d}DE",
                number=src.number,
                language="de",
                family_id=src.family_id,
                title=title,
                subtitle=subtitle,
                date=src.date,
                tags=list(src.tags),
                facts=src.facts,
                origin="twin",
                source_id=src.id,
                is_near_duplicate_of=None,
                media_only=False,
                dateline=src.dateline,
            )

    def _plan_regional(self, rng, next_att, pick: random.Random, eligible: list, used: set[int], count: int) -> None:
        """EN_US/EN_GB copies under a new number in the same family (only the dateline differs)."""
        for src in pick.sample(eligible, min(count, len(eligible))):
            num = _free_number(src.number + pick.randint(1, 60), used)
            suffix = pick.choice(["EN_US", "EN_GB"])
            self._derive(
                rng,
                next_att,
                src,
                num,
                suffix,
                date=min(SITE_END, src.date + dt.timedelta(days=pick.randint(0, 3), minutes=pick.randint(5, 90))),
                origin="regional",
                dateline="Woodcliff Lake, NJ" if suffix == "EN_US" else "Farnborough",
            )

    def _plan_updates(self, rng, next_att, pick: random.Random, eligible: list, used: set[int], count: int) -> None:
        """Near-duplicate updates: a new number and family, the text with an edit."""
        for src in pick.sample(eligible, min(count, len(eligible))):
            num = _free_number(src.number + pick.randint(1, 400), used)
            title = pick.choice([src.title, "Update: " + src.title, src.title.rstrip(".") + " (updated)."])
            self._derive(
                rng,
                next_att,
                src,
                num,
                "EN",
                family_id=f"{num:07d}",
                title=title,
                date=min(SITE_END, src.date + dt.timedelta(days=pick.randint(1, 30), minutes=pick.randint(0, 600))),
                origin="near_duplicate",
                is_near_duplicate_of=src.id,
            )

    def _plan_regional_edits(self, rng, next_att, eligible: list, used: set[int], count: int) -> None:
        """Regional republications as real PressClubs make them: a new number with an EN_GB /
        EN_US suffix, the same or nearly the same headline, dated 0-3 days later, an edited body
        (below the near-duplicate threshold). Their own random stream: the rest of the plan stays."""
        pick = random.Random(f"{self.seed}:regional-edits")
        for src in pick.sample([a for a in eligible if a.lang2 == "en"], min(count, len(eligible))):
            num = _free_number(src.number + pick.randint(1, 80), used)
            suffix = pick.choice(["EN_GB", "EN_US"])
            region = "UK" if suffix == "EN_GB" else "US"
            title = pick.choice(
                [
                    src.title,
                    src.title.replace("’", "'").replace("–", "-").rstrip("."),
                    f"{src.title.rstrip('.')} ({region}).",
                ]
            )
            self._derive(
                rng,
                next_att,
                src,
                num,
                suffix,
                title=title,
                date=min(SITE_END, src.date + dt.timedelta(days=pick.randint(0, 3), minutes=pick.randint(5, 600))),
                origin="regional_edit",
                dateline=None,
            )

    def _derive(self, rng, next_att, src: GeneratedArticle, num: int, suffix: str, **changes: Any) -> None:
        """An article derived from ``src`` under release number ``num`` ("EN", "EN_GB" ...):
        ``src``'s fields except ``changes``."""
        fields: dict[str, Any] = {
            "id": f"T{num:07d}{suffix}",
            "number": num,
            "language": suffix.lower(),
            "family_id": src.family_id,
            "title": src.title,
            "subtitle": src.subtitle,
            "tags": list(src.tags),
            "facts": src.facts,
            "source_id": src.id,
            "is_near_duplicate_of": None,
            "media_only": False,
            "dateline": src.dateline,
        }
        self._make(rng, next_att, **{**fields, **changes})

    @staticmethod
    def _at(day: dt.datetime, rng: random.Random) -> dt.datetime:
        t = _time_of_day(rng)
        naive = dt.datetime(day.year, day.month, day.day, t.hour, t.minute, t.second)
        return min(naive.replace(tzinfo=BERLIN), SITE_END)

    def _make(self, rng: random.Random, next_att: Any, **kw: Any) -> GeneratedArticle:
        media_only = kw["media_only"]
        has_pdf = (rng.random() < 0.93) and not (media_only and rng.random() < 0.7)
        lang_code = "DE" if kw["language"] == "de" else "EN"
        attachments: list[Attachment] = []
        pdf_kind = None
        if has_pdf:
            r = rng.random()
            pdf_kind = "scanned" if r < 0.04 else "two_column" if r < 0.16 else "table" if r < 0.28 else "text"
            # Some English items carry a German printable version (a language mismatch seen on the real site).
            printable_lang = "DE" if (lang_code == "EN" and rng.random() < 0.03) else lang_code
            attachments.append(Attachment(next_att(), "Printable version", "pdf", printable_lang, pdf_kind))
            extra = rng.choices([0, 1, 2, 3, 5], weights=[80, 13, 4, 2, 1])[0]
            for _ in range(extra):
                label = rng.choice(["Technical data", "Fact sheet", "Media guide", "Specifications"])
                fname = None
                if rng.random() < 0.3:
                    fname = f"{label.replace(' ', '_')}_{kw['facts']['model'].replace(' ', '_')}.pdf"
                    fname = quote(fname, safe="_.-")
                attachments.append(
                    Attachment(next_att(), label, "pdf", lang_code, "table" if label != "Fact sheet" else "text", fname)
                )
        if len(attachments) < 6 and (rng.random() < 0.02 or (not has_pdf and rng.random() < 0.15)):
            attachments.append(Attachment(next_att(), "Media assets", "other", lang_code, None))
        markup = rng.choices(["multi_p", "single_p_br", "wrapped"], weights=[55, 15, 30])[0]
        art = GeneratedArticle(
            site=self, internal_id=0, has_pdf=has_pdf, pdf_kind=pdf_kind, attachments=attachments, markup=markup, **kw
        )
        if art.id in self._by_id:
            raise RuntimeError(f"duplicate article id {art.id}")
        self._by_id[art.id] = art
        return art

    # ------------------------------------------------------------------ access

    def __len__(self) -> int:
        return len(self._ordered)

    def articles(self) -> list[GeneratedArticle]:
        """All articles, newest first (ties broken by id, descending)."""
        return list(self._ordered)

    def article(self, article_id: str) -> GeneratedArticle:
        try:
            return self._by_id[article_id]
        except KeyError:
            raise KeyError(f"no article {article_id!r} in this replica") from None

    def get(self, article_id: str) -> GeneratedArticle | None:
        return self._by_id.get(article_id)

    def ground_truth_body(self, article_id: str) -> str:
        return self.article(article_id).ground_truth_body

    def family(self, family_id: str) -> list[GeneratedArticle]:
        return list(self._families.get(family_id, []))

    def attachment(self, article_id: str, no: int) -> Attachment | None:
        art = self.get(article_id)
        if art is None:
            return None
        return next((a for a in art.attachments if a.no == no), None)

    def attachment_bytes(self, article_id: str, no: int) -> bytes:
        """The attachment file (PDF or ZIP), built on first use and cached."""
        key = (article_id, no)
        with self._blob_lock:
            blob = self._blob_cache.get(key)
        if blob is not None:
            return blob
        art = self.article(article_id)
        att = self.attachment(article_id, no)
        if att is None:
            raise KeyError(f"article {article_id} has no attachment {no}")
        blob = pdf.build_attachment(art, att)
        with self._blob_lock:
            if len(self._blob_cache) > 4096:  # bound memory on huge sites
                self._blob_cache.clear()
            self._blob_cache[key] = blob
        return blob

    def facts_jsonl(self, body: bool = True) -> str:
        """All fact sheets as JSON lines, newest first (built once per flavour, then cached:
        10k articles take a few seconds because every body is generated)."""
        import json

        with self._blob_lock:
            cached = self._facts_cache.get(body)
        if cached is None:
            cached = "".join(json.dumps(a.fact_record(body=body), ensure_ascii=False) + "\n" for a in self._ordered)
            with self._blob_lock:
                self._facts_cache[body] = cached
        return cached
