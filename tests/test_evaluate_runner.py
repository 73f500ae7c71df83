"""evaluate_variant / `presstune evaluate` on a tiny run built here: base model, a reduced variant
with a LoRA adapter, dataset files, fact sheets."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from helpers.nli import bag_of_words_nli
from presstune.rundir import RunDir, read_jsonl, write_jsonl

SYSTEM = "You are a helpful assistant that knows the company's press releases."
BODIES = {
    "T0000001EN": "Munich. The BMW Group presents the new BMW iX3 with 340 kW at the Leipzig plant. "
    "The price starts at € 68,900. Production begins in Debrecen in March 2026.",
    "T0000002EN": 'Oliver Zipse, Chairman of the Board of Management, said: "This is a milestone." '
    "The range is 805 km (WLTP). The power output is 250 kW.",
    "T0000003EN": "Die BMW Group präsentiert das neue Modell im Werk München. The price starts at € 54,000.",
}
#: train-split documents (knowledge QA asks about these only)
TRAIN_BODIES = {
    "T0000009EN": "A training document about 340 kW.",
    "T0000010EN": "Another training document: the range is 610 km in everyday driving.",
}
#: a fact sheet of an article in neither split (e.g. before the demo base's cutoff): never asked
OTHER_ID = "T0000099EN"


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

        peft_model = get_peft_model(
            make_model(seed=1, num_hidden_layers=3),
            LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
        )
        peft_model.save_pretrained(run / "checkpoints" / "small")
    docs, rows = [], []
    train_rows = []
    for aid, body in [*BODIES.items(), *TRAIN_BODIES.items()]:
        split = "train" if aid in TRAIN_BODIES else "eval"
        docs.append(
            {
                "id": aid,
                "family_id": aid[1:8],
                "language": "en",
                "date": "2025-12-05",
                "title": f"Title {aid}",
                "split": split,
                "source": "html",
                "chars": len(body),
                "body": body,
            }
        )
        (rows if split == "eval" else train_rows).append(
            {
                "prompt": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"Write the press release titled Title {aid}."},
                ],
                "completion": [{"role": "assistant", "content": body}],
                "id": aid,
                "family_id": aid[1:8],
                "language": "en",
                "date": "2025-12-05",
                "title": f"Title {aid}",
                "source": "html",
                "style": "instruct",
            }
        )
    write_jsonl(run / "dataset" / "documents.jsonl", docs)
    write_jsonl(run / "dataset" / "eval.jsonl", rows)
    write_jsonl(run / "dataset" / "train.jsonl", train_rows)
    # the power question names only the model, with a different answer per article (ambiguous)
    facts = [
        {
            "id": aid,
            "family_id": aid[1:8],
            "language": "en",
            "facts": {"power_kw": 340 + k},
            "qa": [
                {
                    "question": "What is the power output of the BMW iX3?",
                    "answer": f"{340 + k} kW",
                    "fact_key": "power_kw",
                },
                {
                    "question": f"Where does production begin according to Title {aid}?",
                    "answer": "Debrecen",
                    "fact_key": "plant",
                },
            ],
        }
        for k, aid in enumerate([*BODIES, *TRAIN_BODIES, OTHER_ID])
    ]
    write_jsonl(run / "facts.jsonl", facts)
    cfg = validate(
        {
            "run": {"name": "demo", "root": str(root)},
            "model": {"name_or_path": str(base_dir)},
            "variants": [{"name": "small", "kind": "pruned", "keep_layers": 3}],
            "evaluate": {
                "window": 24,
                "stride": 16,
                "batch_size": 3,
                "max_new_tokens": 6,
                "se_max_new_tokens": 5,
                "se_samples": 3,
                "se_questions": 2,
                "qa_questions": 4,
                "qa_train_questions": 3,
                "generation_prompts": 2,
                "bootstrap_samples": 50,
                "speed_prompt_tokens": 8,
                "speed_new_tokens": 3,
                "speed_repeats": 1,
                "se_clustering": "entailment",
            },
        }
    )
    RunDir(run).create().record_config(cfg.model_dump(mode="json"))
    return run, cfg


@pytest.fixture
def nli_judge():
    from presstune.evaluate.semantic_entropy import EntailmentJudge

    return EntailmentJudge(*bag_of_words_nli())


def _ref_assistant_nll(run: Path, row: dict, window: int, stride: int) -> tuple[float, int]:
    """Reference NLL of one chat row's completion (its text and the end-of-turn token), written
    without presstune: PEFT merge, the tokenizer's chat template, the HF strided loop, float64."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(run / "variants" / "small")
    base = AutoModelForCausalLM.from_pretrained(run / "variants" / "small", dtype=torch.float32)
    model = PeftModel.from_pretrained(base, run / "checkpoints" / "small").merge_and_unload().eval()
    prompt = tok.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True, enable_thinking=False)
    full = tok.apply_chat_template([*row["prompt"], *row["completion"]], tokenize=False)
    n_prompt = len(tok(prompt, add_special_tokens=False)["input_ids"])
    ids = tok(full, add_special_tokens=False)["input_ids"]
    end_of_turn = tok.convert_tokens_to_ids("<|im_end|>")
    last = ids.index(end_of_turn, n_prompt)
    ids, targets = ids[: last + 1], set(range(n_prompt, last + 1))
    total, n, prev_end = 0.0, 0, 0
    for begin in range(0, len(ids), stride):
        end = min(begin + window, len(ids))
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids[begin:end]])).logits[0].double(), dim=-1)
        for p in range(max(prev_end, 1), end):
            if p in targets:
                total -= float(logp[p - 1 - begin, ids[p]])
                n += 1
        prev_end = end
        if end == len(ids):
            break
    return total, n


