"""The run directory every stage reads and writes, and atomic file writes.

Layout: :class:`RunDir` has a property (or, for per-variant and per-measurement files, a method)
for each file of the contract in docs/architecture.md, and every stage reaches its files through
them (``run.documents``, ``run.checkpoint(v)``, ``run.metric(v)``) instead of joining paths.

Atomic writes: content goes to a temporary file in the same directory, is flushed and
fsync'd, then ``os.replace``d onto the final name, so a reader (or a re-run after kill -9)
sees either the old file or the complete new one, never a half-written one.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

TRACKED_PACKAGES = (
    "presstune",
    "torch",
    "transformers",
    "peft",
    "trl",
    "datasets",
    "accelerate",
    "tokenizers",
    "safetensors",
    "httpx",
    "pypdfium2",
    "pydantic",
    "bitsandbytes",
    "liger-kernel",
    "unsloth",
)


def fsync_dir(directory: Path) -> None:
    """fsync a directory, so a rename into it survives a crash (where the platform allows)."""
    # Make the rename itself durable; not supported on every platform/filesystem.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    fsync_dir(path.parent)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any, indent: int | None = 2) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False, default=str) + "\n")


def append_jsonl(path: str | Path, record: Mapping[str, Any]) -> None:
    """Append one record as one line, flushed and fsync'd.

    A crash can leave at most a partial *last* line, which :func:`read_jsonl` skips; earlier
    lines are never touched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    with open(path, "ab") as handle:
        # A previous crash may have left a partial line without newline: start a fresh one.
        if handle.tell() > 0:
            with open(path, "rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    handle.write(b"\n")
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file, skipping blank and torn (unparseable) lines.

    Read as bytes and decoded per line: a line torn inside a multi-byte character is skipped
    like any other torn line instead of failing the whole file."""
    path = Path(path)
    if not path.exists():
        return []
    records = []
    with open(path, "rb") as handle:
        for raw in handle:
            line = raw.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line.decode("utf-8")))
            except ValueError:  # JSONDecodeError and UnicodeDecodeError
                continue
    return records


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    """Write a whole JSONL file atomically."""
    text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
    return atomic_write_text(path, text)


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(path: str | Path | None = None) -> str | None:
    """The commit of the presstune source tree (None outside a git checkout)."""
    where = Path(path) if path else Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def hardware() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # psutil is optional for this purpose
        pass
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return info


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class RunDir:
    """A run directory with its ``run.json`` manifest."""

    #: Where a run's fact sheets are looked for when ``evaluate.facts_file`` is not set, in this
    #: order: put there by hand (a real portal's), fetched from the replica by the pipeline
    #: (:attr:`replica_facts`), written by ``presstune replica --out <run>/replica`` or mirrored
    #: from the replica server's ``/_replica/`` path.
    FACT_SHEETS = ("facts.jsonl", "replica_facts.jsonl", "replica/facts.jsonl", "_replica/facts.jsonl")

    #: The name of collect's article file, also matched by its leftover temporary files.
    ARTICLES = "articles.jsonl"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # -- paths -------------------------------------------------------------------------
    def __truediv__(self, other: str) -> Path:
        return self.path / other

    @property
    def manifest_path(self) -> Path:
        """``run.json``: the manifest every stage updates through :meth:`stage`."""
        return self.path / "run.json"

    @property
    def logs(self) -> Path:
        """``logs/``: each command's log (console) and each variant's training curves (train)."""
        return self.path / "logs"

    def log(self, command: str) -> Path:
        """``logs/<command>.log``, written by every command through the console."""
        return self.logs / f"{command}.log"

    def train_logs(self, variant: str) -> Path:
        """``logs/<variant>/``: the training curves train writes for TensorBoard."""
        return self.logs / variant

    @property
    def articles(self) -> Path:
        """``articles.jsonl``: one record per article, written by collect."""
        return self.path / self.ARTICLES

    @property
    def dataset(self) -> Path:
        """``dataset/``: the training data the corpus stage writes."""
        return self.path / "dataset"

    @property
    def train_rows(self) -> Path:
        """``dataset/train.jsonl``: the default mix's training rows (corpus format)."""
        return self.dataset / "train.jsonl"

    def mix_rows(self, mix: str) -> Path:
        """``dataset/train.<mix>.jsonl``: a named mix's training rows (corpus format)."""
        return self.dataset / f"train.{mix}.jsonl"

    @property
    def eval_rows(self) -> Path:
        """``dataset/eval.jsonl``: the eval rows (corpus format)."""
        return self.dataset / "eval.jsonl"

    @property
    def documents(self) -> Path:
        """``dataset/documents.jsonl``: every kept document with its split (corpus format)."""
        return self.dataset / "documents.jsonl"

    @property
    def probe(self) -> Path:
        """``dataset/probe.json``: train articles whose QA rows were withheld (corpus augment)."""
        return self.dataset / "probe.json"

    @property
    def qa_valid(self) -> Path:
        """``dataset/qa_valid.jsonl``: held-out wordings of trained facts (corpus augment)."""
        return self.dataset / "qa_valid.jsonl"

    @property
    def dataset_stats(self) -> Path:
        """``dataset/stats.json``: the dataset's counts (corpus format)."""
        return self.dataset / "stats.json"

    @property
    def models(self) -> Path:
        """``models/``: parameter counts and layer importance, written by the models stage."""
        return self.path / "models"

    @property
    def params(self) -> Path:
        """``models/params.json``: exact parameter counts (models)."""
        return self.models / "params.json"

    @property
    def importance(self) -> Path:
        """``models/importance.json``: Block Influence per layer (models importance)."""
        return self.models / "importance.json"

    @property
    def importance_plot(self) -> Path:
        """``models/importance.png``: the importance plot (models importance)."""
        return self.models / "importance.png"

    @property
    def variants(self) -> Path:
        """``variants/``: one pruned checkpoint per variant, written by models (variant)."""
        return self.path / "variants"

    def variant(self, name: str) -> Path:
        """``variants/<name>/``: a plain Hugging Face checkpoint with layers removed (models)."""
        return self.variants / name

    @property
    def checkpoints(self) -> Path:
        """``checkpoints/``: the trained variants, written by train."""
        return self.path / "checkpoints"

    def checkpoint(self, variant: str) -> Path:
        """``checkpoints/<variant>/``: adapter or weights and how training went (train)."""
        return self.checkpoints / variant

    @property
    def metrics(self) -> Path:
        """``metrics/``: every measured number, written by evaluate."""
        return self.path / "metrics"

    def metric(self, variant: str) -> Path:
        """``metrics/<variant>.json``: a variant's numbers with definitions and intervals (evaluate)."""
        return self.metrics / f"{variant}.json"

    def metric_rows(self, measurement: str, variant: str) -> Path:
        """``metrics/<measurement>/<variant>.jsonl``: one row per question or prompt (evaluate)."""
        return self.metrics / measurement / f"{variant}.jsonl"

    @property
    def report(self) -> Path:
        """``report/``: the comparison report (report)."""
        return self.path / "report"

    @property
    def report_index(self) -> Path:
        """``report/index.html``: the report's page (report)."""
        return self.report / "index.html"

    @property
    def stale(self) -> Path:
        """``stale/``: outputs moved aside by the cache when their inputs changed."""
        return self.path / "stale"

    @property
    def replica_facts(self) -> Path:
        """The replica's fact sheets, fetched by the pipeline on every run that collects from it."""
        return self.path / "replica_facts.jsonl"

    def fact_sheets(self, facts_file: str | None = None) -> Path | None:
        """The run's fact sheets, the one place evaluation, the cache records and the augmentation
        audit look them up: ``facts_file`` (``evaluate.facts_file``) when given, whether or not it
        exists; else the first of :data:`FACT_SHEETS` that exists; None when there is none."""
        if facts_file:
            return Path(facts_file)
        return next((p for p in (self.path / name for name in self.FACT_SHEETS) if p.is_file()), None)

    def create(self) -> RunDir:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    # -- manifest ----------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {}
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            # Atomic writes make this unlikely; never lose the run because of it.
            return {}

    def update_manifest(self, **fields: Any) -> dict[str, Any]:
        manifest = self.read_manifest()
        manifest.update(fields)
        manifest.setdefault("created", _now())
        manifest.setdefault("stages", {})
        self.create()
        atomic_write_json(self.manifest_path, manifest)
        return manifest

    def record_config(self, config_dump: dict[str, Any], config_files: list[str] | None = None) -> None:
        self.update_manifest(
            config=config_dump,
            config_files=config_files or [],
            versions=package_versions(),
            git_commit=git_commit(),
            hardware=hardware(),
        )

    @contextlib.contextmanager
    def stage(self, name: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Record a stage's start/end/status in run.json; the yielded dict is saved as details."""
        manifest = self.read_manifest()
        stages = manifest.setdefault("stages", {})
        entry = {"status": "running", "started": _now(), **details}
        stages[name] = entry
        self.update_manifest(stages=stages)
        t0 = time.perf_counter()
        extra: dict[str, Any] = {}
        status = "done"
        try:
            yield extra
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            extra.setdefault("error", f"{type(exc).__name__}: {exc}")
            raise
        finally:
            manifest = self.read_manifest()
            stages = manifest.setdefault("stages", {})
            stages[name] = {
                **entry,
                **extra,
                "status": status,
                "ended": _now(),
                "seconds": round(time.perf_counter() - t0, 3),
            }
            self.update_manifest(stages=stages)

    def stage_done(self, name: str) -> bool:
        return self.read_manifest().get("stages", {}).get(name, {}).get("status") == "done"
