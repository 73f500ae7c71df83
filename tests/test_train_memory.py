"""The training memory estimate (presstune.train.memory) and train.optim: auto's choice from it.

The tiny Qwen3 below is small enough to count by hand, and large enough to cross bitsandbytes'
thresholds: its embedding and LM head (131,072 elements) are paged by a paged optimizer, its
4,096-element projections get 8-bit states, its 2,048-element k/v projections and norms keep
32-bit ones.
"""

from __future__ import annotations

import json

import pytest

from helpers.train_data import small_config, text_rows, write_dataset
from presstune.config.models import VariantSpec
from presstune.train.memory import (
    GIB,
    NF4_BYTES_PER_ELEMENT,
    ActivationSettings,
    MemoryBudget,
    MemoryFitError,
    choose_optimizer,
    estimate,
    model_sizes,
    optimizer_state_bytes,
)
from presstune.train.trainer import TrainError, build_sft_config, plan_optimizer, train_variant

RESERVE = 2 * GIB
# per decoder layer: q 64x64, k and v 64x32, o 64x64, q/k norms 16, gate/up/down 64x256, two norms 64
LAYER = 4096 + 2048 + 2048 + 4096 + 16 + 16 + 3 * 16384 + 64 + 64
TOTAL = 2 * LAYER + 2048 * 64 + 2048 * 64 + 64  # two layers, embedding, LM head (untied), final norm
ACT = ActivationSettings(tokens=32, activation_bytes=2, checkpointing=True, unchecked_layers=0, fused_loss=False)
# checkpointed inputs 2 x 32 x 64 x 2 B + one recomputed layer 4 x (64 + 256) x 2 B x 32 + fp32 logits and gradient
ACTIVATIONS = 2 * 32 * 64 * 2 + 4 * 320 * 2 * 32 + 32 * 2048 * 4 * 2
# full fine-tuning under autocast: bf16 copies of the recomputed layer's Linear weights and the LM head's
FULL_ACTIVATIONS = ACTIVATIONS + 2 * (4096 + 2048 + 2048 + 4096 + 3 * 16384) + 2 * 2048 * 64


@pytest.fixture(scope="module")
def tiny():
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(0)
    config = Qwen3Config(
        vocab_size=2048,
        hidden_size=64,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        tie_word_embeddings=False,
    )
    return Qwen3ForCausalLM(config)


def test_parameters_are_counted_from_the_model(tiny):
    full = model_sizes(tiny, "full")
    assert full.total_params == TOTAL == 385_408 == sum(p.numel() for p in tiny.parameters())
    assert full.trainable_params == TOTAL and full.quantized_params == 0
    assert (full.layers, full.hidden, full.intermediate, full.vocab) == (2, 64, 256, 2048)
    assert [t.numel for t in full.trainable if t.embedding] == [2048 * 64]
    assert (full.layer_linear_params, full.head_params) == (4096 + 2048 + 2048 + 4096 + 3 * 16384, 2048 * 64)


