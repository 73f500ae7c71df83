"""End-to-end CPU training of a tiny Qwen3: LoRA and full, outputs, reload, skip/resume guards."""

from __future__ import annotations

import json

import pytest
import torch

from helpers.train_data import chat_rows, small_config, text_rows, write_dataset
from presstune.config.models import VariantSpec
from presstune.models.surgery import make_variant
from presstune.train.trainer import TrainError, train_variant

pytestmark = pytest.mark.slow  # every test trains

DROPPED = VariantSpec(name="dropped", kind="dropped", layer=1)


def _answer_loss(model, tokenizer, rows) -> float:
    """Mean NLL of the assistant answers given their prompts (the trained objective)."""
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for row in rows:
            prompt = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, enable_thinking=False)
            full = tokenizer.apply_chat_template(row["prompt"] + row["completion"], enable_thinking=False)
            prompt, full = list(getattr(prompt, "input_ids", prompt)), list(getattr(full, "input_ids", full))
            ids = torch.tensor([full])
            logits = model(input_ids=ids).logits[0, len(prompt) - 1 : -1]
            total += torch.nn.functional.cross_entropy(logits, ids[0, len(prompt) :], reduction="sum").item()
            count += len(full) - len(prompt)
    return total / count


def _dropped_model(tiny_qwen3):
    model, _ = make_variant(tiny_qwen3(seed=0), DROPPED)
    return model


def test_lora_trains_saves_and_reloads_onto_rebuilt_variant(tmp_path, tiny_qwen3, tiny_tokenizer):
    from peft import PeftModel

    rows = chat_rows(12)
    write_dataset(tmp_path, rows, chat_rows(6))
    model = _dropped_model(tiny_qwen3)
    before = _answer_loss(model, tiny_tokenizer, rows)
    config = small_config(method="lora", learning_rate=5e-3, max_steps=12, save_steps=6, eval_steps=6)
    result = train_variant(config, DROPPED, tmp_path, model=model, tokenizer=tiny_tokenizer, progress=False)

    out = tmp_path / "checkpoints" / "dropped"
    assert result.status == "done" and result.global_step == 12 and result.method == "lora"
    assert (out / "adapter_model.safetensors").is_file() and (out / "adapter_config.json").is_file()
    assert (out / "tokenizer_config.json").is_file() and (out / "README.md").is_file()
    assert result.tokens_seen > 0 and result.best_eval_loss is not None
    assert result.best_checkpoint and result.best_checkpoint.startswith(str(out / "checkpoint-"))
    assert 0 < result.trainable_params < result.total_params
    saved = json.loads((out / "train_result.json").read_text())
    assert saved["settings"]["loss_on"] == "assistant completion" and saved["settings"]["lora_r"] == 8
    curve = json.loads((out / "loss_curve.json").read_text())
    assert [r["step"] for r in curve if r["train_loss"] is not None] == list(range(1, 13))
    assert [r["step"] for r in curve if r["eval_loss"] is not None] == [6, 12]
    header = (out / "loss_curve.csv").read_text().splitlines()[0]
    assert header == "step,epoch,train_loss,eval_loss,learning_rate,grad_norm,num_input_tokens_seen"
    assert list((tmp_path / "logs" / "dropped").glob("events.out.tfevents.*"))

    # Reload the saved adapter onto a freshly rebuilt variant: same logits as the trained model.
    reloaded = PeftModel.from_pretrained(_dropped_model(tiny_qwen3), out)
    reloaded.eval()
    model.eval()
    ids = torch.tensor([tiny_tokenizer("The BMW iX3 has 340 kW.")["input_ids"]])
    with torch.no_grad():
        torch.testing.assert_close(reloaded(input_ids=ids).logits, model(input_ids=ids).logits)
        # The adapter changed the model (not a no-op save).
        plain = _dropped_model(tiny_qwen3)(input_ids=ids).logits
    assert (plain - reloaded(input_ids=ids).logits).abs().max() > 1e-4
    after = _answer_loss(reloaded, tiny_tokenizer, rows)
    assert after < before - 0.3, (before, after)

    # A finished variant is skipped, not retrained.
    again = train_variant(
        config, DROPPED, tmp_path, model=_dropped_model(tiny_qwen3), tokenizer=tiny_tokenizer, progress=False
    )
    assert again.skipped and again.global_step == 12


def test_full_finetune_article_style(tmp_path, tiny_qwen3, tiny_tokenizer):
    from transformers import AutoModelForCausalLM

    write_dataset(tmp_path, text_rows(12))  # no eval split: no early stopping, still trains
    model = tiny_qwen3(seed=1)
    spec = VariantSpec(name="original", kind="original")
    config = small_config(method="full", learning_rate=3e-3, max_steps=10, save_steps=5)
    result = train_variant(config, spec, tmp_path, model=model, tokenizer=tiny_tokenizer, progress=False)
    out = tmp_path / "checkpoints" / "original"
    assert result.trainable_params == result.total_params
    assert result.settings["loss_on"] == "all tokens" and result.best_eval_loss is None
    curve = [r["train_loss"] for r in json.loads((out / "loss_curve.json").read_text()) if r["train_loss"] is not None]
    assert len(curve) == 10
    assert sum(curve[-3:]) / 3 < sum(curve[:3]) / 3 - 0.3, curve
    reloaded = AutoModelForCausalLM.from_pretrained(out).eval()
    model.eval()
    ids = torch.tensor([tiny_tokenizer("Production begins in Debrecen.")["input_ids"]])
    with torch.no_grad():
        torch.testing.assert_close(reloaded(input_ids=ids).logits, model(input_ids=ids).logits)


