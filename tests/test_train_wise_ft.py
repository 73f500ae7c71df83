"""WiSE-FT: base + alpha * (tuned - base), for full fine-tuning and for LoRA (the delta scaled)."""

from __future__ import annotations

import json

import torch

from helpers.selection import KnownScores, valid_rows, write_valid
from helpers.train_data import chat_rows, small_config, write_dataset
from presstune.config.models import VariantSpec
from presstune.train.trainer import train_variant
from presstune.train.wise_ft import WiseFT

ORIGINAL = VariantSpec(name="original", kind="original")


def _weights(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def test_full_interpolation_ends_and_midpoint(tiny_qwen3):
    model = tiny_qwen3(seed=0)
    base = _weights(model)
    wise = WiseFT.before_training(model, "full")
    tuned = _weights(tiny_qwen3(seed=1))  # stands in for the trained weights: same shapes, other values
    model.load_state_dict(tuned, strict=False)
    copy = wise.tuned_copy(model)
    for alpha, expected in ((0.0, base), (1.0, tuned)):
        wise.apply(model, alpha, copy)
        for name, value in model.named_parameters():
            torch.testing.assert_close(value.detach(), expected[name], rtol=0, atol=0)
    wise.apply(model, 0.5, copy)
    for name, value in model.named_parameters():
        torch.testing.assert_close(value.detach(), (base[name] + tuned[name]) / 2)
    assert any((base[n] - tuned[n]).abs().max() > 1e-3 for n in base)


def test_lora_interpolation_scales_the_merged_delta(tiny_qwen3):
    from peft import LoraConfig, get_peft_model

    plain = _weights(tiny_qwen3(seed=0))
    model = get_peft_model(tiny_qwen3(seed=0), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "down_proj"]))
    torch.manual_seed(3)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_" in name:
                param.normal_(0, 0.5)  # a trained adapter: B is no longer zero
    wise = WiseFT.before_training(model, "lora")
    copy = wise.tuned_copy(model)
    assert copy and all(".lora_B." in n for n in copy)

    def merged(alpha: float) -> dict[str, torch.Tensor]:
        wise.apply(model, alpha, copy)
        weights = {}
        for name, module in model.named_modules():
            if hasattr(module, "get_delta_weight"):
                weights[name] = module.base_layer.weight.detach() + module.get_delta_weight("default").detach()
        return weights

    at0, at1, half = merged(0.0), merged(1.0), merged(0.5)
    for name, value in at0.items():
        plain_name = name.removeprefix("base_model.model.") + ".weight"
        torch.testing.assert_close(value, plain[plain_name], rtol=0, atol=0)  # alpha 0: the base
        torch.testing.assert_close(half[name], (value + at1[name]) / 2)
        assert (at1[name] - value).abs().max() > 1e-3


def _train(tmp_path, tiny_qwen3, tiny_tokenizer, method: str, **extra):
    rows = chat_rows(8)
    write_dataset(tmp_path, rows)
    config = small_config(method=method, learning_rate=5e-3, max_steps=4, **extra)
    model = tiny_qwen3(seed=0)
    result = train_variant(config, ORIGINAL, tmp_path, model=model, tokenizer=tiny_tokenizer, progress=False)
    return result, tmp_path / "checkpoints" / "original"


def test_trained_full_model_saved_at_alpha_half(tmp_path, tiny_qwen3, tiny_tokenizer):
    from transformers import AutoModelForCausalLM

    tuned_result, tuned_dir = _train(tmp_path / "a", tiny_qwen3, tiny_tokenizer, "full")
    half_result, half_dir = _train(tmp_path / "b", tiny_qwen3, tiny_tokenizer, "full", wise_ft=0.5)
    assert tuned_result.wise_ft_alpha == 1.0 and half_result.wise_ft_alpha == 0.5
    base = _weights(tiny_qwen3(seed=0))
    tuned = _weights(AutoModelForCausalLM.from_pretrained(tuned_dir))
    half = _weights(AutoModelForCausalLM.from_pretrained(half_dir))
    assert json.loads((half_dir / "train_result.json").read_text())["wise_ft_alpha"] == 0.5
    for name in half:
        torch.testing.assert_close(half[name], (base[name] + tuned[name]) / 2)
    assert any((tuned[n] - base[n]).abs().max() > 1e-3 for n in half)


def test_trained_lora_adapter_saved_with_half_its_delta(tmp_path, tiny_qwen3, tiny_tokenizer):
    from safetensors.torch import load_file

    _, tuned_dir = _train(tmp_path / "a", tiny_qwen3, tiny_tokenizer, "lora")
    _, half_dir = _train(tmp_path / "b", tiny_qwen3, tiny_tokenizer, "lora", wise_ft=0.5)
    tuned = load_file(str(tuned_dir / "adapter_model.safetensors"))
    half = load_file(str(half_dir / "adapter_model.safetensors"))
    assert set(tuned) == set(half)
    for name in tuned:
        expected = tuned[name] / 2 if ".lora_B." in name else tuned[name]
        torch.testing.assert_close(half[name], expected)
    assert any(".lora_B." in n and tuned[n].abs().max() > 1e-4 for n in tuned)


def test_auto_alpha_is_chosen_by_the_validation_signal(tmp_path, tiny_qwen3, tiny_tokenizer):
    from transformers import AutoModelForCausalLM

    rows = chat_rows(8)
    write_dataset(tmp_path, rows)
    write_valid(tmp_path, valid_rows(rows))
    # base general 8/10; one point at step 4; then alphas 0.25, 0.5, 1.0: 1.0 knows most but lost
    # 4 points of general accuracy, 0.5 knows as much as 0.75 would need -> 0.5.
    scorer = KnownScores([(0, 8), (7, 4), (2, 8), (5, 8), (7, 4)])
    config = small_config(
        method="full",
        learning_rate=5e-3,
        max_steps=4,
        select={"metric": "knowledge", "eval_every": 4},
        wise_ft="auto",
        wise_ft_alphas=[1.0, 0.25, 0.5],
    )
    result = train_variant(
        config, ORIGINAL, tmp_path, model=tiny_qwen3(seed=0), tokenizer=tiny_tokenizer, progress=False, scorer=scorer
    )
    assert result.wise_ft_alpha == 0.5
    out = tmp_path / "checkpoints" / "original"
    saved = json.loads((out / "selection.json").read_text())
    assert [a["alpha"] for a in saved["wise_ft"]["alphas"]] == [0.25, 0.5, 1.0]
    assert saved["wise_ft"]["chosen_alpha"] == 0.5
    base, tuned = scorer.seen[0], scorer.seen[1]
    final = _weights(AutoModelForCausalLM.from_pretrained(out))
    for name in tuned:
        torch.testing.assert_close(final[name], (base[name] + tuned[name]) / 2)
