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
    run.record_config(
        {"run": {"name": "t"}, "variants": [{"name": "original"}, {"name": "pruned"}], "report": {"title": "T"}}, []
    )
    for name, ppl, qa, know, layers in (
        ("base", 40.0, 0.0, 0.05, 4),
        ("original", 20.0, 0.0, 0.35, 4),
        ("pruned", 25.0, 0.0, 0.2, 3),
    ):
        (run / "metrics").mkdir(exist_ok=True)
        heldout = {"questions": 60, "articles": 12, "source": "facts", "qa_set": "heldout", "pool_questions": 96}
        train = {
            "questions": 40,
            "articles": 31,
            "source": "facts",
            "qa_set": "train",
            "pool_questions": 700,
            "ambiguous_questions": 3,
        }
        (run / "metrics" / f"{name}.json").write_text(
            json.dumps(
                {
                    "variant": name,
                    "device": "cpu",
                    "errors": [],
                    "metrics": {
                        "perplexity_text": _metric(ppl),
                        "layers": _metric(layers),
                        "qa_contains": {**_metric(qa, "held-out QA: contains"), **heldout},
                        "qa_train_contains": {**_metric(know, "knowledge QA: contains"), **train},
                        "qa_train_exact_match": {**_metric(know / 2, "knowledge QA: exact"), **train},
                        "qa_train_answer_logprob_per_token": {**_metric(-2.5 + know, "knowledge QA: logp"), **train},
                    },
                }
            )
        )
    for name, lr in (("original", 1e-4), ("pruned", lr_pruned)):
        out = run / "checkpoints" / name
        out.mkdir(parents=True)
        (out / "loss_curve.json").write_text(
            json.dumps([{"step": s, "train_loss": 3.0 - 0.1 * s, "eval_loss": None} for s in range(1, 11)])
        )
        (out / "train_result.json").write_text(
            json.dumps(
                {
                    "variant": name,
                    "method": "lora",
                    "global_step": 10,
                    "epochs": 1.0,
                    "tokens_seen": 1000,
                    "train_seconds": 1.0,
                    "final_train_loss": 2.0,
                    "best_eval_loss": 2.1,
                    "stopped_early": False,
                    "resumed_from": resumed if name == "original" else None,
                    "trainable_params": 10,
                    "settings": {"learning_rate": lr, "epochs": 1.0},
                }
            )
        )
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


def test_qa_sets_columns_and_explanations(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path))
    html = paths["index.html"].read_text(encoding="utf-8")
    variants = html.split("<table id='variants'>")[1].split("</table>")[0]
    head = variants.split("</thead>")[0]
    for title in (
        "Knowledge QA contains",
        "Knowledge QA exact",
        "Knowledge QA logp/tok",
        "Held-out QA contains",
        "Held-out QA exact",
        "Held-out QA logp/tok",
    ):
        assert f"<th>{title}</th>" in head, title
    assert head.index("Knowledge QA contains") < head.index("Held-out QA contains")
    rows = {r.split("</td>")[0].rsplit(">", 1)[-1]: r for r in variants.split("<tr>")[2:]}
    assert "<td>5.0%</td>" in rows["base"] and "<td class='best'>35.0%</td>" in rows["original"]
    assert "<td class='best'>17.5%</td>" in rows["original"] and "<td>-2.300</td>" in rows["pruned"]
    assert "<td>–</td>" in rows["base"]  # held-out exact match not measured: a dash, not a number
    qa_sets = html.split("<ul class='muted' id='qa-sets'>")[1].split("</ul>")[0]
    know, held = qa_sets.split("</li>")[:2]
    assert "Knowledge QA: " in know and "fine-tuned on" in know and "40 questions from 31 articles" in know
    assert "of 700 available" in know and "3 of them ambiguous" in know
    assert "Held-out QA: " in held and "leak check" in held and "60 questions from 12 articles" in held
    assert "random per article" in held  # source: the replica's fact sheets
    defs = html.split("Definitions and sample sizes")[1]
    assert "knowledge QA: contains (sample: questions=40, articles=31)" in defs
    md = paths["README.md"].read_text(encoding="utf-8")
    assert "| Knowledge QA contains | Knowledge QA exact | Knowledge QA logp/tok | Held-out QA contains |" in md
    assert "| original |" in md and "35.0% | 17.5% | -2.150 | 0.0% |" in md
    assert "- Knowledge QA: closed-book questions about train-split articles" in md
    assert "- **qa_train_contains**: knowledge QA: contains (sample: questions=40, articles=31)" in md


def test_qa_sets_missing_is_said(tmp_path: Path) -> None:
    """Metrics from before knowledge QA existed: the set is reported as not measured."""
    run = _run(tmp_path)
    for path in (run / "metrics").glob("*.json"):
        doc = json.loads(path.read_text())
        doc["metrics"] = {k: v for k, v in doc["metrics"].items() if not k.startswith("qa_train_")}
        path.write_text(json.dumps(doc))
    md = build_report(run)["README.md"].read_text(encoding="utf-8")
    assert "Knowledge QA: " in md and "Not measured in this run" in md
