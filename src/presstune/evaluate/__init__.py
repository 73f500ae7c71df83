"""evaluate stage: token-weighted windowed perplexity (assistant tokens / whole text, bits per
byte), semantic entropy by bidirectional entailment, closed-book QA, generations and cost.

The pipeline calls :func:`presstune.evaluate.runner.evaluate_variant`.
"""
