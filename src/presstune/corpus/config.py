from typing import Literal

from presstune.schema import Strict


class CorpusConfig(Strict):
    """Corpus building: extraction, cleaning, filters, split and chat formatting."""

    phase: Literal["regex", "llm", "format", "all", "no-llm"] = "no-llm"
    style: Literal["instruct", "article", "qa"] = "instruct"
    train_ratio: float = 0.9
    split: Literal["family", "date"] = "family"
    languages: list[str] = ["en"]
    min_chars: int = 200
