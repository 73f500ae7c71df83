"""Exact parameter counts from a model's config alone.

The model is instantiated on the ``meta`` device: every tensor has a shape but no storage,
so counting Qwen3-32B takes a fraction of a second and no memory, and the count is the
real module tree's (no hand-written formula that could drift from the architecture).
Configs of the Qwen3 dense family ship with the package so this works offline.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from presstune.models.offline import cache_entry, gguf_config, named_model, unavailable

CONFIGS_DIR = Path(__file__).resolve().parent / "configs"

#: Layer share used when no prune target is given: keep two thirds (24 of Qwen3-8B's 36).
DEFAULT_KEEP_FRACTION = 2 / 3


def default_keep(num_layers: int) -> int:
    """Layers a pruned variant keeps when not told: two thirds, rounded (24 of 36)."""
    return max(1, round(num_layers * DEFAULT_KEEP_FRACTION))


def packaged_config_names() -> list[str]:
    return sorted(p.parent.name for p in CONFIGS_DIR.glob("*/config.json"))


def packaged_config_dir(name_or_path: str) -> Path | None:
    """The shipped config folder for ``Qwen/Qwen3-8B`` or ``Qwen3-8B`` (case-insensitive), else None."""
    org, _, short = str(name_or_path).rpartition("/")
    if org.lower() not in ("", "qwen"):
        return None
    for name in packaged_config_names():
        if name.lower() == short.lower():
            return CONFIGS_DIR / name
    return None


def resolve_config(name_or_path: str) -> tuple[Any, str]:
    """Load a model config: a local folder/file, the packaged Qwen3 configs, a named offline model, the hub.

    Returns ``(config, source)`` where source says where the config came from. A named offline
    model's config comes from its converted checkpoint when cached, else from its GGUF header
    (seconds; nothing is converted just to count parameters).
    """
    from transformers import AutoConfig

    path = Path(name_or_path)
    if path.is_file() and path.name.endswith(".json"):
        path = path.parent
    if (path / "config.json").is_file():
        return AutoConfig.from_pretrained(str(path)), f"local {path}"
    packaged = packaged_config_dir(name_or_path)
    if packaged is not None:
        return AutoConfig.from_pretrained(str(packaged)), f"packaged {packaged.name}"
    named = named_model(name_or_path)
    if named is not None:
        entry = cache_entry(named)
        if (entry / "presstune_model.json").is_file():
            return AutoConfig.from_pretrained(str(entry)), f"converted {entry}"
        return gguf_config(named), f"{named.package} {named.gguf_file}"
    try:
        return AutoConfig.from_pretrained(name_or_path), f"hub {name_or_path}"
    except OSError as exc:
        raise unavailable(name_or_path, exc) from exc


def meta_model(config: Any):
    """The causal-LM module tree for ``config`` with no weights allocated."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


_LAYER_RE = re.compile(r"^(?:.*\.)?layers\.(\d+)\.(.+)$")


@dataclass
class ParamReport:
    model: str
    source: str
    model_type: str
    total: int
    num_layers: int
    per_layer: list[int]
    embed_input: int
    lm_head: int
    tied_embeddings: bool
    final_norm: int
    other: int
    #: Per-component counts: "layer.<suffix>" for one layer's parts (first layer), else the full name.
    components: dict[str, int] = field(default_factory=dict)

    @property
    def per_layer_mean(self) -> float:
        return sum(self.per_layer) / max(1, len(self.per_layer))

    @property
    def layers_total(self) -> int:
        return sum(self.per_layer)

    @property
    def embeddings(self) -> int:
        """Input embedding plus lm_head, counted once when the two are tied."""
        return self.embed_input + (0 if self.tied_embeddings else self.lm_head)

    def default_keep(self) -> int:
        return default_keep(self.num_layers)

    def without_layers(self, k: int) -> int:
        """Total after removing ``k`` layers (the ``k`` smallest; Qwen3's layers are all equal)."""
        if not 0 <= k < self.num_layers:
            raise ValueError(f"cannot remove {k} of {self.num_layers} layers")
        return self.total - sum(sorted(self.per_layer)[:k])

    def to_dict(self, keep: int | None = None) -> dict[str, Any]:
        keep = self.default_keep() if keep is None else keep
        data = asdict(self)
        data.update(
            per_layer_mean=self.per_layer_mean,
            layers_total=self.layers_total,
            layer_share=self.per_layer_mean / self.total,
            layers_share=self.layers_total / self.total,
            embeddings=self.embeddings,
            remove_one_layer=self.without_layers(1) if self.num_layers > 1 else None,
            pruned={
                "keep_layers": keep,
                "removed_layers": self.num_layers - keep,
                "total": self.without_layers(self.num_layers - keep),
            },
        )
        return data


