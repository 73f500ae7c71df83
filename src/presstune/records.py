"""The typed record of one collected article: one line of ``<run>/articles.jsonl``.

This is the contract between ``collect`` (writes it) and ``corpus`` (reads it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    #: "pdf" for the printable version and other PDFs; "other" for anything else linked.
    type: Literal["pdf", "other"] = "pdf"
    label: str | None = None  # e.g. "Printable version"
    language: str | None = None  # e.g. "EN" from "PDF, EN, 234.82 KB"
    size_label: str | None = None  # e.g. "234.82 KB" as the page states it
    #: Path relative to the run directory (``pdfs/<ARTICLE_ID>[-n].pdf``) once downloaded.
    path: str | None = None
    status: Literal["pending", "ok", "failed", "skipped"] = "pending"
    error: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    #: Validators of the downloaded file, for conditional requests on re-runs (added by collect).
    etag: str | None = None
    last_modified: str | None = None


class ArticleRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # e.g. "T0454343EN"
    language: str  # lower-case ISO code from the id suffix / page: "en", "de", "en_gb", ...
    url: str
    title: str
    subtitle: str | None = None
    #: ISO 8601 with offset, e.g. "2025-12-05T08:34:40+01:00" (date-only pages: T00:00:00).
    date: str | None = None
    body: str = ""  # page body text, paragraphs separated by a blank line
    tags: list[str] = []
    attachments: list[Attachment] = []
    lastmod: str | None = None  # from the sitemap
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None
    #: "static" (plain HTTP) or "browser" (Playwright fallback).
    fetched_with: Literal["static", "browser"] = "static"
