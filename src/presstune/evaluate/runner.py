"""Evaluate one variant of a run: perplexity (two views), semantic entropy, closed-book QA (two
sets: held-out = eval-split articles, a generalisation / leak check; knowledge = train-split
articles, did fine-tuning put the news into the weights?), generations and cost; writes
``metrics/<variant>.json`` (every number with its definition and sample size) plus per-item
files under ``metrics/`` (``qa/``, ``qa_train/``, ``semantic_entropy/``, ``generations/``).

This module only orchestrates: it reuses an earlier result with the same inputs, loads the
variant, runs each :class:`~presstune.evaluate.variant.Measurement` of :data:`MEASUREMENTS` in
turn and writes the result. Each metric lives in its own module (:mod:`.cost`, :mod:`.perplexity`,
:mod:`.qa_metrics`, :mod:`.retention`, :mod:`.semantic_entropy`, :mod:`.generation`); a new
one is a ``Measurement`` added to that tuple. Where a variant's weights are and how they load:
:mod:`presstune.models.checkpoints`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import time
from pathlib import Path
from typing import Any

from presstune.cache import decide, digest, eval_inputs
from presstune.config.evaluate import EvaluateConfig
from presstune.console import phase as progress_phase
from presstune.evaluate import cost, generation, perplexity, qa_metrics, retention, semantic_entropy
from presstune.evaluate.data import EvaluateError, load_eval_data
from presstune.evaluate.perplexity import end_of_turn_id
from presstune.evaluate.variant import Measurement, VariantUnderTest
from presstune.models.checkpoints import load_model, resolve_variant
from presstune.models.loading import release_memory
from presstune.prompts import run_system_prompt
from presstune.rundir import RunDir, atomic_write_json, hardware


def _earlier_result(out_path: Path, inputs: dict[str, Any], force: bool):
    """The metrics document an earlier evaluation wrote (None if absent or unreadable) and the
    cache's decision whether it still stands for these inputs."""
    previous = None
    if out_path.is_file():
        try:
            previous = json.loads(out_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            pass
    record = {"key": previous.get("inputs_key"), "inputs": previous.get("inputs")} if previous else None
    return previous, decide(record if record and record["key"] else None, inputs, force)


def _load_variant(
    eval_cfg: EvaluateConfig, run: RunDir, variant_name: str, model, tokenizer, source: dict[str, Any], config: Any
) -> VariantUnderTest:
    """Load the model (unless given), seed torch and read the run's eval data."""
    import torch

    if model is None:
        release_memory()  # whatever an earlier stage or variant left (peak memory is measured below)
        model, tokenizer = load_model(source, eval_cfg, config)
    if tokenizer is None:
        raise EvaluateError("a tokenizer is required with an in-memory model")
    torch.manual_seed(eval_cfg.seed)
    data = load_eval_data(run, eval_cfg.max_eval_items)
    system_prompt = run_system_prompt(config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return VariantUnderTest(
        run=run,
        name=variant_name,
        eval_cfg=eval_cfg,
        config=config,
        model=model,
        tokenizer=tokenizer,
        data=data,
        system_prompt=system_prompt,
        pad_id=pad_id,
        eot=end_of_turn_id(tokenizer),
        source=source,
    )


def _result_document(v: VariantUnderTest, settings: dict, inputs: dict, total_seconds: float) -> dict[str, Any]:
    """``metrics/<variant>.json``: the metrics with what they were measured on and from."""
    return {
        "variant": v.name,
        "source": v.source,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "device": v.device_name,
        "dtype": str(next(v.model.parameters()).dtype).replace("torch.", ""),
        "settings": settings,
        "inputs": inputs,
        "inputs_key": digest(inputs),
        "metrics": v.metrics,
        "errors": v.errors,
        "seconds": {k: round(s, 3) for k, s in {**v.seconds, "total": total_seconds}.items()},
        "hardware": hardware(),
    }


#: What an evaluation measures, in this order: the cost first, on the freshly loaded model (before
#: the other measurements leave anything in the allocator); semantic entropy asks the held-out
#: questions the QA measurements chose.
MEASUREMENTS: tuple[Measurement, ...] = (
    cost.MEASUREMENT,
    perplexity.MEASUREMENT,
    *qa_metrics.MEASUREMENTS,
    retention.MEASUREMENT,
    semantic_entropy.MEASUREMENT,
    generation.MEASUREMENT,
)


def evaluate_variant(
    eval_cfg: EvaluateConfig,
    run_dir: str | Path,
    variant_name: str,
    model=None,
    tokenizer=None,
    config: Any = None,
    source: dict[str, Any] | None = None,
    judge=None,
    force: bool = False,
) -> dict[str, Any]:
    """Evaluate ``variant_name`` and write ``metrics/<variant>.json``; returns that document.

    ``model``/``tokenizer``: an already loaded model (else resolved from the run, see
    :func:`resolve_variant`, or from ``source={"model": path_or_hub_id, "adapter": path}``).
    ``judge``: a semantic-entropy clusterer (else built from ``eval_cfg``). An earlier result
    with the same inputs (:func:`presstune.cache.eval_inputs`: settings, source, the records of
    the checkpoint/variant it came from, dataset, facts) is kept unless ``force``; the returned
    document's ``cache`` says which and why (it is not written to the file).
    """
    run = RunDir(run_dir)
    out_path = run.metric(variant_name)
    settings = eval_cfg.model_dump(mode="json")
    if source is None and model is None:
        source = resolve_variant(run.path, variant_name, config)
    source = source or {"kind": "in-memory", "model": None, "adapter": None}
    inputs = eval_inputs(run, variant_name, settings, source, config)
    previous, decision = _earlier_result(out_path, inputs, force)
    if previous is not None and decision.reuse:
        return {**previous, "cache": decision.to_dict()}

    progress_phase("load")
    t_start = time.perf_counter()
    v = _load_variant(eval_cfg, run, variant_name, model, tokenizer, source, config)
    v.judge = judge
    for measurement in MEASUREMENTS:
        if measurement.progress:
            progress_phase(measurement.progress)
        if measurement.step:
            with v.timed(measurement.step):
                measurement.measure(v)
        else:
            measurement.measure(v)

    doc = _result_document(v, settings, inputs, time.perf_counter() - t_start)
    atomic_write_json(out_path, _finite(doc))
    reason = decision.reason if previous is not None else "not evaluated yet"
    return {**doc, "cache": {"reused": False, "reason": reason}}


def _finite(obj: Any) -> Any:
    """JSON has no NaN/inf: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj
