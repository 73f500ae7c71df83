"""presstune: press portal -> domain-tuned LLM, layer-pruned variants, honest evaluation."""

__version__ = "0.1.0"
