"""Selective gradient checkpointing: only the last N decoder layers skip checkpointing, and the
training result (loss, gradients) is the same as with every layer checkpointed."""

from __future__ import annotations

import pytest
import torch
from transformers import Qwen3Config, Qwen3ForCausalLM, TrainerControl, TrainerState, TrainingArguments

from presstune.config.train import TrainConfig
from presstune.train.callbacks import SelectiveCheckpointCallback
from presstune.train.trainer import speed_callbacks


def _model() -> Qwen3ForCausalLM:
    torch.manual_seed(0)
    cfg = Qwen3Config(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
    )
    model = Qwen3ForCausalLM(cfg)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    return model


def _grads(model: Qwen3ForCausalLM, ids: torch.Tensor) -> tuple[float, list[torch.Tensor]]:
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    return loss.item(), [p.grad.clone() for p in model.parameters()]


@pytest.mark.slow
def test_last_layers_skip_checkpointing_with_identical_gradients(tmp_path):
    ids = torch.randint(0, 128, (1, 24), generator=torch.Generator().manual_seed(1))
    ref_loss, ref_grads = _grads(_model(), ids)

    model = _model()
    cb = SelectiveCheckpointCallback(2)
    cb.on_train_begin(TrainingArguments(output_dir=str(tmp_path)), TrainerState(), TrainerControl(), model=model)
    assert [layer.gradient_checkpointing for layer in model.model.layers] == [True, True, False, False]
    assert cb.skipped == 2
    loss, grads = _grads(model, ids)
    assert abs(loss - ref_loss) < 1e-6
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-6)


def test_speed_callbacks_follow_config():
    plain = {"lora_autocast_inputs": False}  # that callback is tested in test_train_lora_autocast.py
    assert speed_callbacks(TrainConfig(**plain)) == []
    assert (
        speed_callbacks(TrainConfig(gradient_checkpointing=False, gradient_checkpointing_skip_layers=3, **plain)) == []
    )
    (cb,) = speed_callbacks(TrainConfig(gradient_checkpointing_skip_layers=3, **plain))
    assert isinstance(cb, SelectiveCheckpointCallback) and cb.skip_layers == 3
