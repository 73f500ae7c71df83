"""Config loading: extends/deep merge, --set overrides, and one-line errors with exit code 2."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from presstune.config import ConfigError, deep_merge, load_config, load_raw


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_validate():
    cfg = load_config(None)
    assert cfg.train.method == "lora"
    assert cfg.run_dir() == Path("runs/default")


def test_extends_deep_merges_child_wins(tmp_path):
    write(tmp_path / "base.yaml", "train:\n  learning_rate: 0.001\n  epochs: 2\ncollect:\n  language: en\n")
    child = write(tmp_path / "child.yaml", "extends: base.yaml\ntrain:\n  epochs: 5\n")
    cfg = load_config(child)
    assert cfg.train.learning_rate == 0.001  # inherited
    assert cfg.train.epochs == 5  # overridden
    assert cfg.collect.language == "en"


def test_set_overrides_parse_yaml_scalars(tmp_path):
    cfg = load_config(
        None, ["train.learning_rate=1e-4", "train.packing=false", "run.name=x", "corpus.languages=[en, de]"]
    )
    assert cfg.train.learning_rate == pytest.approx(1e-4)
    assert cfg.train.packing is False
    assert cfg.run.name == "x"
    assert cfg.corpus.languages == ["en", "de"]


def test_evaluation_asks_with_the_trained_qa_instruction(caplog: pytest.LogCaptureFixture):
    cfg = load_config(None, ["corpus.augment.qa_instruction=Reply in one short sentence."])
    assert cfg.evaluate.qa_instruction == "Reply in one short sentence."  # unset: follows training
    with caplog.at_level("WARNING", logger="presstune.config"):
        apart = load_config(
            None, ["corpus.augment.qa_instruction=Reply in one short sentence.", "evaluate.qa_instruction=Answer."]
        )
    assert apart.evaluate.qa_instruction == "Answer."  # set explicitly: kept ...
    assert "differs from corpus.augment.qa_instruction" in caplog.text  # ... and said
    caplog.clear()
    with caplog.at_level("WARNING", logger="presstune.config"):
        load_config(None, ["corpus.augment.backend=none", "evaluate.qa_instruction=Answer."])
    assert "differs" not in caplog.text  # no QA rows trained: nothing to match


def test_unknown_key_names_path_and_file(tmp_path):
    bad = write(tmp_path / "bad.yaml", "train:\n  learnin_rate: 0.1\n")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    msg = str(err.value)
    assert "train.learnin_rate" in msg and "unknown key" in msg and str(bad) in msg
    assert "\n" not in msg


def test_wrong_type_names_path(tmp_path):
    bad = write(tmp_path / "bad.yaml", "train:\n  epochs: many\n")
    with pytest.raises(ConfigError, match=r"train\.epochs.*'many'"):
        load_config(bad)


def test_missing_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    child = write(tmp_path / "child.yaml", "extends: gone.yaml\n")
    with pytest.raises(ConfigError, match="extends: file not found"):
        load_config(child)


def test_circular_extends(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="circular"):
        load_config(tmp_path / "a.yaml")


def test_bad_set_syntax():
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        load_config(None, ["train.learning_rate"])
    with pytest.raises(ConfigError, match="not a section"):
        load_config(None, ["run.name=a", "run.name.x=1"])
    with pytest.raises(ConfigError, match=r"run\.name: Input should be a valid string"):
        load_config(None, ["run.name.x=1"])


def test_deep_merge_does_not_mutate():
    base = {"a": {"b": 1, "c": [1]}}
    merged = deep_merge(base, {"a": {"b": 2}})
    assert merged == {"a": {"b": 2, "c": [1]}} and base == {"a": {"b": 1, "c": [1]}}


ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "configs"  # the product's recipes
EXPERIMENTS = ROOT / "benchmarks" / "configs"  # configs one benchmark or experiment runs
SHIPPED = sorted(
    p.relative_to(ROOT).as_posix()
    for p in [*RECIPES.rglob("*.yaml"), *EXPERIMENTS.rglob("*.yaml")]
    if "accelerate" not in p.parts  # accelerate's own launcher configs, not presstune's
)


def test_shipped_configs_are_found():
    assert "configs/demo.yaml" in SHIPPED and "benchmarks/configs/demo-smollm2-realdev.yaml" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_validates(name):
    load_config(ROOT / name)


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("configs/")])
def test_recipes_extend_only_recipes(name):
    """A product recipe never depends on an experiment's config (those may change with the experiment)."""
    outside = [f for f in load_raw(ROOT / name)[1] if not f.is_relative_to(RECIPES)]
    assert outside == []


# configs/NAME.yaml or benchmarks/configs/NAME.yaml, as commands and prose name them
CONFIG_PATH = re.compile(r"(?<![\w./-])((?:benchmarks/)?configs/[\w./-]+?\.yaml)\b")