@pytest.mark.slow
def test_evaluate_variant_writes_metrics(tmp_path, tiny_tokenizer, tiny_qwen3, nli_judge):
    from presstune.evaluate.runner import evaluate_variant
    from presstune.models.checkpoints import load_model, resolve_variant

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3)
    src = resolve_variant(run, "small", cfg)
    assert src["kind"].startswith("fine-tuned (LoRA") and src["model"].endswith("variants/small")
    doc = evaluate_variant(cfg.evaluate, run, "small", config=cfg, judge=nli_judge)
    m = doc["metrics"]
    saved = json.loads((run / "metrics" / "small.json").read_text())
    assert saved["metrics"]["perplexity_assistant"]["value"] == pytest.approx(m["perplexity_assistant"]["value"])

    # assistant view: the three eval rows, only their completion tokens; equals an independent
    # reference (the adapter merged here, the chat template applied here, one row at a time,
    # the evaluation's window 24 / stride 16, float64)
    model, tok = load_model(src, cfg.evaluate, cfg)
    ref_nll, ref_tokens = 0.0, 0
    for row in read_jsonl(run / "dataset" / "eval.jsonl"):
        nll_row, n_row = _ref_assistant_nll(run, row, window=24, stride=16)
        ref_nll += nll_row
        ref_tokens += n_row
    assert m["perplexity_assistant"]["documents"] == 3
    assert m["perplexity_assistant"]["tokens"] == ref_tokens
    assert m["perplexity_assistant"]["value"] == pytest.approx(math.exp(ref_nll / ref_tokens), rel=1e-4)
    # whole-text view: eval documents only (the train document is not scored)
    assert m["perplexity_text"]["documents"] == 3
    n_bytes = sum(len(b.encode()) for b in BODIES.values())
    assert m["bpb_text"]["bytes"] == n_bytes
    assert m["bpb_text"]["value"] == pytest.approx(
        math.log(m["perplexity_text"]["value"]) * m["perplexity_text"]["tokens"] / math.log(2) / n_bytes, rel=1e-6
    )
    # the LoRA adapter (non-zero init) was merged: the adapted model differs from the untuned variant
    untuned = evaluate_variant(
        cfg.evaluate,
        run,
        "small-untuned",
        config=cfg,
        judge=nli_judge,
        source={"kind": "untuned", "model": str(run / "variants" / "small"), "adapter": None},
    )
    assert untuned["metrics"]["perplexity_text"]["value"] != pytest.approx(m["perplexity_text"]["value"], rel=1e-6)

    # every QA set had questions: no "no questions" error (the errors the report shows)
    assert not [e for e in doc["errors"] if "no questions" in e], doc["errors"]
    # QA from the fact sheets of eval articles only (2 questions x 3 articles, capped at 4)
    assert m["qa_contains"]["questions"] == 4 and m["qa_contains"]["source"] == "facts"
    qa_rows = read_jsonl(run / "metrics" / "qa" / "small.jsonl")
    assert {r["article_id"] for r in qa_rows} <= set(BODIES)
    assert all(r["answer_tokens"] > 0 and r["answer_logprob"] < 0 for r in qa_rows)
    assert m["qa_contains"]["qa_set"] == "heldout" and m["qa_contains"]["split"] == "eval"
    assert m["qa_contains"]["definition"].startswith("held-out QA (generalisation / leak check")
    # the leak check without facts the train text also holds ("340 kW" is in a train document)
    shared = {r["gold"] for r in qa_rows if r["answer_in_train_text"]}
    assert shared == {"340 kW"} and all("answer_in_train_text" in r for r in qa_rows)
    unshared = [r for r in qa_rows if not r["answer_in_train_text"]]
    assert m["qa_unshared_contains"]["questions"] == len(unshared) == 3
    assert m["qa_unshared_contains"]["questions_with_shared_answer"] == 1
    assert m["qa_unshared_contains"]["value"] == pytest.approx(sum(r["contains_answer"] for r in unshared) / 3)
    # knowledge QA: the fact sheets of train-split articles only (2 x 2 questions, subsample of 3)
    train_rows = read_jsonl(run / "metrics" / "qa_train" / "small.jsonl")
    assert len(train_rows) == 3 and {r["article_id"] for r in train_rows} <= set(TRAIN_BODIES)
    assert not {r["qid"] for r in train_rows} & {r["qid"] for r in qa_rows}
    assert all(r["answer_tokens"] > 0 and r["answer_logprob"] < 0 for r in train_rows)
    for key in (
        "qa_train_exact_match",
        "qa_train_contains",
        "qa_train_answer_logprob_per_token",
        "qa_train_answer_logprob",
        "qa_train_answer_words",
    ):
        metric = m[key]
        assert metric["questions"] == 3 and metric["pool_questions"] == 4 and metric["split"] == "train", key
        assert metric["source"] == "facts" and metric["articles"] == len({r["article_id"] for r in train_rows}), key
        assert metric["definition"].startswith("knowledge QA (knowledge injection"), key
    assert m["qa_train_contains"]["value"] == pytest.approx(np.mean([r["contains_answer"] for r in train_rows]))
    assert m["qa_train_answer_words"]["value"] == pytest.approx(
        np.median([len(r["answer"].split()) for r in train_rows])
    )
    assert m["qa_train_answer_logprob_per_token"]["tokens"] == sum(r["answer_tokens"] for r in train_rows)
    lo, hi = m["qa_train_answer_logprob_per_token"]["ci95"]
    assert lo <= m["qa_train_answer_logprob_per_token"]["value"] <= hi
    assert m["qa_train_answer_logprob_per_token"]["value"] == pytest.approx(
        sum(r["answer_logprob"] for r in train_rows) / sum(r["answer_tokens"] for r in train_rows)
    )
    # the power question is asked of both train articles with different answers
    assert m["qa_train_contains"]["ambiguous_questions"] == sum(r["fact_key"] == "power_kw" for r in train_rows)
    # every step is timed, the steps one after another inside the whole evaluation's time
    steps = {step: s for step, s in doc["seconds"].items() if step != "total"}
    assert {"perplexity", "qa", "qa_train", "semantic_entropy"} <= set(steps)
    assert sum(steps.values()) <= doc["seconds"]["total"] + 0.001 * len(doc["seconds"]), doc["seconds"]
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
    assert m["disk_bytes"]["adapter_bytes"] > 0
    assert m["disk_bytes"]["value"] > m["disk_bytes"]["adapter_bytes"]
    # in memory: float32 parameters of the merged model, a different quantity from the files
    assert m["memory_bytes"]["value"] == 4 * m["parameters"]["value"]
    assert "checkpoint_bytes" not in m  # the old key mixed both
    assert m["decode_tokens_per_s"]["decode_steps"] == cfg.evaluate.speed_new_tokens - 1
    assert m["prefill_tokens_per_s"]["value"] > 0 and m["decode_tokens_per_s"]["value"] > 0
    assert m["peak_memory"]["peak_bytes"] > 0
    for key, metric in m.items():
        assert "definition" in metric, key
    # a second call with the same settings is a no-op (same document back)
    again = evaluate_variant(cfg.evaluate, run, "small", config=cfg, judge=nli_judge)
    assert again["created"] == doc["created"]