def count_params(config: Any, model: str = "", source: str = "") -> ParamReport:
    """Count every parameter of the model that ``config`` describes (tied tensors once)."""
    module = meta_model(config)
    seen: dict[int, str] = {}
    components: dict[str, int] = {}
    per_layer: dict[int, int] = {}
    embed_input = lm_head = final_norm = other = 0
    first_layer: int | None = None  # the per-component table describes the first layer
    input_emb = module.get_input_embeddings().weight
    output_emb = module.get_output_embeddings()
    output_weight = output_emb.weight if output_emb is not None else None
    tied = output_weight is not None and output_weight is input_emb
    for name, param in module.named_parameters(remove_duplicate=False):
        if id(param) in seen:  # tied: counted under its first name only
            continue
        seen[id(param)] = name
        n = param.numel()
        match = _LAYER_RE.match(name)
        if match:
            idx = int(match.group(1))
            first_layer = idx if first_layer is None else first_layer
            per_layer[idx] = per_layer.get(idx, 0) + n
            if idx == first_layer:
                key = "layer." + match.group(2).removesuffix(".weight")
                components[key] = components.get(key, 0) + n
            continue
        if param is input_emb:
            embed_input += n
            components["embed_tokens"] = n
        elif output_weight is not None and param is output_weight:
            lm_head += n
            components["lm_head"] = n
        elif name.endswith("norm.weight") and "layers." not in name:
            final_norm += n
            components["final_norm"] = components.get("final_norm", 0) + n
        else:
            other += n
            components[name] = n
    if tied:
        lm_head = embed_input
        components["lm_head (tied to embed_tokens)"] = 0
    total = sum(p.numel() for p in module.parameters())
    layers = [per_layer[i] for i in sorted(per_layer)]
    report = ParamReport(
        model=model,
        source=source,
        model_type=getattr(config, "model_type", "?"),
        total=total,
        num_layers=len(layers),
        per_layer=layers,
        embed_input=embed_input,
        lm_head=lm_head,
        tied_embeddings=tied,
        final_norm=final_norm,
        other=other,
        components=components,
    )
    # Self-check: the parts add up to the module's own count.
    parts = report.layers_total + report.embeddings + final_norm + other
    if parts != total:
        raise AssertionError(f"parameter bookkeeping mismatch: parts {parts} != total {total}")
    return report


def human(n: float) -> str:
    """8190735360 -> '8.191B', 192946432 -> '192.95M' (the seed's published precision)."""
    if abs(n) >= 1e9:
        return f"{n / 1e9:.3f}B"
    if abs(n) >= 1e6:
        return f"{n / 1e6:.2f}M"
    if abs(n) >= 1e3:
        return f"{n / 1e3:.1f}K"
    return f"{n:.0f}"


def format_report(report: ParamReport, keep: int | None = None, detailed: bool = False) -> str:
    keep = report.default_keep() if keep is None else keep
    L = report.num_layers
    uniform = len(set(report.per_layer)) <= 1
    per_layer = report.per_layer[0] if uniform and report.per_layer else report.per_layer_mean
    w = 34  # label column
    lines = [
        f"model: {report.model}  ({report.model_type}, config from {report.source})",
        f"  {'total parameters':<{w}}{human(report.total):>9}  ({report.total:,})",
        f"  {'per layer':<{w}}{human(per_layer):>9}  ({int(per_layer):,}{'' if uniform else ', mean; layers differ'})",
        f"  {'layers':<{w}}{L:>9}",
        f"  {'layer share':<{w}}{per_layer / report.total:>9.2%}  per layer; all {L} layers "
        f"{human(report.layers_total)} = {report.layers_total / report.total:.1%} of total",
    ]
    if report.tied_embeddings:
        emb = f"input {human(report.embed_input)}; lm_head tied to it, counted once"
    else:
        emb = f"input {human(report.embed_input)} + lm_head {human(report.lm_head)}, untied"
    lines.append(
        f"  {'embeddings':<{w}}{human(report.embeddings):>9}  ({emb}) = {report.embeddings / report.total:.1%} of total"
    )
    for k, label in ((1, "if you remove 1 layer"), (L - keep, f"if you remove {L - keep} layers (keep {keep})")):
        if 0 < k < L:
            after = report.without_layers(k)
            lines.append(
                f"  {label:<{w}}{human(after):>9}  (-{human(report.total - after)}, -{1 - after / report.total:.2%})"
            )
    if detailed:
        lines.append("")
        lines.append(f"  {'component':<40}{'params':>14}{'per model':>14}")
        for name, n in report.components.items():
            times = L if name.startswith("layer.") else 1
            lines.append(f"  {name:<40}{n:>14,}{n * times:>14,}")
        lines.append(f"  {'total':<40}{'':>14}{report.total:>14,}")
    return "\n".join(lines)


def report_json(report: ParamReport, keep: int | None = None) -> str:
    return json.dumps(report.to_dict(keep), indent=2)
