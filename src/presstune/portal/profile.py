"""The portal profile: what one press portal's pages say that the stages must know, as data.

The stages are written for press releases in general. What is one portal's own -- its company
and brand names, its print headers, company paragraph and pointers back to the portal, the
prompt a release row is asked with, the shape of its URLs and article ids -- is a profile;
``portal.profile`` in the config names one (``pressclub``, the default) or a YAML file of this
shape.

Patterns are Python regular expressions matched ignoring case; ``(?-i:...)`` makes a part of
one case-sensitive. Each list's comment says how its patterns are applied: where a stage has a
generic rule of the same kind (contact openers, print-header fields), the profile's patterns
are added to it, so a profile lists only what is its portal's own.
"""

from __future__ import annotations

from pydantic import Field

from presstune.schema import Strict


def any_of(patterns: list[str]) -> str:
    """One alternation of a profile's ``patterns`` (each kept whole, so an alternation inside one
    stays inside it); a never-matching pattern when the list is empty."""
    return "|".join(f"(?:{p})" for p in patterns) or "(?!)"


class UrlScheme(Strict):
    """Where the portal's articles are and how their URLs and ids look."""

    #: The portal's root; ``collect.base_url`` overrides it.
    base_url: str
    #: An article id, matched whole; its first group is the language code ("T0454343EN" -> "EN").
    article_id: str
    #: Searched in a detail page URL's path; its first group is the article id.
    detail_path: str
    #: Query parameter that holds the id in legacy detail URLs (``...?id=<id>``).
    id_query: str = "id"


class Brands(Strict):
    """How the portal's company and makes are named."""

    #: How a sentence names the publisher ("the BMW Group"): restatement and question rows ask
    #: what it reported, and the release's subject is the publisher when no other name is found.
    company: str
    #: Names a model name starts with ("BMW M4", "MINI Cooper"); the model's designation follows.
    makes: list[str]
    #: Words that make a model name without a digit ("MINI Cooper", "Rolls-Royce Spectre").
    model_words: list[str] = []
    #: The brand names alone: in every release, so never a fact of their own nor a person's name.
    brand_words: list[str]
    #: A plant whose name starts with this names its owner ("BMW Group Plant Leipzig"); any
    #: other plant is prefixed with ``plant_owner`` when a sentence refers to "the plant".
    own_plant_prefix: str
    plant_owner: str


class Prompts(Strict):
    """The user turn of an instruct-style row, per language ("en", "de"); ``{title}`` and
    ``{date}`` (", published on 2025-06-01" or "") are filled in."""

    instruct: dict[str, str]


class Boilerplate(Strict):
    """The portal's boilerplate, removed by the cleaner and kept out of the generated questions."""

    #: Print header and footer lines (whole line): the company's legal name, release numbers.
    header_lines: list[str] = []
    #: Paragraphs that open a contact block (matched at the start), besides the generic openers.
    contact_openers: list[str] = []
    #: Lines of a contact block that name the portal's site ("PressClub: www...", at the start).
    contact_fields: list[str] = []
    #: Sentences that point readers to the portal (searched; paragraphs under 400 characters).
    portal_pointers: list[str] = []
    #: Names in the trailer headings "About <name>" and "- ENDS - About <name>" (a name each).
    trailer_names: list[str] = []
    #: The company paragraph's heading (whole line).
    company_headings: list[str] = []
    #: Openers only the company paragraph uses (matched at the start).
    company_openers: list[str] = []
    #: Openers the company paragraph shares with news ("In 2025, the BMW Group sold"): the
    #: paragraph goes only when it also names three of ``company_topics``.
    company_openers_shared: list[str] = []
    #: What the company paragraph talks about (searched; each counts once).
    company_topics: list[str] = []
    #: Legal and consumption notes of the portal's own (searched), besides the generic ones.
    disclaimers: list[str] = []
    #: Headings of finance releases' trailers (whole line), besides the generic ones.
    finance_headings: list[str] = []
    #: Openings of boilerplate glued to the end of a news paragraph (searched): the paragraph is
    #: split there so the rules see the block alone.
    glued_openings: list[str] = []
    #: Where a release's own text ends, for fact extraction (matched at a paragraph's start),
    #: besides the generic contact openers.
    text_ends: list[str] = []
    #: The company profile's paragraphs (searched): facts of the company, not of the release.
    company_profile: list[str] = []


class PortalProfile(Strict):
    """A press portal: see the module docstring."""

    name: str
    url: UrlScheme
    brands: Brands
    prompts: Prompts
    boilerplate: Boilerplate = Field(default_factory=Boilerplate)