@pytest.mark.slow
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
    res = runner.invoke(
        app, ["evaluate", "--run", str(run), "--variant", "all", "--set", "evaluate.se_clustering=none"]
    )
    assert res.exit_code == 0, res.output
    assert (run / "metrics" / "base.json").is_file() and (run / "metrics" / "small.json").is_file()
    base = json.loads((run / "metrics" / "base.json").read_text())
    assert base["source"]["kind"] == "base" and base["metrics"]["layers"]["value"] == 4
    small = json.loads((run / "metrics" / "small.json").read_text())
    assert small["source"]["kind"] == "untuned"
    # the base model is asked the same knowledge questions as the variant
    assert base["metrics"]["qa_train_contains"]["questions"] == small["metrics"]["qa_train_contains"]["questions"] == 3
    assert [r["qid"] for r in read_jsonl(run / "metrics" / "qa_train" / "base.jsonl")] == [
        r["qid"] for r in read_jsonl(run / "metrics" / "qa_train" / "small.jsonl")
    ]
    assert "semantic_entropy" not in small["metrics"]
    assert RunDir(run).stage_done("evaluate.small")
    res = runner.invoke(app, ["evaluate", "--run", str(run), "--variant", "nope"])
    assert res.exit_code == 2 and "nope" in res.output