def test_bf16_mixed_precision_trains_on_a_cpu_too(tmp_path, tiny_qwen3, tiny_tokenizer):
    """train.precision=bf16 (what a GPU config sets) on a machine without CUDA: CPU autocast,
    not transformers' "Your setup doesn't support bf16/gpu"."""
    if torch.cuda.is_available():
        pytest.skip("this checks the CPU path")
    write_dataset(tmp_path, text_rows(8))
    config = small_config(method="full", learning_rate=3e-3, max_steps=3, save_steps=3, precision="bf16")
    result = train_variant(
        config,
        VariantSpec(name="original", kind="original"),
        tmp_path,
        model=tiny_qwen3(seed=1),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    assert result.status == "done" and result.global_step == 3 and result.settings["precision"] == "bf16"


def test_existing_checkpoint_needs_resume(tmp_path, tiny_qwen3, tiny_tokenizer):
    write_dataset(tmp_path, chat_rows(4))
    (tmp_path / "checkpoints" / "original" / "checkpoint-3").mkdir(parents=True)
    (tmp_path / "checkpoints" / "original" / "checkpoint-3" / "trainer_state.json").write_text("{}")
    with pytest.raises(TrainError, match="--resume"):
        train_variant(
            small_config(),
            VariantSpec(name="original", kind="original"),
            tmp_path,
            model=tiny_qwen3(),
            tokenizer=tiny_tokenizer,
            progress=False,
        )


def test_bad_rows_are_skipped_and_named(tmp_path, tiny_qwen3, tiny_tokenizer):
    rows = chat_rows(6)
    write_dataset(tmp_path, rows)
    path = tmp_path / "dataset" / "train.jsonl"
    path.write_text(path.read_text() + "{not json\n" + json.dumps({"id": "X1", "prompt": [], "completion": []}) + "\n")
    result = train_variant(
        small_config(max_steps=1),
        VariantSpec(name="original", kind="original"),
        tmp_path,
        model=tiny_qwen3(),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    skipped = result.settings["skipped_rows"]
    assert result.settings["train_rows"] == 6 and len(skipped) == 2
    assert skipped[0].startswith("train.jsonl:7: invalid JSON") and "id X1" in skipped[1]


def test_mixed_formats_are_one_clear_error(tmp_path, tiny_qwen3, tiny_tokenizer):
    write_dataset(tmp_path, chat_rows(2) + text_rows(1))
    with pytest.raises(TrainError, match="mixes chat rows .* and text rows"):
        train_variant(
            small_config(),
            VariantSpec(name="original", kind="original"),
            tmp_path,
            model=tiny_qwen3(),
            tokenizer=tiny_tokenizer,
            progress=False,
        )


def test_qlora_without_cuda_is_a_clear_error(tmp_path):
    from presstune.train.variant import TrainSetupError, load_base_for_training

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    config = small_config(method="qlora")
    with pytest.raises(TrainSetupError, match="qlora needs a CUDA GPU"):
        load_base_for_training(config, config.train, quantize_4bit=True)


def test_training_frees_its_model_on_return(tmp_path, tiny_qwen3, tiny_tokenizer):
    """The Trainer, the PEFT model and accelerate's patched forward form reference cycles: without
    an explicit collection the trained weights stayed allocated into the next stage (12 GB on the
    GPU pipeline run). Here nobody but train_variant holds the model: on return it must be gone."""
    import weakref

    from transformers import TrainerCallback

    class Watch(TrainerCallback):
        weight = None

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            Watch.weight = weakref.ref(next(model.parameters()))

    write_dataset(tmp_path, chat_rows(8), chat_rows(4))
    base = tmp_path / "base"
    tiny_qwen3(seed=0).save_pretrained(base)
    tiny_tokenizer.save_pretrained(base)
    config = small_config(method="lora", max_steps=2, save_steps=2, eval_steps=2)
    config.model.name_or_path = str(base)  # loaded inside train_variant, as `presstune run` does
    train_variant(config, VariantSpec(name="original", kind="original"), tmp_path, callbacks=[Watch()], progress=False)
    assert Watch.weight is not None
    assert Watch.weight() is None, "the trained model is kept alive by the trainer's reference cycles"


def test_a_variant_with_a_mix_trains_on_that_mix_file(tmp_path, tiny_qwen3, tiny_tokenizer):
    """variants[].mix: the ablation variant reads dataset/train.<mix>.jsonl, the others train.jsonl."""
    write_dataset(tmp_path, chat_rows(12), chat_rows(4))
    (tmp_path / "dataset" / "train.seed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in chat_rows(5)))
    config = small_config(method="full", learning_rate=1e-3, max_steps=1, save_steps=1, eval_steps=1)
    seeded = train_variant(
        config,
        VariantSpec(name="original_seed", kind="original", mix="seed"),
        tmp_path,
        model=tiny_qwen3(seed=0),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    default = train_variant(
        config,
        VariantSpec(name="original", kind="original"),
        tmp_path,
        model=tiny_qwen3(seed=0),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    assert seeded.settings["train_rows"] == 5 and default.settings["train_rows"] == 12
