"""Run directory: atomic writes, torn JSONL lines, and the run.json manifest."""

import json
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from presstune import rundir
from presstune.rundir import RunDir, append_jsonl, atomic_write_json, atomic_write_text, read_jsonl


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "f.json"
    atomic_write_json(target, {"a": 1})
    atomic_write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]  # no temp files left


def test_atomic_write_failure_keeps_old_file(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    class Boom:
        def __str__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic_write_json(target, {"x": Boom()})
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_killed_writer_never_leaves_partial_file(tmp_path):
    """SIGKILL a process while it rewrites a large file in a loop: the file is always whole."""
    target = tmp_path / "big.txt"
    atomic_write_text(target, "A" * 2_000_000)
    script = textwrap.dedent(
        f"""
        from presstune.rundir import atomic_write_text
        import itertools
        for i in itertools.count():
            atomic_write_text({str(target)!r}, chr(65 + i % 26) * 2_000_000)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        import time

        time.sleep(1.0)
    finally:
        proc.kill()
        proc.wait()
    text = target.read_text()
    assert len(text) == 2_000_000 and len(set(text)) == 1


def test_jsonl_torn_last_line_is_skipped_and_repaired(tmp_path):
    path = tmp_path / "a.jsonl"
    append_jsonl(path, {"id": 1})
    with open(path, "ab") as handle:
        handle.write(b'{"id": 2, "tit')  # torn write from a crash
    assert read_jsonl(path) == [{"id": 1}]
    append_jsonl(path, {"id": 3})
    assert read_jsonl(path) == [{"id": 1}, {"id": 3}]


def test_manifest_records_config_versions_and_stages(tmp_path):
    run = RunDir(tmp_path / "run").create()
    run.record_config({"run": {"name": "x"}}, ["a.yaml"])
    with run.stage("collect") as details:
        details["articles"] = 3
    with pytest.raises(ValueError):
        with run.stage("corpus"):
            raise ValueError("bad")
    manifest = json.loads(run.manifest_path.read_text())
    assert manifest["config"] == {"run": {"name": "x"}}
    assert "torch" in manifest["versions"] and manifest["versions"]["presstune"]
    assert manifest["stages"]["collect"]["status"] == "done"
    assert manifest["stages"]["collect"]["articles"] == 3
    assert manifest["stages"]["corpus"]["status"] == "failed"
    assert "ValueError: bad" in manifest["stages"]["corpus"]["error"]
    assert run.stage_done("collect") and not run.stage_done("corpus")
    assert not [p for p in os.listdir(run.path) if p.endswith(".tmp")]


def test_manifest_records_git_commit_and_stage_times(tmp_path, monkeypatch):
    import datetime as dt

    from presstune.rundir import git_commit

    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=os.path.dirname(__file__), capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    run = RunDir(tmp_path / "run").create()
    run.record_config({"run": {"name": "x"}})
    # a fake clock for the stage's timer: the stage starts at 100 s and ends at 102.25 s
    monkeypatch.setattr(rundir, "time", types.SimpleNamespace(perf_counter=iter([100.0, 102.25]).__next__))
    with run.stage("collect"):
        pass
    manifest = json.loads(run.manifest_path.read_text())
    assert manifest["git_commit"] == git_commit() and manifest["git_commit"].split("-dirty")[0] == head.stdout.strip()
    stage = manifest["stages"]["collect"]
    started, ended = dt.datetime.fromisoformat(stage["started"]), dt.datetime.fromisoformat(stage["ended"])
    assert started.tzinfo is not None and started <= ended and stage["seconds"] == 2.25


def test_fact_sheets_are_found_one_way_for_every_stage(tmp_path):
    """evaluate.facts_file wins (even when missing: evaluation then says so); else a hand-placed
    facts.jsonl, then the replica's fact sheets the pipeline fetched, then a replica --out folder."""
    run = RunDir(tmp_path)
    assert run.fact_sheets() is None
    (tmp_path / "_replica").mkdir()
    (tmp_path / "_replica" / "facts.jsonl").write_text("{}\n")
    assert run.fact_sheets() == tmp_path / "_replica" / "facts.jsonl"
    run.replica_facts.write_text("{}\n")
    assert run.fact_sheets() == tmp_path / "replica_facts.jsonl"
    (tmp_path / "facts.jsonl").write_text("{}\n")
    assert run.fact_sheets() == tmp_path / "facts.jsonl"
    assert run.fact_sheets(str(tmp_path / "mine.jsonl")) == tmp_path / "mine.jsonl"


ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def run_layout_members() -> list[str]:
    """RunDir's public properties and methods that return a path of the run directory."""
    names = []
    for name, member in vars(RunDir).items():
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        if callable(function) and function.__annotations__.get("return") == "Path":
            names.append(name)
    return names


def documented_accessors() -> list[tuple[str, list[str]]]:
    """(accessor, the paths of its row) from the `RunDir` column of the architecture page's table."""
    rows = []
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) != 5:
            continue
        paths = [p.rstrip("/") for p in re.findall(r"`([^`]+)`", cells[0])]
        rows += [(accessor, paths) for accessor in re.findall(r"`([^`]+)`", cells[1])]
    return rows


def resolve(run: RunDir, accessor: str) -> Path:
    """``checkpoint(v)`` -> run.checkpoint("<v>"): the table's placeholders stand for the arguments."""
    name, _, args = accessor.partition("(")
    member = getattr(run, name)
    if not args:
        return member
    return member(*(f"<{a.strip()}>" for a in args.rstrip(")").split(",")))


def test_run_layout_matches_the_architecture_table(tmp_path):
    run = RunDir(tmp_path / "run")
    documented = documented_accessors()
    assert len(documented) >= 25
    for accessor, paths in documented:
        if accessor == "fact_sheets()":  # a lookup over FACT_SHEETS, tested above
            assert "facts.jsonl" in paths and paths[0] in RunDir.FACT_SHEETS
            continue
        relative = resolve(run, accessor).relative_to(run.path).as_posix()
        # the accessor names one of its row's files, or the folder they are in
        assert any(p == relative or p.startswith(relative + "/") for p in paths), (accessor, relative, paths)
    names = {accessor.partition("(")[0] for accessor, _ in documented}
    assert set(run_layout_members()) <= names, set(run_layout_members()) - names


def test_every_run_layout_path_is_inside_the_run_dir(tmp_path):
    run = RunDir(tmp_path / "run")
    members = run_layout_members()
    assert {"articles", "documents", "checkpoint", "metric", "report"} <= set(members)
    for name in members:
        member = getattr(run, name)
        path = member if isinstance(member, Path) else member(*["x"] * (member.__code__.co_argcount - 1))
        assert path.resolve().is_relative_to(run.path.resolve()), (name, path)
        assert path != run.path, name