def test_adapter_on_random_init_base_is_rebuilt_from_the_seeded_architecture(tmp_path):
    """A LoRA adapter trained on a random_init Qwen3-8B names the packaged config folder as its
    base (no weights there): evaluation must rebuild the seeded random base, not load that folder."""
    from presstune.config import validate
    from presstune.models.checkpoints import resolve_variant
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


def test_qa_sets_split_by_recorded_split(tmp_path, tiny_tokenizer, tiny_qwen3):
    """Knowledge QA draws only on train-split ids, held-out QA only on eval ids (facts and
    templates); the subsample is deterministic and 0 switches knowledge QA off."""
    from presstune.evaluate.data import load_eval_data, split_ids
    from presstune.evaluate.qa import QAItem, subsample
    from presstune.evaluate.qa_sets import qa_sets

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3, with_adapter=False)
    data = load_eval_data(RunDir(run), None)
    train_ids, eval_ids = split_ids(data)
    assert train_ids == set(TRAIN_BODIES) and eval_ids == set(BODIES)

    sets = qa_sets(RunDir(run), cfg.evaluate, cfg, data)
    assert {it.article_id for it in sets["heldout"]["items"]} <= set(BODIES)
    assert {it.article_id for it in sets["train"]["items"]} <= set(TRAIN_BODIES)
    assert len(sets["train"]["items"]) == 3 and sets["train"]["pool"] == 4 and sets["heldout"]["pool"] == 6
    again = qa_sets(RunDir(run), cfg.evaluate, cfg, data)
    assert [it.qid for it in again["train"]["items"]] == [it.qid for it in sets["train"]["items"]]

    # templates (real corpora): cloze questions over train documents vs eval documents
    tpl = qa_sets(RunDir(run), cfg.evaluate.model_copy(update={"qa_source": "templates"}), cfg, data)
    assert tpl["train"]["source"] == "templates"
    assert {it.article_id for it in tpl["train"]["items"]} == set(TRAIN_BODIES)  # 340 kW, 610 km
    assert {it.article_id for it in tpl["heldout"]["items"]} <= set(BODIES)
    # no documents.jsonl: the split files' rows (instruct completions) serve
    (run / "dataset" / "documents.jsonl").unlink()
    rows_only = qa_sets(
        RunDir(run), cfg.evaluate.model_copy(update={"qa_source": "templates"}), cfg, load_eval_data(RunDir(run), None)
    )
    assert {it.article_id for it in rows_only["train"]["items"]} == set(TRAIN_BODIES)

    # a question that holds its own answer (the model named in the title) is left out and counted
    facts = read_jsonl(run / "facts.jsonl")
    for rec in facts:
        rec["qa"].append({"question": f"Which model is in 'The BMW iX3 at {rec['id']}'?", "answer": "BMW iX3"})
    write_jsonl(run / "facts.jsonl", facts)
    copied = qa_sets(RunDir(run), cfg.evaluate, cfg, data)
    assert [it.qid for it in copied["train"]["items"]] == [it.qid for it in sets["train"]["items"]]
    assert copied["train"]["answer_in_question_excluded"] == len(TRAIN_BODIES)
    assert copied["heldout"]["answer_in_question_excluded"] == len(BODIES)
    kept = qa_sets(RunDir(run), cfg.evaluate.model_copy(update={"qa_exclude_answer_in_question": False}), cfg, data)
    assert kept["train"]["pool"] == 4 + len(TRAIN_BODIES) and kept["train"]["answer_in_question_excluded"] == 0

    off = qa_sets(RunDir(run), cfg.evaluate.model_copy(update={"qa_train_questions": 0}), cfg, data)
    assert off["train"]["items"] == [] and off["heldout"]["items"]

    # subsample: order kept, independent of the other items, stable under the seed
    items = [QAItem(f"A{k}:0", f"A{k}", "q", "a", "k", "facts") for k in range(50)]
    picked = subsample(items, 10, seed=0)
    assert len(picked) == 10 and picked == sorted(picked, key=items.index)
    assert subsample(items, 10, seed=0) == picked and subsample(items, 10, seed=1) != picked
    # a question chosen from all items is also chosen from any subset holding it (hash rank)
    assert {it.qid for it in picked if it in items[:25]} <= {it.qid for it in subsample(items[:25], 10, 0)}
    assert subsample(items, None) == items and subsample(items, 0) == []


