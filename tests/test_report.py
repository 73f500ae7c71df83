"""The report from a hand-made run directory holding every metric key of the shared contract:
first screen, separated-interval highlighting, semantic entropy with its AUROC, sizes, QA
examples, training settings, resume marker, Markdown fences."""

from __future__ import annotations

import json
from pathlib import Path

from presstune.report.build import build_report, fence
from presstune.rundir import RunDir

KNOWLEDGE_KEYS = (
    "qa_train_contains",
    "qa_train_exact_match",
    "qa_probe_contains",
    "qa_probe_exact_match",
    "qa_contains",
    "qa_exact_match",
    "rag_qa_train_contains",
    "rag_qa_train_exact_match",
    "retention_contains",
)


def _prop(value: float, ci: list[float] | None, questions: int = 40, **extra) -> dict:
    return {
        "value": value,
        "ci95": ci,
        "definition": "share of answers containing the gold answer",
        "questions": questions,
        **extra,
    }


def _metrics(name: str, know: float, know_ci: list[float], ppl: float, ppl_ci: list[float], layers: int) -> dict:
    train = {
        "articles": 31,
        "source": "facts",
        "qa_set": "train",
        "pool_questions": 700,
        "ambiguous_questions": 3,
        "answer_in_question_excluded": 94,
    }
    m = {key: _prop(know / 2, [0.0, 0.5], **train) for key in KNOWLEDGE_KEYS}
    m["qa_train_contains"] = {**_prop(know, know_ci, **train), "definition": "knowledge QA: contains"}
    m["qa_contains"] = _prop(0.0, [0.0, 0.09], 60, articles=12, source="facts", qa_set="heldout", pool_questions=96)
    m["rag_qa_train_contains"] = _prop(0.6, [0.45, 0.73], retriever="BM25 k=3")
    m["retention_contains"] = _prop(0.7, [0.4, 0.89], 10)  # general questions: no articles, no source
    m.update(
        perplexity_text={"value": ppl, "ci95": ppl_ci, "definition": "ppl", "documents": 15, "tokens": 9000},
        layers={"value": layers, "definition": "decoder layers"},
        parameters={"value": layers * 1_000_000, "definition": "parameters"},
        disk_bytes={"value": layers * 2**21, "definition": "weight files on disk"},
        memory_bytes={"value": layers * 2**22, "definition": "parameters in memory"},
        peak_memory={"peak_bytes": 2**30, "definition": "peak RSS"},
        decode_tokens_per_s={"value": 50.0 - layers, "definition": "decode", "new_tokens": 32, "repeats": 3},
        # a confidently wrong base: lowest entropy, and no variant's SE is "best" for it
        semantic_entropy={"value": 0.1 * layers, "ci95": [0.0, 0.01], "definition": "SE", "questions": 20},
        se_auroc={"value": 0.5 + 0.02 * layers, "definition": "AUROC of SE for wrong answers", "questions": 20},
    )
    m["semantic_entropy"]["ci95"] = [0.1 * layers - 0.01, 0.1 * layers + 0.01]
    return {"variant": name, "device": "cpu", "errors": [], "source": {"kind": "test"}, "metrics": m}


def _run(tmp_path: Path, lr_pruned: float = 1e-4, resumed: str | None = None, generation: str = "text") -> Path:
    run = RunDir(tmp_path / "run").create()
    run.record_config(
        {"run": {"name": "t"}, "variants": [{"name": "original"}, {"name": "pruned"}], "report": {"title": "T"}}, []
    )
    (run / "metrics").mkdir()
    rows = {
        # knowledge: original's interval is separated from the others'; perplexity intervals overlap
        "base": (0.05, [0.01, 0.16], 40.0, [30.0, 50.0], 4),
        "original": (0.55, [0.40, 0.69], 20.0, [15.0, 31.0], 4),
        "pruned": (0.20, [0.10, 0.35], 25.0, [18.0, 33.0], 3),
    }
    for name, (know, know_ci, ppl, ppl_ci, layers) in rows.items():
        (run / "metrics" / f"{name}.json").write_text(json.dumps(_metrics(name, know, know_ci, ppl, ppl_ci, layers)))
        qa_rows = [
            {
                "question": f"What is the power of car {i}?",
                "gold": f"{100 + i} kW",
                "answer": f"{100 + i} kW" if name == "original" else "I do not know <b>",
                "contains_answer": name == "original",
                "exact_match": name == "original",
                "article_id": f"A{i}",
            }
            for i in range(3)
        ]
        (run / "metrics" / "qa_train").mkdir(exist_ok=True)
        (run / "metrics" / "qa_train" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in qa_rows))
        (run / "metrics" / "generations").mkdir(exist_ok=True)
        gen = {"prompt_id": "p1", "prompt": "Write it.", "reference": "ref", "output": f"{name}: {generation}"}
        (run / "metrics" / "generations" / f"{name}.jsonl").write_text(json.dumps(gen) + "\n")
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


