"""Checkpoint selection by what matters: validation knowledge at bounded general damage.

Eval loss is no guide for a knowledge recipe (it rises while the facts are being learnt) and a
fixed epoch count buys recall by damaging the model. Here, at each evaluation point, the model
answers

* held-out questions about *trained* facts (``dataset/qa_valid.jsonl``, written by the corpus
  stage: other questions about the same articles, never in a training row), and
* general questions (the last ``train.select.general_questions`` of
  :data:`presstune.evaluate.retention.GENERAL_QUESTIONS`; evaluation takes its retention
  questions from the start of that list),

greedily, with the prompt evaluation builds (:func:`presstune.corpus.format.qa_prompt` inside
:func:`~presstune.corpus.format.chat_prompt`) and scored as evaluation scores
(:func:`presstune.evaluate.qa.contains_answer`; a row's aliases count as the answer too). The
kept checkpoint is the one with the highest validation knowledge among the points whose general
accuracy is at least the base's minus ``max_general_drop`` (none qualifies: the least drop); its
trainable weights are written to ``selection-best.safetensors`` when it becomes the best (so a
killed run resumes with it) and restored when training ends. ``selection.json`` in the variant's
checkpoint folder holds every point, the chosen one and why.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from presstune.evaluate.generation import generate_chat
from presstune.evaluate.qa import QAItem, contains_answer, normalize_answer, subsample
from presstune.evaluate.retention import GENERAL_QUESTIONS, GeneralQuestion, general_questions
from presstune.prompts import chat_prompt, qa_prompt
from presstune.records import RecordFileError, TrainingRow, read_held_out_questions
from presstune.rundir import atomic_write_json
from presstune.train.selection_inputs import VALID_FILE, SelectionError, general_set

log = logging.getLogger(__name__)

SELECTION_FILE = "selection.json"
BEST_WEIGHTS_FILE = "selection-best.safetensors"


@dataclass
class ValidationQuestion:
    """One row of ``dataset/qa_valid.jsonl``."""

    article_id: str
    question: str
    answer: str
    aliases: list[str] = field(default_factory=list)
    fact_kind: str = ""

    def correct(self, prediction: str) -> bool:
        return any(contains_answer(prediction, gold) for gold in (self.answer, *self.aliases) if gold)


@dataclass
class Measurement:
    """What the model answered right at one point."""

    knowledge_hits: int
    knowledge_questions: int
    general_hits: int
    general_questions: int

    @property
    def knowledge(self) -> float:
        return self.knowledge_hits / self.knowledge_questions if self.knowledge_questions else 0.0

    @property
    def general(self) -> float:
        return self.general_hits / self.general_questions if self.general_questions else 0.0


@dataclass
class SelectPoint:
    """One evaluation point: step 0 is the base (measured, never a candidate)."""

    step: int
    epoch: float
    knowledge: float
    general: float
    knowledge_hits: int
    knowledge_questions: int
    general_hits: int
    general_questions: int
    seconds: float

    @classmethod
    def of(cls, step: int, epoch: float, m: Measurement, seconds: float) -> SelectPoint:
        return cls(
            step,
            round(float(epoch), 4),
            m.knowledge,
            m.general,
            m.knowledge_hits,
            m.knowledge_questions,
            m.general_hits,
            m.general_questions,
            round(seconds, 3),
        )


#: ``scorer(model, tokenizer) -> Measurement``; the default is :meth:`ValidationSignal.measure`.
Scorer = Callable[[Any, Any], Measurement]


def load_valid_questions(path: Path) -> list[ValidationQuestion]:
    """The rows of ``qa_valid.jsonl`` (the corpus stage's contract), in file order."""

    try:
        rows = read_held_out_questions(path)
    except RecordFileError as exc:
        raise SelectionError(str(exc)) from None
    found: list[ValidationQuestion] = []
    for row in rows:
        question, answer = row.question.strip(), row.answer.strip()
        if question and answer:
            aliases = [a.strip() for a in row.aliases if a.strip()]
            found.append(ValidationQuestion(row.id, question, answer, aliases, row.fact_kind))
    return found


def _squashed(text: str) -> str:
    return " ".join(text.lower().split())


def training_text(rows: list[TrainingRow]) -> str:
    """Every training row's words in one lower-cased, space-normalised string (for a substring test)."""
    parts: list[str] = []
    for row in rows:
        if "text" in row:
            parts.append(str(row["text"]))
        for message in [*(row.get("prompt") or []), *(row.get("completion") or [])]:
            parts.append(str(message.get("content", "")))
    return "\n".join(_squashed(p) for p in parts)


def unseen_questions(
    questions: list[ValidationQuestion], train_rows: list[TrainingRow]
) -> tuple[list[ValidationQuestion], int]:
    """The questions whose text stands in no training row, and how many were dropped.

    The corpus stage promises none does; a validation question that was trained word for word
    would measure recitation, not knowledge, so it is left out rather than trusted.
    """
    text = training_text(train_rows)
    kept = [q for q in questions if _squashed(q.question) not in text]
    return kept, len(questions) - len(kept)


class ValidationSignal:
    """Greedy short answers to the validation and general questions, scored as evaluation scores."""

    def __init__(
        self,
        questions: list[ValidationQuestion],
        general: list[GeneralQuestion],
        *,
        system_prompt: str,
        instruction: str,
        max_new_tokens: int,
        batch_size: int,
    ):
        self.questions = questions
        self.general = general
        self.prompts = [chat_prompt(system_prompt, qa_prompt(instruction, q.question)) for q in questions] + [
            chat_prompt(system_prompt, qa_prompt(instruction, g.question)) for g in general
        ]
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.last_answers: list[str] = []

    def measure(self, model: Any, tokenizer: Any) -> Measurement:
        answers = [
            g[0].text
            for g in generate_chat(
                model, tokenizer, self.prompts, max_new_tokens=self.max_new_tokens, batch_size=self.batch_size
            )
        ]
        self.last_answers = answers
        k = len(self.questions)
        knowledge = sum(q.correct(a) for q, a in zip(self.questions, answers[:k]))
        general = sum(contains_answer(a, g.answer, g.aliases) for g, a in zip(self.general, answers[k:]))
        return Measurement(knowledge, k, general, len(self.general))


def choose(points: list[SelectPoint], base_general: float, max_drop: float) -> tuple[int | None, str]:
    """Index of the kept point and why: the highest knowledge among points whose general accuracy
    is >= base - max_drop (ties: the earlier point, less training); if none qualifies, the least
    general drop (ties: more knowledge, then earlier)."""
    if not points:
        return None, "no evaluation point"
    floor = base_general - max_drop
    qualified = [i for i, p in enumerate(points) if p.general >= floor - 1e-12]
    if qualified:
        best = max(qualified, key=lambda i: (points[i].knowledge, -i))
        p = points[best]
        return best, (
            f"highest validation knowledge ({p.knowledge:.3f}) among {len(qualified)} of {len(points)} points with "
            f"general accuracy >= base {base_general:.3f} - {max_drop:.3f}"
        )
    best = max(range(len(points)), key=lambda i: (points[i].general, points[i].knowledge, -i))
    p = points[best]
    return best, (
        f"no point kept general accuracy >= base {base_general:.3f} - {max_drop:.3f}; least drop "
        f"(general {p.general:.3f}, knowledge {p.knowledge:.3f})"
    )


def trainable_state(model: Any) -> dict[str, Any]:
    """CPU copies of the trainable parameters (all weights for full FT, the adapters for LoRA)."""
    return {n: p.detach().to("cpu", copy=True).contiguous() for n, p in model.named_parameters() if p.requires_grad}


def load_state(model: Any, state: dict[str, Any]) -> None:
    """Copy ``state`` (names as :func:`trainable_state` gives them) into ``model``'s parameters."""
    import torch

    params = dict(model.named_parameters())
    missing = sorted(set(state) - set(params))
    if missing:
        raise SelectionError(f"saved weights name parameters the model lacks: {', '.join(missing[:3])}")
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value.to(params[name].device, params[name].dtype))