def test_every_config_path_named_in_the_repository_exists():
    """README, docs, the benchmark scripts, detail pages and RESULTS rows name configs by path: a moved
    or renamed config must take its references along. A sweep line run on another tree (src=NAME)
    names the path in that tree."""
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "configs").rglob("*.yaml")]
    for pattern in ("*.md", "*.py", "*.sh", "*.txt", "configs/*.yaml", "data/results/*.json"):
        texts.extend((ROOT / "benchmarks").glob(pattern))
    missing = []
    for path in texts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".txt" and re.search(r"\ssrc=\S", line):
                continue
            missing += [
                f"{path.relative_to(ROOT)}:{number}: {named}"
                for named in CONFIG_PATH.findall(line)
                if not (ROOT / named).is_file()
            ]
    assert len(texts) > 30
    assert missing == []


def test_cli_exit_code_2_one_line_no_traceback(tmp_path):
    bad = write(tmp_path / "bad.yaml", "model:\n  dtype: float8\n")
    proc = subprocess.run(
        [sys.executable, "-m", "presstune.cli", "config", "validate", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "model.dtype" in lines[0] and "bad.yaml" in lines[0]


CLI_CASES = {
    # case: (file name, file text or None for "do not create", key path the line must name)
    "unknown key": ("unknown.yaml", "train:\n  learnin_rate: 0.1\n", "train.learnin_rate"),
    "wrong type": ("wrongtype.yaml", "train:\n  epochs: many\n", "train.epochs"),
    "missing file": ("absent.yaml", None, None),
    "missing extends": ("child.yaml", "extends: gone.yaml\n", "extends"),
    "invalid date": ("date.yaml", "collect:\n  date_from: 2025-13-45\n", "collect.date_from"),
    "binary file": ("binary.yaml", bytes(range(256)) * 4, None),
    "zero learning rate": ("lr.yaml", "train:\n  learning_rate: 0\n", "train.learning_rate"),
}


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CLI_CASES))
@pytest.mark.parametrize("command", ["config validate", "collect --config"])
def test_cli_config_errors_are_one_line_naming_key_and_file(case, command, tmp_path):
    """Every kind of config error, through `config validate` and through a stage command's --config:
    exit code 2, no traceback, one line that names the key path and the file."""
    name, text, key = CLI_CASES[case]
    path = tmp_path / "a long folder name that rich would otherwise wrap at eighty columns" / name
    path.parent.mkdir()
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        write(path, text)
    if command == "config validate":
        args = ["config", "validate", str(path)]
    else:
        args = ["collect", "--config", str(path), "--run", str(tmp_path / "run")]
    proc = subprocess.run([sys.executable, "-m", "presstune.cli", *args], capture_output=True, text=True, timeout=60)
    line = _one_error_line(proc)
    assert str(path) in line, line
    if key is not None:
        assert f"{key}:" in line, line
    if case == "missing extends":
        assert str(path.parent / "gone.yaml") in line
    assert not (tmp_path / "run").exists()  # nothing ran on a bad config


def test_cli_set_override_error_names_the_key():
    proc = subprocess.run(
        [sys.executable, "-m", "presstune.cli", "config", "show", "--set", "train.nope=1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = _one_error_line(proc)
    assert "train.nope: unknown key" in line and "--set train.nope=1" in line


def test_cli_error_keeps_square_brackets_in_paths(tmp_path):
    """Messages are printed escaped: '[old]' in a path is text, not a rich style tag."""
    path = tmp_path / "[old]" / "bad.yaml"
    path.parent.mkdir()
    write(path, "train:\n  learnin_rate: 0.1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "presstune.cli", "config", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert str(path) in _one_error_line(proc)


BOUNDED = [
    ("collect.target", 0),
    ("collect.max_pdf_bytes", 0),
    ("collect.max_crawl_delay", -1),
    ("collect.max_retry_after", 0),
    ("train.learning_rate", 0),
    ("train.learning_rate", -1e-4),
    ("train.per_device_batch_size", 0),
    ("train.gradient_accumulation_steps", 0),
    ("train.epochs", 0),
    ("train.lora_r", 0),
    ("train.save_steps", 0),
    ("train.eval_steps", -5),
    ("corpus.min_chars", 0),
    ("corpus.min_chars", -1),
    ("evaluate.speed_new_tokens", 1),
]


@pytest.mark.parametrize(("key", "value"), BOUNDED)
def test_values_that_would_fail_late_are_config_errors(key, value):
    with pytest.raises(ConfigError, match=rf"{key.replace('.', r'[.]')}: Input should be greater than"):
        load_config(None, [f"{key}={value}"])


def test_a_bad_date_in_set_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match="collect.date_from"):
        load_config(None, ["collect.date_from=2025-13-45"])
    assert load_config(None, ["collect.date_from=2025-12-05"]).collect.date_from == "2025-12-05"