def test_adapter_of_a_reduced_variant_is_not_merged_onto_the_full_base(tmp_path, tiny_tokenizer, tiny_qwen3):
    """variants/<v> missing: the adapter's recorded base is used only when no layer was removed and
    the layer counts agree; otherwise one clear error (PEFT alone would merge 3 layers onto 4)."""
    from peft import LoraConfig, get_peft_model

    from presstune.config import validate
    from presstune.models.checkpoints import ModelSourceError, resolve_variant

    base_dir = tmp_path / "base"
    tiny_qwen3(seed=0, num_hidden_layers=4).save_pretrained(base_dir)

    def adapter(name: str, layers: int) -> Path:
        model = get_peft_model(tiny_qwen3(seed=1, num_hidden_layers=layers), LoraConfig(r=2, target_modules=["q_proj"]))
        model.peft_config["default"].base_model_name_or_path = str(base_dir)
        model.save_pretrained(tmp_path / "checkpoints" / name)
        return tmp_path / "checkpoints" / name

    cfg = validate(
        {
            "model": {"name_or_path": str(base_dir)},
            "variants": [
                {"name": "original", "kind": "original"},
                {"name": "pruned", "kind": "pruned", "keep_layers": 3},
                {"name": "odd", "kind": "original"},
            ],
        }
    )
    adapter("original", 4)
    assert resolve_variant(tmp_path, "original", cfg)["model"] == str(base_dir)  # same layers: fine
    pruned = adapter("pruned", 3)
    with pytest.raises(ModelSourceError, match=r"'pruned'.*reduced model.*variants/pruned is missing"):
        resolve_variant(tmp_path, "pruned", cfg)
    # the run's variant.json says so even without the config
    (pruned / "variant.json").write_text(json.dumps({"removed_layers": [2], "num_layers": 3}))
    with pytest.raises(ModelSourceError, match=r"removed layers \[2\]"):
        resolve_variant(tmp_path, "pruned", None)
    # nothing says layers were removed, but the adapter holds 3 layers and the base has 4
    adapter("odd", 3)
    with pytest.raises(ModelSourceError, match="trained on 3 layers, its base .* has 4"):
        resolve_variant(tmp_path, "odd", cfg)


