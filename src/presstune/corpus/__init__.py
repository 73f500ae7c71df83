"""corpus stage: extract, clean, [LLM], filter, split and format the collected articles."""

from __future__ import annotations

from typing import Any


def build_corpus(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """See :func:`presstune.corpus.pipeline.build_corpus` (imported lazily to keep the CLI fast)."""
    from presstune.corpus.pipeline import build_corpus as _build

    return _build(*args, **kwargs)
