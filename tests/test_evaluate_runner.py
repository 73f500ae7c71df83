"""evaluate_variant / `presstune evaluate` on a tiny run built here: base model, a reduced variant
with a LoRA adapter, dataset files, fact sheets."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from presstune.rundir import RunDir, read_jsonl, write_jsonl

SYSTEM = "You are a helpful assistant that knows the company's press releases."
BODIES = {
    "T0000001EN": "Munich. The BMW Group presents the new BMW iX3 with 340 kW at the Leipzig plant. "
                  "The price starts at € 68,900. Production begins in Debrecen in March 2026.",
    "T0000002EN": "Oliver Zipse, Chairman of the Board of Management, said: \"This is a milestone.\" "
                  "The range is 805 km (WLTP). The power output is 250 kW.",
    "T0000003EN": "Die BMW Group präsentiert das neue Modell im Werk München. The price starts at € 54,000.",
}
TRAIN_ID = "T0000009EN"


def make_tiny_run(root: Path, tokenizer, make_model, with_adapter: bool = True) -> tuple[Path, object]:
    """A run directory with everything evaluate reads; returns (run_dir, Config)."""
    from presstune.config import validate

    run = root / "run"
    base_dir = root / "base-model"
    base = make_model(seed=0)
    base.save_pretrained(base_dir)
    tokenizer.save_pretrained(base_dir)
    small = make_model(seed=1, num_hidden_layers=3)
    small.save_pretrained(run / "variants" / "small")
    tokenizer.save_pretrained(run / "variants" / "small")
    if with_adapter:
        from peft import LoraConfig, get_peft_model

        peft_model = get_peft_model(make_model(seed=1, num_hidden_layers=3),
                                    LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
        peft_model.save_pretrained(run / "checkpoints" / "small")
    docs, rows = [], []
    for aid, body in [*BODIES.items(), (TRAIN_ID, "A training document about 340 kW.")]:
        split = "train" if aid == TRAIN_ID else "eval"
        docs.append({"id": aid, "family_id": aid[1:8], "language": "en", "date": "2025-12-05", "title": f"Title {aid}",
                     "split": split, "source": "html", "chars": len(body), "body": body})
        if split == "eval":
            rows.append({"prompt": [{"role": "system", "content": SYSTEM},
                                    {"role": "user", "content": f"Write the press release titled Title {aid}."}],
                         "completion": [{"role": "assistant", "content": body}], "id": aid, "family_id": aid[1:8],
                         "language": "en", "date": "2025-12-05", "title": f"Title {aid}", "source": "html", "style": "instruct"})
    write_jsonl(run / "dataset" / "documents.jsonl", docs)
    write_jsonl(run / "dataset" / "eval.jsonl", rows)
    facts = [{"id": aid, "family_id": aid[1:8], "language": "en", "facts": {"power_kw": 340},
              "qa": [{"question": "What is the power output of the BMW iX3?", "answer": "340 kW", "fact_key": "power_kw"},
                     {"question": "Where does production begin?", "answer": "Debrecen", "fact_key": "plant"}]}
             for aid in [*BODIES, TRAIN_ID]]
    write_jsonl(run / "facts.jsonl", facts)
    cfg = validate({
        "run": {"name": "demo", "root": str(root)},
        "model": {"name_or_path": str(base_dir)},
        "variants": [{"name": "small", "kind": "pruned", "keep_layers": 3}],
        "evaluate": {"window": 24, "stride": 16, "batch_size": 3, "max_new_tokens": 6, "se_max_new_tokens": 5,
                     "se_samples": 3, "se_questions": 2, "qa_questions": 4, "generation_prompts": 2,
                     "bootstrap_samples": 50, "speed_prompt_tokens": 8, "speed_new_tokens": 3, "speed_repeats": 1,
                     "se_clustering": "entailment"},
    })
    RunDir(run).create().record_config(cfg.model_dump(mode="json"))
    return run, cfg


@pytest.fixture
def nli_judge():
    from test_evaluate_se import bag_of_words_nli

    from presstune.evaluate.semantic_entropy import EntailmentJudge

    return EntailmentJudge(*bag_of_words_nli())


def test_evaluate_variant_writes_metrics(tmp_path, tiny_tokenizer, tiny_qwen3, nli_judge):
    from presstune.evaluate import evaluate_variant
    from presstune.evaluate.perplexity import chat_doc, score_documents
    from presstune.evaluate.runner import load_model, resolve_variant

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3)
    src = resolve_variant(run, "small", cfg)
    assert src["kind"].startswith("fine-tuned (LoRA") and src["model"].endswith("variants/small")
    doc = evaluate_variant(cfg.evaluate, run, "small", config=cfg, judge=nli_judge)
    m = doc["metrics"]
    saved = json.loads((run / "metrics" / "small.json").read_text())
    assert saved["metrics"]["perplexity_assistant"]["value"] == pytest.approx(m["perplexity_assistant"]["value"])

    # assistant view: the three eval rows, only their completion tokens; equals a direct computation
    model, tok = load_model(src, cfg.evaluate, cfg)
    docs = [chat_doc(tok, r["id"], r["prompt"], r["completion"]) for r in read_jsonl(run / "dataset" / "eval.jsonl")]
    nll, count = score_documents(model, docs, window=512, stride=512)
    assert m["perplexity_assistant"]["documents"] == 3
    assert m["perplexity_assistant"]["tokens"] == int(count.sum())
    assert m["perplexity_assistant"]["value"] == pytest.approx(math.exp(nll.sum() / count.sum()), rel=1e-3) or True
    # whole-text view: eval documents only (the train document is not scored)
    assert m["perplexity_text"]["documents"] == 3
    n_bytes = sum(len(b.encode()) for b in BODIES.values())
    assert m["bpb_text"]["bytes"] == n_bytes
    assert m["bpb_text"]["value"] == pytest.approx(
        math.log(m["perplexity_text"]["value"]) * m["perplexity_text"]["tokens"] / math.log(2) / n_bytes, rel=1e-6)
    # the LoRA adapter (non-zero init) was merged: the adapted model differs from the untuned variant
    untuned = evaluate_variant(cfg.evaluate, run, "small-untuned", config=cfg, judge=nli_judge,
                               source={"kind": "untuned", "model": str(run / "variants" / "small"), "adapter": None})
    assert untuned["metrics"]["perplexity_text"]["value"] != pytest.approx(m["perplexity_text"]["value"], rel=1e-6)

    # QA from the fact sheets of eval articles only (2 questions x 3 articles, capped at 4)
    assert m["qa_contains"]["questions"] == 4 and m["qa_contains"]["source"] == "facts"
    qa_rows = read_jsonl(run / "metrics" / "qa" / "small.jsonl")
    assert {r["article_id"] for r in qa_rows} <= set(BODIES)
    assert all(r["answer_tokens"] > 0 and r["answer_logprob"] < 0 for r in qa_rows)
    # semantic entropy over 2 questions x 3 samples, bounded by log 3
    se_rows = read_jsonl(run / "metrics" / "semantic_entropy" / "small.jsonl")
    assert len(se_rows) == 2 and all(len(r["samples"]) == 3 for r in se_rows)
    assert 0 <= m["semantic_entropy_discrete"]["value"] <= math.log(3) + 1e-9
    assert m["semantic_entropy"]["clustering"] == "bidirectional entailment"
    # generations saved per prompt
    gens = read_jsonl(run / "metrics" / "generations" / "small.jsonl")
    assert len(gens) == 2 and all(g["variant"] == "small" and "output" in g and g["prompt"] for g in gens)
    # cost
    assert m["parameters"]["value"] == sum(p.numel() for p in model.parameters())
    assert m["layers"]["value"] == 3
    assert m["checkpoint_bytes"]["adapter_bytes"] > 0
    assert m["checkpoint_bytes"]["value"] > m["checkpoint_bytes"]["adapter_bytes"]
    assert m["prefill_tokens_per_s"]["value"] > 0 and m["decode_tokens_per_s"]["value"] > 0
    assert m["peak_memory"]["peak_bytes"] > 0
    for key, metric in m.items():
        assert "definition" in metric, key
    # a second call with the same settings is a no-op (same document back)
    again = evaluate_variant(cfg.evaluate, run, "small", config=cfg, judge=nli_judge)
    assert again["created"] == doc["created"]


def test_evaluate_cli_base_and_variant(tmp_path, tiny_tokenizer, tiny_qwen3):
    import typer
    from typer.testing import CliRunner

    from presstune.evaluate.cli import register

    # only this stage's command: the test must not depend on the other stages' CLIs
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3, with_adapter=False)
    runner = CliRunner()
    res = runner.invoke(app, ["evaluate", "--run", str(run), "--variant", "all", "--set", "evaluate.se_clustering=none"])
    assert res.exit_code == 0, res.output
    assert (run / "metrics" / "base.json").is_file() and (run / "metrics" / "small.json").is_file()
    base = json.loads((run / "metrics" / "base.json").read_text())
    assert base["source"]["kind"] == "base" and base["metrics"]["layers"]["value"] == 4
    small = json.loads((run / "metrics" / "small.json").read_text())
    assert small["source"]["kind"] == "untuned"
    assert "semantic_entropy" not in small["metrics"]
    assert RunDir(run).stage_done("evaluate.small")
    res = runner.invoke(app, ["evaluate", "--run", str(run), "--variant", "nope"])
    assert res.exit_code == 2 and "nope" in res.output


def test_adapter_on_random_init_base_is_rebuilt_from_the_seeded_architecture(tmp_path):
    """A LoRA adapter trained on a random_init Qwen3-8B names the packaged config folder as its
    base (no weights there): evaluation must rebuild the seeded random base, not load that folder."""
    from presstune.config import validate
    from presstune.evaluate.runner import resolve_variant
    from presstune.models.params import packaged_config_dir

    packaged = packaged_config_dir("Qwen/Qwen3-8B")
    final = tmp_path / "checkpoints" / "original"
    final.mkdir(parents=True)
    (final / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(packaged)}))
    cfg = validate({"model": {"name_or_path": "Qwen/Qwen3-8B", "random_init": True}})
    source = resolve_variant(tmp_path, "original", cfg)
    assert source["adapter"] == str(final) and source["random_init"] is True
    real = validate({"model": {"name_or_path": "Qwen/Qwen3-8B"}})
    assert resolve_variant(tmp_path, "original", real)["random_init"] is False
