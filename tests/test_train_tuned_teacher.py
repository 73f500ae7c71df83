"""Distillation from the tuned original (``train.distill.teacher: tuned``): the reduced variant's
teacher is the fine-tuned model exactly as evaluation loads it, trained first, and a retrained
teacher makes the student's training stale."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from helpers.train_data import chat_rows, small_config, write_dataset
from presstune.config import Config
from presstune.config.models import VariantSpec
from presstune.models.checkpoints import load_model, resolve_variant
from presstune.rundir import RunDir
from presstune.train.records import prepare_training, train_inputs
from presstune.train.variant import TrainSetupError, build_teacher

pytestmark = pytest.mark.slow  # trains a teacher, then a student

ORIGINAL = VariantSpec(name="original", kind="original")
DROPPED = VariantSpec(name="dropped", kind="dropped", layer=1)


def _config(base_dir, **distill) -> Config:
    config = small_config(method="lora", max_steps=2, save_steps=2, eval_steps=2, learning_rate=0.05)
    data = config.model_dump(mode="json")
    data["model"].update(name_or_path=str(base_dir), dtype="float32", device="cpu")
    data["variants"] = [ORIGINAL.model_dump(mode="json"), DROPPED.model_dump(mode="json")]
    data["train"]["distill"] = {"teacher": "tuned", **distill}
    return Config.model_validate(data)


@pytest.fixture
def base_dir(tmp_path, tiny_qwen3, tiny_tokenizer):
    path = tmp_path / "base"
    tiny_qwen3(seed=0).save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return path


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits


def test_teacher_is_the_tuned_original_as_evaluated(tmp_path, base_dir, tiny_tokenizer):
    from presstune.train.trainer import train_variant

    run = tmp_path / "run"
    write_dataset(run, chat_rows(8), chat_rows(4))
    config = _config(base_dir)
    with pytest.raises(TrainSetupError, match="which is not trained yet: train 'original' first"):
        build_teacher(config, run, DROPPED)

    train_variant(config, ORIGINAL, run, progress=False)
    teacher = build_teacher(config, run, DROPPED)
    assert not any(p.requires_grad for p in teacher.parameters())
    tuned, _ = load_model(resolve_variant(run, "original", config), config.evaluate, config)
    base, _ = load_model(resolve_variant(run, "base", config), config.evaluate, config)
    ids = torch.tensor([tiny_tokenizer.encode("The BMW iX3 has 340 kW and is built in Leipzig.")])
    torch.testing.assert_close(_logits(teacher, ids), _logits(tuned, ids), rtol=1e-4, atol=1e-4)
    assert (_logits(teacher, ids) - _logits(base, ids)).abs().max() > 1e-3  # the adapter really taught

    result = train_variant(config, DROPPED, run, progress=False)
    assert result.settings["distill"]["teacher_model"] == "the tuned variant 'original'"
    assert "Distilled from the tuned variant 'original'" in (run / "checkpoints" / "dropped" / "README.md").read_text()


def test_retrained_teacher_makes_the_student_stale(tmp_path, base_dir):
    run = RunDir(tmp_path / "run").create()
    write_dataset(run.path, chat_rows(4))
    config = _config(base_dir)
    prepare_training(config, ORIGINAL, run)
    first = train_inputs(config, DROPPED, run)["teacher"]
    assert first["variant"] == "original" and first["key"]
    changed = config.model_copy(deep=True)
    changed.train.learning_rate = 0.01  # the teacher is retrained under other settings
    prepare_training(changed, ORIGINAL, run, force=True)
    assert train_inputs(changed, DROPPED, run)["teacher"]["key"] != first["key"]
    base_taught = config.model_copy(deep=True)
    base_taught.train.distill.teacher = "original"
    assert "teacher" not in train_inputs(base_taught, DROPPED, run)
    assert "teacher" not in train_inputs(config, ORIGINAL, run)


def test_config_refuses_a_teacher_that_would_train_after_its_student(base_dir):
    data = _config(base_dir).model_dump(mode="json")
    data["variants"].reverse()
    with pytest.raises(ValidationError, match="variant 'dropped' distils from the tuned variant 'original'"):
        Config.model_validate(data)
    data["variants"] = [DROPPED.model_dump(mode="json")]
    with pytest.raises(ValidationError, match="needs a variant of kind original"):
        Config.model_validate(data)
    data["variants"] = [ORIGINAL.model_dump(mode="json"), DROPPED.model_dump(mode="json")]
    data["train"]["distill"]["teacher_variant"] = "dropped"
    with pytest.raises(ValidationError, match="teacher_variant 'dropped' is not a variant of kind original"):
        Config.model_validate(data)


def test_default_teacher_shares_the_students_mix(base_dir):
    data = _config(base_dir).model_dump(mode="json")
    data["corpus"]["mixes"] = {"seed": {"article": 1.0}}
    data["variants"] = [
        {"name": "original_seed", "kind": "original", "mix": "seed"},
        {"name": "original", "kind": "original"},
        {"name": "dropped", "kind": "dropped", "layer": 1},
        {"name": "dropped_seed", "kind": "dropped", "layer": 1, "mix": "seed"},
    ]
    config = Config.model_validate(data)
    from presstune.config.train import tuned_teacher_name

    assert tuned_teacher_name(config.variants, None, config.variants[2]) == "original"
    assert tuned_teacher_name(config.variants, None, config.variants[3]) == "original_seed"
    assert tuned_teacher_name(config.variants, "original_seed", config.variants[2]) == "original_seed"
