"""Trainer callbacks: rich progress, loss-curve export, TensorBoard into the run's logs folder."""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import TrainerCallback
from transformers.integrations import TensorBoardCallback

from presstune.console import log as run_log
from presstune.console import step
from presstune.rundir import atomic_write_json, atomic_write_text
from presstune.train.memory import (
    ACTIVATION_COPIES_PER_LAYER,
    CHECKPOINT_MARGIN_GIB,
    optimizer_state_bytes,
    trainable_tensors,
)

log = logging.getLogger(__name__)

CURVE_FIELDS = ("step", "epoch", "train_loss", "eval_loss", "learning_rate", "grad_norm", "num_input_tokens_seen")


def loss_curve(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per logged step from ``trainer.state.log_history`` (train and eval logs merged).

    ``log_history`` is saved in every checkpoint's trainer_state.json, so the curve of a resumed
    run is the whole run's curve, not only the part after the restart.
    """
    rows: dict[int, dict[str, Any]] = {}
    for entry in log_history:
        step = entry.get("step")
        if step is None:
            continue
        row = rows.setdefault(step, {k: None for k in CURVE_FIELDS} | {"step": step})
        if "epoch" in entry:
            row["epoch"] = round(float(entry["epoch"]), 4)
        if "loss" in entry:
            row["train_loss"] = entry["loss"]
        if "eval_loss" in entry:
            row["eval_loss"] = entry["eval_loss"]
        for key in ("learning_rate", "grad_norm", "num_input_tokens_seen"):
            if key in entry:
                row[key] = entry[key]
    out = []
    for step in sorted(rows):
        row = rows[step]
        if row["train_loss"] is None and row["eval_loss"] is None:
            continue  # the final train_runtime summary entry
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()})
    return out


def write_loss_curve(log_history: list[dict[str, Any]], out_dir: str | Path) -> list[dict[str, Any]]:
    """Write ``loss_curve.json`` and ``loss_curve.csv`` atomically; returns the rows."""
    rows = loss_curve(log_history)
    out_dir = Path(out_dir)
    atomic_write_json(out_dir / "loss_curve.json", rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CURVE_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    atomic_write_text(out_dir / "loss_curve.csv", buffer.getvalue())
    return rows


class LossCurveCallback(TrainerCallback):
    """Keep loss_curve.{json,csv} current after every log, so a killed run still has its curve."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero:
            write_loss_curve(state.log_history, self.out_dir)


class RunTensorBoardCallback(TensorBoardCallback):
    """TensorBoard event files in ``<run>/logs/<variant>/`` (transformers would use the output dir)."""

    def __init__(self, log_dir: str | Path):
        super().__init__()
        self.logging_dir = str(log_dir)


class RichProgressCallback(TrainerCallback):
    """One progress line per training run with the latest train/eval loss (replaces the tqdm bars),
    and each log dict into the run's log file (replaces transformers' PrinterCallback)."""

    def __init__(self, description: str = "train"):
        self.description = description
        self.step_context = None
        self.bar = None
        self.last: dict[str, str] = {}

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self.step_context = step(self.description, total=state.max_steps, unit="steps", completed=state.global_step)
        self.bar = self.step_context.__enter__()

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(completed=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        run_log.info("%s step %s: %s", self.description, state.global_step, logs)
        if "loss" in logs:
            self.last["loss"] = f"loss {logs['loss']:.4f}"
        if "eval_loss" in logs:
            self.last["eval"] = f"eval loss {logs['eval_loss']:.4f}"
        if self.bar is not None:
            self.bar.update(info="  ".join(self.last.values()))

    def on_train_end(self, args, state, control, **kwargs):
        self.close(state.global_step)

    def close(self, completed: int | None = None, error: BaseException | None = None) -> None:
        """End the line (``train_variant`` calls this with the error when training raised)."""
        if self.bar is None:
            return
        if completed is not None:
            self.bar.update(completed=completed)
        context, self.step_context, self.bar = self.step_context, None, None
        if error is None:
            context.__exit__(None, None, None)
        else:
            context.__exit__(type(error), error, error.__traceback__)


@dataclass
class CheckpointPlan:
    """How many decoder layers run un-checkpointed under ``gradient_checkpointing: auto``, and why."""

    skip_layers: int
    layers: int
    target_gib: float
    allocated_gib: float
    planned_peak_gib: float
    per_layer_gib: float

    def describe(self) -> str:
        return (
            f"gradient checkpointing auto: {self.skip_layers} of {self.layers} layers un-checkpointed "
            f"(~{self.per_layer_gib:.2f} GiB each), planned peak {self.planned_peak_gib:.1f} GiB of a "
            f"{self.target_gib:.1f} GiB target ({self.allocated_gib:.1f} GiB in use at the start)"
        )


def plan_checkpointing(
    *,
    layers: int,
    hidden: int,
    intermediate: int,
    vocab: int,
    tokens: int,
    activation_bytes: int,
    trainable_params: int,
    trainable_param_bytes: int,
    allocated_bytes: int,
    target_bytes: int,
    fused_loss: bool,
    optimizer_state_bytes: int | None = None,
) -> CheckpointPlan:
    """Layers to leave un-checkpointed so that the planned peak stays within ``target_bytes``.

    Planned peak = what is allocated now (weights, adapters) + gradients and optimizer state of
    the trainable parameters (allocated at the first step; ``optimizer_state_bytes`` on the GPU,
    None: two fp32 moments) + the checkpointed layers' inputs + one layer recomputed in backward
    + the loss's logits + a margin + ``skip`` un-checkpointed layers.
    """
    gib = 2**30
    per_layer = ACTIVATION_COPIES_PER_LAYER * (hidden + intermediate) * activation_bytes * tokens
    states = trainable_params * 8 if optimizer_state_bytes is None else optimizer_state_bytes
    optimizer = trainable_params * trainable_param_bytes + states  # gradients + optimizer state
    inputs = layers * tokens * hidden * activation_bytes
    logits = (tokens * vocab * 4 * 2) if not fused_loss else 0  # fp32 logits and their gradient
    fixed = allocated_bytes + optimizer + inputs + per_layer + logits + int(CHECKPOINT_MARGIN_GIB * gib)
    skip = max(0, min(layers, (target_bytes - fixed) // per_layer)) if per_layer > 0 else layers
    return CheckpointPlan(
        skip_layers=int(skip),
        layers=layers,
        target_gib=target_bytes / gib,
        allocated_gib=allocated_bytes / gib,
        planned_peak_gib=(fixed + skip * per_layer) / gib,
        per_layer_gib=per_layer / gib,
    )


class SelectiveCheckpointCallback(TrainerCallback):
    """Turn gradient checkpointing off again for the last ``skip_layers`` decoder layers.

    ``Trainer`` enables checkpointing on every layer just before ``on_train_begin``; no
    transformers/TRL option checkpoints only some layers, so this flips the per-layer flag of
    transformers' ``GradientCheckpointingLayer``. Results are identical; only the
    recompute-vs-memory trade changes. ``skip_layers="auto"`` plans the number from the GPU's
    memory (:func:`plan_checkpointing`) when training starts, once the model sits on the GPU.
    """

    def __init__(
        self,
        skip_layers: int | str,
        *,
        target_gib: float | None = None,
        tokens: int = 0,
        fused_loss: bool = False,
        log_file: str | Path | None = None,
    ):
        self.skip_layers = skip_layers
        self.target_gib = target_gib
        self.tokens = tokens
        self.fused_loss = fused_loss
        self.log_file = Path(log_file) if log_file is not None else None
        self.skipped = 0
        self.plan: CheckpointPlan | None = None

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        from transformers.modeling_layers import GradientCheckpointingLayer

        if model is None:
            return
        layers = [m for m in model.modules() if isinstance(m, GradientCheckpointingLayer) and m.gradient_checkpointing]
        skip = self.skip_layers
        if skip == "auto":
            skip = self._auto(
                model, len(layers), bool(args.bf16 or args.fp16), getattr(args.optim, "value", args.optim)
            )
        skip = min(int(skip), len(layers))
        if skip <= 0:
            return
        for layer in layers[len(layers) - skip :]:
            layer.gradient_checkpointing = False
        self.skipped = skip

    def _auto(self, model: Any, n_layers: int, mixed_precision: bool, optim: str) -> int:
        import torch

        param = next(model.parameters())
        if param.device.type != "cuda":
            log.info("gradient checkpointing auto: not on a CUDA GPU, so no layer is checkpointed")
            self._note("gradient checkpointing auto: not on a CUDA GPU; no layer checkpointed")
            return n_layers
        device = param.device
        free, total = torch.cuda.mem_get_info(device)
        usable = free + torch.cuda.memory_reserved(device)
        target = min(usable, int((self.target_gib or 0.9 * total / 2**30) * 2**30))
        cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
        trainable = [p for p in model.parameters() if p.requires_grad]
        param_bytes = trainable[0].element_size() if trainable else 4
        states = optimizer_state_bytes(optim, trainable_tensors(model), param_bytes)  # paged states: host RAM
        self.plan = plan_checkpointing(
            layers=n_layers,
            hidden=cfg.hidden_size,
            intermediate=getattr(cfg, "intermediate_size", 4 * cfg.hidden_size),
            vocab=cfg.vocab_size,
            tokens=self.tokens,
            activation_bytes=2 if mixed_precision or param.dtype != torch.float32 else 4,
            trainable_params=sum(p.numel() for p in trainable),
            trainable_param_bytes=param_bytes,
            allocated_bytes=torch.cuda.memory_allocated(device),
            target_bytes=target,
            fused_loss=self.fused_loss,
            optimizer_state_bytes=None if states is None else states[0],
        )
        log.info(self.plan.describe())
        self._note(self.plan.describe())
        return self.plan.skip_layers

    def _note(self, line: str) -> None:
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


class LoraAutocastInputCallback(TrainerCallback):
    """Stop PEFT's per-call cast of LoRA inputs to the adapter dtype while training runs under autocast.

    PEFT keeps LoRA weights in fp32 on a bf16 base and casts every input ``x`` to fp32 before
    ``lora_A``; under autocast that fp32 copy is cast back to bf16 for the matmul, and backward
    keeps this second copy of ``x`` (one per adapted Linear, in every un-checkpointed layer; the
    memory it saves: benchmarks/RESULTS_train.md). Without PEFT's cast, autocast gets ``x`` itself
    (already bf16, so no copy) and the fp32 weights cast once per step (autocast's weight cache).
    bf16 -> fp32 -> bf16 is exact, so loss and gradients are bit-identical. Only used when the Trainer autocasts
    (bf16/fp16 mixed precision): without autocast, an fp32 adapter needs fp32 inputs.
    """

    def __init__(self) -> None:
        self.changed: list[Any] = []

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        from peft.tuners.tuners_utils import BaseTunerLayer

        if model is None or not (args.bf16 or args.fp16):
            return
        for module in model.modules():
            if isinstance(module, BaseTunerLayer) and getattr(module, "cast_input_dtype_enabled", False):
                module.cast_input_dtype_enabled = False
                self.changed.append(module)

    def on_train_end(self, args, state, control, **kwargs):
        for module in self.changed:  # merge/save/evaluate later run without autocast
            module.cast_input_dtype_enabled = True
        self.changed = []
