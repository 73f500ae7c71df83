from typing import Literal

from pydantic import Field

from presstune.schema import Strict


class FaultConfig(Strict):
    """Shares are per request path (transient) or per item (permanent), 0..1."""

    error_5xx: float = Field(0.0, ge=0, le=1)  # answer 500/502/503
    rate_limit_429: float = Field(0.0, ge=0, le=1)  # answer 429 with Retry-After
    retry_after: int = Field(1, ge=0)  # seconds in the Retry-After header
    reset: float = Field(0.0, ge=0, le=1)  # close the socket without any response
    slow: float = Field(0.0, ge=0, le=1)  # delay the answer by slow_seconds
    slow_seconds: float = Field(2.0, ge=0)
    truncated_pdf: float = Field(0.0, ge=0, le=1)  # share of attachment paths: body cut, connection closed
    #: A transient fault hits attempts 1..k of its path, k drawn in [1, max_failures].
    max_failures: int = Field(2, ge=1)
    html_instead_of_pdf: float = Field(0.0, ge=0, le=1)  # permanent, share of PDF attachments (>= 1 item if > 0)
    oversized: int = Field(0, ge=0)  # permanent, number of PDF attachments served oversized
    oversized_bytes: int = Field(60 * 1024 * 1024, ge=1)  # streamed size of an oversized attachment
    changed_layout: float = Field(0.0, ge=0, le=1)  # permanent, share of article pages (>= 1 if > 0)


class ReplicaConfig(Strict):
    """The local press-portal replica (used by the demo, tests and benchmarks)."""

    articles: int = Field(300, ge=1)
    seed: int = 0
    #: A preset name or a full FaultConfig mapping (error_5xx, rate_limit_429, reset, ...).
    faults: Literal["none", "mild", "harsh"] | FaultConfig = "none"
    #: Fixed extra latency per request in seconds (benchmarks).
    latency: float = Field(0.0, ge=0)
    #: 0 picks a free port on 127.0.0.1.
    port: int = Field(0, ge=0, le=65535)
    #: False = "no sitemap" mode: robots.txt without Sitemap:, sitemap URLs answer 404.
    sitemap: bool = True
    #: URLs per sitemap file before it is split into _2, _3, ...
    sitemap_chunk: int = Field(100, ge=1)
