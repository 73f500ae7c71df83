"""The Llama family next to Qwen2/Qwen3: params, importance, surgery, LoRA targets, training, scoring.

Tiny random models of each architecture are built from their configs here (float64 for the
surgery checks, so greedy generation cannot flip on a rounding tie). SmolLM2 itself (Llama) is
covered in test_models_offline.py.
"""

from __future__ import annotations

import copy

import pytest
import torch

from helpers.generation import TEXTS, greedy
from helpers.train_data import chat_rows, small_config, write_dataset
from presstune.config.models import VariantSpec
from presstune.models.importance import compute_importance
from presstune.models.params import count_params
from presstune.models.surgery import LAYER_INDEX_ATTRS, check_consistency, make_variant, save_variant

pytestmark = pytest.mark.usefixtures("one_thread")

LAYERS = 6


def family_config(family: str, vocab_size: int, **overrides):
    """A toy-size config of the real architecture (sliding windows small enough to be exercised)."""
    from transformers import LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config

    common = dict(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        initializer_range=0.2,  # varied greedy output from random weights
        tie_word_embeddings=False,
    )
    specific = {
        "llama": (LlamaConfig, dict(rope_theta=10000.0)),
        "mistral": (MistralConfig, dict(sliding_window=8, head_dim=16)),
        "qwen2": (Qwen2Config, dict(use_sliding_window=True, sliding_window=8, max_window_layers=4)),
        "qwen3": (Qwen3Config, dict(head_dim=16)),
    }[family]
    cls, extra = specific
    return cls(**{**common, **extra, **overrides})


FAMILIES = ["llama", "mistral", "qwen2", "qwen3"]


def make_model(family, tokenizer, seed=0, **overrides):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    config = family_config(family, len(tokenizer), **overrides)
    config.pad_token_id = tokenizer.pad_token_id
    config.eos_token_id = tokenizer.eos_token_id
    return AutoModelForCausalLM.from_config(config).eval()


def layer_indices(model):
    """Every layer-index attribute of every module, per decoder layer."""
    return [
        sorted(
            {getattr(m, a) for m in layer.modules() for a in LAYER_INDEX_ATTRS if isinstance(getattr(m, a, None), int)}
        )
        for layer in model.model.layers
    ]


@pytest.mark.parametrize("family", FAMILIES)
def test_params_match_the_instantiated_model(family, tiny_tokenizer):
    config = family_config(family, len(tiny_tokenizer))
    report = count_params(config, model=family)
    model = make_model(family, tiny_tokenizer)
    assert report.total == sum(p.numel() for p in model.parameters())
    assert report.num_layers == LAYERS and len(set(report.per_layer)) == 1
    assert report.model_type == family


SPECS = [
    VariantSpec(name="dropped", kind="dropped"),  # by Block Influence
    VariantSpec(name="first", kind="dropped", layer=0),
    VariantSpec(name="pruned", kind="pruned", keep_layers=3, strategy="block"),
]


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@pytest.mark.parametrize("family", FAMILIES)
def test_surgery_generation_cached_uncached_reloaded(family, spec, tiny_tokenizer, tmp_path):
    from transformers import AutoModelForCausalLM

    model = make_model(family, tiny_tokenizer).double()
    original = copy.deepcopy(model)
    importance = compute_importance(model, tiny_tokenizer, TEXTS, max_length=32, batch_size=2)
    assert importance["num_layers"] == LAYERS and len(importance["block_influence"]) == LAYERS
    old_types = getattr(model.config, "layer_types", None)
    model, info = make_variant(model, spec, importance)
    kept, n = info["kept_layers"], info["num_layers"]
    check_consistency(model)
    assert model.config.num_hidden_layers == len(model.model.layers) == n < LAYERS
    # Every attention layer_idx renumbered 0..n-1; the kept layers are the original ones, in order.
    assert layer_indices(model) == [[i] for i in range(n)]
    for new, old in enumerate(kept):
        assert torch.equal(model.model.layers[new].mlp.up_proj.weight, original.model.layers[old].mlp.up_proj.weight)
    if old_types is not None:  # Qwen2/Qwen3: the per-layer list follows the kept layers
        assert model.config.layer_types == [old_types[i] for i in kept]
    if family == "qwen2":
        assert model.config.max_window_layers == sum(1 for i in kept if i < 4)

    prompt = torch.tensor([tiny_tokenizer("The BMW Group presents")["input_ids"]])
    cached = greedy(model, prompt, use_cache=True)
    assert len(set(cached[0, prompt.shape[1] :].tolist())) > 5  # a real sequence
    assert torch.equal(cached, greedy(model, prompt, use_cache=False))
    save_variant(model, tmp_path / "v", info, tokenizer=tiny_tokenizer, base_model=family)
    reloaded, loading = AutoModelForCausalLM.from_pretrained(
        str(tmp_path / "v"), dtype=torch.float64, output_loading_info=True
    )
    assert not loading["missing_keys"] and not loading["unexpected_keys"]
    ignore = {"dtype", "_name_or_path"}
    assert {k: v for k, v in reloaded.config.to_dict().items() if k not in ignore} == {
        k: v for k, v in model.config.to_dict().items() if k not in ignore
    }
    assert layer_indices(reloaded) == [[i] for i in range(n)]
    assert torch.equal(greedy(reloaded.eval(), prompt, use_cache=True), cached)


@pytest.mark.parametrize("family", FAMILIES)
def test_lora_targets_cover_every_projection(family, tiny_tokenizer):
    from peft import LoraConfig, get_peft_model

    from presstune.config.train import TrainConfig

    targets = TrainConfig().lora_target_modules
    model = get_peft_model(make_model(family, tiny_tokenizer), LoraConfig(r=4, target_modules=list(targets)))
    wrapped = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if hasattr(m, "lora_A")}
    assert wrapped == set(targets)
    count = sum(1 for _, m in model.named_modules() if hasattr(m, "lora_A"))
    assert count == len(targets) * LAYERS


@pytest.mark.slow
@pytest.mark.parametrize("family", ["llama", "mistral", "qwen2"])
def test_lora_training_and_scoring_of_a_dropped_variant(family, tiny_tokenizer, tmp_path):
    """The train and evaluate paths run on each architecture: the answer loss falls, scoring agrees."""
    from peft import PeftModel

    from presstune.evaluate.perplexity import chat_doc, score_documents
    from presstune.train.trainer import train_variant

    rows = chat_rows(12)
    write_dataset(tmp_path, rows, chat_rows(6))
    spec = VariantSpec(name="dropped", kind="dropped", layer=1)

    def variant():
        return make_variant(make_model(family, tiny_tokenizer, initializer_range=0.02), spec)[0]

    docs = [chat_doc(tiny_tokenizer, r["id"], r["prompt"], r["completion"]) for r in rows]

    def answer_nll(model):
        nll, count = score_documents(model, docs, window=128, stride=64, pad_id=tiny_tokenizer.pad_token_id)
        return float(nll.sum() / count.sum())

    before = answer_nll(variant())
    config = small_config(method="lora", learning_rate=5e-3, max_steps=12, save_steps=6, eval_steps=6)
    result = train_variant(config, spec, tmp_path, model=variant(), tokenizer=tiny_tokenizer, progress=False)
    assert result.status == "done" and result.global_step == 12
    out = tmp_path / "checkpoints" / "dropped"
    trained = PeftModel.from_pretrained(variant(), out).merge_and_unload().eval()
    after = answer_nll(trained)
    assert after < before - 0.3, (before, after)
