from typing import Literal

from presstune.schema import Strict


class ReplicaConfig(Strict):
    """The local press-portal replica (used by the demo, tests and benchmarks)."""

    articles: int = 300
    seed: int = 0
    faults: Literal["none", "mild", "harsh"] = "none"
    #: Fixed extra latency per request in seconds (benchmarks).
    latency: float = 0.0
