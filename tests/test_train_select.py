"""train.select: a validation signal from held-out questions about trained facts and general
questions, measured while training; the kept checkpoint is the one the rule names, restored."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
import torch
from transformers import AutoModelForCausalLM, TrainerCallback

from helpers.selection import KnownScores, valid_rows, write_valid
from helpers.train_data import chat_rows, small_config, write_dataset
from presstune.cache import added_at_default, digest
from presstune.config.models import VariantSpec
from presstune.config.train import TrainConfig
from presstune.rundir import RunDir
from presstune.train.records import train_inputs
from presstune.train.select import (
    BEST_WEIGHTS_FILE,
    SelectionError,
    SelectPoint,
    ValidationQuestion,
    choose,
    general_set,
    load_valid_questions,
    make_selection,
)
from presstune.train.trainer import TrainError, train_variant

ORIGINAL = VariantSpec(name="original", kind="original")


def _point(step: int, knowledge: float, general: float) -> SelectPoint:
    return SelectPoint(step, float(step), knowledge, general, 0, 10, 0, 10, 0.0)


def test_rule_keeps_most_knowledge_within_the_general_bound():
    points = [_point(1, 0.2, 0.60), _point(2, 0.5, 0.56), _point(3, 0.7, 0.50), _point(4, 0.5, 0.60)]
    index, why = choose(points, base_general=0.60, max_drop=0.05)
    assert index == 1, why  # step 3 knows more but lost 10 points of general accuracy
    assert "highest validation knowledge" in why
    # Equal knowledge: the earlier point (less training) is kept.
    assert choose([_point(1, 0.5, 0.6), _point(2, 0.5, 0.6)], 0.6, 0.0)[0] == 0


def test_rule_falls_back_to_the_least_drop_when_none_qualifies():
    points = [_point(1, 0.9, 0.30), _point(2, 0.4, 0.45), _point(3, 0.8, 0.40)]
    index, why = choose(points, base_general=0.60, max_drop=0.05)
    assert index == 1 and "least drop" in why
    assert choose([], 0.6, 0.05)[0] is None


def test_aliases_and_evaluation_normalisation_count_as_the_answer():
    q = ValidationQuestion("A1", "What does the iX3 cost?", "68,900 euros", aliases=["EUR 68900"])
    assert q.correct("It costs € 68,900.")
    assert q.correct("The price is EUR 68900 in Germany.")
    assert not q.correct("It costs 68,000 euros.")


def test_general_questions_come_from_the_end_of_the_packaged_list():
    from presstune.evaluate.retention import GENERAL_QUESTIONS

    assert general_set(3) == GENERAL_QUESTIONS[-3:]
    assert general_set(0) == []


def test_selection_general_questions_are_never_asked_by_evaluation():
    from presstune.evaluate.retention import SELECTION_RESERVED, general_questions

    evaluated = {g.question for g in general_questions(None)}
    reserved = general_set(SELECTION_RESERVED)
    assert len(reserved) == SELECTION_RESERVED and evaluated
    assert not evaluated & {g.question for g in reserved}
    with pytest.raises(SelectionError):
        general_set(SELECTION_RESERVED + 1)


def test_the_signal_asks_only_questions_no_training_row_holds(tmp_path, tiny_qwen3, tiny_tokenizer):
    """Real greedy answers of a tiny model, asked through the evaluation's prompt builder."""
    from presstune.prompts import chat_prompt, qa_prompt

    rows = chat_rows(6)
    write_dataset(tmp_path, rows)
    write_valid(tmp_path, valid_rows(rows))
    config = small_config(
        method="full",
        learning_rate=1e-3,
        max_steps=2,
        select={"metric": "knowledge", "eval_every": 1, "general_questions": 2},
    )
    selection = make_selection(config, tmp_path / "dataset", rows, tiny_tokenizer, tmp_path)
    asked = selection.info["asked"]
    assert asked == ["Which plant builds the iX3?", "Where does production begin?"]
    assert selection.info["valid_in_training_rows"] == 1
    # The prompts are the evaluation's: system turn and QA instruction as evaluate builds them.
    signal = selection.scorer.__self__
    instruction = config.evaluate.qa_instruction
    assert signal.prompts[0] == chat_prompt(config.corpus.system_prompt, qa_prompt(instruction, asked[0]))

    result = train_variant(
        config, ORIGINAL, tmp_path, model=tiny_qwen3(seed=0), tokenizer=tiny_tokenizer, progress=False
    )
    saved = json.loads((tmp_path / "checkpoints" / "original" / "selection.json").read_text())
    assert saved["asked"] == asked and saved["valid_in_training_rows"] == 1
    assert saved["base"]["knowledge_questions"] == 2 and saved["base"]["general_questions"] == 2
    assert [p["step"] for p in saved["points"]] == [1, 2]
    assert all(p["knowledge_questions"] == 2 for p in saved["points"])
    assert result.selection["chosen"]["step"] in (1, 2)
    assert not (tmp_path / "checkpoints" / "original" / BEST_WEIGHTS_FILE).exists()


