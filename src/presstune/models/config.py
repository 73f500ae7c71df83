from typing import Literal

from presstune.schema import Strict


class ModelConfig(Strict):
    """The base model: a hub id or a local path."""

    name_or_path: str = "Qwen/Qwen3-8B"
    #: Build the architecture from its config with random weights (benchmarking without downloads).
    random_init: bool = False
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"


class ImportanceConfig(Strict):
    samples: int = 64
    max_length: int = 512
    #: Block size n for the angular-distance analysis (layers removed by the pruned variant).
    block_size: int | None = None


class VariantSpec(Strict):
    name: str
    kind: Literal["original", "dropped", "pruned"]
    #: dropped: the layer to remove (None = least important by the analysis).
    layer: int | None = None
    #: pruned: how many layers to keep.
    keep_layers: int | None = None
    strategy: Literal["first", "block"] = "block"
