"""Where a variant's weights are and how to load them: the run's checkpoints and variants.

Shared by every stage that loads a trained variant (evaluation, training's tuned teacher,
``presstune ask``/``chat``/``export``, the cache's staleness check).

Model sources (:func:`resolve_variant`):
  * ``base``: the run's untouched base model (``config.model``), no fine-tuning;
  * ``<name>`` with ``checkpoints/<name>/`` holding a LoRA adapter (adapter_config.json; merged
    for evaluation) on ``variants/<name>/`` (or the adapter's base), or full weights;
  * ``<name>`` with only ``variants/<name>/``: the reduced variant before training ("untuned").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from presstune.cache import RECORD, read_record
from presstune.config.evaluate import EvaluateConfig
from presstune.models.loading import load_base_model, pretrained_model, pretrained_tokenizer
from presstune.models.params import packaged_config_dir
from presstune.rundir import RunDir


class ModelSourceError(RuntimeError):
    """A variant's weights cannot be found or loaded as recorded (message names it)."""


def _has(path: Path, name: str) -> bool:
    return (path / name).is_file()


def _final_dir(ckpt: Path) -> Path | None:
    """The final adapter/weights folder of a training output (top level, then final/, adapter/)."""
    for cand in (ckpt, ckpt / "final", ckpt / "adapter", ckpt / "model"):
        if _has(cand, "adapter_config.json") or _has(cand, "config.json"):
            return cand
    return None


def _same_base(base: str, name_or_path: str) -> bool:
    """Whether an adapter's base is the run's model: its name, or the folder its config came from
    (a random_init model carries the packaged config's folder as its name)."""
    if base == name_or_path:
        return True
    packaged = packaged_config_dir(name_or_path)
    return packaged is not None and Path(base).resolve() == Path(packaged).resolve()


def _adapter_layers(adapter_dir: Path) -> int | None:
    """Decoder layers an adapter holds weights for (highest ``layers.N.`` index + 1), from the
    safetensors header only (no tensor is read)."""
    path = adapter_dir / "adapter_model.safetensors"
    if not path.is_file():
        return None
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        found = [int(m.group(1)) for k in handle.keys() if (m := re.search(r"\.layers\.(\d+)\.", k))]
    return max(found) + 1 if found else None


def _base_layers(base: str) -> int | None:
    """``num_hidden_layers`` of the adapter's base (its config.json only); None when unreadable."""
    from transformers import AutoConfig

    try:
        return int(AutoConfig.from_pretrained(base).num_hidden_layers)
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _refuse_reduced_adapter_on_full_base(variant: str, ckpt_root: Path, final: Path, base: str, config: Any) -> None:
    """``variants/<v>`` is missing and the adapter would go onto its recorded base model: refuse
    when the variant had layers removed or the layer counts differ (PEFT would only warn and
    merge a 24-layer adapter onto the first 24 of 36 layers)."""
    where = f"variant {variant!r}: "
    fix = f"rebuild it (presstune run --from models) or delete {ckpt_root}"
    info: dict[str, Any] = {}
    for path in (ckpt_root / "variant.json", ckpt_root / "train_result.json"):
        if path.is_file():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                continue
            info = doc.get("variant_info", doc) if path.name == "train_result.json" else doc
            break
    spec = next((v for v in getattr(config, "variants", None) or [] if v.name == variant), None)
    removed = info.get("removed_layers") or (spec is not None and spec.kind != "original")
    variant_dir = RunDir(ckpt_root.parent.parent).variant(variant)
    if removed:
        kind = getattr(spec, "kind", None)  # spec is set whenever no removed layers are recorded
        detail = f" (removed layers {info['removed_layers']})" if info.get("removed_layers") else f" ({kind})"
        raise ModelSourceError(
            f"{where}the adapter in {final} was trained on a reduced model{detail}, but {variant_dir} is missing; "
            f"it cannot be merged onto the full base {base}: {fix}"
        )
    trained = info.get("num_layers") or _adapter_layers(final)
    full = _base_layers(base)
    if trained is not None and full is not None and int(trained) != full:
        raise ModelSourceError(
            f"{where}the adapter in {final} was trained on {trained} layers, its base {base} has {full}, and "
            f"{variant_dir} is missing: {fix}"
        )