def _table(html: str, table_id: str) -> str:
    return html.split(f"<table id='{table_id}'")[1].split(">", 1)[1].split("</table>")[0]


def _rows(table: str) -> dict[str, str]:
    return {r.split("</td>")[0].rsplit(">", 1)[-1]: r for r in table.split("<tr>")[2:]}


def test_first_screen_summary_table_and_plot(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path))
    html = paths["index.html"].read_text(encoding="utf-8")
    first = html.split("<section id='first-screen'>")[1].split("</section>")[0]
    summary = _table(first, "summary")
    head = summary.split("</thead>")[0]
    for title in (
        "Knowledge QA",
        "Probe (withheld QA)",
        "Held-out QA",
        "+ RAG",
        "Retention (general answers)",
        "Domain PPL (held-out text)",
        "Params",
    ):
        assert f">{title}<" in head, title
    assert "Decode tok/s" in head and "Peak memory" in head
    assert "questions=40, articles=31" in head  # each column's n
    assert "title='knowledge QA: contains (n: questions=40, articles=31)'" in head  # definition on hover
    assert set(_rows(summary)) == {"base", "original", "pruned"}
    assert "55.0% [40–69]" in _rows(summary)["original"]
    assert "<img id='quality-size'" in first and paths["quality_size.png"].read_bytes().startswith(b"\x89PNG")
    md = paths["README.md"].read_text(encoding="utf-8")
    assert md.index("| Variant | Knowledge QA") < md.index("![quality against size](plots/quality_size.png)")
    assert md.index("![quality against size]") < md.index("## Details")


def test_best_only_when_intervals_are_separated(tmp_path: Path) -> None:
    html = build_report(_run(tmp_path))["index.html"].read_text(encoding="utf-8")
    rows = _rows(_table(html, "summary"))
    assert "<td class='best'>55.0% [40–69]</td>" in rows["original"]  # separated from 5% and 20%
    assert "class='best'" not in rows["base"] and "class='best'" not in rows["pruned"]
    # perplexity: original has the lowest value, but its interval overlaps pruned's: nobody marked
    quality = _rows(_table(html, "group-quality"))
    assert all("class='best'" not in r for r in quality.values())


def test_semantic_entropy_is_shown_with_its_auroc_not_as_a_score(tmp_path: Path) -> None:
    html = build_report(_run(tmp_path))["index.html"].read_text(encoding="utf-8")
    uncertainty = _table(html, "group-uncertainty")
    head = uncertainty.split("</thead>")[0]
    assert head.index("Semantic entropy") < head.index("SE AUROC")
    rows = _rows(uncertainty)
    # base has clearly the lowest SE with separated intervals, and still is not "best"
    assert rows["base"].count("class='best'") == 0
    assert "not a score to minimise" in html


def test_sizes_are_not_mixed(tmp_path: Path) -> None:
    html = build_report(_run(tmp_path))["index.html"].read_text(encoding="utf-8")
    cost = _table(html, "group-cost")
    head = cost.split("</thead>")[0]
    assert ">On disk<" in head and ">In memory<" in head and ">Size<" not in head
    assert "<td>8.00 MiB</td><td>16.00 MiB</td>" in _rows(cost)["original"]


def test_missing_knowledge_keys_are_tolerated(tmp_path: Path) -> None:
    run = _run(tmp_path)
    for path in (run / "metrics").glob("*.json"):
        doc = json.loads(path.read_text())
        for key in ("qa_probe_contains", "rag_qa_train_contains", "retention_contains"):
            doc["metrics"].pop(key)
        path.write_text(json.dumps(doc))
    paths = build_report(run)
    html = paths["index.html"].read_text(encoding="utf-8")
    head = _table(html, "summary").split("</thead>")[0]
    assert ">Knowledge QA<" in head and ">+ RAG<" not in head and ">Retention (general answers)<" not in head
    assert "Probe: " in html and "Not measured in this run (no qa_probe_* metrics)" in html
    assert "Not measured in this run (no retention_* metrics)" in paths["README.md"].read_text(encoding="utf-8")


