"""Healing by logit distillation: the KL term is zero for an identical teacher and moves the loss otherwise."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
import torch

from helpers.train_data import chat_rows, small_config, write_dataset
from presstune.config.models import VariantSpec
from presstune.models.surgery import make_variant
from presstune.train.data import LoadedSplit, to_dataset
from presstune.train.distill import DistillSFTTrainer, distillation_sums
from presstune.train.trainer import build_sft_config, train_variant


def _trainer(student, teacher, tokenizer, alpha, temperature=2.0):
    # pinned to the CPU: on a GPU machine the Trainer would move the student to CUDA, away from the
    # teacher and the reference computations here
    config = small_config(method="full", per_device_batch_size=4, trl={"use_cpu": True})
    args = build_sft_config(config, Path(tempfile.mkdtemp()), has_eval=False, is_chat=True)
    return DistillSFTTrainer(
        model=student,
        args=args,
        train_dataset=to_dataset(LoadedSplit(rows=chat_rows(8), format="chat")),
        processing_class=tokenizer,
        teacher=teacher,
        alpha=alpha,
        temperature=temperature,
        chunk_tokens=7,
    )


def _batch(trainer):
    return next(iter(trainer.get_train_dataloader()))


def _ce(model, batch):
    """Reference cross-entropy on the trained tokens, from full logits."""
    forward = {k: v for k, v in batch.items() if k != "labels"}
    logits = model(**forward, use_cache=False).logits[0, :-1]
    target = batch["labels"][0, 1:]
    keep = target != -100
    return torch.nn.functional.cross_entropy(logits[keep].float(), target[keep])


def test_identical_teacher_gives_zero_kl(tiny_qwen3, tiny_tokenizer):
    student = tiny_qwen3(seed=0)
    trainer = _trainer(student, copy.deepcopy(student), tiny_tokenizer, alpha=1.0)
    student.train()  # dropout is 0 in Qwen3's config, so train mode is deterministic here
    batch = _batch(trainer)
    loss = trainer.compute_loss(student, dict(batch))
    assert abs(loss.item()) < 1e-6
    assert trainer.distill_metrics["distill_kl"][-1] < 1e-6


def test_loss_mixes_ce_and_kl_of_a_different_teacher(tiny_qwen3, tiny_tokenizer):
    student = tiny_qwen3(seed=0, num_hidden_layers=4)
    student, _ = make_variant(student, VariantSpec(name="dropped", kind="dropped", layer=2))
    teacher = tiny_qwen3(seed=0, num_hidden_layers=4)  # the original: one more layer
    alpha, temperature = 0.3, 2.0
    trainer = _trainer(student, teacher, tiny_tokenizer, alpha=alpha, temperature=temperature)
    student.train()
    batch = _batch(trainer)
    loss = trainer.compute_loss(student, dict(batch))
    with torch.no_grad():
        ce = _ce(student, batch)
        forward = {k: v for k, v in batch.items() if k != "labels"}
        s = student(**forward, use_cache=False).logits[0, :-1].float()
        t = teacher(**forward, use_cache=False).logits[0, :-1].float()
    keep = batch["labels"][0, 1:] != -100
    kl = torch.nn.functional.kl_div(
        torch.log_softmax(s[keep] / temperature, -1),
        torch.log_softmax(t[keep] / temperature, -1),
        log_target=True,
        reduction="batchmean",
    )
    assert kl > 1e-4  # the teacher really differs
    expected = (1 - alpha) * ce + alpha * temperature**2 * kl
    torch.testing.assert_close(loss.detach(), expected, rtol=1e-5, atol=1e-6)
    # and the gradient flows into the student only
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())
    assert all(p.grad is None for p in teacher.parameters())


def test_chunked_sums_match_unchunked():
    torch.manual_seed(0)
    s = torch.randn(10, 33, requires_grad=True)
    t = torch.randn(10, 33)
    y = torch.randint(0, 33, (10,))
    ce1, kl1 = distillation_sums(s, t, y, 1.5, chunk_tokens=3)
    ce2, kl2 = distillation_sums(s, t, y, 1.5, chunk_tokens=100)
    torch.testing.assert_close(ce1, ce2)
    torch.testing.assert_close(kl1, kl2)
    (ce1 + kl1).backward()
    assert s.grad is not None and torch.isfinite(s.grad).all()


@pytest.mark.slow
def test_distilled_training_run(tmp_path, tiny_qwen3, tiny_tokenizer):
    write_dataset(tmp_path, chat_rows(8), chat_rows(4))
    spec = VariantSpec(name="dropped", kind="dropped", layer=1)
    student, _ = make_variant(tiny_qwen3(seed=0), spec)
    config = small_config(max_steps=3, save_steps=3, eval_steps=3)
    config.train.distill.teacher = "original"
    from transformers import TrainerCallback

    class Logs(TrainerCallback):
        seen: list[dict] = []

        def on_log(self, args, state, control, logs=None, **kwargs):
            self.seen.append(dict(logs or {}))

    result = train_variant(
        config,
        spec,
        tmp_path,
        model=student,
        tokenizer=tiny_tokenizer,
        teacher=tiny_qwen3(seed=0),
        progress=False,
        callbacks=[Logs()],
    )
    assert result.settings["distill"]["teacher"] == "original" and result.global_step == 3
    assert result.best_eval_loss is not None
    # The distillation terms reach the training logs through Trainer.log, not TRL's private _metrics.
    train_logs = [entry for entry in Logs.seen if "loss" in entry]
    assert train_logs and all("distill_kl" in e and "distill_ce" in e for e in train_logs)
    assert all("distill_kl" not in e for e in Logs.seen if "eval_loss" in e)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["original"])
def test_original_variant_is_never_distilled(tmp_path, tiny_qwen3, tiny_tokenizer, kind):
    write_dataset(tmp_path, chat_rows(4))
    config = small_config(max_steps=1)
    config.train.distill.teacher = "original"
    result = train_variant(
        config,
        VariantSpec(name=kind, kind=kind),
        tmp_path,
        model=tiny_qwen3(),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    assert result.settings["distill"] is None
