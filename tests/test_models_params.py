"""Parameter counts from the config alone equal the instantiated model's, and the Qwen3-8B figures."""

import json

import pytest
import torch
import typer
from typer.testing import CliRunner

from presstune.models.cli import register
from presstune.models.params import count_params, format_report, packaged_config_names, resolve_config
from presstune.models.tinybase import tiny_qwen3_config


@pytest.mark.parametrize("tied", [True, False])
def test_count_equals_instantiated_model(tied):
    from transformers import Qwen3ForCausalLM

    config = tiny_qwen3_config(300, tie_word_embeddings=tied, num_hidden_layers=3)
    model = Qwen3ForCausalLM(config)
    report = count_params(config)
    assert report.total == sum(p.numel() for p in model.parameters())
    assert report.tied_embeddings is tied
    assert report.num_layers == 3
    assert report.per_layer == [sum(p.numel() for p in layer.parameters()) for layer in model.model.layers]
    assert report.embed_input == model.model.embed_tokens.weight.numel()
    assert report.embeddings == (1 if tied else 2) * 300 * 64
    assert report.final_norm == 64
    assert report.without_layers(1) == report.total - report.per_layer[0]
    # The per-component table adds up to the total.
    per_model = sum(n * (report.num_layers if k.startswith("layer.") else 1) for k, n in report.components.items())
    assert per_model == report.total


def test_qwen3_8b_offline_figures():
    config, source = resolve_config("Qwen/Qwen3-8B")
    assert source == "packaged Qwen3-8B"
    report = count_params(config, "Qwen/Qwen3-8B", source)
    assert report.total == 8_190_735_360
    assert report.per_layer == [192_946_432] * 36
    assert not report.tied_embeddings and report.embeddings == 2 * 151936 * 4096
    text = format_report(report)
    assert "8.191B" in text and "192.95M" in text
    assert "layers                                   36" in text
    assert "if you remove 12 layers (keep 24)" in text and "5.875B" in text
    assert report.without_layers(12) == 8_190_735_360 - 12 * 192_946_432


def test_packaged_family_matches_published_sizes():
    expected = {  # total parameters, tied embeddings
        "Qwen3-0.6B": (596_049_920, True),
        "Qwen3-1.7B": (1_720_574_976, True),
        "Qwen3-4B": (4_022_468_096, True),
        "Qwen3-8B": (8_190_735_360, False),
        "Qwen3-14B": (14_768_307_200, False),
        "Qwen3-32B": (32_762_123_264, False),
    }
    assert packaged_config_names() == sorted(expected)
    for name, (total, tied) in expected.items():
        config, _ = resolve_config(name.lower())
        report = count_params(config)
        assert (report.total, report.tied_embeddings) == (total, tied), name


def test_cli_params_text_json_detailed_and_local_path(tmp_path):
    from transformers import Qwen3ForCausalLM

    runner = CliRunner()
    app = typer.Typer()  # only this stage's commands: the test does not depend on other stages' CLIs
    register(app)
    result = runner.invoke(app, ["params", "--model", "Qwen/Qwen3-8B"])
    assert result.exit_code == 0, result.output
    assert "8.191B" in result.output and "192.95M" in result.output

    result = runner.invoke(app, ["params", "--model", "Qwen3-8B", "--json", "--prune-to", "30"])
    data = json.loads(result.output)
    assert data["total"] == 8_190_735_360 and data["pruned"] == {
        "keep_layers": 30,
        "removed_layers": 6,
        "total": 8_190_735_360 - 6 * 192_946_432,
    }

    result = runner.invoke(app, ["params", "--model", "Qwen3-0.6B", "--detailed"])
    assert "layer.self_attn.q_norm" in result.output and "lm_head (tied to embed_tokens)" in result.output

    config = tiny_qwen3_config(300, num_hidden_layers=2)
    config.save_pretrained(tmp_path)
    result = runner.invoke(app, ["params", "--model", str(tmp_path), "--json"])
    assert json.loads(result.output)["total"] == sum(p.numel() for p in Qwen3ForCausalLM(config).parameters())

    result = runner.invoke(app, ["params", "--model", "Qwen3-8B", "--prune-to", "36"])
    assert result.exit_code == 2 and "--prune-to 36" in result.output


def test_meta_count_allocates_nothing():
    config, _ = resolve_config("Qwen3-32B")
    from presstune.models.params import meta_model

    model = meta_model(config)
    assert all(p.device == torch.device("meta") for p in model.parameters())


@pytest.mark.slow
def test_cli_prints_qwen3_8b_figures_with_no_hub_and_no_cache(tmp_path):
    """The real console command, in a fresh process that could not reach the hub (closed local port)
    and has an empty HF cache: the packaged config alone gives the seed's published figures."""
    import os
    import re
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "HUGGINGFACE"))}
    env.update({"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf"), "NO_PROXY": "*"})
    proc = subprocess.run(
        [sys.executable, "-m", "presstune.cli", "params", "--model", "Qwen/Qwen3-8B"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^\s*total parameters\s+8\.191B\s+\(8,190,735,360\)$", out, re.M), out
    assert re.search(r"^\s*per layer\s+192\.95M\s+\(192,946,432\)$", out, re.M), out
    assert re.search(r"^\s*layers\s+36$", out, re.M), out
    assert "packaged Qwen3-8B" in out
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.json"))  # nothing fetched/cached
