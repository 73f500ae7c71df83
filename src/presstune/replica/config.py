from typing import Literal

from pydantic import Field

from presstune.replica.faults import FaultConfig
from presstune.schema import Strict


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
