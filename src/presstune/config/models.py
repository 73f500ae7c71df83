from typing import Literal

from pydantic import Field

from presstune.schema import Strict


class ModelConfig(Strict):
    """The base model: a hub id or a local path."""

    name_or_path: str = Field(
        "Qwen/Qwen3-8B", description="Hub id, local path, a named offline model (smollm2-135m-instruct) or demo-base."
    )
    random_init: bool = Field(
        False,
        description="Build the architecture from its config with random weights (benchmarking without downloads).",
    )
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto", description="Weights' dtype when loading: auto = bf16 on a GPU that supports it, else fp32."
    )
    device: str = Field(
        "auto",
        description='Where to load the model: "auto" = cuda when available, else cpu; or "cpu", "cuda", "cuda:1"...',
    )
    attn_implementation: str | None = Field(
        None, description="Attention kernel passed to transformers (None = its default, sdpa)."
    )
    tokenizer: str | None = Field(
        None, description="Tokenizer id/path when it differs from name_or_path (None = same)."
    )
    init_seed: int = Field(0, description="Seed of the random weights when random_init is set.")


class ImportanceConfig(Strict):
    samples: int = Field(
        64, description="Calibration texts (evenly spaced over the train split) the layer importance is measured on."
    )
    max_length: int = Field(512, description="Tokens per calibration text.")
    block_size: int | None = Field(
        None, description="Block size n for the angular-distance analysis (layers removed by the pruned variant)."
    )
    batch_size: int = Field(4, description="Sequences per forward pass (right-padded; results do not depend on it).")
    allow_last: bool = Field(False, description="Let the dropped-layer recommendation pick the last layer too.")


class VariantSpec(Strict):
    name: str = Field(description="The variant's name (folders, metrics and the report use it).")
    kind: Literal["original", "dropped", "pruned"] = Field(
        description="original (the base as is), dropped (one layer removed) or pruned (a block of layers removed)."
    )
    layer: int | None = Field(
        None, description="dropped: the layer to remove (None = least important by the analysis)."
    )
    keep_layers: int | None = Field(
        None, description="pruned: how many layers to keep (None = two thirds of the layers, rounded: 24 of 36)."
    )
    strategy: Literal["first", "block"] = Field(
        "block",
        description=(
            "pruned: block removes the most redundant contiguous block (angular distance), "
            "first keeps the first keep_layers layers."
        ),
    )
    mix: str | None = Field(
        None,
        description=(
            "The training mix (a `corpus.mixes` name, trained from "
            "dataset/train.<mix>.jsonl); None = `corpus.mix` (dataset/train.jsonl), which "
            "every other variant trains on."
        ),
    )
