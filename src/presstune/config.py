"""Typed configuration: YAML files validated by pydantic models.

A file may name a base with ``extends: other.yaml`` (path relative to the file); the two are
deep-merged, the child winning. Command-line overrides ``--set train.lr=1e-4`` are applied
last and parsed as YAML scalars. Every problem becomes one :class:`ConfigError` whose message
names the key path and the file, so the CLI can print one line and exit 2.

Each stage owns its section model in ``presstune/<stage>/config.py``; this module only
composes them, so a stage can grow its settings without touching the others.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from presstune.collect.config import CollectConfig
from presstune.corpus.config import CorpusConfig
from presstune.evaluate.config import EvaluateConfig
from presstune.models.config import ImportanceConfig, ModelConfig, VariantSpec
from presstune.replica.config import ReplicaConfig
from presstune.report.config import ReportConfig
from presstune.schema import Strict
from presstune.train.config import TrainConfig


class ConfigError(Exception):
    """A configuration problem, already phrased as one line for the user."""


class RunSection(Strict):
    name: str = "default"
    #: Parent folder of run directories; the run lives in ``<root>/<name>``.
    root: str = "runs"
    seed: int = 0


class DemoBaseConfig(Strict):
    """The demo-scale base model (``model.name_or_path: demo-base``), see presstune.models.tinybase."""

    #: The oldest share of the replica's articles pretrains the base; the rest is the news.
    pretrain_fraction: float = Field(0.6, gt=0, lt=1)
    vocab_size: int = 4096
    epochs: float = 3.0
    seq_len: int = 256
    batch_size: int = 16
    lr: float = 2e-3
    seed: int = 0
    #: Stop pretraining early after this many seconds (None = no limit).
    time_budget_s: float | None = None


class Config(Strict):
    run: RunSection = Field(default_factory=RunSection)
    replica: ReplicaConfig = Field(default_factory=ReplicaConfig)
    collect: CollectConfig = Field(default_factory=CollectConfig)
    corpus: CorpusConfig = Field(default_factory=CorpusConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    importance: ImportanceConfig = Field(default_factory=ImportanceConfig)
    variants: list[VariantSpec] = Field(default_factory=lambda: [VariantSpec(name="original", kind="original")])
    train: TrainConfig = Field(default_factory=TrainConfig)
    evaluate: EvaluateConfig = Field(default_factory=EvaluateConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    demo_base: DemoBaseConfig = Field(default_factory=DemoBaseConfig)

    def run_dir(self) -> Path:
        return Path(self.run.root) / self.run.name

    @model_validator(mode="after")
    def _variant_mixes_exist(self) -> Config:
        for spec in self.variants:
            if spec.mix is not None and spec.mix not in self.corpus.mixes:
                known = ", ".join(sorted(self.corpus.mixes)) or "none"
                raise ValueError(f"variant {spec.name!r}: mix {spec.mix!r} is not in corpus.mixes ({known})")
        return self


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: dicts recurse, everything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class _Loader(yaml.SafeLoader):
    """SafeLoader whose bad dates (``2025-13-45``) are YAML errors with a position, not a bare
    ValueError from deep inside the constructor."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date {node.value!r} ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _key_at(text: str, mark: Any) -> str | None:
    """The dotted key path of the value at ``mark`` (composed without constructing values)."""

    def walk(node: yaml.Node, path: list[str]) -> list[str] | None:
        if node.start_mark.index == mark.index and not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return path
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                found = walk(value, [*path, str(key.value)])
                if found is not None:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found = walk(item, [*path, str(i)])
                if found is not None:
                    return found
        return None

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    found = walk(root, []) if root is not None else None
    return ".".join(found) if found else None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte {exc.start}: {exc.reason}); expected YAML") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        key = _key_at(text, mark) if mark is not None else None
        where = f" (line {mark.line + 1})" if mark is not None else ""
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ConfigError(f"{path}{where}: {key + ': ' if key else ''}invalid YAML: {what}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def load_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], list[Path]]:
    """Read a YAML file and its ``extends`` chain; returns the merged dict and the files read."""
    path = Path(path).resolve()
    if path in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path))
        raise ConfigError(f"{path}: circular 'extends': {chain}")
    data = _read_yaml(path)
    parents = data.pop("extends", None)
    if parents is None:
        return data, [path]
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ConfigError(f"{path}: 'extends' must be a file name or a list of file names")
    merged: dict[str, Any] = {}
    files: list[Path] = []
    for parent in parents:
        parent_path = (path.parent / parent).resolve()
        if not parent_path.is_file():
            raise ConfigError(f"{path}: extends: file not found: {parent_path}")
        parent_data, parent_files = load_raw(parent_path, (*_seen, path))
        merged = deep_merge(merged, parent_data)
        files.extend(parent_files)
    return deep_merge(merged, data), [*files, path]


def apply_override(data: dict[str, Any], assignment: str) -> dict[str, Any]:
    """Apply one ``dotted.key=value`` override; the value is parsed as a YAML scalar/flow."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected KEY=VALUE, e.g. train.lr=1e-4")
    key, raw_value = assignment.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"--set {assignment!r}: empty key")
    try:
        value = yaml.load(raw_value, Loader=_Loader) if raw_value.strip() else ""  # _Loader is a SafeLoader
    except yaml.YAMLError:
        value = raw_value
    out = copy.deepcopy(data)
    node = out
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: '{'.'.join(parts[: i + 1])}' is not a section")
        node = child
    node[parts[-1]] = value
    return out


def _format_validation_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"]
            if "input" in err and not isinstance(err["input"], (dict, list)):
                msg += f" (got {err['input']!r})"
        lines.append(f"{loc}: {msg}")
    # One line: the first problem, plus a count of the rest.
    more = f" (+{len(lines) - 1} more: {'; '.join(lines[1:])})" if len(lines) > 1 else ""
    return f"config error in {source}: {lines[0]}{more}"


def validate(data: dict[str, Any], source: str = "<defaults>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, source)) from None


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load, merge and validate a config; ``path=None`` means defaults only."""
    data: dict[str, Any] = {}
    source = "<defaults>"
    if path is not None:
        data, files = load_raw(path)
        source = str(files[-1]) if len(files) == 1 else f"{files[-1]} (extends {', '.join(str(f) for f in files[:-1])})"
    for assignment in overrides:
        data = apply_override(data, assignment)
    if overrides:
        source += f" with --set {' '.join(overrides)}"
    return validate(data, source)


def dump_config(config: Config) -> dict[str, Any]:
    return config.model_dump(mode="json")
