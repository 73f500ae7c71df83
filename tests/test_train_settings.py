"""train.trl pass-through, the activation-checkpointing argument, and gradient_checkpointing: auto's plan."""

from __future__ import annotations

import warnings

import pytest

from helpers.train_data import small_config
from presstune.train.callbacks import plan_checkpointing
from presstune.train.trainer import TrainError, build_sft_config

GIB = 2**30


def test_trl_mapping_reaches_sftconfig_verbatim(tmp_path):
    config = small_config(trl={"neftune_noise_alpha": 5.0, "dataloader_num_workers": 1})
    args = build_sft_config(config, tmp_path, has_eval=False, is_chat=False)
    assert args.neftune_noise_alpha == 5.0 and args.dataloader_num_workers == 1


def test_trl_mapping_names_an_unknown_field(tmp_path):
    config = small_config(trl={"neftune_noise_alpha": 5.0, "learning_rte": 1e-3})
    with pytest.raises(TrainError, match="learning_rte is not a TRL SFTConfig field"):
        build_sft_config(config, tmp_path, has_eval=False, is_chat=False)


def test_trl_mapping_may_not_override_a_presstune_setting(tmp_path):
    config = small_config(trl={"learning_rate": 1e-3})
    with pytest.raises(TrainError, match="learning_rate is set by presstune"):
        build_sft_config(config, tmp_path, has_eval=False, is_chat=False)


@pytest.mark.parametrize("setting", [True, "auto"])
def test_checkpointing_uses_the_current_argument_without_a_deprecation_warning(tmp_path, setting):
    config = small_config(gradient_checkpointing=setting)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*gradient_checkpointing.*deprecated", category=FutureWarning)
        args = build_sft_config(config, tmp_path, has_eval=False, is_chat=False)
    assert args.gradient_checkpointing is True  # mirrored from activation_checkpointing where that exists


QWEN3_8B = dict(layers=36, hidden=4096, intermediate=12288, vocab=151936, tokens=4096, activation_bytes=2)
LORA = dict(trainable_params=43_646_976, trainable_param_bytes=4, allocated_bytes=int(15.5 * GIB), fused_loss=True)


def test_plan_fits_the_target_and_uses_what_is_left():
    plan = plan_checkpointing(**QWEN3_8B, **LORA, target_bytes=24 * GIB)
    assert 0 < plan.skip_layers < 36
    assert plan.planned_peak_gib <= 24
    assert plan.planned_peak_gib + plan.per_layer_gib > 24  # one layer more would not fit
    # measured on an H200 (RESULTS_train.md): 0.49 GiB per un-checkpointed layer of Qwen3-8B LoRA at 4k
    assert plan.per_layer_gib == pytest.approx(0.49, abs=0.02)
    assert "of 36 layers un-checkpointed" in plan.describe()


def test_plan_leaves_every_layer_unchecked_on_a_large_gpu_and_none_on_a_small_one():
    assert plan_checkpointing(**QWEN3_8B, **LORA, target_bytes=126 * GIB).skip_layers == 36
    assert plan_checkpointing(**QWEN3_8B, **LORA, target_bytes=16 * GIB).skip_layers == 0


def test_plan_reserves_optimizer_state_and_logits():
    lora = plan_checkpointing(**QWEN3_8B, **LORA, target_bytes=100 * GIB)
    # full fine-tuning: a gradient and two AdamW moments for all 8.2 G parameters (~92 GiB) come on top
    full = plan_checkpointing(**QWEN3_8B, **{**LORA, "trainable_params": 8_190_735_360}, target_bytes=100 * GIB)
    assert lora.skip_layers == 36 and full.skip_layers == 0
    # without a fused loss the [tokens, vocab] fp32 logits and their gradient (4.6 GiB) are planned for
    fused = plan_checkpointing(**QWEN3_8B, **LORA, target_bytes=24 * GIB)
    unfused = plan_checkpointing(**QWEN3_8B, **{**LORA, "fused_loss": False}, target_bytes=24 * GIB)
    assert unfused.skip_layers < fused.skip_layers
