"""Layer surgery keeps the KV cache, the config and the checkpoint right (tiny random Qwen3, CPU).

Models run in float64 so greedy generation cannot flip on a rounding tie: any difference
between cached, uncached and reloaded generation is a real bug.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging

import pytest
import torch

from helpers.generation import NEW_TOKENS, TEXTS, greedy
from presstune.config.models import VariantSpec
from presstune.models.importance import best_block, compute_importance
from presstune.models.surgery import (
    SurgeryError,
    check_consistency,
    drop_layers,
    make_variant,
    save_variant,
    with_identity_layer,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@contextlib.contextmanager
def transformers_log():
    """Capture what transformers logs (its loggers do not propagate to the root logger)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def reload(path):
    from transformers import AutoModelForCausalLM

    with transformers_log() as log:
        model, info = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float64, output_loading_info=True)
    return model.eval(), info, log.getvalue()


@pytest.fixture
def six_layers(tiny_qwen3):
    # A larger init scale than the default 0.02 makes the random model's greedy output vary.
    return tiny_qwen3(num_hidden_layers=6, initializer_range=0.2).double()


@pytest.fixture
def prompt(tiny_tokenizer):
    return torch.tensor([tiny_tokenizer("The BMW Group presents")["input_ids"]])


CASES = [
    ("first layer", VariantSpec(name="d0", kind="dropped", layer=0), [0]),
    ("middle layer", VariantSpec(name="d2", kind="dropped", layer=2), [2]),
    ("last layer", VariantSpec(name="d5", kind="dropped", layer=5), [5]),
    ("prune first", VariantSpec(name="p1", kind="pruned", keep_layers=3, strategy="first"), [3, 4, 5]),
    ("prune block", VariantSpec(name="pb", kind="pruned", keep_layers=3, strategy="block"), None),
]


@pytest.mark.parametrize("label,spec,expected_removed", CASES, ids=[c[0] for c in CASES])
def test_variant_generation_cache_config_and_reload(
    label, spec, expected_removed, six_layers, prompt, tiny_tokenizer, tmp_path
):
    original = copy.deepcopy(six_layers)
    importance = compute_importance(six_layers, tiny_tokenizer, TEXTS, max_length=32, batch_size=2)
    model, info = make_variant(six_layers, spec, importance)

    if expected_removed is None:  # block: the analysis' best 3-layer block, never containing the last layer
        start, _ = best_block(importance["angular_distance"], 3, 6)
        expected_removed = list(range(start, start + 3))
        assert start + 3 <= 5
    assert info["removed_layers"] == expected_removed
    kept = [i for i in range(6) if i not in expected_removed]
    n = len(kept)
    layers = model.model.layers
    assert model.config.num_hidden_layers == len(layers) == len(model.config.layer_types) == n
    assert [layer.self_attn.layer_idx for layer in layers] == list(range(n))
    # The kept layers are the original ones, in order.
    for new, old in enumerate(kept):
        assert torch.equal(layers[new].mlp.down_proj.weight, original.model.layers[old].mlp.down_proj.weight)
    assert info["params_after"] == sum(p.numel() for p in model.parameters())

    with_cache = greedy(model, prompt, use_cache=True)
    without_cache = greedy(model, prompt, use_cache=False)
    assert with_cache.shape[1] == prompt.shape[1] + NEW_TOKENS
    assert len(set(with_cache[0, prompt.shape[1] :].tolist())) > 5  # a real sequence, not one repeated token
    assert torch.equal(with_cache, without_cache)

    out = save_variant(model, tmp_path / "variant", info, tokenizer=tiny_tokenizer, base_model="tiny")
    assert {"model.safetensors", "config.json", "README.md", "variant.json", "tokenizer.json"} <= {
        p.name for p in out.iterdir()
    }
    card = (out / "README.md").read_text()
    assert f"{n} of 6" in card and ", ".join(map(str, expected_removed)) in card
    reloaded, loading, log = reload(out)
    assert not loading["missing_keys"] and not loading["unexpected_keys"], loading
    assert "newly initialized" not in log and "MISSING" not in log, log
    assert reloaded.config.num_hidden_layers == n
    assert [layer.self_attn.layer_idx for layer in reloaded.model.layers] == list(range(n))
    assert torch.equal(greedy(reloaded, prompt, use_cache=True), with_cache)


def test_missing_weights_warning_is_detected(six_layers, tmp_path):
    """Negative control for the reload check above: a config with one layer too many is reported."""
    info = {
        "variant": "x",
        "kind": "original",
        "removed_layers": [],
        "num_layers": 6,
        "original_layers": 6,
        "reason": "control",
        "params_before": 1,
        "params_after": 1,
    }
    save_variant(six_layers, tmp_path / "m", info)
    from transformers import AutoModelForCausalLM

    with transformers_log() as log:
        _, loading = AutoModelForCausalLM.from_pretrained(
            tmp_path / "m", num_hidden_layers=7, layer_types=["full_attention"] * 7, output_loading_info=True
        )
    assert loading["missing_keys"] and "newly initialized" in log.getvalue()


@pytest.mark.parametrize("index", [0, 2, 5])
def test_dropped_model_equals_identity_layer(six_layers, prompt, index):
    reference = with_identity_layer(six_layers, index)
    other = with_identity_layer(six_layers, (index + 1) % 6)
    dropped = drop_layers(copy.deepcopy(six_layers), [index])
    with torch.no_grad():
        logits = dropped(prompt, use_cache=False).logits
        assert torch.allclose(logits, reference(prompt, use_cache=False).logits, atol=1e-12, rtol=0)
        assert not torch.allclose(logits, other(prompt, use_cache=False).logits, atol=1e-3)


