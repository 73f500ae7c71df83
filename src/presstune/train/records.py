"""What a training output was computed from, and which training outputs and metrics are stale.

The record mechanics (digests, decisions, moving aside) are :mod:`presstune.cache`'s; this
module knows what training reads (the train section, the variant's plan, the dataset, the
validation questions, the tuned teacher) and, through :func:`presstune.cache.eval_inputs`, what
evaluation reads, so the pipeline can move stale outputs aside before it trains.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from presstune.cache import (
    RECORD,
    Decision,
    changes,
    dataset_digest,
    decide,
    digest,
    eval_inputs,
    file_digest,
    metrics_paths,
    model_identity,
    move_aside,
    read_record,
    write_record,
)
from presstune.config.train import tuned_teacher_name
from presstune.models.checkpoints import ModelSourceError, resolve_variant
from presstune.models.surgery import SurgeryError, plan_variant
from presstune.rundir import RunDir
from presstune.train.selection_inputs import VALID_FILE, general_set


def planned_removed_layers(cfg: Any, spec: Any, run: RunDir) -> list[int] | None:
    """The layers ``spec`` removes given the run's current models/importance.json (None: cannot
    plan yet, e.g. a dropped variant before importance exists)."""
    if spec.kind == "original":
        return []
    try:
        importance = json.loads(run.importance.read_text(encoding="utf-8"))
        total = int(importance["num_layers"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    try:
        return list(plan_variant(total, spec, importance).get("removed_layers") or [])
    except (SurgeryError, KeyError, ValueError):
        return None


def train_inputs(cfg: Any, spec: Any, run: RunDir) -> dict[str, Any]:
    """Training reads the train section, the seed, the base model reduced by the variant's plan
    (it rebuilds the variant in memory, see train/variant.py) and the dataset."""
    inputs = {
        "train": cfg.train.model_dump(mode="json"),
        "run_seed": cfg.run.seed,
        "variant": spec.model_dump(mode="json"),
        "model": model_identity(cfg.model),
        "removed_layers": planned_removed_layers(cfg, spec, run),
        "dataset": dataset_digest(run),
    }
    if cfg.train.select.metric is not None:
        # The kept checkpoint depends on the validation questions and the general questions asked.
        inputs["select"] = {
            "qa_valid": file_digest(run.dataset / VALID_FILE),
            "general": digest(general_set(cfg.train.select.general_questions)),
        }
    if cfg.train.distill.teacher == "tuned" and spec.kind != "original":
        # A reduced variant taught by the tuned original is stale once that one is retrained.
        name = tuned_teacher_name(cfg.variants, cfg.train.distill.teacher_variant, spec)
        record = read_record(run.checkpoint(name) / RECORD)
        inputs["teacher"] = {"variant": name, "key": record["key"] if record else None}
    return inputs


def prepare_training(cfg: Any, spec: Any, run: RunDir, force: bool = False) -> dict[str, Any]:
    """Before training ``spec``: keep checkpoints/<v> when it was trained (or, killed, is being
    trained) on the current inputs; otherwise move it, its logs and its metrics to stale/ and
    record the new inputs first, so a killed training resumes only under the same inputs."""
    out = run.checkpoint(spec.name)
    inputs = train_inputs(cfg, spec, run)
    decision = decide(read_record(out / RECORD), inputs, force)
    if decision.reuse:
        done = (out / "train_result.json").is_file()
        return {"action": "reuse" if done else "resume", **decision.to_dict()}
    if not out.exists() and not force:
        decision = Decision(False, "not trained yet")
    moved = move_aside(run, [out, run.train_logs(spec.name), *metrics_paths(run, spec.name)])
    write_record(out / RECORD, inputs)
    return {"action": "train", **decision.to_dict(), **({"moved_to_stale": moved} if moved else {})}


def stale_outputs(cfg: Any, run: RunDir) -> list[tuple[Path, str]]:
    """Training outputs and metrics that the current config and upstream outputs did not
    produce (after a partial run, e.g. ``--until models`` with a new learning rate)."""
    found: list[tuple[Path, str]] = []
    for spec in cfg.variants:
        out = run.checkpoint(spec.name)
        if out.is_dir():
            decision = decide(read_record(out / RECORD), train_inputs(cfg, spec, run))
            if not decision.reuse:
                found.append((out, f"checkpoints/{spec.name}: {decision.reason}"))
    settings = cfg.evaluate.model_dump(mode="json")
    for path in sorted(run.metrics.glob("*.json")) if run.metrics.is_dir() else []:
        name = path.stem
        moving = any(p == run.checkpoint(name) for p, _ in found)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("source", {}).get("kind") == "external":
                continue  # `presstune evaluate --model`: not built by this run's stages
            source = resolve_variant(run.path, name, cfg)
        except (OSError, json.JSONDecodeError, ModelSourceError, AttributeError) as exc:
            if name in {"base", *(v.name for v in cfg.variants)} or (run.checkpoint(name)).exists():
                found.append((path, f"metrics/{name}.json: {type(exc).__name__}: {exc}"))
            continue
        if moving:
            found.append((path, f"metrics/{name}.json: its checkpoint is stale"))
            continue
        current = eval_inputs(run, name, settings, source, cfg)
        if not decide({"key": doc.get("inputs_key"), "inputs": doc.get("inputs")}, current).reuse:
            old = doc.get("inputs") or {}
            why = changes(old, current) if old else "no record of its inputs"
            found.append((path, f"metrics/{name}.json: {why}"))
    return found


def invalidate_stale(cfg: Any, run: RunDir) -> list[dict[str, Any]]:
    """Move every stale training output and metrics file (with its logs / per-item files) to
    stale/; a report rendered from them goes too (it would show their numbers)."""
    moved = []
    for path, reason in stale_outputs(cfg, run):
        if path.parent.name == "checkpoints":
            paths = [path, run.train_logs(path.name), *metrics_paths(run, path.name)]
        else:
            paths = metrics_paths(run, path.stem)
        done = move_aside(run, paths)
        if done:
            moved.append({"output": str(path.relative_to(run.path)), "reason": reason, "moved": done})
    if moved:
        report = move_aside(run, [run.report])
        if report:
            moved.append({"output": "report", "reason": "rendered from the outputs above", "moved": report})
    return moved