def test_adapter_trained_on_another_plan_is_not_merged_onto_the_rebuilt_variant(tmp_path, tiny_tokenizer, tiny_qwen3):
    """variants/<v> rebuilt with other layers removed after checkpoints/<v> was trained: the
    recorded inputs disagree and resolve_variant refuses instead of merging."""
    from presstune.cache import RECORD, write_record
    from presstune.models.checkpoints import ModelSourceError, resolve_variant

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3)
    model = {"config": {"name_or_path": "base"}}
    write_record(run / "variants" / "small" / RECORD, {"model": model, "removed_layers": [1]})
    write_record(run / "checkpoints" / "small" / RECORD, {"model": model, "removed_layers": [1], "train": {}})
    assert resolve_variant(run, "small", cfg)["model"].endswith("variants/small")
    write_record(run / "variants" / "small" / RECORD, {"model": model, "removed_layers": [2]})
    with pytest.raises(ModelSourceError, match=r"trained on removed_layers \[1\], but .*variants/small now has \[2\]"):
        resolve_variant(run, "small", cfg)


@pytest.mark.slow
def test_knowledge_keys_probe_rag_retention_and_paired_comparison(tmp_path, tiny_tokenizer, tiny_qwen3):
    """The knowledge keys of HELPERS.md: probe articles leave knowledge QA for qa_probe_*, RAG
    retrieves passages of the train articles, Wilson intervals, McNemar counts against the base."""
    from presstune.evaluate.qa import wilson_interval
    from presstune.evaluate.retention import general_questions
    from presstune.evaluate.runner import evaluate_variant

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3, with_adapter=False)
    (run / "dataset" / "probe.json").write_text(json.dumps({"articles": ["T0000010EN"]}))
    eval_cfg = cfg.evaluate.model_copy(update={"se_clustering": "none", "rag_top_k": 2, "retention_texts": 2})
    base = evaluate_variant(eval_cfg, run, "base", config=cfg)["metrics"]
    small = evaluate_variant(eval_cfg, run, "small", config=cfg)["metrics"]
    for name, m in (("base", base), ("small", small)):
        assert {r["article_id"] for r in read_jsonl(run / "metrics" / "qa_train" / "base.jsonl")} == {"T0000009EN"}
        assert m["qa_probe_contains"]["questions"] == 2 and m["qa_probe_contains"]["qa_set"] == "probe"
        assert m["qa_train_contains"]["questions"] == 2
        for key in ("qa_train_contains", "qa_probe_contains", "qa_contains", "rag_qa_train_contains"):
            n, value = m[key]["questions"], m[key]["value"]
            assert m[key]["ci95"] == pytest.approx(wilson_interval(round(value * n), n))
            assert m[key]["leaked_questions"] == 0 or key == "rag_qa_train_contains"
        assert m["rag_qa_train_contains"]["retriever"] == "BM25 (bm25s), top 2"
        # the share of questions whose own article is among the retrieved passages' articles
        retrieved = read_jsonl(run / "metrics" / "rag_qa_train" / f"{name}.jsonl")
        hits = [r["article_id"] in r["retrieved_articles"] for r in retrieved]
        assert retrieved and m["rag_qa_train_contains"]["retrieval_hit_rate"] == pytest.approx(sum(hits) / len(hits))
        assert m["retention_contains"]["questions"] == len(general_questions(None))  # all that evaluation asks
        answers = read_jsonl(run / "metrics" / "retention" / f"{name}.jsonl")
        words = sorted(len(r["answer"].split()) for r in answers)
        assert m["retention_answer_words"]["value"] == pytest.approx(
            (words[(len(words) - 1) // 2] + words[len(words) // 2]) / 2
        )
        assert m["retention_perplexity"]["documents"] == 2
    rag_rows = read_jsonl(run / "metrics" / "rag_qa_train" / "small.jsonl")
    assert all(len(r["retrieved_articles"]) == 2 for r in rag_rows)
    assert all(set(r["retrieved_articles"]) <= set(TRAIN_BODIES) for r in rag_rows)  # train articles only
    row = read_jsonl(run / "metrics" / "qa_train" / "small.jsonl")[0]
    assert row["gold"] in ("343 kW", "Debrecen")  # the fact sheet of T0000009EN (4th article: 340 + 3)
    assert row["answer"] == row["prediction"]
    # paired with the base, question by question
    base_rows = {r["qid"]: r["contains_answer"] for r in read_jsonl(run / "metrics" / "qa_train" / "base.jsonl")}
    small_rows = read_jsonl(run / "metrics" / "qa_train" / "small.jsonl")
    b = sum(1 for r in small_rows if base_rows[r["qid"]] and not r["contains_answer"])
    c = sum(1 for r in small_rows if not base_rows[r["qid"]] and r["contains_answer"])
    paired = small["qa_train_contains_vs_base"]
    assert (paired["b"], paired["c"], paired["questions"]) == (b, c, 2)
    assert "qa_train_contains_vs_base" not in base
    # retention is paired with the base too, question by question
    assert small["retention_contains_vs_base"]["questions"] == len(general_questions(None))
    assert "retention_contains_vs_base" not in base


@pytest.mark.slow
def test_asked_as_trained_diagnostic_uses_the_training_rows_own_wording(tmp_path, tiny_tokenizer, tiny_qwen3):
    """qa_seen_*: the default mix's QA rows about the knowledge-QA articles, asked word for word
    (instruction stripped and put back as evaluation puts it), scored by the row's span (else its
    reply), answers of at most 12 words; not
    the probe articles', not other kinds of rows; the base is asked the same and paired."""
    from presstune.evaluate.runner import evaluate_variant

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3, with_adapter=False)
    (run / "dataset" / "probe.json").write_text(json.dumps({"articles": ["T0000010EN"]}))
    instruction = cfg.evaluate.qa_instruction

    def qa_row(aid: str, question: str, answer: str, kind: str = "qa", span: str | None = None) -> dict:
        return {
            "prompt": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"{instruction} {question}"},
            ],
            "completion": [{"role": "assistant", "content": answer}],
            "id": aid,
            "kind": kind,
            **({"answer": span} if span else {}),
        }

    rows = read_jsonl(run / "dataset" / "train.jsonl")
    rows += [
        qa_row("T0000009EN", "Which power figure does the release name?", "343 kW."),
        # a reply that states the fact (qa_answer: statement) is scored by the row's span
        qa_row(
            "T0000009EN",
            "In which city does the release's plant stand?",
            "The release refers to the plant in Debrecen, where production of the new model starts in 2026.",
            span="Debrecen",
        ),
        qa_row("T0000009EN", "Which plant does the release refer to?", "Debrecen."),  # a repeat: asked once
        qa_row("T0000009EN", "What does the CEO say?", " ".join(["word"] * 13) + "."),  # a quote: too long
        qa_row("T0000010EN", "Which power figure does the probe release name?", "344 kW."),  # probe article
        qa_row("T0000009EN", "List the facts in the release.", "Power: 343 kW", kind="facts"),
    ]
    write_jsonl(run / "dataset" / "train.jsonl", rows)
    eval_cfg = cfg.evaluate.model_copy(update={"se_clustering": "none", "retention": False})
    base = evaluate_variant(eval_cfg, run, "base", config=cfg)["metrics"]
    small = evaluate_variant(eval_cfg, run, "small", config=cfg)["metrics"]
    asked = read_jsonl(run / "metrics" / "qa_seen" / "small.jsonl")
    assert sorted((r["question"], r["gold"]) for r in asked) == [
        ("In which city does the release's plant stand?", "Debrecen"),
        ("Which plant does the release refer to?", "Debrecen"),
        ("Which power figure does the release name?", "343 kW"),
    ]
    assert [r["question"] for r in read_jsonl(run / "metrics" / "qa_seen" / "base.jsonl")] == [
        r["question"] for r in asked
    ]
    for m in (base, small):
        seen = m["qa_seen_contains"]
        assert (seen["questions"], seen["articles"], seen["source"], seen["pool_questions"]) == (
            3,
            1,
            "training_rows",
            3,
        )
        assert "training data's own wording" in seen["definition"]
        assert "word for word" in m["qa_seen_exact_match"]["definition"]
    assert small["qa_seen_contains_vs_base"]["questions"] == 3
    off = cfg.evaluate.model_copy(update={"se_clustering": "none", "retention": False, "qa_seen_questions": 0})
    assert "qa_seen_contains" not in evaluate_variant(off, run, "small", config=cfg, force=True)["metrics"]


