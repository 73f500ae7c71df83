"""Trainer callbacks: rich progress, loss-curve export, TensorBoard into the run's logs folder."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from transformers import TrainerCallback
from transformers.integrations import TensorBoardCallback

from presstune.rundir import atomic_write_json, atomic_write_text

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
        from presstune.console import step

        self.step_context = step(self.description, total=state.max_steps, unit="steps", completed=state.global_step)
        self.bar = self.step_context.__enter__()

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(completed=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        from presstune.console import log

        log.info("%s step %s: %s", self.description, state.global_step, logs)
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


class SelectiveCheckpointCallback(TrainerCallback):
    """Turn gradient checkpointing off again for the last ``skip_layers`` decoder layers.

    ``Trainer`` enables checkpointing on every layer just before ``on_train_begin``; no
    transformers/TRL option checkpoints only some layers, so this flips the per-layer flag of
    transformers' ``GradientCheckpointingLayer``. Results are identical; only the
    recompute-vs-memory trade changes.
    """

    def __init__(self, skip_layers: int):
        self.skip_layers = skip_layers
        self.skipped = 0

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        from transformers.modeling_layers import GradientCheckpointingLayer

        if model is None or self.skip_layers <= 0:
            return
        layers = [m for m in model.modules() if isinstance(m, GradientCheckpointingLayer) and m.gradient_checkpointing]
        for layer in layers[len(layers) - min(self.skip_layers, len(layers)) :]:
            layer.gradient_checkpointing = False
        self.skipped = min(self.skip_layers, len(layers))


class LoraAutocastInputCallback(TrainerCallback):
    """Stop PEFT's per-call cast of LoRA inputs to the adapter dtype while training runs under autocast.

    PEFT keeps LoRA weights in fp32 on a bf16 base and casts every input ``x`` to fp32 before
    ``lora_A``; under autocast that fp32 copy is cast back to bf16 for the matmul, and backward
    keeps this second copy of ``x`` (one per adapted Linear; measured on Qwen3-8B at 4,096 tokens:
    0.60 -> 0.49 GiB per un-checkpointed layer, benchmarks/RESULTS_train.md). Without PEFT's cast, autocast gets ``x`` itself (already bf16, so no copy)
    and the fp32 weights cast once per step (autocast's weight cache). bf16 -> fp32 -> bf16 is
    exact, so loss and gradients are bit-identical. Only used when the Trainer autocasts
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