def test_qa_examples_side_by_side(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path))
    html = paths["index.html"].read_text(encoding="utf-8")
    examples = _table(html, "qa-examples")
    assert examples.count("<tr>") == 4  # header + 3 questions
    assert "<td>What is the power of car 0?</td><td>100 kW</td><td>–</td>" in examples
    assert "<td class='right'>✓ 100 kW</td>" in examples and "✗ I do not know &lt;b&gt;" in examples
    md = paths["README.md"].read_text(encoding="utf-8")
    assert "| What is the power of car 0? | 100 kW | – | ✗ I do not know &lt;b&gt; | ✓ 100 kW |" in md


def test_qa_sets_explanations(tmp_path: Path) -> None:
    html = build_report(_run(tmp_path))["index.html"].read_text(encoding="utf-8")
    qa_sets = html.split("<ul class='muted' id='qa-sets'>")[1].split("</ul>")[0]
    know, _probe, held, rag, retention = qa_sets.split("</li>")[:5]
    assert "Knowledge QA: " in know and "fine-tuned on" in know and "40 questions from 31 articles" in know
    assert "of 700 available" in know and "3 of them ambiguous" in know
    assert "94 left out of the pool (the answer stands in the question)" in know
    assert "Sample: 10 questions." in retention and "?" not in retention.split("Sample:")[1]
    assert "leak check" in held and "60 questions from 12 articles" in held and "random per article" in held
    assert "retriever BM25 k=3" in rag


def test_identical_settings_and_loss_plot(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path))
    html = paths["index.html"].read_text(encoding="utf-8")
    assert "id='settings-same'" in html and "All 2 variants" in html
    assert paths["loss.png"].read_bytes().startswith(b"\x89PNG")
    assert "| original | lora | 10 |" in paths["README.md"].read_text(encoding="utf-8")


def test_settings_difference_and_resume_are_shown(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path, lr_pruned=3e-4, resumed="runs/x/checkpoints/original/checkpoint-6"))
    html = paths["index.html"].read_text(encoding="utf-8")
    assert "id='settings-diff'" in html and "learning_rate" in html.split("id='settings-diff'")[1]
    assert "<td>6</td></tr>" in _table(html, "training")  # resumed at step 6
    md = paths["README.md"].read_text(encoding="utf-8")
    assert "Training settings differ between variants: `learning_rate`: " in md
    assert '"pruned": 0.0003' in md.split("Training settings differ")[1]


def test_markdown_fence_outlasts_backticks_in_a_generation(tmp_path: Path) -> None:
    hostile = "here:\n```\n<script>alert(1)</script>\n```\nand ````` five"
    md = build_report(_run(tmp_path, generation=hostile))["README.md"].read_text(encoding="utf-8")
    # every generation sits in a six-backtick fence, so no line of it closes the block early
    block = md.split("**original**:\n\n")[1]
    assert block.startswith("``````text\n") and "\n``````\n" in block
    inside = block.split("``````text\n", 1)[1].split("\n``````\n", 1)[0]
    assert inside == "original: " + hostile
    assert fence("no ticks").startswith("```text\n") and fence("a ``` b").startswith("````text\n")


