"""Output records across presstune versions: a setting added since an output was computed, left at
its default, does not make the output stale; any other difference does."""

from __future__ import annotations

import copy

from presstune.cache import decide, digest, setting_defaults
from presstune.config.evaluate import EvaluateConfig
from presstune.config.train import TrainConfig


def _train_inputs(train: TrainConfig) -> dict:
    return {"train": train.model_dump(mode="json"), "run_seed": 0, "dataset": {"train.jsonl": "abc"}}


def _older_record(inputs: dict, drop: list[str]) -> dict:
    """The record an older presstune wrote: the same inputs without the settings it did not have."""
    old = copy.deepcopy(inputs)
    for path in drop:
        *parents, leaf = path.split(".")
        node = old
        for key in parents:
            node = node[key]
        del node[leaf]
    return {"key": digest(old), "inputs": old}


def test_a_setting_added_since_at_its_default_keeps_the_output() -> None:
    inputs = _train_inputs(TrainConfig())
    record = _older_record(inputs, ["train.distill.teacher_variant", "train.max_steps"])
    decision = decide(record, inputs)
    assert decision.reuse, decision.reason
    assert "train.distill.teacher_variant, train.max_steps" in decision.reason
    # a whole section added since (all of it at its defaults)
    assert decide(_older_record(inputs, ["train.distill"]), inputs).reuse


def test_an_added_setting_not_at_its_default_or_any_other_change_recomputes() -> None:
    set_by_user = _train_inputs(TrainConfig(max_steps=10))
    decision = decide(_older_record(set_by_user, ["train.max_steps"]), set_by_user)
    assert not decision.reuse and 'train.max_steps "<unset>" -> 10' in decision.reason
    # an added setting at its default next to a real change: the change counts
    inputs = _train_inputs(TrainConfig())
    record = _older_record(inputs, ["train.max_steps"])
    changed = _train_inputs(TrainConfig(learning_rate=0.5))
    assert not decide(record, changed).reuse
    # a setting the record has and the current inputs lack (removed since): recompute
    removed = _older_record(inputs, ["train.max_steps"])["inputs"]
    assert not decide({"key": digest(inputs), "inputs": inputs}, removed).reuse
    # a key that is not a setting (the dataset digest, a new upstream input) never counts as added
    more = {**inputs, "teacher": {"variant": "original", "key": None}}
    assert not decide({"key": digest(inputs), "inputs": inputs}, more).reuse


def test_evaluation_settings_use_the_metrics_files_key_paths() -> None:
    settings = EvaluateConfig().model_dump(mode="json")
    inputs = {"settings": settings, "source": {"model": "m"}}
    old = copy.deepcopy(inputs)
    del old["settings"]["qa_seen_questions"]
    assert setting_defaults()["settings.qa_seen_questions"] == settings["qa_seen_questions"]
    assert decide({"key": digest(old), "inputs": old}, inputs).reuse
    inputs["settings"]["qa_seen_questions"] = 7
    assert not decide({"key": digest(old), "inputs": old}, inputs).reuse
    assert not decide({"key": digest(old), "inputs": None}, inputs).reuse  # nothing recorded to compare: recompute
