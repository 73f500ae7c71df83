"""What each stage output was computed from, so that a re-run reuses it only when that is unchanged.

Every output of the models, train and evaluate stages carries a record of its *inputs*: the
config sections it reads and the digests of the upstream outputs it read. Its key is the hash
of that record. A re-run recomputes an output whose recorded inputs differ from the current
ones (and says which input changed), and moves the outputs built from the old one out of the
way (to ``<run>/stale/``), so nothing downstream is reused or shown with it:

    models/importance.inputs.json   importance.json  <- model, importance section, dataset digest
    variants/<v>/inputs.json        variants/<v>/    <- model, the layers the plan removes
    checkpoints/<v>/inputs.json     checkpoints/<v>/ <- train section, run seed, variant spec, model,
                                                        removed layers, dataset digest
    metrics/<v>.json ("inputs")     metrics/<v>.json <- evaluate settings, model source, the keys of
                                                        checkpoints/<v> or variants/<v>, dataset, facts

Hashing is cheap on purpose: the dataset files (megabytes) are hashed; model weights
(gigabytes) are never read: an output built on them names the key of their record, and a local
base-model folder is identified by the names, sizes and modification times of its files.
Collect (ETag / Last-Modified / lastmod) and the corpus phases (a content hash per document)
key their own outputs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presstune.config.evaluate import EvaluateConfig
from presstune.config.train import TrainConfig
from presstune.rundir import RunDir, atomic_write_json

RECORD = "inputs.json"
IMPORTANCE_RECORD = "importance.inputs.json"
DATASET_FILES = ("train.jsonl", "eval.jsonl", "documents.jsonl")
#: Files that identify a local model folder (weights and what shapes them).
MODEL_FILE_SUFFIXES = (".safetensors", ".bin", ".json", ".model", ".txt", ".gguf")


def digest(obj: Any) -> str:
    """Short sha256 of a JSON-able object (keys sorted: dict order never changes a key)."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str | None:
    """sha256 of a file's bytes (None if missing), memoised per (path, size, mtime) in-process."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    memo = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if memo not in _FILE_DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
        _FILE_DIGESTS[memo] = h.hexdigest()[:20]
    return _FILE_DIGESTS[memo]


def dataset_digest(run: RunDir) -> dict[str, str | None]:
    """The corpus stage's output as the later stages read it."""
    return {name: file_digest(run.dataset / name) for name in DATASET_FILES}


def model_identity(model_cfg: Any) -> dict[str, Any]:
    """The base model: its config section (without the device) and, for a local folder, the
    names/sizes/mtimes of its files (a rebuilt folder is a new model; no weight is read)."""
    section = model_cfg.model_dump(mode="json", exclude={"device"})
    folder = Path(model_cfg.name_or_path)
    if not folder.is_dir() or model_cfg.random_init:
        return {"config": section}
    files = sorted(
        (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and p.name.endswith(MODEL_FILE_SUFFIXES)
    )
    return {"config": section, "files": digest(files)}


def flatten_keys(value: Any, prefix: str = "", keep_empty: bool = False) -> dict[str, Any]:
    """Dotted key paths of nested dicts; ``keep_empty``: an empty dict is a value (so adding one is seen)."""
    if isinstance(value, dict) and (value or not keep_empty):
        out: dict[str, Any] = {}
        for key, child in value.items():
            out.update(flatten_keys(child, f"{prefix}.{key}" if prefix else str(key), keep_empty))
        return out
    return {prefix: value}


# -- records ---------------------------------------------------------------------------------


@dataclass
class Decision:
    """Whether an output is reused, and the reason (logged and recorded in run.json)."""

    reuse: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"reused": self.reuse, "reason": self.reason}


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) and "key" in record else None


def write_record(path: Path, inputs: dict[str, Any]) -> str:
    key = digest(inputs)
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    atomic_write_json(path, {"key": key, "inputs": inputs, "written": now})
    return key


def changes(old: dict[str, Any], new: dict[str, Any], limit: int = 4) -> str:
    """``'train.learning_rate 0.0002 -> 0.001, dataset.train.jsonl ...'``: the inputs that differ."""
    a, b = flatten_keys(old), flatten_keys(new)
    diff = [k for k in sorted({*a, *b}) if a.get(k, "<unset>") != b.get(k, "<unset>")]
    shown = [
        f"{k} {json.dumps(a.get(k, '<unset>'), default=str)} -> {json.dumps(b.get(k, '<unset>'), default=str)}"
        for k in diff[:limit]
    ]
    more = f" (+{len(diff) - limit} more)" if len(diff) > limit else ""
    return ", ".join(shown) + more if shown else "inputs changed"


