"""Healing a reduced variant by logit distillation from the original model (Minitron-style).

loss = (1 - alpha) * CE(student, labels) + alpha * T^2 * KL(teacher_T || student_T)

summed over the same tokens the SFT loss uses (labels != -100, i.e. assistant tokens for chat
styles) and divided by the same token count, so the two terms are on one scale and gradient
accumulation stays token-weighted. TRL's SFTTrainer has no teacher term (its
DistillationTrainer is a separate on-policy/GKD trainer with its own data flow), so this is a
small ``compute_loss`` override. Evaluation keeps the plain SFT loss: eval losses of distilled
and non-distilled runs stay comparable.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint
from trl import SFTTrainer


def _kd_chunk(student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor, temperature: float):
    """(CE sum, KL sum) for one chunk of token positions; float32 math."""
    s = student.float()
    ce = F.cross_entropy(s, labels, reduction="sum")
    log_p_s = F.log_softmax(s / temperature, dim=-1)
    log_p_t = F.log_softmax(teacher.float() / temperature, dim=-1)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum()
    return ce, kl


def distillation_sums(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    chunk_tokens: int = 1024,
) -> tuple[torch.Tensor, torch.Tensor]:
    """CE and KL sums over N selected positions (``[N, V]`` logits, ``[N]`` labels).

    Each chunk is recomputed in backward (activation checkpointing), so the float32
    ``[N, V]`` softmax buffers of a 152k vocabulary never exist all at once.
    """
    ce_total = student_logits.new_zeros((), dtype=torch.float32)
    kl_total = student_logits.new_zeros((), dtype=torch.float32)
    for start in range(0, student_logits.shape[0], chunk_tokens):
        sl = slice(start, start + chunk_tokens)
        if student_logits.requires_grad:
            ce, kl = checkpoint(
                _kd_chunk, student_logits[sl], teacher_logits[sl], labels[sl], temperature, use_reentrant=False
            )
        else:
            ce, kl = _kd_chunk(student_logits[sl], teacher_logits[sl], labels[sl], temperature)
        ce_total = ce_total + ce
        kl_total = kl_total + kl
    return ce_total, kl_total


class DistillSFTTrainer(SFTTrainer):
    """SFTTrainer whose training loss adds a KL term towards a frozen teacher's distribution."""

    def __init__(
        self,
        *args: Any,
        teacher: torch.nn.Module,
        alpha: float = 0.5,
        temperature: float = 2.0,
        chunk_tokens: int = 1024,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        teacher.eval()
        for param in teacher.parameters():
            param.requires_grad_(False)
        # Prepared by accelerate, not moved by hand: placed on this rank's device, and sharded
        # like the student under FSDP (evaluation_mode: no DDP wrapper, no gradient sync).
        self.teacher = self.accelerator.prepare_model(teacher, evaluation_mode=True)
        self.alpha = alpha
        self.temperature = temperature
        self.chunk_tokens = chunk_tokens
        #: Per-micro-step CE and KL means since the last log, logged as distill_ce / distill_kl.
        self.distill_metrics: dict[str, list[float]] = {"distill_ce": [], "distill_kl": []}

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if not model.training or return_outputs:
            return super().compute_loss(
                model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch
            )
        labels = inputs["labels"]
        forward = {k: v for k, v in inputs.items() if k != "labels"}
        # use_cache=False matters: with a cache object the packed (block-diagonal) mask is not built.
        forward["use_cache"] = False
        shift_labels = labels[:, 1:]
        mask = shift_labels != -100
        # Only the positions whose next token is trained get logits (batch-wide union of columns).
        positions = mask.any(dim=0).nonzero().flatten()
        student = model(**forward, logits_to_keep=positions).logits
        with torch.no_grad():
            teacher = self.teacher(**forward, logits_to_keep=positions).logits
        keep = mask[:, positions]
        targets = shift_labels[:, positions][keep]
        ce_sum, kl_sum = distillation_sums(
            student[keep], teacher[keep].to(student.dtype), targets, self.temperature, self.chunk_tokens
        )
        count = keep.sum() if num_items_in_batch is None else num_items_in_batch
        count = torch.as_tensor(count, device=ce_sum.device).clamp(min=1)
        loss = ((1.0 - self.alpha) * ce_sum + self.alpha * self.temperature**2 * kl_sum) / count
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes  # Trainer's convention: DDP averages the gradients
        n_local = keep.sum().clamp(min=1)
        self.distill_metrics["distill_ce"].append((ce_sum.detach() / n_local).item())
        self.distill_metrics["distill_kl"].append((kl_sum.detach() / n_local).item())
        return loss

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        """Add the mean distillation terms since the last log to a training log entry."""
        if "loss" in logs:  # a training log (evaluation keeps the plain SFT loss)
            for key, values in self.distill_metrics.items():
                if values:
                    logs[key] = sum(values) / len(values)
                values.clear()
        super().log(logs, start_time)