def mixed_precision_context(model: Any, dtype_name: str | None):
    """Autocast as training runs it (LoRA inputs are not cast by PEFT while training autocasts)."""
    import torch

    if dtype_name is None:
        return contextlib.nullcontext()
    device = next(model.parameters()).device.type
    return torch.autocast(device, dtype=getattr(torch, dtype_name))


def measure_in_eval_mode(model: Any, tokenizer: Any, scorer: Scorer, autocast: str | None) -> tuple[Measurement, float]:
    """Measure with dropout off and the KV cache on, then put the model back as training had it."""
    was_training = model.training
    config = getattr(model, "config", None)
    use_cache = getattr(config, "use_cache", None)
    started = time.perf_counter()
    model.eval()
    try:
        with mixed_precision_context(model, autocast):
            measurement = scorer(model, tokenizer)
    finally:
        if config is not None and use_cache is not None:
            config.use_cache = use_cache
        model.train(was_training)
    return measurement, time.perf_counter() - started


class SelectionCallback(TrainerCallback):
    """Measure at each evaluation point, keep the best trainable weights, stop on patience.

    ``points``/``base`` come back from ``selection.json`` on resume; the base is measured by
    :meth:`measure_base` before ``Trainer.train`` (a resumed Trainer loads the checkpoint's
    weights before any callback sees the model).
    """

    def __init__(
        self,
        scorer: Scorer,
        tokenizer: Any,
        out_dir: Path,
        *,
        max_general_drop: float,
        eval_every: str | int,
        patience: int | None,
        autocast: str | None = None,
        log_file: Path | None = None,
        info: dict[str, Any] | None = None,
    ):
        self.scorer = scorer
        self.tokenizer = tokenizer
        self.out_dir = Path(out_dir)
        self.max_general_drop = max_general_drop
        self.eval_every = eval_every
        self.patience = patience
        self.autocast = autocast
        self.log_file = log_file
        self.info = info or {}
        self.base: SelectPoint | None = None
        self.points: list[SelectPoint] = []
        self.stopped_early = False
        #: Only the main process writes files (under DDP every rank measures, to stay in step).
        self.writes = True
        self._resume()

    # -- state on disk ---------------------------------------------------------------------------
    def _resume(self) -> None:
        path = self.out_dir / SELECTION_FILE
        if not path.is_file():
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("base"):
            self.base = SelectPoint(**data["base"])
        self.points = [SelectPoint(**p) for p in data.get("points") or []]

    def chosen(self) -> tuple[int | None, str]:
        if self.base is None:
            return None, "the base was not measured"
        return choose(self.points, self.base.general, self.max_general_drop)

    def summary(self) -> dict[str, Any]:
        index, why = self.chosen()
        return {
            **self.info,
            "rule": {"metric": "knowledge", "max_general_drop": self.max_general_drop, "eval_every": self.eval_every},
            "patience": self.patience,
            "base": asdict(self.base) if self.base else None,
            "points": [asdict(p) for p in self.points],
            "chosen": asdict(self.points[index]) if index is not None else None,
            "why": why,
            "stopped_early": self.stopped_early,
        }

    def write(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        data = {**self.summary(), **(extra or {})}
        if self.writes:
            atomic_write_json(self.out_dir / SELECTION_FILE, data)
        return data

    def note(self, line: str) -> None:
        log.info(line)
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    # -- measuring -------------------------------------------------------------------------------
    def measure_base(self, model: Any) -> None:
        if self.base is not None:
            return
        m, seconds = measure_in_eval_mode(model, self.tokenizer, self.scorer, self.autocast)
        self.base = SelectPoint.of(0, 0.0, m, seconds)
        self.note(
            f"select: base knowledge {m.knowledge:.3f} ({m.knowledge_hits}/{m.knowledge_questions}), general "
            f"{m.general:.3f} ({m.general_hits}/{m.general_questions}) in {seconds:.1f}s"
        )
        self.write()

    def _point(self, state: Any, control: Any, model: Any) -> None:
        if model is None or any(p.step == state.global_step for p in self.points):
            return
        m, seconds = measure_in_eval_mode(model, self.tokenizer, self.scorer, self.autocast)
        self.points.append(SelectPoint.of(state.global_step, float(state.epoch or 0.0), m, seconds))
        after, why = self.chosen()
        kept = after == len(self.points) - 1
        if kept and self.writes:
            self._save_best(model)
        self.note(
            f"select: step {state.global_step} (epoch {float(state.epoch or 0):.2f}) knowledge {m.knowledge:.3f} "
            f"({m.knowledge_hits}/{m.knowledge_questions}), general {m.general:.3f} "
            f"({m.general_hits}/{m.general_questions}) in {seconds:.1f}s" + (" - kept" if kept else "")
        )
        if self.patience is not None and after is not None and len(self.points) - 1 - after >= self.patience:
            self.stopped_early = True
            control.should_training_stop = True
            self.note(f"select: stopping, {self.patience} point(s) without a better checkpoint ({why})")
        self.write()

    def _save_best(self, model: Any) -> None:
        from safetensors.torch import save_file

        tmp = self.out_dir / f".{BEST_WEIGHTS_FILE}.tmp"
        save_file(trainable_state(model), str(tmp))
        os.replace(tmp, self.out_dir / BEST_WEIGHTS_FILE)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        every = self.eval_every
        last = state.max_steps > 0 and state.global_step >= state.max_steps
        if (isinstance(every, int) and state.global_step % every == 0) or last:
            self._point(state, control, model)

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        if self.eval_every == "epoch":
            self._point(state, control, model)

    # -- the end ---------------------------------------------------------------------------------
    def restore_best(self, model: Any) -> SelectPoint | None:
        """Load the chosen point's weights into ``model``; the kept point (None if no point)."""
        from safetensors.torch import load_file

        index, why = self.chosen()
        if index is None:
            return None
        path = self.out_dir / BEST_WEIGHTS_FILE
        if not path.is_file():
            raise SelectionError(f"{path} is missing: the chosen checkpoint's weights cannot be restored")
        load_state(model, load_file(str(path)))
        point = self.points[index]
        self.note(f"select: restored step {point.step} (epoch {point.epoch:.2f}): {why}")
        return point

    def discard_best_file(self) -> None:
        """After the final weights are saved the copy is redundant (a full model's worth of disk)."""
        with contextlib.suppress(FileNotFoundError):
            (self.out_dir / BEST_WEIGHTS_FILE).unlink()


def forget_selection(out_dir: Path) -> None:
    """Remove what an unfinished earlier run measured (a fresh start measures anew)."""
    for name in (SELECTION_FILE, BEST_WEIGHTS_FILE):
        with contextlib.suppress(FileNotFoundError):
            (Path(out_dir) / name).unlink()


def validation_questions(
    dataset_dir: Path, train_rows: list[TrainingRow], limit: int | None, seed: int
) -> tuple[list[ValidationQuestion], dict[str, Any]]:
    """``qa_valid.jsonl``'s questions that no training row holds (at most ``limit``, a seeded
    subsample), with a record of what was taken."""
    path = dataset_dir / VALID_FILE
    if not path.is_file():
        raise SelectionError(
            f"train.select needs {path} (held-out questions about trained facts, written by the corpus stage)"
        )
    rows = load_valid_questions(path)
    kept, dropped = unseen_questions(rows, train_rows)
    items = [
        QAItem(f"{q.article_id}:{i}", q.article_id, q.question, q.answer, q.fact_kind, "valid")
        for i, q in enumerate(kept)
    ]
    chosen_ids = {it.qid for it in subsample(items, limit, seed)}
    chosen = [q for it, q in zip(items, kept) if it.qid in chosen_ids]
    if not chosen:
        raise SelectionError(f"{path}: no usable validation question (rows {len(rows)}, in training rows {dropped})")
    record = {
        "valid_file": str(path),
        "valid_rows": len(rows),
        "valid_in_training_rows": dropped,
        "valid_questions": len(chosen),
        "valid_articles": len({q.article_id for q in chosen}),
    }
    return chosen, record


def general_overlap(general: list[GeneralQuestion], evaluation_count: int | None) -> int:
    """How many of the selection's general questions evaluation's retention set also asks (0 by
    construction; recorded so that selection.json proves it)."""
    asked = {normalize_answer(g.question) for g in general_questions(evaluation_count)}
    return sum(1 for g in general if normalize_answer(g.question) in asked)


def make_selection(
    config: Any,
    dataset_dir: Path,
    train_rows: list[TrainingRow],
    tokenizer: Any,
    out_dir: Path,
    *,
    autocast: str | None = None,
    log_file: Path | None = None,
    scorer: Scorer | None = None,
) -> SelectionCallback | None:
    """The run's selection callback (None when ``train.select.metric`` is unset).

    ``scorer`` replaces the validation signal (tests); the questions are still read and checked.
    """
    sel = config.train.select
    if sel.metric is None:
        return None
    seed = config.train.seed if config.train.seed is not None else config.run.seed
    questions, record = validation_questions(dataset_dir, train_rows, sel.valid_questions, seed)
    general = general_set(sel.general_questions)
    retention_count = config.evaluate.retention_questions if config.evaluate.retention else 0
    record.update(
        general_questions=len(general),
        general_source="presstune.evaluate.retention.GENERAL_QUESTIONS, the last "
        f"{len(general)} of {len(GENERAL_QUESTIONS)}",
        general_also_in_evaluation=general_overlap(general, retention_count),
        asked=[q.question for q in questions],
    )
    signal = ValidationSignal(
        questions,
        general,
        system_prompt=config.corpus.system_prompt,
        instruction=config.evaluate.qa_instruction,
        max_new_tokens=sel.max_new_tokens,
        batch_size=sel.batch_size,
    )
    if record["general_also_in_evaluation"]:
        log.warning(
            "select: %d of its %d general questions are also evaluation's retention questions (the list has %d)",
            record["general_also_in_evaluation"],
            len(general),
            len(GENERAL_QUESTIONS),
        )
    return SelectionCallback(
        scorer if scorer is not None else signal.measure,
        tokenizer,
        out_dir,
        max_general_drop=sel.max_general_drop,
        eval_every=sel.eval_every,
        patience=sel.patience,
        autocast=autocast,
        log_file=log_file,
        info=record,
    )
