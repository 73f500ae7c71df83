"""WiSE-FT: weight-space interpolation between the base and the tuned model (Wortsman et al. 2022).

The saved weights are ``base + alpha * (tuned - base)``: alpha 1 is the tuned model, 0 the base.
Fine-tuning that stores news damages general ability; part of the way back to the base keeps
much of the one and recovers much of the other. Full fine-tuning interpolates every trained
weight against a CPU copy of the weights taken before training. LoRA interpolates its delta
``scale * B @ A`` by scaling ``B`` (the delta is linear in ``B``; ``A`` is left as trained), so
the saved adapter, merged or not, is the interpolated model. ``wise_ft: auto`` measures each
candidate alpha with the selection's validation signal and keeps the one the selection rule
prefers.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from presstune.train.select import SelectionCallback, SelectPoint, choose, measure_in_eval_mode, trainable_state

log = logging.getLogger(__name__)


def interpolated_names(model: Any, method: str) -> list[str]:
    """The parameters WiSE-FT moves: every trainable weight (full) or the LoRA ``B`` matrices."""
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    if method == "full":
        return names
    return [n for n in names if ".lora_B." in n or ".lora_embedding_B." in n]


class WiseFT:
    """Holds the base end of the interpolation (taken before training) and applies it after."""

    def __init__(self, method: str, base: dict[str, Any]):
        self.method = method
        self.base = base

    @classmethod
    def before_training(cls, model: Any, method: str) -> WiseFT:
        """Full FT: CPU copies of the weights as they are now (before any step). LoRA: the base
        end of ``B`` is zero, so nothing needs copying (shapes are taken after training)."""
        base = trainable_state(model) if method == "full" else {}
        return cls(method, base)

    def _base_of(self, name: str, tuned: Any) -> Any:
        import torch

        if self.method == "full":
            return self.base[name]
        return torch.zeros_like(tuned)

    def apply(self, model: Any, alpha: float, tuned: dict[str, Any] | None = None) -> None:
        """Set the moved weights to ``base + alpha * (tuned - base)``; ``tuned`` defaults to the
        model's current weights (pass the same copy for several alphas)."""
        import torch

        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"WiSE-FT alpha must lie in [0, 1], not {alpha}")
        params = dict(model.named_parameters())
        names = interpolated_names(model, self.method)
        with torch.no_grad():
            for name in names:
                param = params[name]
                end = tuned[name] if tuned is not None else param.detach().to("cpu", copy=True)
                start = self._base_of(name, end).to(torch.float32)
                # lerp is exact at both ends: alpha 0 gives the base, 1 the tuned weights, bit for bit.
                mixed = torch.lerp(start, end.to(torch.float32), alpha)
                param.copy_(mixed.to(param.device, param.dtype))

    def tuned_copy(self, model: Any) -> dict[str, Any]:
        params = dict(model.named_parameters())
        return {n: params[n].detach().to("cpu", copy=True) for n in interpolated_names(model, self.method)}


def choose_alpha(
    wise: WiseFT, model: Any, alphas: list[float], selection: SelectionCallback
) -> tuple[float, dict[str, Any]]:
    """Measure each alpha with the selection's signal and apply the one its rule keeps.

    Returns the alpha and a record of every candidate (for ``selection.json``).
    """
    if selection.base is None:
        raise ValueError("wise_ft auto needs the base measured by the selection")
    tuned = wise.tuned_copy(model)
    candidates = sorted({float(a) for a in alphas})
    points: list[SelectPoint] = []
    for alpha in candidates:
        wise.apply(model, alpha, tuned)
        m, seconds = measure_in_eval_mode(model, selection.tokenizer, selection.scorer, selection.autocast)
        points.append(SelectPoint.of(0, 0.0, m, seconds))
        selection.note(
            f"wise_ft: alpha {alpha:g} knowledge {m.knowledge:.3f} ({m.knowledge_hits}/{m.knowledge_questions}), "
            f"general {m.general:.3f} ({m.general_hits}/{m.general_questions})"
        )
    index, why = choose(points, selection.base.general, selection.max_general_drop)
    # choose() breaks knowledge ties toward the earlier candidate, i.e. the smaller alpha: the one
    # nearer the base, with less damage for the same knowledge.
    alpha = candidates[index] if index is not None else 1.0
    wise.apply(model, alpha, tuned)
    record = {
        "alphas": [{"alpha": a, **asdict(p)} for a, p in zip(candidates, points)],
        "chosen_alpha": alpha,
        "why": why,
    }
    return alpha, record
