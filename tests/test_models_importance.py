"""Layer importance: right numbers (checked against HF hidden states), deterministic, files written, CLI."""

from __future__ import annotations

import json
import math

import pytest
import torch
import typer
from typer.testing import CliRunner

from presstune.models.cli import register
from presstune.models.importance import (
    best_block,
    compute_importance,
    load_calibration_texts,
    read_importance,
    recommend_drop,
    write_importance,
)

pytestmark = pytest.mark.usefixtures("one_thread")

TEXTS = [
    "The BMW Group presents the new BMW iX3 with 340 kW at the Leipzig plant.",
    "Production begins in Debrecen in March 2026.",
    "Oliver Zipse said: this is a milestone.",
    "The range is 805 km (WLTP); the price starts at 68,900 euros in Germany and Austria.",
    "Munich.",
]


@pytest.fixture
def model(tiny_qwen3):
    return tiny_qwen3(num_hidden_layers=5, initializer_range=0.2).double()


def reference_numbers(model, tokenizer, texts):
    """BI and d(l, n) from HF's output_hidden_states, one unpadded sequence at a time.

    HF's last hidden state is taken after the final norm, so the final norm is made the
    identity here to get the last layer's true output.
    """
    norm = model.model.norm
    model.model.norm = torch.nn.Identity()
    try:
        L = model.config.num_hidden_layers
        cos_sum = torch.zeros(L, dtype=torch.float64)
        tokens = 0
        last = []
        for text in texts:
            ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])
            with torch.no_grad():
                hs = model(ids, output_hidden_states=True, use_cache=False).hidden_states
            for i in range(L):
                cos_sum[i] += torch.nn.functional.cosine_similarity(hs[i][0], hs[i + 1][0], dim=-1).sum()
            tokens += ids.shape[1]
            last.append(torch.stack([h[0, -1] for h in hs]))
    finally:
        model.model.norm = norm
    x = torch.nn.functional.normalize(torch.stack(last), dim=-1)
    d = {
        n: (torch.arccos((x[:, : L + 1 - n] * x[:, n:]).sum(-1).clamp(-1, 1)) / math.pi).mean(0)
        for n in range(1, L + 1)
    }
    return (1 - cos_sum / tokens).tolist(), d


def test_numbers_match_hidden_states_and_do_not_depend_on_batching(model, tiny_tokenizer):
    result = compute_importance(model, tiny_tokenizer, TEXTS, batch_size=2, block_size=2)
    bi, d = reference_numbers(model, tiny_tokenizer, TEXTS)
    assert result["num_layers"] == 5 and result["samples"] == 5
    assert result["tokens"] == sum(len(tiny_tokenizer(t, add_special_tokens=False)["input_ids"]) for t in TEXTS)
    assert result["block_influence"] == pytest.approx(bi, abs=1e-9)
    for n in range(1, 6):
        assert result["angular_distance"][str(n)] == pytest.approx(d[n].tolist(), abs=1e-9)
    # Right padding with masks: batch size does not change a thing; and it is deterministic.
    one_by_one = compute_importance(model, tiny_tokenizer, TEXTS, batch_size=1, block_size=2)
    assert one_by_one["block_influence"] == pytest.approx(result["block_influence"], abs=1e-9)
    again = compute_importance(model, tiny_tokenizer, TEXTS, batch_size=2, block_size=2)
    assert again["block_influence"] == result["block_influence"]
    assert again["angular_distance"] == result["angular_distance"]
    rec = result["recommendation"]
    assert rec["drop_layer"] == recommend_drop(result["block_influence"]) and rec["drop_layer"] != 4
    assert rec["block"]["n"] == 2 and rec["block"]["end"] <= 3


