"""Full fine-tuning on 2 processes: save, resume and reload (FSDP2 where accelerate can run it).

Two ranks train a tiny Qwen3. One run is interrupted after its step-4 checkpoint and resumed; the
other runs through. The resumed run's losses must equal the uninterrupted run's, and the final
checkpoint must be a plain HF checkpoint (``from_pretrained`` reads it) holding exactly the trained
weights, gathered independently from the (sharded) model at the end of training.

On CPU the ranks talk through gloo and accelerate runs them as MULTI_CPU data parallelism:
accelerate turns FSDP on only for accelerator devices (``AcceleratorState`` sets
``DistributedType.FSDP`` inside its GPU/XPU/... branch), so the FSDP2 case, with the shipped
``configs/accelerate/fsdp2.yaml`` settings (SHARDED_STATE_DICT checkpoints), runs where 2 CUDA GPUs are.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from helpers.train_data import text_rows, write_dataset

pytestmark = pytest.mark.slow  # two-process training

CHILD = textwrap.dedent(
    """
    import json, os, sys
    import torch
    from transformers import TrainerCallback
    from presstune.config import Config
    from presstune.config.models import VariantSpec
    from presstune.train.trainer import train_variant

    class Interrupt(TrainerCallback):
        # Stands for a crash after the step-4 checkpoint (the checkpoint is written on_step_end first).
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 5 and os.environ.get("INTERRUPT") == "1":
                raise SystemExit(3)

    class GatherTrained(TrainerCallback):
        # The trained weights, gathered from the shards independently of presstune's final save.
        def on_train_end(self, args, state, control, model=None, **kwargs):
            from accelerate.state import AcceleratorState
            from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
            full = get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
            if int(os.environ["RANK"]) == 0:
                torch.save({k: v.clone() for k, v in full.items()}, sys.argv[3])
                with open(sys.argv[3] + ".json", "w") as handle:
                    json.dump({"distributed_type": str(AcceleratorState().distributed_type)}, handle)

    config = Config.model_validate(json.loads(sys.argv[1]))
    train_variant(config, VariantSpec(name="original", kind="original"), sys.argv[2],
                  resume=os.environ.get("RESUME") == "1", callbacks=[Interrupt(), GatherTrained()], progress=False)
    """
)

FSDP_ENV = {  # what `accelerate launch --config_file configs/accelerate/fsdp2.yaml` sets
    "ACCELERATE_USE_FSDP": "true",
    "FSDP_VERSION": "2",
    "FSDP_AUTO_WRAP_POLICY": "TRANSFORMER_BASED_WRAP",
    "FSDP_TRANSFORMER_CLS_TO_WRAP": "Qwen3DecoderLayer",
    "FSDP_STATE_DICT_TYPE": "SHARDED_STATE_DICT",
    "FSDP_RESHARD_AFTER_FORWARD": "true",
    "FSDP_CPU_RAM_EFFICIENT_LOADING": "false",
    "FSDP_OFFLOAD_PARAMS": "false",
    "FSDP_ACTIVATION_CHECKPOINTING": "false",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(raw: dict, run: Path, gathered: Path, fsdp: bool, **env: str) -> subprocess.CompletedProcess:
    script = run.parent / "fsdp_child.py"
    script.write_text(CHILD)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1"]
    cmd += ["--master_port", str(_free_port()), str(script), json.dumps(raw), str(run), str(gathered)]
    full_env = {**os.environ, **(FSDP_ENV if fsdp else {}), **env}
    full_env.update(PYTHONPATH=os.pathsep.join(sys.path), OMP_NUM_THREADS="1")
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=600)


def _config(base: Path, fsdp: bool) -> dict:
    return {
        "run": {"name": "fsdp", "seed": 3},
        "model": {"name_or_path": str(base), "dtype": "float32"},
        "train": dict(
            method="full",
            learning_rate=1e-3,
            max_steps=6,
            per_device_batch_size=2,
            gradient_accumulation_steps=1,
            max_seq_length=96,
            save_steps=2,
            eval_steps=2,
            logging_steps=1,
            gradient_checkpointing=False,
            precision="fp32",
            early_stopping_patience=None,
            load_best_model_at_end=False,
            warmup_ratio=0.0,
            lr_scheduler="cosine",
            save_total_limit=10,
            attn_implementation="sdpa",
            # On CPU accelerate runs several ranks as one data-parallel group only with use_cpu (through
            # train.trl); without it every rank trains alone as process 0.
            trl={} if fsdp else {"use_cpu": True},
        ),
    }


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    "fsdp",
    [
        False,
        pytest.param(
            True,
            marks=pytest.mark.skipif(torch.cuda.device_count() < 2, reason="accelerate runs FSDP on GPUs only"),
        ),
    ],
)
def test_two_process_resume_and_final_checkpoint(tmp_path, tiny_qwen3, tiny_tokenizer, fsdp):
    from transformers import AutoModelForCausalLM

    base = tmp_path / "base"
    tiny_qwen3(seed=5).save_pretrained(base)
    tiny_tokenizer.save_pretrained(base)
    raw = _config(base, fsdp)
    interrupted, reference = tmp_path / "interrupted", tmp_path / "reference"
    for run in (interrupted, reference):
        write_dataset(run, text_rows(24), text_rows(4))

    first = _launch(raw, interrupted, tmp_path / "unused.pt", fsdp, INTERRUPT="1")
    out = interrupted / "checkpoints" / "original"
    assert first.returncode != 0 and (out / "checkpoint-4" / "trainer_state.json").is_file(), first.stderr[-3000:]
    assert not (out / "train_result.json").exists()
    resumed = _launch(raw, interrupted, tmp_path / "resumed.pt", fsdp, RESUME="1")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    straight = _launch(raw, reference, tmp_path / "reference.pt", fsdp)
    assert straight.returncode == 0, straight.stderr[-3000:]

    got = json.loads((out / "loss_curve.json").read_text())
    want = json.loads((reference / "checkpoints" / "original" / "loss_curve.json").read_text())
    assert [r["step"] for r in got] == [r["step"] for r in want] == list(range(1, 7))
    for g, w in zip(got, want):
        for key in ("train_loss", "eval_loss"):
            if w[key] is not None:
                assert abs(g[key] - w[key]) <= 1e-5 * max(1.0, abs(w[key])), (g, w, key)

    for run, gathered in ((interrupted, tmp_path / "resumed.pt"), (reference, tmp_path / "reference.pt")):
        final = run / "checkpoints" / "original"
        mode = json.loads(Path(str(gathered) + ".json").read_text())["distributed_type"]
        assert mode.endswith("FSDP" if fsdp else "MULTI_CPU"), mode
        assert json.loads((final / "train_result.json").read_text())["status"] == "done"
        saved = load_file(final / "model.safetensors")  # one plain file, not shard folders
        trained = torch.load(gathered)
        reloaded = AutoModelForCausalLM.from_pretrained(final).state_dict()
        for key, value in trained.items():
            torch.testing.assert_close(reloaded[key], value, rtol=0, atol=0)
        assert set(saved) <= set(trained)
        base_weights = load_file(base / "model.safetensors")
        assert any(not torch.equal(base_weights[k], trained[k]) for k in base_weights)  # it did train