def _refuse_adapter_of_another_plan(variant: str, ckpt_root: Path, variant_dir: Path) -> None:
    """The adapter was trained on a variant that removed other layers (or on another base) than
    the one now in variants/<v> (rebuilt since): merging them would be silently wrong."""
    trained, built = read_record(ckpt_root / RECORD), read_record(variant_dir / RECORD)
    if trained is None or built is None:
        return  # outputs of an older presstune, or built by hand: nothing recorded to compare
    for key in ("removed_layers", "model"):
        was, now = trained["inputs"].get(key), built["inputs"].get(key)
        if was != now:
            raise ModelSourceError(
                f"variant {variant!r}: {ckpt_root} was trained on {key} {was}, but {variant_dir} now has {now}: "
                "retrain it (presstune run --from train) instead of merging it onto the rebuilt variant"
            )


def resolve_variant(run_dir: str | Path, variant: str, config: Any = None) -> dict[str, Any]:
    """Where ``variant``'s weights are (see the module docstring): ``kind``, ``model``, ``adapter``
    and, for a random_init base, ``random_init``."""
    run = RunDir(run_dir)
    if variant == "base":
        if config is None:
            raise ModelSourceError("variant 'base' needs the run's config (model.name_or_path)")
        return {
            "kind": "base",
            "model": config.model.name_or_path,
            "adapter": None,
            "random_init": bool(getattr(config.model, "random_init", False)),
        }
    ckpt_root = run.checkpoint(variant)
    variant_dir = run.variant(variant)
    final = _final_dir(ckpt_root) if ckpt_root.is_dir() else None
    if final is not None and _has(final, "adapter_config.json"):
        base = variant_dir if _has(variant_dir, "config.json") else None
        if base is not None:
            _refuse_adapter_of_another_plan(variant, ckpt_root, variant_dir)
        if base is None:
            adapter_cfg = json.loads((final / "adapter_config.json").read_text(encoding="utf-8"))
            base = adapter_cfg.get("base_model_name_or_path")
            if not base:
                raise ModelSourceError(f"{final}/adapter_config.json names no base model and {variant_dir} has none")
            _refuse_reduced_adapter_on_full_base(variant, ckpt_root, final, str(base), config)
        # An adapter trained on a random_init base (benchmarks): rebuild that same seeded base.
        random_init = (
            config is not None
            and bool(getattr(config.model, "random_init", False))
            and (_same_base(str(base), str(config.model.name_or_path)))
        )
        return {
            "kind": "fine-tuned (LoRA, merged)",
            "model": str(base),
            "adapter": str(final),
            "random_init": random_init,
        }
    if final is not None:
        return {"kind": "fine-tuned (full)", "model": str(final), "adapter": None}
    if _has(variant_dir, "config.json"):
        return {"kind": "untuned", "model": str(variant_dir), "adapter": None}
    raise ModelSourceError(f"variant {variant!r}: neither {ckpt_root} (adapter or weights) nor {variant_dir} found")


def device_for(eval_cfg: EvaluateConfig) -> str:
    """The device evaluation runs on: ``evaluate.device``, or CUDA when ``auto`` finds one."""
    import torch

    if eval_cfg.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return eval_cfg.device


def load_model(source: dict[str, Any], eval_cfg: EvaluateConfig, config: Any = None):
    """(model in eval mode with any adapter merged, tokenizer)."""
    import torch

    device = device_for(eval_cfg)
    dtype: Any = "auto" if eval_cfg.dtype == "auto" else getattr(torch, eval_cfg.dtype)
    if source.get("random_init"):
        model = load_base_model(config.model)
        if eval_cfg.dtype != "auto":
            model = model.to(dtype)
        model = model.to(device)
    else:
        model = pretrained_model(source["model"], dtype=dtype, device_map=device)
    if source.get("adapter"):
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, source["adapter"]).merge_and_unload()
    model.eval()
    # An explicitly configured model.tokenizer comes before the model path: a random_init base
    # (or any model folder without its own tokenizer) must not pick up something else there.
    explicit = getattr(config.model, "tokenizer", None) if config is not None else None
    tok_sources = [source.get("adapter"), explicit, source["model"]]
    if config is not None:
        tok_sources.append(getattr(config.corpus, "tokenizer", None))
    for src in tok_sources:
        if not src:
            continue
        try:
            return model, pretrained_tokenizer(src)
        except (OSError, ValueError, TypeError):
            continue
    raise ModelSourceError(f"no tokenizer found in {', '.join(str(s) for s in tok_sources if s)}")