@pytest.mark.parametrize("method", ["full", "lora"])
def test_the_chosen_points_weights_are_the_saved_ones(tmp_path, tiny_qwen3, tiny_tokenizer, method):
    rows = chat_rows(8)
    write_dataset(tmp_path, rows, chat_rows(4))
    write_valid(tmp_path, valid_rows(rows))
    # base general 8/10; steps 2, 4, 6: the most knowledge (step 6) lost 3 points of 10 -> step 4.
    scorer = KnownScores([(0, 8), (2, 8), (6, 8), (9, 5)])
    config = small_config(
        method=method,
        learning_rate=5e-3,
        max_steps=6,
        save_steps=3,
        eval_steps=3,
        select={"metric": "knowledge", "eval_every": 2, "max_general_drop": 0.05},
    )
    result = train_variant(
        config, ORIGINAL, tmp_path, model=tiny_qwen3(seed=0), tokenizer=tiny_tokenizer, progress=False, scorer=scorer
    )
    out = tmp_path / "checkpoints" / "original"
    saved = json.loads((out / "selection.json").read_text())
    assert [p["step"] for p in saved["points"]] == [2, 4, 6]
    assert saved["chosen"]["step"] == 4 and result.selection["chosen"]["step"] == 4
    assert result.global_step == 6 and not result.stopped_early
    chosen, last = scorer.seen[2], scorer.seen[3]
    if method == "full":
        final = dict(AutoModelForCausalLM.from_pretrained(out).named_parameters())
    else:
        from peft import PeftModel

        final = dict(PeftModel.from_pretrained(tiny_qwen3(seed=0), out).named_parameters())
    for name, value in chosen.items():
        torch.testing.assert_close(final[name].detach(), value, rtol=0, atol=0)
    assert any((final[n].detach() - last[n]).abs().max() > 0 for n in chosen)  # not simply the last step


def test_patience_stops_training_and_keeps_the_best(tmp_path, tiny_qwen3, tiny_tokenizer):
    rows = chat_rows(8)
    write_dataset(tmp_path, rows)
    write_valid(tmp_path, valid_rows(rows))
    scorer = KnownScores([(0, 5), (4, 5), (3, 5), (2, 5), (9, 5)])
    config = small_config(
        method="full",
        learning_rate=5e-3,
        max_steps=8,
        select={"metric": "knowledge", "eval_every": 1, "patience": 2},
    )
    result = train_variant(
        config, ORIGINAL, tmp_path, model=tiny_qwen3(seed=0), tokenizer=tiny_tokenizer, progress=False, scorer=scorer
    )
    assert result.global_step == 3 and result.stopped_early
    assert result.selection["chosen"]["step"] == 1 and result.selection["stopped_early"]
    assert scorer.scores == [(9, 5)]  # step 4 never ran
    log = (tmp_path / "logs" / "original" / "train.log").read_text()
    assert "select: stopping" in log and "select: restored step 1" in log


def test_missing_validation_file_is_a_clear_error(tmp_path, tiny_qwen3, tiny_tokenizer):
    write_dataset(tmp_path, chat_rows(4))
    config = small_config(method="full", max_steps=2, select={"metric": "knowledge"})
    with pytest.raises(TrainError, match="qa_valid.jsonl"):
        train_variant(config, ORIGINAL, tmp_path, model=tiny_qwen3(seed=0), tokenizer=tiny_tokenizer, progress=False)


@pytest.mark.parametrize(
    ("bad_line", "why"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "not a JSON object"),
        ('{"id": "A", "question": "When?"}', "not a held-out question .*answer: Field required"),
    ],
)
def test_a_broken_validation_row_is_an_error_naming_its_line(tmp_path, bad_line, why):
    """qa_valid.jsonl is the corpus stage's contract: a broken row is refused (training rows are skipped)."""
    path = tmp_path / "qa_valid.jsonl"
    good = json.dumps({"id": "A", "question": "When?", "answer": "In June."})
    path.write_text(f"{good}\n\n{bad_line}\n{good}\n", encoding="utf-8")
    with pytest.raises(SelectionError, match=rf"qa_valid.jsonl:3: {why}"):
        load_valid_questions(path)
    path.write_text(f"{good}\n\n{good}\n", encoding="utf-8")
    assert [q.question for q in load_valid_questions(path)] == ["When?", "When?"]


def test_settings_enter_the_training_key_and_old_records_stay_valid():
    old = TrainConfig().model_dump(mode="json")
    on = TrainConfig(select={"metric": "knowledge"}).model_dump(mode="json")
    wise = TrainConfig(wise_ft=0.5).model_dump(mode="json")
    assert len({digest(old), digest(on), digest(wise)}) == 3
    # A record written before these settings existed still stands while they sit at their defaults.
    before = {k: v for k, v in old.items() if k not in ("select", "wise_ft", "wise_ft_alphas")}
    assert added_at_default({"train": before}, {"train": old}) is not None
    assert added_at_default({"train": before}, {"train": on}) is None


