"""Stage selection and the CLI's error path of `presstune run` (the whole run: test_demo_e2e.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from presstune.pipeline import STAGES, PipelineError, select_stages


def test_select_stages() -> None:
    assert select_stages(None, None) == list(STAGES)
    assert select_stages("train", None) == ["train", "evaluate", "report"]
    assert select_stages(None, "corpus") == ["collect", "corpus"]
    assert select_stages("models", "models") == ["models"]
    with pytest.raises(PipelineError, match="unknown stage 'trian'"):
        select_stages("trian", None)
    with pytest.raises(PipelineError, match="comes after"):
        select_stages("report", "collect")


def test_run_needs_a_config_and_names_a_bad_key(tmp_path) -> None:
    missing = subprocess.run([sys.executable, "-m", "presstune.cli", "run"], capture_output=True, text=True)
    assert missing.returncode == 2 and "--config is required" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: demo.yaml\ntrain:\n  learnin_rate: 1e-4\n")
    (tmp_path / "demo.yaml").write_text("run:\n  name: x\n")
    out = subprocess.run([sys.executable, "-m", "presstune.cli", "run", "-c", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2 and "train.learnin_rate: unknown key" in out.stderr and "Traceback" not in out.stderr


def test_run_from_an_unknown_stage_is_a_usage_error(tmp_path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"run:\n  root: {tmp_path}\n  name: r\n")
    out = subprocess.run(
        [sys.executable, "-m", "presstune.cli", "run", "-c", str(config), "--from", "bogus"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "unknown stage 'bogus'; stages are collect, corpus, models, train, evaluate, report" in out.stderr
    assert not (tmp_path / "r").exists()
