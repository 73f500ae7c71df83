"""collect stage: discover, fetch and download press releases (polite, resumable).

``from presstune.collect import run_collect`` is resolved lazily so that ``presstune --help``
does not import httpx/selectolax.
"""

from typing import Any

__all__ = ["CollectSummary", "run_collect"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from presstune.collect import runner

        return getattr(runner, name)
    raise AttributeError(name)
