"""The report from a hand-made run directory: table, ties, training settings, resume marker."""

from __future__ import annotations

import json
from pathlib import Path

from presstune.report.build import build_report
from presstune.rundir import RunDir


def _metric(value, definition="d"):
    return {"value": value, "definition": definition}


def _run(tmp_path: Path, lr_pruned: float = 1e-4, resumed: str | None = None) -> Path:
    run = RunDir(tmp_path / "run").create()
    run.record_config({"run": {"name": "t"}, "variants": [{"name": "original"}, {"name": "pruned"}],
                       "report": {"title": "T"}}, [])
    for name, ppl, qa, layers in (("base", 40.0, 0.0, 4), ("original", 20.0, 0.0, 4), ("pruned", 25.0, 0.0, 3)):
        (run / "metrics").mkdir(exist_ok=True)
        (run / "metrics" / f"{name}.json").write_text(json.dumps({
            "variant": name, "device": "cpu", "errors": [],
            "metrics": {"perplexity_text": _metric(ppl), "qa_contains": _metric(qa), "layers": _metric(layers)}}))
    for name, lr in (("original", 1e-4), ("pruned", lr_pruned)):
        out = run / "checkpoints" / name
        out.mkdir(parents=True)
        (out / "loss_curve.json").write_text(json.dumps(
            [{"step": s, "train_loss": 3.0 - 0.1 * s, "eval_loss": None} for s in range(1, 11)]))
        (out / "train_result.json").write_text(json.dumps({
            "variant": name, "method": "lora", "global_step": 10, "epochs": 1.0, "tokens_seen": 1000,
            "train_seconds": 1.0, "final_train_loss": 2.0, "best_eval_loss": 2.1, "stopped_early": False,
            "resumed_from": resumed if name == "original" else None, "trainable_params": 10,
            "settings": {"learning_rate": lr, "epochs": 1.0}}))
    return run.path


def test_table_ties_and_identical_settings(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path))
    html = paths["index.html"].read_text(encoding="utf-8")
    variants = html.split("<table id='variants'>")[1].split("</table>")[0]
    assert variants.count("<tr>") == 4 and "<td class='best'>20" in variants  # lowest perplexity marked
    assert "<td class='best'>0.0%" not in variants  # a three-way tie marks nobody
    assert "id='settings-same'" in html and "All 2 variants" in html
    assert paths["loss.png"].read_bytes().startswith(b"\x89PNG")
    assert "| original | lora | 10 |" in paths["README.md"].read_text(encoding="utf-8")


def test_settings_difference_and_resume_are_shown(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path, lr_pruned=3e-4, resumed="runs/x/checkpoints/original/checkpoint-6"))
    html = paths["index.html"].read_text(encoding="utf-8")
    assert "id='settings-diff'" in html and "learning_rate" in html.split("id='settings-diff'")[1]
    training = html.split("<table id='training'>")[1].split("</table>")[0]
    assert "<td>6</td></tr>" in training  # resumed at step 6
