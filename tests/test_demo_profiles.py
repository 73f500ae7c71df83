"""``presstune demo --base NAME``: the real-model profiles load, inherit the demo recipe, and fail clearly."""

from __future__ import annotations

import pytest

from presstune.config import load_config, load_raw
from presstune.pipeline import DEMO_PROFILES, repo_configs_dir


@pytest.mark.parametrize("quick", [False, True])
def test_smollm2_profile_is_the_demo_recipe_on_the_real_model(quick):
    name = DEMO_PROFILES["smollm2-135m-instruct"][quick]
    cfg = load_config(repo_configs_dir() / name)
    demo = load_config(repo_configs_dir() / "demo.yaml")
    assert cfg.model.name_or_path == cfg.corpus.tokenizer == "smollm2-135m-instruct"
    assert cfg.train.method == "lora" and cfg.train.max_steps > 0
    assert [v.kind for v in cfg.variants] == ["original", "dropped", "pruned"]
    assert cfg.variants[2].keep_layers == 20  # two thirds of SmolLM2's 30 layers
    # Inherited from demo.yaml (its recipe is not repeated here).
    files = [p.name for p in load_raw(repo_configs_dir() / name)[1]]
    assert files[0] == "demo.yaml" and "demo-smollm2.yaml" in files
    assert cfg.corpus.style == demo.corpus.style and cfg.collect.base_url == demo.collect.base_url
    assert cfg.train.packing == demo.train.packing and cfg.evaluate.se_clustering == demo.evaluate.se_clustering


def test_unknown_demo_base_is_one_clear_error():
    from typer.testing import CliRunner

    from presstune.cli import app

    result = CliRunner().invoke(app, ["demo", "--base", "gpt-17"])
    assert result.exit_code == 2
    assert "smollm2-135m-instruct" in result.output and "gpt-17" in result.output
