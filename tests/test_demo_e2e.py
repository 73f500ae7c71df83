"""End to end: `presstune demo --quick` killed mid-training, then run again to a report.

One real run of the whole product on CPU: the replica on 127.0.0.1 (mild faults), collection,
corpus, the demo base (built into a private cache), variants, training, evaluation, report.
The run is SIGKILLed as soon as the first variant has a complete checkpoint and no result, and
the same command must finish it: training resumes from that checkpoint, the loss curve
continues from it, and the report renders in headless Chromium (when one is installed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# slow: end to end, the demo killed and resumed, then ask/chat/export
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _demo_cmd(out: Path) -> list[str]:
    return [sys.executable, "-m", "presstune.cli", "demo", "--quick", "--out", str(out)]


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PRESSTUNE_CACHE=str(tmp / "cache"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _complete_checkpoints(variant_dir: Path) -> list[int]:
    return sorted(
        int(p.name.split("-")[-1]) for p in variant_dir.glob("checkpoint-*") if (p / "trainer_state.json").is_file()
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("demo")
    out = tmp / "run"
    first_variant = out / "checkpoints" / "original"
    log = (tmp / "first.log").open("w")
    proc = subprocess.Popen(_demo_cmd(out), env=_env(tmp), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    killed_at = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        steps = _complete_checkpoints(first_variant)
        if steps and not (first_variant / "train_result.json").exists():
            os.killpg(proc.pid, signal.SIGKILL)
            killed_at = steps[-1]
            break
        time.sleep(0.05)
    proc.wait()
    log.close()
    assert killed_at is not None, (
        "the demo never reached a mid-training checkpoint:\n" + (tmp / "first.log").read_text()[-3000:]
    )
    again = subprocess.run(_demo_cmd(out), env=_env(tmp), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-4000:]
    return {
        "out": out,
        "killed_at": killed_at,
        "stdout": again.stdout,
        "stderr": again.stderr,
        "first_console": (tmp / "first.log").read_text(),
        "tmp": tmp,
    }


LIBRARY_NOISE = ("Loading weights", "Writing model shards", "{'loss'", "FutureWarning")


def test_console_is_quiet_and_the_log_holds_library_output(demo_run: dict) -> None:
    """Non-TTY demo runs (both the killed and the resumed one) print only presstune's own plain
    lines; the library progress bars, trainer dicts and warnings are in logs/demo.log."""
    second = demo_run["stdout"] + demo_run["stderr"]
    for console in (demo_run["first_console"], second):
        assert len(console.splitlines()) <= 60, console
        for noise in LIBRARY_NOISE:
            assert noise not in console, (noise, console)
        assert "\x1b[" not in console and "\r" not in console  # no cursor codes, no bar redraws
    assert "✓ train original (full): " in second and "✓ evaluate base: " in second
    assert "demo base: pretraining" in demo_run["first_console"]
    log = (demo_run["out"] / "logs" / "demo.log").read_text(encoding="utf-8")
    # The demo no longer triggers a FutureWarning (training uses `activation_checkpointing`), so only
    # the output it still produces must be in the log; warnings' routing is tested in test_console.py.
    for noise in ("Loading weights", "Writing model shards", "{'loss'"):
        assert noise in log, noise


def test_demo_finishes_with_a_report_after_a_kill(demo_run: dict) -> None:
    out: Path = demo_run["out"]
    index = out / "report" / "index.html"
    assert f"report: {index.resolve()}" in demo_run["stdout"]
    manifest = json.loads((out / "run.json").read_text())
    for stage in ("collect", "corpus", "models", "train", "evaluate", "report"):
        assert stage in manifest["pipeline_seconds"], stage
    assert manifest["demo_scale"] is True and manifest["demo_base"]["demo_scale"] is True
    html = index.read_text(encoding="utf-8")
    for name in ("base", "original", "dropped", "pruned"):
        assert f"<td class='name'>{name}</td>" in html
        metrics = json.loads((out / "metrics" / f"{name}.json").read_text())
        assert metrics["metrics"]["perplexity_text"]["value"] > 1
    assert "DEMO SCALE" in html
    # the variants really are smaller
    layers = {
        n: json.loads((out / "metrics" / f"{n}.json").read_text())["metrics"]["layers"]["value"]
        for n in ("original", "dropped", "pruned")
    }
    assert layers == {"original": 8, "dropped": 7, "pruned": 6}


def test_training_resumed_from_the_checkpoint(demo_run: dict) -> None:
    variant = demo_run["out"] / "checkpoints" / "original"
    result = json.loads((variant / "train_result.json").read_text())
    resumed_step = int(result["resumed_from"].rsplit("-", 1)[-1])
    assert resumed_step >= demo_run["killed_at"]  # the newest complete checkpoint at the kill (or a later one)
    curve = json.loads((variant / "loss_curve.json").read_text())
    steps = [r["step"] for r in curve if r.get("train_loss") is not None]
    assert steps == sorted(set(steps)), "no step logged twice after the resume"
    assert steps[0] < resumed_step < steps[-1] <= result["global_step"]  # one curve: before and after the checkpoint
    html = (demo_run["out"] / "report" / "index.html").read_text(encoding="utf-8")
    assert (
        "<table id='training'>" in html
        and f"<td>{resumed_step}</td></tr>" in html.split("<table id='training'>")[1].split("</table>")[0]
    )


#: Loads the report in a 1400 x 900 frame and writes where its summary table and plot are.
FIRST_SCREEN_PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="REPORT" style="width:1400px;height:900px;border:0"></iframe><pre id="out">null</pre>
<script>
document.getElementById('f').addEventListener('load', () => {
  const doc = document.getElementById('f').contentDocument;
  const box = id => { const e = doc.getElementById(id); if (!e) return null; const r = e.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, height: r.height, loaded: e.tagName === 'IMG' ? e.naturalWidth > 0 : null}; };
  document.getElementById('out').textContent = JSON.stringify({summary: box('summary'), plot: box('quality-size')});
});
</script></body></html>"""


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


