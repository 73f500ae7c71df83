"""benchmarks/bench_realdev.py: the dev set's facts file with aliases, the split counts, and the
summary of finished runs (tables, Pareto fronts, plot) on synthetic metrics files."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_realdev.py"
REALDEV = Path(__file__).resolve().parents[2] / "shared" / "realdev"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_realdev", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def share(value: float, n: int) -> dict:
    return {"value": value, "questions": n, "ci95": [max(0.0, value - 0.1), min(1.0, value + 0.1)]}


def make_run(root: Path, name: str, cells: dict[str, tuple[float | None, float | None, float]]) -> Path:
    """A finished run directory: per variant (knowledge, retention, perplexity); None = not measured."""
    run = root / name
    (run / "metrics").mkdir(parents=True)
    (run / "dataset").mkdir()
    variants = [v for v in cells if v != "base"]
    (run / "run.json").write_text(
        json.dumps({"config": {"variants": [{"name": v} for v in variants], "train": {"epochs": len(name)}}})
    )
    (run / "dataset" / "stats.json").write_text(json.dumps({"documents": {"train": 85, "eval": 15}}))
    (run / "dataset" / "probe.json").write_text(json.dumps({"articles": ["a", "b"]}))
    for variant, (knowledge, retention, perplexity) in cells.items():
        metrics = {
            "qa_contains": share(0.0, 28) | {"articles": 14},
            "perplexity_text": {"value": perplexity, "documents": 15, "ci95": [perplexity * 0.9, perplexity * 1.1]},
        }
        if knowledge is not None:
            metrics["qa_train_contains"] = share(knowledge, 110) | {"articles": 55}
        if retention is not None:
            metrics["retention_contains"] = share(retention, 30)
        (run / "metrics" / f"{variant}.json").write_text(
            json.dumps({"variant": variant, "created": "2026-12-07T16:00:00+00:00", "metrics": metrics})
        )
    return run


def test_pareto_front_keeps_only_points_no_other_beats_on_both_axes(bench):
    points = [(0.5, 0.4), (0.3, 0.6), (0.2, 0.3), (0.5, 0.4), (0.6, 0.1)]
    # (0.2, 0.3) is beaten by (0.5, 0.4); the equal pair stays; (0.6, 0.1) has the most knowledge
    assert bench.pareto_front(points, (True, True)) == [True, True, False, True, True]
    # lower is better on y (perplexity): (0.2, 0.3) is now beaten only if someone has more knowledge
    # and no higher perplexity -- (0.5, 0.4) has a higher one, (0.3, 0.6) too
    assert bench.pareto_front([(0.2, 0.3), (0.5, 0.4), (0.4, 0.5)], (True, False)) == [True, True, False]


def test_summarize_runs_side_by_side_marks_the_front_and_writes_json_md_png(bench, tmp_path):
    a = make_run(
        tmp_path,
        "lr1e-4",
        {"base": (0.0, 0.63, 19.9), "original": (0.30, 0.40, 80.0), "original_seed": (0.02, 0.55, 30.0)},
    )
    b = make_run(tmp_path, "ep4", {"base": (0.0, 0.63, 19.9), "original": (0.10, 0.60, 25.0)})
    c = make_run(tmp_path, "broken", {"base": (0.0, 0.63, 19.9), "original": (None, 0.20, 90.0)})
    out = tmp_path / "summary"
    assert bench.main(["--summarize", str(a), str(b), str(c), "--label", "t", "--out", str(out)]) == 0

    doc = json.loads((out / "realdev-t.json").read_text())
    runs = {r["name"]: r for r in doc["runs"]}
    assert list(runs["lr1e-4"]["variants"]) == ["base", "original", "original_seed"]
    knowledge = runs["lr1e-4"]["variants"]["original"]["knowledge"]
    assert knowledge == {"value": 0.30, "n": 110, "interval": [pytest.approx(0.2), pytest.approx(0.4)]}
    assert runs["lr1e-4"]["variants"]["original"]["perplexity"]["n"] == 15
    assert runs["lr1e-4"]["variants"]["original"]["probe"] is None  # not in the metrics file
    assert runs["lr1e-4"]["split"]["held_out"] == {
        "articles": 14,
        "questions": 28,
        "answer_in_question_excluded": None,
    }
    assert runs["ep4"]["config_hash"] != runs["lr1e-4"]["config_hash"]

    front = {(r["run"], r["variant"]): r["front"] for r in doc["pareto"]["knowledge_vs_retention"]}
    # the run without knowledge QA is no point; the bases tie and stay; the seed recipe (0.02, 0.55)
    # is beaten by ep4's original (0.10, 0.60)
    assert ("broken", "original") not in front
    assert front == {
        ("lr1e-4", "original"): True,
        ("ep4", "original"): True,
        ("lr1e-4", "original_seed"): False,
        ("lr1e-4", "base"): True,
        ("ep4", "base"): True,
        ("broken", "base"): True,
    }
    by_perplexity = {(r["run"], r["variant"]): r["front"] for r in doc["pareto"]["knowledge_vs_perplexity"]}
    assert by_perplexity[("lr1e-4", "original_seed")] is False  # ep4's original: more knowledge, 25 < 30
    assert by_perplexity[("lr1e-4", "original")] is True

    md = (out / "realdev-t.md").read_text()
    assert "| lr1e-4 | original | 30.0 % [20, 40] n=110 |" in md
    assert (out / "pareto-t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summarize_refuses_a_run_without_metrics(bench, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no metrics"):
        bench.main(["--summarize", str(tmp_path / "empty")])


def fake_realdev(root: Path) -> Path:
    root.mkdir()
    write_jsonl(
        root / "articles.jsonl",
        [{"id": f"A{i}", "language": "en", "url": f"u{i}", "title": f"T{i}", "body": "x"} for i in range(4)],
    )
    write_jsonl(
        root / "questions.jsonl",
        [
            {"article_id": "A0", "question": "When?", "answer": "1 May 2025", "aliases": ["May 1, 2025"]},
            {"article_id": "A1", "question": "Who?", "answer": "Jane Doe", "aliases": []},
            {"article_id": "A3", "question": "How many?", "answer": "over 1,800", "aliases": ["1,800"]},
        ],
    )
    write_jsonl(
        root / "facts.jsonl",
        [
            {"id": "A0", "title": "T0", "qa": [{"question": "When?", "answer": "1 May 2025", "fact_key": "date"}]},
            {"id": "A1", "title": "T1", "qa": [{"question": "Who?", "answer": "Jane Doe", "fact_key": "person"}]},
            {"id": "A2", "title": "T2", "qa": []},
            {
                "id": "A3",
                "title": "T3",
                "qa": [{"question": "How many?", "answer": "over 1,800", "fact_key": "number"}],
            },
        ],
    )
    return root


def test_prepare_run_writes_the_articles_and_facts_with_aliases(bench, tmp_path):
    realdev = fake_realdev(tmp_path / "realdev")
    run = tmp_path / "run"
    prepared = bench.prepare_run(realdev, run, articles=3)
    assert prepared["articles"] == 3 and prepared["questions"] == 2 and prepared["articles_with_questions"] == 2
    assert [r["id"] for r in bench.read_jsonl(run / "articles.jsonl")] == ["A0", "A1", "A2"]
    facts = {f["id"]: f for f in bench.read_jsonl(run / "facts.jsonl")}
    assert set(facts) == {"A0", "A1", "A2"}
    assert facts["A0"]["qa"][0] == {
        "question": "When?",
        "answer": "1 May 2025",
        "fact_key": "date",
        "aliases": ["May 1, 2025"],
    }
    assert facts["A1"]["qa"][0]["aliases"] == []
    # the overrides point evaluation at that file and keep the base in the run
    sets = bench.bench_overrides(run / "facts.jsonl")
    assert f"evaluate.facts_file={run / 'facts.jsonl'}" in sets and "evaluate.include_base=true" in sets


def test_facts_and_questions_that_disagree_are_an_error(bench, tmp_path):
    realdev = fake_realdev(tmp_path / "realdev")
    write_jsonl(
        realdev / "questions.jsonl",
        [{"article_id": "A0", "question": "When exactly?", "answer": "1 May 2025", "aliases": []}],
    )
    with pytest.raises(ValueError, match="not in questions.jsonl"):
        bench.facts_with_aliases(realdev)


def test_prepare_run_without_the_dev_set_says_where_it_looked(bench, tmp_path):
    with pytest.raises(FileNotFoundError, match="--realdev"):
        bench.prepare_run(tmp_path / "nowhere", tmp_path / "run")


def test_split_questions_counts_each_qa_set(bench, tmp_path):
    realdev = fake_realdev(tmp_path / "realdev")
    run = tmp_path / "run"
    bench.prepare_run(realdev, run)
    (run / "dataset").mkdir()
    write_jsonl(
        run / "dataset" / "documents.jsonl",
        [{"id": "A0", "split": "train"}, {"id": "A1", "split": "train"}, {"id": "A2", "split": "eval"}],
    )
    (run / "dataset" / "probe.json").write_text(json.dumps({"articles": ["A1"]}))
    counts = bench.split_questions(run)
    assert counts["knowledge"] == {"articles": 1, "articles_with_questions": 1, "questions": 1, "asked": 1}
    assert counts["probe"] == {"articles": 1, "articles_with_questions": 1, "questions": 1, "asked": 1}
    assert counts["held_out"] == {"articles": 1, "articles_with_questions": 0, "questions": 0, "asked": 0}
    assert counts["dropped_by_corpus"]["articles"] == 1 and counts["dropped_by_corpus"]["questions"] == 1


def test_the_real_dev_set_gets_every_alias(bench):
    if not (REALDEV / "questions.jsonl").is_file():
        pytest.skip(f"{REALDEV} not present (the real PressClub dev set lives in ../shared/realdev)")
    facts = bench.facts_with_aliases(REALDEV)
    questions = bench.read_jsonl(REALDEV / "questions.jsonl")
    assert len(facts) == 100 and sum(len(f["qa"]) for f in facts) == len(questions) == 160
    got = {(f["id"], qa["question"]): qa["aliases"] for f in facts for qa in f["qa"]}
    assert got == {(q["article_id"], q["question"]): q["aliases"] for q in questions}


def test_every_line_of_the_sweep_file_is_a_valid_config(bench, tmp_path: Path):
    """A typo in the sweep file would cost a device session: every run line of this tree loads, with
    the harness's own overrides first, as bench_realdev.py passes them."""
    import shlex

    from presstune.config import load_config

    root = BENCH.parents[1]
    lines = (root / "benchmarks" / "bench_realdev_sweep.txt").read_text(encoding="utf-8").splitlines()
    runs = [shlex.split(line.split("#", 1)[0]) for line in lines if line.split("#", 1)[0].strip()]
    assert runs
    for label, config, *overrides in runs:
        if overrides and overrides[0].startswith("src="):
            continue  # another tree's code and config
        cfg = load_config(root / config, [*bench.bench_overrides(tmp_path / "facts.jsonl"), *overrides])
        assert cfg.variants, label
