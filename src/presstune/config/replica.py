from typing import Literal

from pydantic import Field

from presstune.schema import Strict


class FaultConfig(Strict):
    """Shares are per request path (transient) or per item (permanent), 0..1."""

    error_5xx: float = Field(0.0, ge=0, le=1, description="Share of requests answered 500/502/503.")
    rate_limit_429: float = Field(0.0, ge=0, le=1, description="Share of requests answered 429 with Retry-After.")
    retry_after: int = Field(1, ge=0, description="Seconds in the Retry-After header.")
    reset: float = Field(0.0, ge=0, le=1, description="Share of requests whose socket is closed without a response.")
    slow: float = Field(0.0, ge=0, le=1, description="Share of requests answered after slow_seconds.")
    slow_seconds: float = Field(2.0, ge=0, description="Delay of a slow answer in seconds.")
    truncated_pdf: float = Field(
        0.0, ge=0, le=1, description="Share of attachment paths whose body is cut and connection closed."
    )
    max_failures: int = Field(
        2, ge=1, description="A transient fault hits attempts 1..k of its path, k drawn in [1, max_failures]."
    )
    html_instead_of_pdf: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Permanent: share of PDF attachments served as an HTML page (at least one when > 0).",
    )
    oversized: int = Field(0, ge=0, description="Permanent: number of PDF attachments served oversized.")
    oversized_bytes: int = Field(60 * 1024 * 1024, ge=1, description="Streamed size of an oversized attachment.")
    changed_layout: float = Field(
        0.0, ge=0, le=1, description="Permanent: share of article pages with a changed layout (at least one when > 0)."
    )


class ReplicaConfig(Strict):
    """The local press-portal replica (used by the demo, tests and benchmarks)."""

    articles: int = Field(300, ge=1, description="Articles the replica generates.")
    seed: int = Field(0, description="Seed of the generated articles (same seed, same portal).")
    faults: Literal["none", "mild", "harsh"] | FaultConfig = Field(
        "none", description="A preset name or a full FaultConfig mapping (error_5xx, rate_limit_429, reset, ...)."
    )
    latency: float = Field(0.0, ge=0, description="Fixed extra latency per request in seconds (benchmarks).")
    port: int = Field(0, ge=0, le=65535, description="0 picks a free port on 127.0.0.1.")
    sitemap: bool = Field(
        True, description='False = "no sitemap" mode: robots.txt without Sitemap:, sitemap URLs answer 404.'
    )
    sitemap_chunk: int = Field(100, ge=1, description="URLs per sitemap file before it is split into _2, _3, ...")
