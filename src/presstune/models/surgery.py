"""Layer surgery on a loaded causal LM: drop layers, keep the KV cache and the config right.

transformers has no "remove decoder layers" operation, so this is written by hand. What a
correct removal must touch (each item is a real bug when forgotten):

* ``model.model.layers`` (an ``nn.ModuleList``): rebuilt from the kept layers, so the
  state-dict keys are ``layers.0 .. layers.N-1`` again and a reload finds every weight;
* every ``layer_idx`` attribute inside the kept layers (the attention module uses it to
  address its slot in ``DynamicCache``): renumbered 0..N-1, otherwise a model with layer 0
  removed reads/writes the wrong cache slots, or indexes past the end of the cache;
* the config: ``num_hidden_layers``, the per-layer lists (``layer_types`` …) sliced to the
  kept layers, and ``max_window_layers`` recounted, so that the saved checkpoint rebuilds
  the same architecture and ``DynamicCache(config=…)`` has one slot per layer.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from presstune.models.importance import best_block, recommend_drop
from presstune.models.layers import SurgeryError, decoder_layers, num_layers
from presstune.models.params import default_keep, human

#: Config attributes that hold one entry per decoder layer (sliced on removal).
PER_LAYER_CONFIG_LISTS = ("layer_types", "mlp_layer_types", "no_rope_layers")
#: Module attributes that carry a layer's own index.
LAYER_INDEX_ATTRS = ("layer_idx", "layer_id", "layer_index")


def drop_layers(model: Any, indices: list[int] | tuple[int, ...] | set[int], *, renumber: bool = True) -> Any:
    """Remove decoder layers ``indices`` (original numbering) from ``model`` in place and return it.

    ``renumber=False`` exists only so a test can show what goes wrong without it.
    """
    import torch.nn as nn

    base, layers = decoder_layers(model)
    total = len(layers)
    drop = sorted(set(int(i) for i in indices))
    bad = [i for i in drop if not 0 <= i < total]
    if bad:
        raise SurgeryError(f"layer index {bad[0]} out of range: the model has layers 0..{total - 1}")
    if len(drop) >= total:
        raise SurgeryError(f"cannot remove all {total} layers")
    keep = [i for i in range(total) if i not in drop]
    base.layers = nn.ModuleList([layers[i] for i in keep])
    if renumber:
        for new_idx, layer in enumerate(base.layers):
            for module in layer.modules():
                for attr in LAYER_INDEX_ATTRS:
                    if isinstance(getattr(module, attr, None), int):
                        setattr(module, attr, new_idx)
    _update_config(model.config, keep, total)
    if hasattr(base, "has_sliding_layers") and getattr(model.config, "layer_types", None) is not None:
        base.has_sliding_layers = "sliding_attention" in model.config.layer_types
    return model


def _update_config(config: Any, keep: list[int], old_total: int) -> None:
    for name in PER_LAYER_CONFIG_LISTS:
        values = getattr(config, name, None)
        if isinstance(values, (list, tuple)) and len(values) == old_total:
            setattr(config, name, [values[i] for i in keep])
    # Qwen2/3: layers with index >= max_window_layers use the sliding window; keep the same
    # layers on each side of the boundary.
    mwl = getattr(config, "max_window_layers", None)
    if isinstance(mwl, int):
        config.max_window_layers = sum(1 for i in keep if i < mwl)
    config.num_hidden_layers = len(keep)


def check_consistency(model: Any) -> None:
    """Raise if layer count, config lists and ``layer_idx`` disagree (cheap; run after surgery)."""
    _, layers = decoder_layers(model)
    n = len(layers)
    cfg = model.config
    if cfg.num_hidden_layers != n:
        raise SurgeryError(f"config.num_hidden_layers={cfg.num_hidden_layers} but the model has {n} layers")
    for name in PER_LAYER_CONFIG_LISTS:
        values = getattr(cfg, name, None)
        if values is not None and len(values) != n:
            raise SurgeryError(f"config.{name} has {len(values)} entries for {n} layers")
    for i, layer in enumerate(layers):
        for module in layer.modules():
            for attr in LAYER_INDEX_ATTRS:
                value = getattr(module, attr, None)
                if isinstance(value, int) and value != i:
                    raise SurgeryError(f"layer {i}: {type(module).__name__}.{attr} = {value}")


# -- variants ---------------------------------------------------------------------------------


def _importance_for(importance: dict[str, Any] | None, total: int, what: str) -> dict[str, Any]:
    if importance is None:
        raise SurgeryError(
            f"{what} needs a layer-importance analysis (run `presstune importance` or give it explicitly)"
        )
    if importance.get("num_layers") != total:
        raise SurgeryError(
            f"the importance analysis is for a {importance.get('num_layers')}-layer model, "
            f"this model has {total} layers"
        )
    return importance


def plan_variant(total: int, spec: Any, importance: dict[str, Any] | None = None) -> dict[str, Any]:
    """Decide which layers a variant removes (original numbering) and why; touches no model."""
    kind = spec.kind
    plan: dict[str, Any] = {"variant": spec.name, "kind": kind, "original_layers": total, "removed_layers": []}
    if kind == "original":
        plan["reason"] = "the base model, unchanged"
    elif kind == "dropped":
        if spec.layer is not None:
            if not 0 <= spec.layer < total:
                raise SurgeryError(f"--layer {spec.layer} out of range: the model has layers 0..{total - 1}")
            layer = spec.layer
            plan["reason"] = f"layer {layer} removed as requested"
            if importance is not None and importance.get("num_layers") == total:
                plan["block_influence"] = importance["block_influence"][layer]
        else:
            imp = _importance_for(importance, total, "a dropped variant without --layer")
            layer = recommend_drop(imp["block_influence"])
            plan["reason"] = (
                f"layer {layer} has the lowest Block Influence (ShortGPT, 1 - cos(input, output)) = "
                f"{imp['block_influence'][layer]:.4f} of layers 0..{total - 2} (the last layer is never dropped "
                "automatically: it feeds the final norm and lm_head directly)"
            )
            plan["block_influence"] = imp["block_influence"][layer]
        plan["removed_layers"] = [layer]
    elif kind == "pruned":
        keep = spec.keep_layers if spec.keep_layers is not None else default_keep(total)
        if not 1 <= keep < total:
            raise SurgeryError(f"a pruned variant needs keep_layers in 1..{total - 1} (got {keep})")
        n = total - keep
        if spec.strategy == "first":
            plan["removed_layers"] = list(range(keep, total))
            plan["reason"] = f"kept the first {keep} layers, removed the last {n}"
        else:
            imp = _importance_for(importance, total, "a pruned variant with strategy 'block'")
            start, dist = best_block(imp["angular_distance"], n, total)
            plan["removed_layers"] = list(range(start, start + n))
            plan["reason"] = (
                f"removed the contiguous block of {n} layers {start}..{start + n - 1} whose input and output are "
                f"closest: angular distance arccos(cos(x_{start}, x_{start + n}))/pi = {dist:.4f} on the last token "
                f"(Gromov et al.), the minimum over all blocks that keep the last layer"
            )
            plan["angular_distance"] = dist
        plan["strategy"] = spec.strategy
    else:  # pragma: no cover - pydantic restricts kind
        raise SurgeryError(f"unknown variant kind {kind!r}")
    plan["kept_layers"] = [i for i in range(total) if i not in plan["removed_layers"]]
    plan["num_layers"] = len(plan["kept_layers"])
    return plan


def make_variant(model: Any, spec: Any, importance: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """Turn a loaded model into the variant ``spec`` describes, in memory; returns (model, card_info)."""
    before = sum(p.numel() for p in model.parameters())
    plan = plan_variant(num_layers(model), spec, importance)
    if plan["removed_layers"]:
        drop_layers(model, plan["removed_layers"])
    check_consistency(model)
    plan["params_before"] = before
    plan["params_after"] = sum(p.numel() for p in model.parameters())
    if importance is not None:
        plan["importance"] = {
            k: importance.get(k) for k in ("model", "samples", "tokens", "block_influence", "recommendation")
        }
    return model, plan


# -- saving -----------------------------------------------------------------------------------


def model_card(info: dict[str, Any], base_model: str) -> str:
    removed = info["removed_layers"]
    lines = [
        "---",
        f"base_model: {base_model}",
        "library_name: transformers",
        "tags: [presstune, layer-pruning]",
        "---",
        "",
        f"# {info['variant']} — {info['kind']} variant of {base_model}",
        "",
        f"- Layers: {info['num_layers']} of {info['original_layers']}"
        + (f"; removed (original numbering): {', '.join(map(str, removed))}" if removed else "; none removed"),
        f"- Why: {info['reason']}.",
        f"- Parameters: {human(info['params_after'])} ({info['params_after']:,}); base {human(info['params_before'])}"
        f" ({info['params_before']:,})",
        "",
        "A plain `AutoModelForCausalLM` checkpoint: the remaining layers were renumbered 0..N-1 (weights and "
        "attention `layer_idx`), and `num_hidden_layers`, `layer_types` and `max_window_layers` describe the "
        "new depth, so generation with the KV cache matches generation without it.",
        "",
        "Removed layers are not healed: fine-tune before judging quality.",
    ]
    imp = info.get("importance")
    if imp and imp.get("block_influence"):
        lines += [
            "",
            f"## Layer importance ({imp.get('samples')} calibration samples, {imp.get('tokens')} tokens)",
            "",
            "| layer | block influence | removed |",
            "|---:|---:|:---:|",
        ]
        for i, bi in enumerate(imp["block_influence"]):
            lines.append(f"| {i} | {bi:.4f} | {'x' if i in removed else ''} |")
    return "\n".join(lines) + "\n"


def save_variant(
    model: Any, out_dir: str | Path, info: dict[str, Any], tokenizer: Any = None, base_model: str = ""
) -> Path:
    """Save a plain HF checkpoint (safetensors, config, tokenizer, README.md, variant.json).

    Written into a temporary sibling folder and renamed into place, so ``out_dir`` is either
    the old complete checkpoint or the new complete one, never half-written.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        (tmp / "README.md").write_text(model_card(info, base_model or info.get("base_model", "")), encoding="utf-8")
        (tmp / "variant.json").write_text(json.dumps(info, indent=2, default=str) + "\n", encoding="utf-8")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def with_identity_layer(model: Any, index: int) -> Any:
    """A deep copy of ``model`` with layer ``index`` replaced by a residual pass-through.

    The reference a dropped model must match: removing a pre-norm residual block is the same
    as making it the identity (used by the tests and for sanity checks).
    """
    import torch.nn as nn

    class PassThrough(nn.Module):
        def forward(self, hidden_states, *args, **kwargs):
            return hidden_states

    clone = copy.deepcopy(model)
    _, layers = decoder_layers(clone)
    layers[index] = PassThrough()
    return clone