def test_lora_adapters_are_counted_as_peft_makes_them(tiny):
    import copy

    from peft import LoraConfig, get_peft_model

    lora = model_sizes(tiny, "lora", lora_r=4, lora_targets=["q_proj", "v_proj"])
    # q: A 4 x 64 + B 64 x 4; v: A 4 x 64 + B 32 x 4; two layers
    assert lora.trainable_params == 2 * (512 + 384) == 1792
    assert lora.total_params == TOTAL + 1792
    peft = get_peft_model(copy.deepcopy(tiny), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    assert sum(p.numel() for p in peft.parameters() if p.requires_grad) == lora.trainable_params
    assert sum(p.numel() for p in peft.parameters()) == lora.total_params
    qlora = model_sizes(tiny, "qlora", lora_r=4, lora_targets=["q_proj", "v_proj"])
    assert qlora.quantized_params == 2 * (4096 + 2048 + 2048 + 4096 + 3 * 16384)  # every Linear but the LM head


def test_full_finetuning_bytes_by_optimizer(tiny):
    sizes = model_sizes(tiny, "full")
    fp32 = estimate(sizes, "adamw_torch_fused", "bf16", ACT)
    assert (fp32.weights, fp32.gradients, fp32.optimizer_states) == (4 * TOTAL, 4 * TOTAL, 8 * TOTAL)
    assert fp32.activations == FULL_ACTIVATIONS == 999_424 and fp32.reserve == RESERVE
    assert fp32.device_total == 16 * TOTAL + FULL_ACTIVATIONS + RESERVE

    # 8-bit: the embedding keeps 32-bit states (Trainer's override), as do tensors under 4,096
    # elements (k, v, norms); 8-bit tensors pay 2 B per element plus two fp32 scales per 256.
    embedding = 8 * 131072
    lm_head = 2 * 131072 + 8 * 512
    layer = 2 * (2 * 4096 + 8 * 16) + 2 * 8 * 2048 + 3 * (2 * 16384 + 8 * 64) + 8 * (16 + 16 + 64 + 64)
    eight_bit = estimate(sizes, "adamw_8bit", "bf16", ACT)
    assert eight_bit.optimizer_states == embedding + lm_head + 2 * layer + 8 * 64 == 1_616_384
    assert eight_bit.host_optimizer_states == 0

    # paged: tensors of >= 100,000 elements (embedding, LM head) page their moments to the host;
    # their block scales and everything smaller stay, plus the largest paged tensor being updated
    paged = estimate(sizes, "paged_adamw_8bit", "bf16", ACT)
    assert paged.host_optimizer_states == embedding + 2 * 131072 == 1_310_720
    assert paged.optimizer_states == 8 * 512 + 2 * layer + 8 * 64 + embedding == 1_354_240

    assert optimizer_state_bytes("sgd", sizes.trainable) is None
    assert estimate(sizes, "sgd", "bf16", ACT).optimizer_states is None


def test_lora_and_qlora_weights(tiny):
    targets = ["q_proj", "v_proj"]
    lora = estimate(model_sizes(tiny, "lora", 4, targets), "adamw_torch", "bf16", ACT)
    assert lora.weights == 2 * TOTAL + 4 * 1792  # bf16 base, fp32 adapters
    assert (lora.gradients, lora.optimizer_states) == (4 * 1792, 8 * 1792)
    qlora = estimate(model_sizes(tiny, "qlora", 4, targets), "adamw_torch", "bf16", ACT)
    quantized = 2 * (4096 + 2048 + 2048 + 4096 + 3 * 16384)
    assert NF4_BYTES_PER_ELEMENT * quantized == 63_390  # 4 bits + an 8-bit scale per 64 + fp32 per 64 x 256
    assert qlora.weights == 2 * (TOTAL - quantized) + 63_390 + 4 * 1792
    fp32 = estimate(model_sizes(tiny, "lora", 4, targets), "adamw_torch", "fp32", ACT)
    assert fp32.weights == 4 * TOTAL + 4 * 1792


def test_activation_allowance_follows_checkpointing_and_the_fused_loss(tiny):
    sizes = model_sizes(tiny, "full")
    per_layer = 4 * 320 * 2 * 32
    copies = 2 * 61440  # one layer's Linear weights in bf16
    head = 2 * 2048 * 64
    plain = ActivationSettings(tokens=32, activation_bytes=2, checkpointing=False, fused_loss=True)
    assert estimate(sizes, "adamw_torch", "bf16", plain).activations == 2 * (per_layer + copies) + head
    skip_one = ActivationSettings(32, 2, checkpointing=True, unchecked_layers=1, fused_loss=True)
    assert (
        estimate(sizes, "adamw_torch", "bf16", skip_one).activations
        == 2 * 32 * 64 * 2 + 2 * (per_layer + copies) + head
    )
    # LoRA's frozen weights are bf16 already: no copies; fp32 training: none either
    lora = model_sizes(tiny, "lora", 4, ["q_proj"])
    assert estimate(lora, "adamw_torch", "bf16", skip_one).activations == 2 * 32 * 64 * 2 + 2 * per_layer
    fp32 = ActivationSettings(32, 4, checkpointing=False, fused_loss=True)
    assert estimate(sizes, "adamw_torch", "fp32", fp32).activations == 2 * 2 * per_layer


def budget(extra: int, device: str = "cuda", host: int = 64 * GIB) -> MemoryBudget:
    return MemoryBudget(device, RESERVE + extra, host)


@pytest.mark.parametrize(
    ("extra", "chosen"),
    [
        (7_200_000, "adamw_torch_fused"),  # 16 B per parameter + activations: 7,165,952
        (6_000_000, "adamw_8bit"),  # weights + gradients + 8-bit states + activations: 5,699,072
        (5_500_000, "paged_adamw_8bit"),  # the same with the large tensors' moments on the host: 5,436,928
    ],
)
def test_auto_takes_the_first_optimizer_that_fits(tiny, extra, chosen):
    choice = choose_optimizer("auto", model_sizes(tiny, "full"), budget(extra), "bf16", ACT)
    assert choice.optim == chosen and choice.estimate.optim == chosen
    assert choice.estimate.device_total <= RESERVE + extra
    assert [e.optim for e in choice.considered][:1] == ["adamw_torch_fused"]
    record = json.loads(json.dumps(choice.to_json()))
    assert record["setting"] == "auto" and record["optim"] == chosen and record["estimate"]["optim"] == chosen


def test_auto_says_what_it_tried_when_nothing_fits(tiny):
    sizes = model_sizes(tiny, "full")
    with pytest.raises(MemoryFitError, match="no optimizer fits full fine-tuning") as err:
        choose_optimizer("auto", sizes, budget(5_400_000), "bf16", ACT)
    for name in ("adamw_torch_fused", "adamw_8bit", "paged_adamw_8bit"):
        assert name in str(err.value)
    assert [e.optim for e in err.value.considered] == ["adamw_torch_fused", "adamw_8bit", "paged_adamw_8bit"]
    # paged states need host RAM too
    with pytest.raises(MemoryFitError):
        choose_optimizer("auto", sizes, budget(5_500_000, host=1_000_000), "bf16", ACT)
    # on the CPU there is no 8-bit or paged fallback
    with pytest.raises(MemoryFitError):
        choose_optimizer("auto", sizes, budget(6_000_000, device="cpu"), "bf16", ACT)


def test_an_explicit_optimizer_wins_even_where_it_is_estimated_not_to_fit(tiny):
    choice = choose_optimizer("adamw_torch", model_sizes(tiny, "full"), budget(1_000), "bf16", ACT)
    assert choice.optim == "adamw_torch" and "set explicitly; estimated NOT to fit" in choice.reason
    unknown = choose_optimizer("sgd", model_sizes(tiny, "full"), budget(1_000), "bf16", ACT)
    assert unknown.optim == "sgd" and unknown.estimate.optimizer_states is None


def test_the_choice_reaches_the_trainer_arguments(tmp_path, tiny):
    config = small_config(method="full", optim="adamw_torch")
    assert plan_optimizer(config.train, tiny, tmp_path).optim == "adamw_torch"
    plan = json.loads((tmp_path / "memory_plan.json").read_text())
    assert plan["setting"] == "adamw_torch" and plan["estimate"]["weights"] == 4 * TOTAL
    assert build_sft_config(config, tmp_path, has_eval=False, is_chat=False, optim="adamw_torch").optim == "adamw_torch"

    auto = small_config(method="full", optim="auto")
    chosen = plan_optimizer(auto.train, tiny).optim
    assert chosen == "adamw_torch_fused"  # this machine's memory holds a tiny model's fp32 states
    assert build_sft_config(auto, tmp_path, has_eval=False, is_chat=False, optim=chosen).optim == chosen
    with pytest.raises(TrainError, match="optim auto is resolved"):
        build_sft_config(auto, tmp_path, has_eval=False, is_chat=False)


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "ran"), [("auto", "adamw_torch_fused"), ("sgd", "sgd")])
def test_training_records_the_optimizer_that_ran(tmp_path, tiny_qwen3, tiny_tokenizer, setting, ran):
    write_dataset(tmp_path, text_rows(6))
    config = small_config(method="full", optim=setting, max_steps=2, save_steps=2)
    spec = VariantSpec(name="original", kind="original")
    from transformers import TrainerCallback

    built = []

    class OptimizerSpy(TrainerCallback):
        def on_train_begin(self, args, state, control, optimizer=None, **kwargs):
            inner = getattr(optimizer, "optimizer", optimizer)  # accelerate wraps it
            built.append((type(inner).__name__, inner.defaults.get("fused")))

    result = train_variant(
        config,
        spec,
        tmp_path,
        model=tiny_qwen3(seed=0),
        tokenizer=tiny_tokenizer,
        progress=False,
        callbacks=[OptimizerSpy()],
    )
    out = tmp_path / "checkpoints" / "original"
    assert result.settings["optim"] == setting and result.settings["optimizer"] == ran
    assert json.loads((out / "train_result.json").read_text())["settings"]["optimizer"] == ran
    assert json.loads((out / "memory_plan.json").read_text())["optim"] == ran
    assert built == ([("AdamW", True)] if ran == "adamw_torch_fused" else [("SGD", None)])


def test_checkpointing_plan_counts_only_the_optimizer_states_on_the_gpu():
    from presstune.models.params import meta_model, resolve_config
    from presstune.train.callbacks import plan_checkpointing

    sizes = model_sizes(meta_model(resolve_config("Qwen/Qwen3-8B")[0]), "full")
    on_gpu, on_host = optimizer_state_bytes("paged_adamw_8bit", sizes.trainable)
    assert on_host > 3 * on_gpu  # the paged moments of all large tensors are on the host
    shape = dict(layers=36, hidden=4096, intermediate=12288, vocab=151936, tokens=4096, activation_bytes=2)
    common = dict(
        trainable_params=sizes.trainable_params,
        trainable_param_bytes=4,
        allocated_bytes=4 * sizes.total_params,
        target_bytes=int(0.9 * 79.2 * GIB),  # an 80 GB H100 at the default target
        fused_loss=True,
    )
    fp32_states = plan_checkpointing(**shape, **common)
    paged = plan_checkpointing(**shape, **common, optimizer_state_bytes=on_gpu)
    assert fp32_states.skip_layers == 0 and paged.skip_layers > 0
    assert paged.planned_peak_gib <= 0.9 * 79.2