# CI installs Chromium and sets PRESSTUNE_REQUIRE_CHROMIUM: there a missing browser fails, not skips.
@pytest.mark.skipif(
    _chromium() is None and not os.environ.get("PRESSTUNE_REQUIRE_CHROMIUM"),
    reason="no Chromium installed (apt install chromium)",
)
def test_report_renders_in_headless_chromium(demo_run: dict) -> None:
    from PIL import Image

    assert _chromium() is not None, "PRESSTUNE_REQUIRE_CHROMIUM is set but no Chromium is installed"
    index = (demo_run["out"] / "report" / "index.html").resolve()
    shot = demo_run["tmp"] / "report.png"
    # No background networking of any kind: the test must not reach anything but the local file.
    common = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--allow-file-access-from-files",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--user-data-dir=" + str(demo_run["tmp"] / "chromium-profile"),
    ]
    dom = subprocess.run([*common, "--dump-dom", index.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert '<table id="summary">' in rendered and rendered.count("<tr>") >= 5
    # The first screen (1400 x 900) holds the summary table and the quality/size plot, loaded.
    probe = demo_run["tmp"] / "first_screen.html"
    probe.write_text(FIRST_SCREEN_PROBE.replace("REPORT", index.as_uri()), encoding="utf-8")
    dom = subprocess.run(
        [*common, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    boxes = json.loads(dom.stdout.split('<pre id="out">')[1].split("</pre>")[0])
    for name in ("summary", "plot"):
        box = boxes[name]
        assert box is not None and box["height"] > 50 and 0 <= box["top"] and box["bottom"] <= 900, boxes
    assert boxes["plot"]["loaded"] is True, boxes
    subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1400,1800", "--hide-scrollbars", index.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("L")
    assert image.size == (1400, 1800)
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey: text, table rules, plots
    assert dark > 0.005 * image.size[0] * image.size[1], "the screenshot is (nearly) blank"
    for name in ("summary", "plot"):  # and the first screen's table and plot are drawn where the DOM says
        crop = image.crop((0, int(boxes[name]["top"]), 1400, int(boxes[name]["bottom"])))
        assert sum(crop.histogram()[:128]) > 0.01 * crop.size[0] * crop.size[1], f"{name} area is blank"


def test_evaluate_rerun_alone_on_the_demo_run_reuses_its_results(demo_run: dict) -> None:
    """`presstune evaluate --run DIR` alone sees the config as the pipeline resolved it (the cached
    demo base, not the hub id `demo-base`; the replica's facts file), so it finds every variant's
    metrics done with the same settings and keeps them byte for byte."""
    out: Path = demo_run["out"]
    before = {p.name: p.read_bytes() for p in (out / "metrics").glob("*.json")}
    proc = subprocess.run(
        [sys.executable, "-m", "presstune.cli", "evaluate", "--run", str(out), "--variant", "all"],
        env=_env(demo_run["tmp"]),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert set(before) >= {"base.json", "original.json", "dropped.json", "pruned.json"}
    assert {p.name: p.read_bytes() for p in (out / "metrics").glob("*.json")} == before


# -- using the tuned variants: ask, chat, export (on the same demo run) ------------------------


def _cli(args: list[str], stdin: str | None = None):
    from typer.testing import CliRunner

    from presstune.cli import app

    return CliRunner().invoke(app, args, input=stdin)


def test_ask_answers_and_names_a_missing_variant(demo_run: dict) -> None:
    out = str(demo_run["out"])
    result = _cli(
        ["ask", "--run", out, "--variant", "original", "--max-new-tokens", "8", "Which plant builds the iX3?"]
    )
    assert result.exit_code == 0, result.output
    # The tiny demo model may end its turn at once; then the console says so instead of a blank line.
    answered = bool(result.stdout.strip())
    assert answered != ("original gave no answer" in result.stderr), result.output
    assert "Loading weights" not in result.output  # library bars went to logs/ask.log
    assert "Loading weights" in (demo_run["out"] / "logs" / "ask.log").read_text(encoding="utf-8")
    missing = _cli(["ask", "--run", out, "--variant", "nope", "hello"])
    assert missing.exit_code == 1
    assert "'nope'" in missing.stderr
    assert "variants here: base, dropped, original, original_seed, pruned" in missing.stderr


def test_chat_with_piped_input_switches_variants(demo_run: dict) -> None:
    script = "Hello\n/variant pruned\nWhat is new?\n/variant nope\nAnd now?\n/quit\nnever read\n"
    result = _cli(["chat", "--run", str(demo_run["out"]), "--rag", "--max-new-tokens", "6"], stdin=script)
    assert result.exit_code == 0, result.output
    speakers = re.findall(r"^(original|pruned|dropped|base)> ", result.stdout, re.MULTILINE)
    assert speakers == ["original", "pruned", "pruned"], result.stdout
    assert "cannot load variant 'nope'" in result.stderr  # named; the chat goes on with pruned


def test_export_is_a_plain_checkpoint_with_the_same_logits(demo_run: dict, tmp_path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from presstune.evaluate.cli import run_config
    from presstune.models.checkpoints import load_model, resolve_variant

    run, dest = demo_run["out"], tmp_path / "exported"
    result = _cli(["export", "--run", str(run), "--variant", "pruned", "--out", str(dest)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(dest)
    model = AutoModelForCausalLM.from_pretrained(dest)  # plain transformers, nothing of presstune
    tokenizer = AutoTokenizer.from_pretrained(dest)
    assert tokenizer.chat_template and model.config.num_hidden_layers == 6
    config = run_config(run, None, None)
    reference, _ = load_model(resolve_variant(run, "pruned", config), config.evaluate, config)
    ids = tokenizer("Munich. The BMW Group presents", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, reference(ids).logits, atol=1e-5)
    card = (dest / "README.md").read_text(encoding="utf-8")
    assert "| Domain PPL (held-out text) |" in card and "Demo scale" in card
    again = _cli(["export", "--run", str(run), "--variant", "pruned", "--out", str(dest)])
    assert again.exit_code == 1 and "not empty" in again.stderr  # never over an existing checkpoint