def test_the_validation_questions_enter_the_training_key(tmp_path):
    run = RunDir(tmp_path)
    rows = chat_rows(4)
    write_dataset(tmp_path, rows)
    off = small_config(method="full")
    on = small_config(method="full", select={"metric": "knowledge"})
    assert "select" not in train_inputs(off, ORIGINAL, run)  # records of runs without selection unchanged
    write_valid(tmp_path, valid_rows(rows))
    first = digest(train_inputs(on, ORIGINAL, run))
    write_valid(tmp_path, valid_rows(rows)[:2])
    assert digest(train_inputs(on, ORIGINAL, run)) != first
    fewer_general = small_config(method="full", select={"metric": "knowledge", "general_questions": 3})
    assert digest(train_inputs(fewer_general, ORIGINAL, run)) != digest(train_inputs(on, ORIGINAL, run))


def test_config_checks():
    with pytest.raises(ValueError, match="select.metric"):
        TrainConfig(wise_ft="auto")
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        TrainConfig(wise_ft=0.0)
    with pytest.raises(ValueError, match="eval_every"):
        TrainConfig(select={"metric": "knowledge", "eval_every": 0})
    assert TrainConfig(select={"metric": "knowledge"}, wise_ft="auto").wise_ft == "auto"


class CrashAt(TrainerCallback):
    """Stands in for a killed process: raises at the end of a step (after earlier checkpoints)."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise RuntimeError("killed")


def test_a_resumed_run_keeps_its_points_and_the_best_weights(tmp_path, tiny_qwen3, tiny_tokenizer):
    rows = chat_rows(8)
    write_dataset(tmp_path, rows)
    write_valid(tmp_path, valid_rows(rows))
    # base, steps 1 and 2, (killed at 3), resumed from checkpoint-2: steps 3 and 4. Step 1 is best.
    scorer = KnownScores([(0, 8), (5, 8), (2, 8), (3, 8), (4, 8)])
    config = small_config(
        method="full",
        learning_rate=5e-3,
        max_steps=4,
        save_steps=2,
        save_total_limit=10,
        select={"metric": "knowledge", "eval_every": 1},
    )
    with pytest.raises(RuntimeError, match="killed"):
        train_variant(
            config,
            ORIGINAL,
            tmp_path,
            model=tiny_qwen3(seed=0),
            tokenizer=tiny_tokenizer,
            progress=False,
            scorer=scorer,
            callbacks=[CrashAt(3)],
        )
    out = tmp_path / "checkpoints" / "original"
    assert (out / BEST_WEIGHTS_FILE).is_file() and (out / "checkpoint-2").is_dir()
    result = train_variant(
        config,
        ORIGINAL,
        tmp_path,
        resume=True,
        model=tiny_qwen3(seed=0),
        tokenizer=tiny_tokenizer,
        progress=False,
        scorer=scorer,
    )
    assert scorer.scores == []  # the base was not measured again
    saved = json.loads((out / "selection.json").read_text())
    assert [p["step"] for p in saved["points"]] == [1, 2, 3, 4]
    assert result.selection["chosen"]["step"] == 1
    final = dict(AutoModelForCausalLM.from_pretrained(out).named_parameters())
    for name, value in scorer.seen[1].items():
        torch.testing.assert_close(final[name].detach(), value, rtol=0, atol=0)


def test_a_fresh_start_forgets_what_an_unfinished_run_measured(tmp_path, tiny_qwen3, tiny_tokenizer):
    rows = chat_rows(8)
    write_dataset(tmp_path, rows)
    write_valid(tmp_path, valid_rows(rows))
    out = tmp_path / "checkpoints" / "original"
    out.mkdir(parents=True)
    old = {"base": asdict(_point(0, 0.0, 1.0)), "points": [asdict(_point(1, 1.0, 1.0)), asdict(_point(2, 1.0, 1.0))]}
    (out / "selection.json").write_text(json.dumps(old))
    scorer = KnownScores([(0, 8), (1, 8), (2, 8)])
    config = small_config(
        method="full", learning_rate=5e-3, max_steps=2, select={"metric": "knowledge", "eval_every": 1}
    )
    result = train_variant(
        config, ORIGINAL, tmp_path, model=tiny_qwen3(seed=0), tokenizer=tiny_tokenizer, progress=False, scorer=scorer
    )
    saved = json.loads((out / "selection.json").read_text())
    assert scorer.scores == [] and saved["base"]["general"] == 0.8
    assert [p["knowledge"] for p in saved["points"]] == [0.1, 0.2] and result.selection["chosen"]["step"] == 2
