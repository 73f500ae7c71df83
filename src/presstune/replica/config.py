from typing import Literal

from pydantic import Field

from presstune.replica.faults import FaultConfig
from presstune.schema import Strict


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
