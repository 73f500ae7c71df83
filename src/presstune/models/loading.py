"""Load the base model (or a random-weight copy of its architecture) and build variants in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from presstune.models.config import ModelConfig, VariantSpec


def release_memory() -> None:
    """Free the models and trainers of a finished stage now, not at some later garbage collection.

    A Trainer, its PEFT model and callbacks form reference cycles, so a variant's weights outlive
    ``train_variant`` until Python's cyclic collector happens to run: in one process (``presstune
    run``) the last trained variant (12 GB for the 24-layer Qwen3-8B) was still allocated while
    the next stage measured peak memory. Called between variants and stages.
    """
    import gc

    gc.collect()
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def releasing_memory(fn):
    """Decorator: ``release_memory()`` when ``fn`` returns or raises."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            release_memory()

    return wrapper


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _torch_dtype(name: str, config: Any = None):
    import torch

    if name == "auto":
        dtype = getattr(config, "dtype", None) if config is not None else None
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None)
        return dtype if isinstance(dtype, torch.dtype) else torch.float32
    return getattr(torch, name)


def load_base_model(model_cfg: ModelConfig) -> Any:
    """The base causal LM in eval mode, on ``model_cfg.device``, in ``model_cfg.dtype``.

    ``random_init``: the architecture from its config (packaged Qwen3 configs, a local folder
    or the hub) with seeded random weights, built directly on the target device; no weights
    are read. Otherwise ``from_pretrained``.
    """
    import torch
    from transformers import AutoModelForCausalLM

    from presstune.models.params import resolve_config

    device = resolve_device(model_cfg.device)
    extra = {"attn_implementation": model_cfg.attn_implementation} if model_cfg.attn_implementation else {}
    if model_cfg.random_init:
        config, _ = resolve_config(model_cfg.name_or_path)
        dtype = _torch_dtype(model_cfg.dtype, config)
        torch.manual_seed(model_cfg.init_seed)
        with torch.device(device):
            model = AutoModelForCausalLM.from_config(config, dtype=dtype, **extra)
    else:
        dtype = "auto" if model_cfg.dtype == "auto" else _torch_dtype(model_cfg.dtype)
        model = AutoModelForCausalLM.from_pretrained(model_cfg.name_or_path, dtype=dtype, device_map=device, **extra)
    model.eval()
    return model


def load_tokenizer(model_cfg: ModelConfig, required: bool = True) -> Any:
    """The tokenizer of the model (or ``model_cfg.tokenizer``); None if absent and not ``required``."""
    from transformers import AutoTokenizer

    source = model_cfg.tokenizer or model_cfg.name_or_path
    try:
        return AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError):
        if required:
            raise
        return None


def build_variant_in_memory(
    model_cfg: ModelConfig, variant_spec: VariantSpec, importance_path: str | Path | None = None
) -> tuple[Any, dict[str, Any]]:
    """Load the base model and turn it into ``variant_spec`` without writing a checkpoint.

    Returns ``(model, card_info)``; card_info says which layers were removed and why.
    """
    from presstune.models.importance import read_importance
    from presstune.models.surgery import make_variant

    importance = read_importance(importance_path) if importance_path is not None else None
    model = load_base_model(model_cfg)
    model, info = make_variant(model, variant_spec, importance)
    info["base_model"] = model_cfg.name_or_path
    return model, info
