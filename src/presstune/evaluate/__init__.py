"""evaluate stage: token-weighted windowed perplexity (assistant tokens / whole text, bits per
byte), semantic entropy by bidirectional entailment, closed-book QA, generations and cost.

The pipeline calls :func:`evaluate_variant`; the heavy imports happen inside it.
"""

from __future__ import annotations

from typing import Any


def evaluate_variant(eval_cfg, run_dir, variant_name: str, model=None, tokenizer=None, **kwargs: Any) -> dict[str, Any]:
    from presstune.evaluate.runner import evaluate_variant as _run

    return _run(eval_cfg, run_dir, variant_name, model=model, tokenizer=tokenizer, **kwargs)


__all__ = ["evaluate_variant"]