def test_html_escapes_generations(tmp_path: Path) -> None:
    html = build_report(_run(tmp_path, generation="<script>alert(1)</script>"))["index.html"].read_text(
        encoding="utf-8"
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_first_table_tells_the_trade_off_with_the_base_beside_and_a_verdict(tmp_path: Path) -> None:
    paths = build_report(_run(tmp_path))
    html = paths["index.html"].read_text(encoding="utf-8")
    summary = _table(html.split("<section id='first-screen'>")[1], "summary")
    rows = _rows(summary)
    # retention and domain perplexity carry the base's number beside every other variant's
    assert "70.0% [40–89]<span class='vs-base'> · base 70.0%</span>" in rows["original"]
    assert "20 [15, 31]<span class='vs-base'> · base 40</span>" in rows["original"]
    assert "vs-base" not in rows["base"].split("<tr class='verdict'>")[0]
    # one verdict line per variant, under its row, from the numbers
    assert summary.count("<tr class='verdict'>") == 3
    assert (
        "<b>original</b>: knows 55.0% of the news (base 5.0%), answers 70.0% of general questions (base 70.0%), "
        "domain perplexity 20.0 (base 40.0): learnt the news; no loss of general answers shown; fluency better"
        in rows["original"]
    )
    # pruned: 20 % [10-35] against the base's 5 % [1-16] overlap: no gain shown (no paired result here)
    assert "no gain in news shown" in rows["pruned"] and "<b>base</b>: the reference: " in rows["base"]
    md = paths["README.md"].read_text(encoding="utf-8")
    header = next(line for line in md.splitlines() if line.startswith("| Variant | Knowledge QA"))
    assert header.endswith("| Verdict |")
    original = next(line for line in md.splitlines() if line.startswith("| original | **55.0%"))
    assert "| 70.0% [40–89] (base 70.0%) |" in original and original.endswith("fluency better |")


def _rewrite_metrics(run: Path, change) -> None:
    for path in (run / "metrics").glob("*.json"):
        doc = json.loads(path.read_text())
        change(doc["metrics"])
        path.write_text(json.dumps(doc))


def test_question_source_is_named_next_to_the_knowledge_numbers(tmp_path: Path) -> None:
    run = _run(tmp_path)
    # metrics written before question_source: the source's words
    html = build_report(run)["index.html"].read_text(encoding="utf-8")
    head = _table(html, "summary").split("</thead>")[0]
    assert "<span class='n question-source'>from fact sheets (facts.jsonl)</span>" in head

    def users_file(m: dict) -> None:
        for key in ("qa_train_contains", "qa_probe_contains", "qa_contains"):
            m[key]["question_source"] = "facts file realdev_facts.jsonl"

    _rewrite_metrics(run, users_file)
    paths = build_report(run)
    html = paths["index.html"].read_text(encoding="utf-8")
    head = _table(html, "summary").split("</thead>")[0]
    knowledge_head = head.split("<th title=")[1]  # the Knowledge QA column
    assert knowledge_head.endswith("<span class='n question-source'>from facts file realdev_facts.jsonl</span></th>")
    assert "written from facts file realdev_facts.jsonl" in html.split("id='qa-examples-note'>")[1]
    qa_sets = html.split("<ul class='muted' id='qa-sets'>")[1].split("</ul>")[0]
    # real articles share people and places: the replica's "0% is the honest value" is not said of a user's file
    assert "written from facts file realdev_facts.jsonl" in qa_sets and "random per article" not in qa_sets
    md = paths["README.md"].read_text(encoding="utf-8")
    assert "Knowledge QA (n: questions=40, articles=31) (from facts file realdev_facts.jsonl)" in md

    def templates(m: dict) -> None:
        for key in ("qa_train_contains", "qa_probe_contains", "qa_contains"):
            m[key]["source"] = "templates"
            m[key].pop("question_source")

    _rewrite_metrics(run, templates)
    head = _table(build_report(run)["index.html"].read_text(encoding="utf-8"), "summary").split("</thead>")[0]
    assert "from cloze templates" in head


def test_qa_examples_show_the_aliases_and_score_a_hit_on_one(tmp_path: Path) -> None:
    run = _run(tmp_path)
    for name in ("base", "original", "pruned"):
        path = run / "metrics" / "qa_train" / f"{name}.jsonl"
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        rows[0].update(gold="five hours", aliases=["5 hours", "5 h"], answer="It took 5 hours.")
        rows[0]["contains_answer"] = name != "base"  # scored by the evaluation: base answered otherwise
        if name == "base":
            rows[0]["answer"] = "It took a day."
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths = build_report(run)
    examples = _table(paths["index.html"].read_text(encoding="utf-8"), "qa-examples")
    assert "<th>Gold</th><th>Also accepted</th>" in examples
    first = examples.split("<tr>")[2]
    assert "<td>five hours</td><td>5 hours; 5 h</td>" in first
    assert "<td class='right'>✓ It took 5 hours.</td>" in first and "<td class='wrong'>✗ It took a day.</td>" in first
    md = paths["README.md"].read_text(encoding="utf-8")
    assert "| five hours | 5 hours; 5 h | ✗ It took a day. | ✓ It took 5 hours. | ✓ It took 5 hours. |" in md