_ABSENT = object()


def setting_defaults() -> dict[str, Any]:
    """Every setting's default by the key paths records use: ``train.*`` (training records) and
    ``settings.*`` (the evaluate section in metrics files)."""
    sections = {"train": TrainConfig().model_dump(mode="json"), "settings": EvaluateConfig().model_dump(mode="json")}
    return flatten_keys(sections, keep_empty=True)


def added_at_default(old: dict[str, Any], new: dict[str, Any]) -> list[str] | None:
    """When the only differences between recorded inputs ``old`` and current inputs ``new`` are
    settings that ``old`` lacks and ``new`` holds at their defaults: those keys (else None).

    Such a setting was added to presstune after the output was computed; its default keeps the
    behaviour from before (the rule for every new setting), so the output still stands. Without
    this, upgrading presstune would send hours of training to stale/ for an option nobody set.
    """
    a, b = flatten_keys(old, keep_empty=True), flatten_keys(new, keep_empty=True)
    diff = sorted(k for k in {*a, *b} if a.get(k, _ABSENT) != b.get(k, _ABSENT))
    if not diff or any(k in a for k in diff):
        return None
    defaults = setting_defaults()
    return diff if all(defaults.get(k, _ABSENT) == b[k] for k in diff) else None


def decide(record: dict[str, Any] | None, inputs: dict[str, Any], force: bool = False) -> Decision:
    if force:
        return Decision(False, "--force")
    if record is None:
        return Decision(False, "no record of the inputs it was computed from")
    if record.get("key") != digest(inputs):
        added = added_at_default(record.get("inputs") or {}, inputs)
        if added is None:
            return Decision(False, "changed: " + changes(record.get("inputs") or {}, inputs))
        return Decision(
            True, f"same inputs (key {record['key'][:8]}; settings added since, at their defaults: {', '.join(added)})"
        )
    return Decision(True, f"same inputs (key {record['key'][:8]})")


def move_aside(run: RunDir, paths: Iterable[Path]) -> list[str]:
    """Move stale outputs to ``<run>/stale/<relative path>.<UTC time>`` (a rename: nothing is
    lost, nothing is copied); returns the moved paths relative to the run."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    moved = []
    for path in paths:
        if not path.exists():
            continue
        rel = path.relative_to(run.path)
        target = run.stale / f"{rel}.{stamp}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(str(rel))
    return moved


def metrics_paths(run: RunDir, variant: str) -> list[Path]:
    """``metrics/<v>.json`` and the per-item files ``metrics/<set>/<v>.jsonl``."""
    root = run.metrics
    items = sorted(root.glob(f"*/{variant}.jsonl")) if root.is_dir() else []
    return [run.metric(variant), *items]


# -- the inputs of each output -----------------------------------------------------------------


def importance_inputs(cfg: Any, run: RunDir) -> dict[str, Any]:
    return {
        "model": model_identity(cfg.model),
        "importance": cfg.importance.model_dump(mode="json"),
        "dataset": dataset_digest(run),
    }


def variant_inputs(cfg: Any, removed_layers: list[int] | None) -> dict[str, Any]:
    """A variant's weights are the base model's minus the removed layers: nothing else."""
    return {"model": model_identity(cfg.model), "removed_layers": list(removed_layers or [])}


def eval_inputs(
    run: RunDir, variant: str, settings: dict[str, Any], source: dict[str, Any], config: Any
) -> dict[str, Any]:
    """Evaluation reads its settings, the model source and whatever built it (the key of
    checkpoints/<v> or variants/<v>, or the base model), the dataset and the fact sheets."""
    inputs: dict[str, Any] = {"settings": settings, "source": source, "dataset": dataset_digest(run)}
    used = [str(source.get(k)) for k in ("model", "adapter") if source.get(k)]
    for sub, built in (("checkpoints", run.checkpoint(variant)), ("variants", run.variant(variant))):
        folder = str(built)
        record = read_record(built / RECORD)
        if record is not None and any(p == folder or p.startswith(folder + os.sep) for p in used):
            inputs[sub] = record["key"]
    if config is not None:
        inputs["model"] = model_identity(config.model)
        inputs["corpus"] = {
            "system_prompt": getattr(config.corpus, "system_prompt", None),
            "tokenizer": getattr(config.corpus, "tokenizer", None),
        }
    facts = run.fact_sheets(settings.get("facts_file"))
    if facts is not None and facts.is_file():
        inputs["facts"] = file_digest(facts)
    return inputs
