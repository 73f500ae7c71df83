"""The console/log split: library output lands in the run's log file, presstune's lines on the
console as plain lines when it is not a terminal, failures name the log file."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from presstune import console as console_module
from presstune.console import error, phase, run_logging, step


def test_library_output_goes_to_the_log_file(tmp_path: Path, capsys) -> None:
    from tqdm import tqdm

    with run_logging(tmp_path, "demo") as log_path:
        print({"loss": 2.5})  # the trainer's PrinterCallback
        for _ in tqdm(range(3), desc="Loading weights"):  # a library progress bar
            pass
        warnings.warn("`x` is deprecated", FutureWarning, stacklevel=1)
        logging.getLogger("transformers.modeling_utils").warning("a library warning")
        with step("train original", total=4, unit="steps") as bar:
            bar.update(completed=4, info="loss 2.5000")
    captured = capsys.readouterr()  # capsys's streams are no TTY
    console_text = captured.out + captured.err
    assert console_text.strip().splitlines() == ["✓ train original: 4/4 steps  0.0 s  loss 2.5000"]
    log = log_path.read_text(encoding="utf-8")
    assert log_path == tmp_path / "logs" / "demo.log"
    for line in ("{'loss': 2.5}", "Loading weights", "FutureWarning", "a library warning", "✓ train original"):
        assert line in log, line
    assert sys.stdout is not None and not isinstance(sys.stdout, console_module._LogStream)  # restored


def test_verbose_shows_library_output_too(tmp_path: Path, capsys) -> None:
    console_module.configure(verbose=True)
    try:
        with run_logging(tmp_path, "demo"):
            sys.stderr.write("Writing model shards: 100%\n")
    finally:
        console_module.configure()
    assert "Writing model shards" in capsys.readouterr().err


def test_phases_make_one_line(capsys) -> None:
    phase("outside a step: ignored")
    with step("evaluate base", unit="metrics"):
        phase("perplexity")
        phase("generations")
    line = capsys.readouterr().err.strip()
    assert line.startswith("✓ evaluate base: ") and "perplexity 0.0 s · generations 0.0 s" in line


def test_failure_names_item_and_log_and_debug_adds_the_traceback(tmp_path: Path, capsys) -> None:
    with pytest.raises(ValueError), run_logging(tmp_path, "run"):
        raise ValueError("bad page")
    try:
        raise ValueError("bad page")
    except ValueError:
        error("stage collect failed: ValueError: bad page", item="T0001EN")
        console_module.configure(debug=True)
        try:
            error("again")
        finally:
            console_module.configure()
    text = capsys.readouterr().err
    assert "error: stage collect failed: ValueError: bad page  (item: T0001EN)" in text
    assert f"details: {tmp_path / 'logs' / 'run.log'}; --debug prints the traceback" in text
    assert text.count("Traceback (most recent call last)") == 1  # only with --debug
    assert "Traceback" in (tmp_path / "logs" / "run.log").read_text(encoding="utf-8")


def test_stage_clis_do_not_import_the_root_cli() -> None:
    """No import circle: stage CLI modules use presstune.cli_common, never presstune.cli."""
    code = (
        "import sys, presstune.collect.cli, presstune.corpus.cli, presstune.evaluate.cli, presstune.models.cli, "
        "presstune.replica.cli, presstune.report.cli, presstune.train.cli, presstune.pipeline, presstune.use.cli; "
        "assert 'presstune.cli' not in sys.modules, 'imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_step_closed_after_the_command_ended_raises_nothing(tmp_path: Path) -> None:
    """A step an exception left open (its generator kept alive by the traceback) is closed only
    later, after run_logging has cleared the open steps: closing it must not raise (seen on the
    GPU machine as 'Exception ignored in: <generator object step>' after a CUDA OOM)."""
    held = step("train pruned")
    held.__enter__()
    with pytest.raises(RuntimeError), run_logging(tmp_path, "cmd"):
        raise RuntimeError("CUDA out of memory")
    assert not held.__exit__(None, None, None)  # no ValueError from a step list already cleared
