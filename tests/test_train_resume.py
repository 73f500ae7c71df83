"""kill -9 during training, resume, and get the same run as without the interruption.

The child process loads the base model from disk through the normal path (models stage
loading + surgery), trains LoRA with dropout (so the RNG state matters) over several epochs
(so the data order matters), and is killed with SIGKILL once a checkpoint exists. Resuming
must reproduce the uninterrupted run's per-step losses, eval losses and final adapter.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from helpers.train_data import chat_rows, write_dataset
from presstune.config import Config
from presstune.config.models import VariantSpec
from presstune.train.trainer import latest_checkpoint, train_variant

pytestmark = pytest.mark.slow  # training killed and resumed in a subprocess

SPEC = VariantSpec(name="original", kind="original")


def _config(base_dir: Path) -> dict:
    return {
        "run": {"name": "resume", "seed": 3},
        "model": {"name_or_path": str(base_dir), "dtype": "float32", "device": "cpu"},
        "train": dict(
            method="lora",
            learning_rate=5e-3,
            max_steps=8,
            per_device_batch_size=2,
            gradient_accumulation_steps=1,
            max_seq_length=128,
            save_steps=2,
            eval_steps=2,
            logging_steps=1,
            lora_r=4,
            lora_alpha=8,
            lora_dropout=0.1,
            gradient_checkpointing=False,
            precision="fp32",
            early_stopping_patience=None,
            warmup_ratio=0.25,
            lr_scheduler="cosine",
            save_total_limit=10,
        ),
    }


CHILD = textwrap.dedent(
    """
    import json, sys, time
    from transformers import TrainerCallback
    from presstune.config import Config
    from presstune.config.models import VariantSpec
    from presstune.train.trainer import train_variant

    class SlowAfterFirstCheckpoint(TrainerCallback):
        # Gives the parent time to kill us mid-run (the delay changes no numbers).
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= 4:
                time.sleep(2.0)

    config = Config.model_validate(json.loads(sys.argv[1]))
    train_variant(config, VariantSpec(name="original", kind="original"), sys.argv[2],
                  callbacks=[SlowAfterFirstCheckpoint()], progress=False)
    """
)


def _curve(run: Path) -> list[dict]:
    return json.loads((run / "checkpoints" / "original" / "loss_curve.json").read_text())


def test_kill_and_resume_matches_uninterrupted_run(tmp_path, tiny_qwen3, tiny_tokenizer):
    base = tmp_path / "base"
    tiny_qwen3(seed=5).save_pretrained(base)
    tiny_tokenizer.save_pretrained(base)
    raw = _config(base)
    config = Config.model_validate(raw)
    interrupted, reference = tmp_path / "interrupted", tmp_path / "reference"
    for run in (interrupted, reference):
        write_dataset(run, chat_rows(10), chat_rows(4))

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(raw), str(interrupted)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    out = interrupted / "checkpoints" / "original"
    deadline = time.monotonic() + 240
    try:
        while not (out / "checkpoint-4" / "trainer_state.json").is_file():
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "no checkpoint-4 in time"
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not (out / "train_result.json").exists()
    killed_at = latest_checkpoint(out)
    assert killed_at is not None and int(killed_at.name.split("-")[1]) < 8

    resumed = train_variant(config, SPEC, interrupted, resume=True, progress=False)
    assert resumed.resumed_from == str(killed_at) and resumed.global_step == 8
    uninterrupted = train_variant(config, SPEC, reference, progress=False)

    got, want = _curve(interrupted), _curve(reference)
    assert [r["step"] for r in got] == [r["step"] for r in want] == list(range(1, 9))
    for g, w in zip(got, want):
        for key in ("train_loss", "eval_loss", "learning_rate"):
            if w[key] is None:
                assert g[key] is None
            else:
                assert abs(g[key] - w[key]) <= 1e-5 * max(1.0, abs(w[key])), (g, w, key)
    a = load_file(out / "adapter_model.safetensors")
    b = load_file(reference / "checkpoints" / "original" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and a
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6)
    assert resumed.tokens_seen == uninterrupted.tokens_seen
