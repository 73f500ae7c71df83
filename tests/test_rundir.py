"""Run directory: atomic writes, torn JSONL lines, and the run.json manifest."""

import json
import os
import subprocess
import sys
import textwrap
import types

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