def test_post_norm_hidden_state_would_give_another_last_layer_number(model, tiny_tokenizer):
    """The trap the hooks avoid: HF's hidden_states[-1] is after the final norm."""
    with torch.no_grad():  # a trained norm's per-channel weights (ones would leave cosines unchanged)
        model.model.norm.weight.uniform_(0.2, 2.0)
    result = compute_importance(model, tiny_tokenizer, TEXTS)
    cos_sum, tokens = 0.0, 0
    for text in TEXTS:
        ids = torch.tensor([tiny_tokenizer(text, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            hs = model(ids, output_hidden_states=True).hidden_states
        cos_sum += torch.nn.functional.cosine_similarity(hs[-2][0], hs[-1][0], dim=-1).sum().item()
        tokens += ids.shape[1]
    assert abs((1 - cos_sum / tokens) - result["block_influence"][-1]) > 1e-3


def test_policies():
    assert recommend_drop([0.5, 0.2, 0.3, 0.1]) == 1  # the last layer is not proposed...
    assert recommend_drop([0.5, 0.2, 0.3, 0.1], allow_last=True) == 3  # ...unless allowed
    assert recommend_drop([0.5, 0.2, 0.2, 0.9]) == 1  # ties: lower index
    # 5 layers, n=2: starts 0..2 (l + n <= 4); start 3 would remove the last layer even if smallest.
    assert best_block({"2": [0.4, 0.3, 0.2, 0.01]}, 2, 5) == (2, 0.2)
    with pytest.raises(ValueError, match="keep the last one"):
        best_block({"5": [0.1]}, 5, 5)


def test_calibration_records_and_files(tmp_path, tiny_tokenizer, model):
    dataset = tmp_path / "run" / "dataset"
    dataset.mkdir(parents=True)
    lines = [
        json.dumps({"text": "Plain article text about the BMW iX3."}),
        json.dumps(
            {
                "prompt": [{"role": "user", "content": "What is new?"}],
                "completion": [{"role": "assistant", "content": "The iX3."}],
            }
        ),
        json.dumps(
            {"messages": [{"role": "user", "content": "Where?"}, {"role": "assistant", "content": "Debrecen."}]}
        ),
        "{not json",
        json.dumps({"title": "no text field"}),
        "",
    ]
    (dataset / "train.jsonl").write_text("\n".join(lines) + "\n")
    texts, errors = load_calibration_texts(dataset, tiny_tokenizer, samples=10)
    assert texts[0] == "Plain article text about the BMW iX3."
    assert (
        texts[1] == "<|im_start|>user\nWhat is new?<|im_end|>\n<|im_start|>assistant\n"
        "<think>\n\n</think>\n\nThe iX3.<|im_end|>\n"
    )
    assert texts[2].startswith("<|im_start|>user\nWhere?")
    assert len(errors) == 2 and errors[0].endswith(
        "train.jsonl:4: skipped: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert "train.jsonl:5: skipped: no 'text'" in errors[1]
    # Without a chat template: plain concatenation of the contents.
    plain, _ = load_calibration_texts(dataset / "train.jsonl", None, samples=10)
    assert plain[2] == "Where?\nDebrecen."
    # Evenly spaced subset, in file order.
    assert load_calibration_texts(dataset, tiny_tokenizer, samples=2)[0] == [texts[0], texts[1]]

    result = compute_importance(model, tiny_tokenizer, texts)
    js, png = write_importance(result, tmp_path / "out")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert read_importance(tmp_path / "out") == json.loads(js.read_text())


def test_cli_importance_then_variants(tmp_path, tiny_qwen3, tiny_tokenizer):
    from transformers import AutoModelForCausalLM

    base = tmp_path / "base"
    tiny_qwen3(num_hidden_layers=6, initializer_range=0.2).save_pretrained(base)
    tiny_tokenizer.save_pretrained(base)
    run = tmp_path / "run"
    (run / "dataset").mkdir(parents=True)
    (run / "dataset" / "train.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS))
    app = typer.Typer()  # only this stage's commands: the test does not depend on other stages' CLIs
    register(app)
    runner = CliRunner()

    result = runner.invoke(
        app,
        [
            "importance",
            "--model",
            str(base),
            "--data",
            str(run / "dataset"),
            "--dtype",
            "float32",
            "--device",
            "cpu",
            "--block-size",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    imp = run / "models" / "importance.json"
    assert imp.is_file() and (run / "models" / "importance.png").is_file()
    data = json.loads(imp.read_text())
    assert data["samples"] == 5 and data["recommendation"]["block"]["n"] == 3

    result = runner.invoke(
        app,
        [
            "variant",
            "--kind",
            "dropped",
            "--model",
            str(base),
            "--importance",
            str(imp),
            "--out",
            str(tmp_path / "dropped"),
        ],
    )
    assert result.exit_code == 0, result.output
    dropped = AutoModelForCausalLM.from_pretrained(tmp_path / "dropped")
    assert dropped.config.num_hidden_layers == 5
    card = json.loads((tmp_path / "dropped" / "variant.json").read_text())
    assert card["removed_layers"] == [data["recommendation"]["drop_layer"]]

    result = runner.invoke(
        app,
        [
            "variant",
            "--kind",
            "pruned",
            "--keep",
            "3",
            "--model",
            str(base),
            "--importance",
            str(imp),
            "--out",
            str(tmp_path / "pruned"),
        ],
    )
    assert result.exit_code == 0, result.output
    block = data["recommendation"]["block"]
    card = json.loads((tmp_path / "pruned" / "variant.json").read_text())
    assert card["removed_layers"] == list(range(block["start"], block["end"] + 1))
    assert (tmp_path / "pruned" / "tokenizer.json").is_file()

    result = runner.invoke(app, ["variant", "--kind", "pruned", "--model", str(base), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "needs a layer-importance analysis" in result.output
    assert not (tmp_path / "x").exists()
    result = runner.invoke(app, ["variant", "--kind", "halved", "--model", str(base), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--kind" in result.output
    result = runner.invoke(app, ["importance", "--model", str(base), "--data", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "calibration data not found" in result.output