def test_without_renumbering_the_cache_is_wrong(six_layers, prompt):
    """Why layer_idx must be renumbered: the cache slots no longer match the layers."""
    from transformers import DynamicCache

    # A cache built from the config has 5 slots; layer 5 (kept, idx not renumbered) writes past the end.
    stale = drop_layers(copy.deepcopy(six_layers), [2], renumber=False)
    with pytest.raises(IndexError):
        greedy(stale, prompt, use_cache=True)
    with pytest.raises(SurgeryError, match="layer_idx = 3"):
        check_consistency(stale)

    # A lazily grown cache does not crash, it silently gives wrong answers: with layer 0 gone and not
    # renumbered, slot 0 stays empty, so the cache reports 0 past tokens and positions restart.
    def incremental_logits(model):
        cache = DynamicCache()
        with torch.no_grad():
            model(prompt[:, :-1], past_key_values=cache, use_cache=True)
            return model(prompt[:, -1:], past_key_values=cache, use_cache=True).logits[0, -1]

    def full_logits(model):
        with torch.no_grad():
            return model(prompt, use_cache=False).logits[0, -1]

    stale = drop_layers(copy.deepcopy(six_layers), [0], renumber=False)
    assert not torch.allclose(incremental_logits(stale), full_logits(stale), atol=1e-6)
    fixed = drop_layers(copy.deepcopy(six_layers), [0])
    assert torch.allclose(incremental_logits(fixed), full_logits(fixed), atol=1e-10)


def test_sliding_window_layers_keep_their_type(tiny_qwen3, prompt, tmp_path):
    """max_window_layers and layer_types follow the kept layers; the sliding window is exercised by 64 tokens."""
    model = tiny_qwen3(
        num_hidden_layers=5, initializer_range=0.2, use_sliding_window=True, sliding_window=8, max_window_layers=3
    ).double()
    assert model.config.layer_types == ["full_attention"] * 3 + ["sliding_attention"] * 2
    drop_layers(model, [1, 4])
    assert model.config.layer_types == ["full_attention", "full_attention", "sliding_attention"]
    assert model.config.max_window_layers == 2
    assert [layer.self_attn.sliding_window for layer in model.model.layers] == [None, None, 8]
    with_cache = greedy(model, prompt, use_cache=True)
    assert torch.equal(with_cache, greedy(model, prompt, use_cache=False))
    model.save_pretrained(tmp_path)
    reloaded, loading, _ = reload(tmp_path)
    assert reloaded.config.layer_types == model.config.layer_types and reloaded.config.max_window_layers == 2
    assert torch.equal(greedy(reloaded, prompt, use_cache=True), with_cache)


def test_tied_embeddings_survive_surgery_and_reload(tiny_qwen3, tmp_path):
    model = tiny_qwen3(num_hidden_layers=3, tie_word_embeddings=True)
    drop_layers(model, [1])
    assert model.lm_head.weight is model.model.embed_tokens.weight
    model.save_pretrained(tmp_path)
    reloaded, loading, log = reload(tmp_path)
    assert not loading["missing_keys"] and "newly initialized" not in log
    assert reloaded.lm_head.weight is reloaded.model.embed_tokens.weight


def test_bad_requests_are_one_clear_error(six_layers):
    with pytest.raises(SurgeryError, match="layer index 6 out of range"):
        drop_layers(copy.deepcopy(six_layers), [6])
    with pytest.raises(SurgeryError, match="cannot remove all 6"):
        drop_layers(copy.deepcopy(six_layers), range(6))
    with pytest.raises(SurgeryError, match="needs a layer-importance analysis"):
        make_variant(copy.deepcopy(six_layers), VariantSpec(name="x", kind="pruned", keep_layers=3))
    with pytest.raises(SurgeryError, match="needs a layer-importance analysis"):
        make_variant(copy.deepcopy(six_layers), VariantSpec(name="x", kind="dropped"))
    wrong = {"num_layers": 4, "block_influence": [0.1] * 4, "angular_distance": {}}
    with pytest.raises(SurgeryError, match="4-layer model"):
        make_variant(copy.deepcopy(six_layers), VariantSpec(name="x", kind="dropped"), wrong)
    with pytest.raises(SurgeryError, match="keep_layers in 1..5"):
        make_variant(copy.deepcopy(six_layers), VariantSpec(name="x", kind="pruned", keep_layers=6, strategy="first"))


def test_original_and_default_variants(six_layers, tiny_tokenizer):
    model, info = make_variant(copy.deepcopy(six_layers), VariantSpec(name="o", kind="original"))
    assert info["removed_layers"] == [] and info["num_layers"] == 6
    importance = compute_importance(six_layers, tiny_tokenizer, TEXTS, max_length=32)
    _, info = make_variant(copy.deepcopy(six_layers), VariantSpec(name="d", kind="dropped"), importance)
    assert info["removed_layers"] == [importance["recommendation"]["drop_layer"]]
    assert "lowest Block Influence" in info["reason"]
    _, info = make_variant(copy.deepcopy(six_layers), VariantSpec(name="p", kind="pruned", strategy="first"))
    assert info["num_layers"] == 4  # default: two thirds of 6