def test_fact_sheet_aliases_score_in_every_qa_set(tmp_path, tiny_tokenizer, tiny_qwen3):
    """A fact sheet's accepted answers besides the canonical one (``aliases`` or ``answers``): the
    model's own answer given as an alias is a hit in knowledge, probe and held-out QA; the same
    answers against other aliases are misses. The rows carry the aliases; the gold stays canonical."""
    from presstune.evaluate.qa import normalize_answer
    from presstune.evaluate.runner import evaluate_variant

    run, cfg = make_tiny_run(tmp_path, tiny_tokenizer, tiny_qwen3, with_adapter=False)
    (run / "dataset" / "probe.json").write_text(json.dumps({"articles": ["T0000010EN"]}))
    eval_cfg = cfg.evaluate.model_copy(
        update={"se_clustering": "none", "retention": False, "rag_retriever": "none", "qa_seen_questions": 0}
    )
    evaluate_variant(eval_cfg, run, "base", config=cfg)
    # greedy answers are a function of the question: the same question gets the same answer everywhere
    said = {
        r["question"]: normalize_answer(r["answer"])
        for folder in ("qa", "qa_train", "qa_probe")
        for r in read_jsonl(run / "metrics" / folder / "base.jsonl")
    }
    assert all(said.values()), said  # the tiny model says something to each question

    def with_answers(alias_of) -> None:
        facts = read_jsonl(run / "facts.jsonl")
        for rec in facts:
            for k, qa in enumerate(rec["qa"]):
                qa["answer"] = f"nothing said {k}"
                if k % 2:  # both forms: answers (canonical first) and aliases
                    qa["answers"] = [qa.pop("answer"), alias_of(qa["question"])]
                else:
                    qa["aliases"] = [alias_of(qa["question"])]
        write_jsonl(run / "facts.jsonl", facts)

    with_answers(lambda q: said.get(q, "never asked"))  # OTHER_ID's sheet, a question left out of the subsample
    hits = evaluate_variant(eval_cfg, run, "base", config=cfg)["metrics"]
    for key in ("qa_train_contains", "qa_probe_contains", "qa_contains", "qa_train_exact_match"):
        assert hits[key]["value"] == 1.0 and hits[key]["questions"] > 0, key
    row = read_jsonl(run / "metrics" / "qa_train" / "base.jsonl")[0]
    assert row["gold"].startswith("nothing said") and row["aliases"] == [said[row["question"]]]
    assert row["contains_answer"] is True

    with_answers(lambda q: "zebra crossing quartz")
    misses = evaluate_variant(eval_cfg, run, "base", config=cfg)["metrics"]
    for key in ("qa_train_contains", "qa_probe_contains", "qa_contains"):
        assert misses[key]["value"] == 0.0 and misses[key]["questions"] == hits[key]["questions"], key
