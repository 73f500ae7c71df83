"""What a trained variant's folder receives at the end: its weights (adapter or full model) with
the tokenizer, written without half-written files, and its model card."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from presstune.train.result import TrainResult


def model_card(result: TrainResult, base_model: str) -> str:
    """The variant folder's README.md: what was trained, how, and what was kept."""
    s = result.settings
    lines = [
        "---",
        f"base_model: {base_model}",
        "library_name: " + ("peft" if result.method != "full" else "transformers"),
        "tags: [presstune, sft]",
        "---",
        "",
        f"# {result.variant} — {result.method} fine-tune of {base_model}",
        "",
        f"- Variant: {result.variant_info.get('kind', '?')}, {result.variant_info.get('num_layers', '?')} layers"
        + (
            f" (removed {result.variant_info.get('removed_layers')})"
            if result.variant_info.get("removed_layers")
            else ""
        ),
        f"- Steps: {result.global_step} ({result.epochs:.2f} epochs), tokens seen: {result.tokens_seen:,}",
        f"- Learning rate {s.get('learning_rate')}, {s.get('lr_scheduler')} schedule, warm-up {s.get('warmup_ratio')}, "
        f"effective batch {s.get('effective_batch_sequences')} sequences of <= {s.get('max_seq_length')} tokens",
        f"- Final train loss: {result.final_train_loss}; best eval loss: {result.best_eval_loss}"
        + (" (stopped early)" if result.stopped_early else ""),
        f"- Trainable parameters: {result.trainable_params:,} of {result.total_params:,}",
        "",
        "Loss on assistant tokens only for chat styles, on all tokens for the article style; packed "
        "without cross-document attention. Curves: loss_curve.csv / loss_curve.json.",
    ]
    if result.selection and result.selection.get("chosen"):
        c = result.selection["chosen"]
        lines.append(
            f"- Kept step {c['step']} (epoch {c['epoch']:g}) by validation knowledge {c['knowledge']:.3f} at general "
            f"accuracy {c['general']:.3f}: {result.selection['why']} (selection.json)"
        )
    if result.wise_ft_alpha != 1.0:
        lines.append(f"- WiSE-FT: weights = base + {result.wise_ft_alpha:g} x (tuned - base)")
    if s.get("distill"):
        d = s["distill"]
        teacher = d.get("teacher_model", "the original model")
        lines.append(f"- Distilled from {teacher}: alpha {d['alpha']}, temperature {d['temperature']}")
    return "\n".join(lines) + "\n"


def save_final(trainer: Any, tokenizer: Any, output_dir: Path) -> None:
    """Save the final adapter/weights + tokenizer into ``output_dir`` without half-written files.

    Files are written to a temporary folder first and then renamed into place one by one;
    ``train_result.json`` (written after this) is the marker that the set is complete. Under
    FSDP the full state dict is gathered on rank 0 (a collective: every rank takes part) and
    saved as a plain HF checkpoint, whatever ``fsdp_state_dict_type`` the trainer checkpoints
    use, so ``presstune evaluate`` and ``from_pretrained`` read it like any other.
    """
    state_dict = None
    if getattr(trainer, "is_fsdp_enabled", False):
        state_dict = trainer.accelerator.get_state_dict(trainer.model)  # full, on rank 0's CPU
    if not trainer.is_world_process_zero():
        return
    tmp = Path(tempfile.mkdtemp(prefix=".final-", dir=output_dir))
    try:
        if state_dict is not None:
            model = trainer.accelerator.unwrap_model(trainer.model)
            model.save_pretrained(str(tmp), state_dict=state_dict, safe_serialization=True)
        else:
            trainer.save_model(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        for path in tmp.iterdir():
            if path.is_file() and path.name != "training_args.bin":
                os.replace(path, output_dir / path.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
