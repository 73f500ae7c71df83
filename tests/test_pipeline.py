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


def test_force_corpus_moves_the_phase_outputs_aside_and_keeps_the_llm_response_cache(tmp_path) -> None:
    from presstune.corpus.pipeline import force_corpus
    from presstune.rundir import RunDir

    for rel in ("extracted/A.json", "cleaned/A.json", "llm/A.json", "llm/cache/x.json", "dataset/train.jsonl"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    moved = force_corpus(RunDir(tmp_path))
    assert sorted(moved) == ["cleaned", "dataset", "extracted", "llm/A.json"]
    assert (tmp_path / "llm" / "cache" / "x.json").is_file() and not (tmp_path / "extracted").exists()
    assert len(list((tmp_path / "stale").glob("extracted.*/A.json"))) == 1  # renamed, not deleted


def test_force_names_must_be_stages() -> None:
    from presstune.pipeline import select_forced

    assert select_forced(["all"], ["collect", "corpus", "train"]) == {"corpus", "train"}
    with pytest.raises(PipelineError, match="--force 'trian': not a stage"):
        select_forced(["trian"], list(STAGES))
    with pytest.raises(PipelineError, match="collect has no force"):
        select_forced(["collect"], list(STAGES))


def test_a_run_made_with_older_fact_sheets_gets_the_replicas_current_ones(tmp_path) -> None:
    """The replica's fact sheets are fetched on every run: a run directory holding sheets an older
    replica wrote (other questions) gets the current ones, which evaluation then asks."""
    from presstune.config import load_config
    from presstune.pipeline import replica_if_needed, repo_configs_dir
    from presstune.replica.site import Site
    from presstune.rundir import RunDir

    cfg = load_config(repo_configs_dir() / "demo.yaml")
    cfg.replica.articles, cfg.replica.faults = 12, "none"
    current = Site(articles=12, seed=cfg.replica.seed).facts_jsonl()
    stale = tmp_path / "replica_facts.jsonl"
    stale.write_text(current.replace('"question": "', '"question": "Older wording: '), encoding="utf-8")
    with replica_if_needed(cfg, RunDir(tmp_path)):
        pass
    assert stale.read_text(encoding="utf-8") == current
    assert cfg.evaluate.facts_file == str(stale)
