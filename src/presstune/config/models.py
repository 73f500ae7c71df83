from typing import Literal

from presstune.schema import Strict


class ModelConfig(Strict):
    """The base model: a hub id or a local path."""

    name_or_path: str = "Qwen/Qwen3-8B"
    #: Build the architecture from its config with random weights (benchmarking without downloads).
    random_init: bool = False
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    #: Where to load the model: "auto" = cuda when available, else cpu; or "cpu", "cuda", "cuda:1"...
    device: str = "auto"
    #: Attention kernel passed to transformers (None = its default, sdpa).
    attn_implementation: str | None = None
    #: Tokenizer id/path when it differs from name_or_path (None = same).
    tokenizer: str | None = None
    #: Seed of the random weights when random_init is set.
    init_seed: int = 0


class ImportanceConfig(Strict):
    samples: int = 64
    max_length: int = 512
    #: Block size n for the angular-distance analysis (layers removed by the pruned variant).
    block_size: int | None = None
    #: Sequences per forward pass (right-padded; results do not depend on it).
    batch_size: int = 4
    #: Let the dropped-layer recommendation pick the last layer too.
    allow_last: bool = False


class VariantSpec(Strict):
    name: str
    kind: Literal["original", "dropped", "pruned"]
    #: dropped: the layer to remove (None = least important by the analysis).
    layer: int | None = None
    #: pruned: how many layers to keep (None = two thirds of the layers, rounded: 24 of 36).
    keep_layers: int | None = None
    strategy: Literal["first", "block"] = "block"
    #: The training mix (a ``corpus.mixes`` name, trained from dataset/train.<mix>.jsonl);
    #: None = ``corpus.mix`` (dataset/train.jsonl), which every other variant trains on.
    mix: str | None = None
