"""Stage outputs keyed by their inputs, on a tiny demo-scale run (replica, demo base, a dropped variant).

Changing ``train.learning_rate`` retrains and re-evaluates exactly what depends on it (the
variant), and reuses the rest byte for byte (importance, the dropped variant's weights, the base
model's metrics); run.json records every stage with what it reused and why; a partial run with a
new setting moves the numbers the new config did not produce out of the run (to stale/).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from presstune.config import load_config
from presstune.pipeline import STAGES, repo_configs_dir, run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]  # slow: four tiny pipeline runs

TINY = {
    "replica": {"articles": 40, "faults": "none"},
    "demo_base": {"vocab_size": 1024, "epochs": 0.3, "seq_len": 64, "batch_size": 8, "time_budget_s": 5},
    "importance": {"samples": 4, "max_length": 64, "batch_size": 4},
    "variants": [{"name": "dropped", "kind": "dropped"}],
    "train": {
        "max_steps": 2,
        "save_steps": 2,
        "eval_steps": 2,
        "logging_steps": 1,
        "warmup_ratio": 0.0,
        "max_seq_length": 256,
        "gradient_accumulation_steps": 1,
        "eval_max_rows": 1,
        "report_to": [],
    },
    "evaluate": {
        "window": 128,
        "stride": 64,
        "max_eval_items": 2,
        "bootstrap_samples": 20,
        "generation_prompts": 1,
        "max_new_tokens": 2,
        "se_clustering": "none",
        "se_max_new_tokens": 2,
        "qa_questions": 1,
        "qa_train_questions": 1,
        "speed_prompt_tokens": 8,
        "speed_new_tokens": 2,
        "speed_warmup": 0,
        "speed_repeats": 1,
    },
}


def _config(tmp: Path, lr: float):
    import yaml

    path = tmp / f"tiny-{lr}.yaml"
    data = {"extends": str(repo_configs_dir() / "demo.yaml"), "run": {"name": "tiny", "root": str(tmp)}, **TINY}
    data["train"] = {**TINY["train"], "learning_rate": lr}
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


def _snapshot(run: Path) -> dict[str, bytes]:
    files = [
        "models/importance.json",
        "variants/dropped/model.safetensors",
        "checkpoints/dropped/train_result.json",
        "metrics/base.json",
        "metrics/dropped.json",
    ]
    return {name: (run / name).read_bytes() for name in files if (run / name).is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("PRESSTUNE_CACHE", str(tmp / "cache"))
    try:
        run = run_pipeline(_config(tmp, 5e-4), run_dir=tmp / "run").path
        first = _snapshot(run)
        first_manifest = json.loads((run / "run.json").read_text())
        run_pipeline(_config(tmp, 1e-3), run_dir=run)
        second = _snapshot(run)
        second_manifest = json.loads((run / "run.json").read_text())
        # evaluate alone under a new learning rate, on a copy of the run
        evaluated_alone = tmp / "evaluated-alone"
        shutil.copytree(run, evaluated_alone)
        run_pipeline(_config(tmp, 2e-3), run_dir=evaluated_alone, from_stage="evaluate", until_stage="evaluate")
        run_pipeline(_config(tmp, 2e-3), run_dir=run, until_stage="models")
    finally:
        mp.undo()
    return {
        "run": run,
        "first": first,
        "second": second,
        "m1": first_manifest,
        "m2": second_manifest,
        "evaluated_alone": evaluated_alone,
    }


def test_a_new_learning_rate_retrains_and_reevaluates_exactly_what_depends_on_it(two_runs: dict) -> None:
    first, second = two_runs["first"], two_runs["second"]
    assert len(first) == len(second) == 5
    unchanged = {"models/importance.json", "variants/dropped/model.safetensors", "metrics/base.json"}
    for name in first:
        assert (first[name] == second[name]) == (name in unchanged), name
    for variant in ("dropped",):
        result = json.loads(second[f"checkpoints/{variant}/train_result.json"])
        assert result["settings"]["learning_rate"] == pytest.approx(1e-3)
        metrics = json.loads(second[f"metrics/{variant}.json"])
        oldest = sorted((two_runs["run"] / "stale").glob(f"checkpoints/{variant}.*"))[0]
        record = json.loads((oldest / "inputs.json").read_text())
        assert record["inputs"]["train"]["learning_rate"] == pytest.approx(5e-4)  # the old one, moved aside
        assert metrics["inputs"]["checkpoints"] != json.loads(first[f"metrics/{variant}.json"])["inputs"]["checkpoints"]
    stages = two_runs["m2"]["stages"]
    assert stages["models"]["importance"]["reused"] is True
    assert stages["models"]["variants"]["dropped"]["reused"] is True
    for variant in ("dropped",):
        assert stages["train"][variant]["action"] == "train"
        assert "train.learning_rate 0.0005 -> 0.001" in stages["train"][variant]["reason"]
        assert stages["evaluate"][variant]["reused"] is False
    assert stages["evaluate"]["base"]["reused"] is True


def test_run_json_records_every_stage(two_runs: dict) -> None:
    for manifest in (two_runs["m1"], two_runs["m2"]):
        stages, outer = manifest["stages"], manifest["pipeline_seconds"]
        assert set(STAGES) <= set(stages) and set(STAGES) <= set(outer)
        for name in STAGES:
            entry = stages[name]
            assert entry["status"] == "done" and entry["started"] <= entry["ended"], name
            # the stage's own timer runs inside the pipeline's timer of the same stage (rounded to
            # 1 ms and 0.1 s): a duration in other units or summed over runs cannot pass
            assert 0 <= entry["seconds"] <= outer[name] + 0.051, (name, entry["seconds"], outer[name])
        assert "moved_to_stale" not in stages["report"]  # a full run leaves nothing stale to move
    first = two_runs["m1"]["stages"]
    assert first["train"]["dropped"]["reason"] == "not trained yet"
    assert first["evaluate"]["base"]["reason"] == "not evaluated yet"
    assert first["report"]["reason"].startswith("always rebuilt")


def test_a_partial_run_with_a_new_setting_leaves_no_numbers_it_did_not_produce(two_runs: dict) -> None:
    """--until models with a third learning rate: run.json holds the new config, so the
    checkpoints and variant metrics of the second one (and the report showing them) leave the
    run; the base model's metrics do not depend on it and stay."""
    run: Path = two_runs["run"]
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["config"]["train"]["learning_rate"] == pytest.approx(2e-3)
    assert (run / "metrics" / "base.json").read_bytes() == two_runs["second"]["metrics/base.json"]
    assert not (run / "metrics" / "dropped.json").exists()
    assert not (run / "checkpoints" / "dropped").exists() and not (run / "report").exists()
    moved = {item["output"] for item in manifest["invalidated"]}
    assert {"checkpoints/dropped", "report"} <= moved
    assert "metrics/dropped.json" in {path for item in manifest["invalidated"] for path in item["moved"]}
    assert all(
        "train.learning_rate 0.001 -> 0.002" in item["reason"]
        for item in manifest["invalidated"]
        if item["output"].startswith("checkpoints/")
    )


def test_evaluate_alone_does_not_evaluate_a_checkpoint_another_config_trained(two_runs: dict) -> None:
    """--from evaluate --until evaluate with a new learning rate: the checkpoint trained with the
    old one goes to stale/ before evaluation and the variant is reported as not evaluated (not
    scored from stale weights, nor from its untrained variant folder); the base is still evaluated."""
    run: Path = two_runs["evaluated_alone"]
    stage = json.loads((run / "run.json").read_text())["stages"]["evaluate"]
    assert stage["dropped"]["skipped"] is True
    assert "train.learning_rate 0.001 -> 0.002" in stage["dropped"]["reason"]
    assert "run the train stage" in stage["dropped"]["reason"]
    assert "skipped" not in stage["base"] and (run / "metrics" / "base.json").is_file()
    assert not (run / "checkpoints" / "dropped").exists() and not (run / "metrics" / "dropped.json").exists()
    assert sorted((run / "stale").glob("checkpoints/dropped.*"))
