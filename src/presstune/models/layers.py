"""A causal LM's decoder layers, found the same way by layer surgery and the importance analysis."""

from __future__ import annotations

from typing import Any


class SurgeryError(ValueError):
    """A variant request that cannot be carried out (bad index, missing analysis…)."""


def decoder_layers(model: Any):
    """``(parent, ModuleList)`` of a causal LM's decoder layers (``model.model.layers`` for Qwen3/Llama)."""
    import torch.nn as nn

    base = getattr(model, getattr(model, "base_model_prefix", "model"), None) or model
    layers = getattr(base, "layers", None)
    if not isinstance(layers, nn.ModuleList):
        raise SurgeryError(f"{type(model).__name__}: no decoder ModuleList at .{model.base_model_prefix}.layers")
    return base, layers


def num_layers(model: Any) -> int:
    return len(decoder_layers(model)[1])
