"""Training-step throughput on the Qwen3-8B architecture: a plain baseline vs presstune's trainer.

    python benchmarks/bench_train_gpu.py --out $OUT              # one CUDA GPU, bf16: every row
    python benchmarks/bench_train_gpu.py --out $OUT --attention  # the attention kernels alone
    python benchmarks/bench_train_gpu.py --tiny --out /tmp/b     # smoke run of this script (CPU or GPU)

The LoRA rows train r=16 (alpha 32) on all linear layers of a model with random weights built
from the packaged Qwen3-8B config:

* baseline: plain transformers + peft, SDPA, gradient checkpointing, a hand loop (forward with
  labels -> HF loss over the full [4096, 151936] logits, backward, fused AdamW) on rows of 4,096
  random tokens, one document each;
* presstune: the real training path -- TRL's SFTTrainer built by ``presstune.train.trainer``
  (``build_sft_config``, ``_peft_config``, ``speed_callbacks``, the attention backend that
  ``resolve_attention`` picks) from ``configs/train-base.yaml``.

"packed" rows are what a real run trains on: the replica corpus's documents at their real Qwen3
token lengths (``benchmarks/data/replica_qwen3_lengths.json``, random token ids of those lengths),
packed by TRL's own BFD packing into padding-free rows of <= 4,096 tokens whose position ids
restart per document. tokens/s counts the real tokens of the timed steps (the trainer's
non-padding token count). "single" rows are one 4,096-token document each (the earlier runs'
rows). MFU = tokens/s x 4 N / 790 TFLOP/s (N = the model's parameters; forward + activation-gradient
backward of a LoRA step; attention FLOPs and recompute not counted; 790 = the H200's measured
bf16 matmul rate).

Before a row builds its model, ``presstune.train.memory`` estimates its memory (weights,
gradients and optimizer states counted from the architecture on the ``meta`` device, an
activation allowance, a reserve) against this GPU's total memory: a row that cannot fit is not
tried, and the table and the JSON say why (``full_fsdp``'s fp32 AdamW states on one GPU, for
one). ``full_auto`` is full fine-tuning on one GPU the way ``train.optim: auto`` runs it: fp32
master weights and gradients with fp32 AdamW where its states fit, else 8-bit AdamW, else 8-bit
states paged to host RAM (bitsandbytes), with train-base.yaml's 16 micro-batches of 4,096 tokens
per optimizer step (``--full-accumulation``), so the optimizer step weighs in as it does in a
real run; its MFU counts 6 N FLOPs per token. "GPU in use" is the device's used memory after
training (``mem_get_info``): paged optimizer states live in CUDA unified memory, which torch's
peak figures do not see. The summary ends with the verdict against issue 35's goals.

Device run of issue 35's rows on one 80 GB GPU (kind ``nvidia-h100-x1``). The machine lacks
bitsandbytes and the wheels in ``.whl/`` (trl, datasets, peft, liger-kernel, pydantic, ...);
together they are over one call's 64 MiB, so they travel in two calls made back to back (the
second finds the first's ``/tmp/site`` while the machine is warm; ../shared/GPU_NOTES.md):

    # here, once, into the ignored .whl_bnb/ (43 MB):
    pip download --no-deps --python-version 3.12 --platform manylinux_2_24_x86_64 --only-binary=:all: \
        -d .whl_bnb bitsandbytes==0.50.2
    # call 1, carry [".whl_bnb"]:
    python3 -m pip install -q --no-deps --target /tmp/site .whl_bnb/*.whl && PYTHONPATH=/tmp/site python3 -c \
        "import bitsandbytes, torch; print(bitsandbytes.__version__, torch.__version__, torch.cuda.get_device_name(0))"
    # call 2, right after, carry [".whl"]: install, start detached, collect what is done by 560 s
    python3 -m pip install -q --no-deps --target /tmp/site .whl/*.whl && (setsid nohup env \
        PYTHONPATH=/tmp/site:src python3 benchmarks/bench_train_gpu.py --out /tmp/b35 \
        --only baseline,packed,packed_mem,full_auto,full_fsdp,qlora > /tmp/b35.log 2>&1 &) ; \
        sleep 560; cp -r /tmp/b35 /tmp/b35.log $OUT/
    # call 3 (and on, until the log's last lines print the verdict), no carry:
    sleep 400; cp -r /tmp/b35 /tmp/b35.log $OUT/; tail -8 /tmp/b35.log

Step times are taken with CUDA synchronisation around each optimizer step; the first
``--warmup`` steps are dropped. Peak memory is ``torch.cuda.max_memory_allocated`` (and
``max_memory_reserved``) over the whole training call. Every row is measured in this one run, on
this one GPU; the Unsloth row runs in a child process of the same run (Unsloth must be imported
before transformers, and it pins older trl/datasets, installed in their own folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = ROOT / "benchmarks" / "data" / "replica_qwen3_lengths.json"
#: bf16 dense matmul rate measured on the H200 (device notes: 769-798 TFLOP/s).
PEAK_FLOPS = 790e12
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _torch():
    import torch

    return torch


def machine() -> str:
    import peft
    import torch
    import transformers

    gpu = (
        torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else f"CPU ({platform.processor() or platform.machine()})"
    )
    extra = ""
    try:
        import trl

        extra = f", trl {trl.__version__}"
    except ImportError:
        pass
    return (
        f"{gpu}; torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}{extra}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )


# ----------------------------------------------------------------------------- data


def document_lengths(path: Path = LENGTHS) -> tuple[list[int], str]:
    """Real document lengths (replica corpus, Qwen3 tokenizer), else the issue's lognormal stand-in."""
    if path.is_file():
        data = json.loads(path.read_text())
        return data["lengths"], data["source"]
    import random

    rng = random.Random(0)
    lengths = [min(3900, max(150, round(rng.lognormvariate(7.09, 0.6)))) for _ in range(400)]
    return lengths, "lognormal stand-in (median ~1,200 tokens, 150-3,900; seed 0)"


def documents(lengths: list[int], vocab: int, repeat: int = 1) -> list[list[int]]:
    """Random token ids (seeded) at the given lengths; ``repeat`` passes over the corpus."""
    torch = _torch()
    g = torch.Generator().manual_seed(0)
    return [torch.randint(0, vocab, (n,), generator=g).tolist() for _ in range(repeat) for n in lengths]


def batches(vocab: int, seq: int, n: int) -> list[list[int]]:
    torch = _torch()
    g = torch.Generator().manual_seed(0)
    return [torch.randint(0, vocab, (seq,), generator=g).tolist() for _ in range(n)]


def make_lengths(out: Path) -> None:
    """Tokenize the replica corpus with the offline Qwen3 tokenizer and write its document lengths."""
    from presstune.models.qwen3_tokenizer import qwen3_tokenizer
    from presstune.replica.site import Site

    tok = qwen3_tokenizer("Qwen/Qwen3-8B")
    lengths = []
    for article in Site(articles=300, seed=0).articles():
        text = "\n\n".join([article.title, article.subtitle, *article.body_paragraphs])
        lengths.append(len(tok(text)["input_ids"]) + 1)  # + the eos TRL appends
    source = (
        "replica Site(articles=300, seed=0): title, subtitle, body paragraphs joined by blank lines, "
        "tokenized with the offline Qwen3 tokenizer + 1 eos"
    )
    out.write_text(json.dumps({"source": source, "lengths": lengths}))


# ----------------------------------------------------------------------------- models


def tiny_config():
    from transformers import Qwen3Config

    return Qwen3Config(
        vocab_size=2048,
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=4,
        num_attention_heads=8,
        num_key_value_heads=2,
        head_dim=32,
        attn_implementation="sdpa",
    )


def shape_model(tiny: bool, layers_kept: list[int] | None = None):
    """The row's architecture on the ``meta`` device (shapes, no storage): what the memory plan counts."""
    from presstune.models.params import meta_model, resolve_config
    from presstune.models.surgery import drop_layers

    model = meta_model(tiny_config() if tiny else resolve_config("Qwen/Qwen3-8B")[0])
    if layers_kept is not None:
        drop_layers(model, [i for i in range(model.config.num_hidden_layers) if i not in layers_kept])
    return model


def build_model(tiny: bool, layers_kept: list[int] | None = None, dtype: str = "bfloat16", device: str | None = None):
    from presstune.config.models import ModelConfig
    from presstune.models.loading import load_base_model
    from presstune.train.variant import training_device  # this rank's GPU under accelerate launch

    torch = _torch()
    if tiny:
        from transformers import Qwen3ForCausalLM

        torch.manual_seed(0)
        model = Qwen3ForCausalLM(tiny_config())
        if torch.cuda.is_available() or device:
            model = model.to(device or training_device(), getattr(torch, dtype))
    else:
        model = load_base_model(
            ModelConfig(
                name_or_path="Qwen/Qwen3-8B",
                random_init=True,
                dtype=dtype,
                device=device or training_device(),
                attn_implementation="sdpa",
            )
        )
    if layers_kept is not None:
        from presstune.models.surgery import drop_layers

        drop_layers(model, [i for i in range(model.config.num_hidden_layers) if i not in layers_kept])
    return model


def lora_config(dropout: float = 0.05):
    from peft import LoraConfig

    return LoraConfig(
        r=16, lora_alpha=32, lora_dropout=dropout, bias="none", task_type="CAUSAL_LM", target_modules=LORA_TARGETS
    )


def reset_memory() -> None:
    torch = _torch()
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak() -> tuple[float, float]:
    torch = _torch()
    if not torch.cuda.is_available():
        return float("nan"), float("nan")
    return torch.cuda.max_memory_allocated() / 2**30, torch.cuda.max_memory_reserved() / 2**30


def sync() -> None:
    torch = _torch()
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def run_baseline(tiny: bool, seq: int, steps: int, warmup: int) -> dict:
    from peft import get_peft_model

    torch = _torch()
    plain = {  # what the hand loop does, in presstune's settings: every layer checkpointed, the full logits
        "gradient_checkpointing": True,
        "gradient_checkpointing_skip_layers": 0,
        "liger_kernel": "off",
        "optim": "adamw_torch_fused" if torch.cuda.is_available() else "adamw_torch",
    }
    planned = memory_plan(bench_config(tiny, seq, steps, warmup, plain).train, shape_model(tiny))
    model = build_model(tiny)
    n_params = sum(p.numel() for p in model.parameters())
    model.config.use_cache = False
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.enable_input_require_grads()
    model = get_peft_model(model, lora_config())
    device = next(model.parameters()).device
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4, fused=torch.cuda.is_available()
    )
    data = batches(model.config.vocab_size, seq, steps + warmup)
    reset_memory()
    times = []
    model.train()
    for ids in data:
        x = torch.tensor([ids], device=device)
        sync()
        t0 = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync()
        times.append(time.perf_counter() - t0)
    alloc, reserved = peak()
    del model, opt
    reset_memory()
    row = summarise(
        "baseline: plain transformers + peft loop, single 4,096-token rows, SDPA, grad. checkpointing",
        times,
        [seq] * len(times),
        warmup,
        alloc,
        reserved,
        n_params,
    )
    row["optimizer"] = planned.to_json()
    return row


def quantize_4bit(model):
    """NF4-quantize every decoder Linear in place (bitsandbytes), as from_pretrained(load_in_4bit) would.

    from_pretrained cannot quantize a random-init model built from a config, so the benchmark
    swaps the layers itself; the LM head and embeddings stay bf16 exactly as with BitsAndBytesConfig.
    """
    import bitsandbytes as bnb

    torch = _torch()
    for layer in model.model.layers:
        for name, mod in list(layer.named_modules()):
            if type(mod) is not torch.nn.Linear:
                continue
            parent_name, _, child = name.rpartition(".")
            parent = layer.get_submodule(parent_name) if parent_name else layer
            q = bnb.nn.Linear4bit(
                mod.in_features,
                mod.out_features,
                bias=mod.bias is not None,
                compute_dtype=torch.bfloat16,
                quant_type="nf4",
                compress_statistics=True,
                device="meta",
            )
            q.weight = bnb.nn.Params4bit(
                mod.weight.data, requires_grad=False, quant_type="nf4", compress_statistics=True
            ).to(mod.weight.device)
            setattr(parent, child, q)
            del mod
    torch.cuda.empty_cache()
    return model


class _StepTimer:
    """TrainerCallback timing each optimizer step and counting its real (non-padding) tokens."""

    def __new__(cls):
        from transformers import TrainerCallback

        class StepTimer(TrainerCallback):
            def __init__(self) -> None:
                self.times: list[float] = []
                self.tokens: list[int] = []

            def on_step_begin(self, args, state, control, **kw):
                sync()
                self.t0 = time.perf_counter()
                self.seen = state.num_input_tokens_seen

            def on_step_end(self, args, state, control, **kw):
                sync()
                self.times.append(time.perf_counter() - self.t0)
                self.tokens.append(int(state.num_input_tokens_seen - self.seen))

        return StepTimer()


class SkipRow(Exception):
    """A row the memory plan says cannot run on this device: its reason goes to the table and the JSON."""

    def __init__(self, reason: str, estimate: dict | None = None):
        super().__init__(reason)
        self.estimate = estimate


def bench_config(tiny: bool, seq: int, steps: int, warmup: int, overrides: dict | None = None, method: str = "lora"):
    """configs/train-base.yaml as a benchmark row runs it: one row per micro-batch, no eval or saves."""
    from presstune.config import load_config

    torch = _torch()
    cfg = load_config(ROOT / "configs" / "train-base.yaml")
    t = cfg.train
    t.method = method
    t.max_seq_length, t.max_steps, t.per_device_batch_size = seq, steps + warmup, 1
    t.effective_batch_tokens, t.gradient_accumulation_steps = None, 1
    t.eval_steps = t.save_steps = 10**6
    t.report_to = []
    if not torch.cuda.is_available():
        t.precision, t.optim = "fp32", "adamw_torch"
    for key, value in (overrides or {}).items():
        setattr(t, key, value)
    return cfg


def memory_plan(t, shape):
    """The optimizer the row runs with and its memory estimate against this device's memory;
    SkipRow when it cannot fit (``train.optim: auto`` finds nothing, or an explicit optimizer's
    estimate exceeds the device)."""
    from presstune.train.memory import GIB, MemoryFitError, choose_for_config, device_budget
    from presstune.train.trainer import use_liger
    from presstune.train.variant import resolve_precision

    budget = device_budget()
    try:
        choice = choose_for_config(t, shape, resolve_precision(t), use_liger(t), budget)
    except MemoryFitError as exc:
        raise SkipRow(" ".join(str(exc).split()), {"considered": [e.to_json() for e in exc.considered]}) from None
    if not choice.estimate.fits(budget):
        raise SkipRow(
            f"estimated not to fit: {choice.estimate.describe()}, against {budget.device_bytes / GIB:.1f} GiB "
            f"of the {budget.device}",
            choice.to_json(),
        )
    return choice


def run_presstune(
    label: str,
    tiny: bool,
    seq: int,
    steps: int,
    warmup: int,
    data: list[list[int]] | None = None,
    layers_kept: list[int] | None = None,
    overrides: dict | None = None,
    qlora: bool = False,
    full: bool = False,
) -> dict:
    from datasets import Dataset
    from trl import SFTTrainer

    from presstune.models.tinybase import train_tokenizer
    from presstune.train.attention import resolve_attention
    from presstune.train.trainer import (
        _peft_config,
        build_sft_config,
        plan_optimizer,
        prepare_4bit_for_training,
        speed_callbacks,
        use_liger,
    )

    cfg = bench_config(tiny, seq, steps, warmup, overrides, "full" if full else "qlora" if qlora else "lora")
    t = cfg.train
    planned = memory_plan(t, shape_model(tiny, layers_kept))  # before a model that cannot fit is built
    print(f"memory plan: {planned.describe()}", flush=True)

    if full:  # fp32 master weights (presstune's weight_dtype); under FSDP loaded on the CPU, then sharded
        fsdp = os.environ.get("ACCELERATE_USE_FSDP", "").lower() in ("1", "true")
        model = build_model(tiny, layers_kept, dtype="float32", device="cpu" if fsdp else None)
    else:
        model = build_model(tiny, layers_kept)
    n_params = sum(p.numel() for p in model.parameters())
    device = str(next(model.parameters()).device)
    attention = resolve_attention(t.attn_implementation, device)
    model.set_attn_implementation(attention)
    if qlora:
        model = prepare_4bit_for_training(quantize_4bit(model), t, "bf16")
    optimizer = plan_optimizer(t, model)  # the training path's own choice, on the built model
    tokenizer = train_tokenizer(["presstune benchmark text"], vocab_size=300)
    rows = data if data is not None else batches(model.config.vocab_size, seq, steps + warmup)
    timer = _StepTimer()
    with tempfile.TemporaryDirectory() as tmp:
        args = build_sft_config(cfg, Path(tmp), has_eval=False, is_chat=False, optim=optimizer.optim)
        args.save_strategy = "no"
        callbacks = speed_callbacks(t, log_file=Path(tmp) / "train.log")
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_dict({"input_ids": rows}),
            processing_class=tokenizer,
            peft_config=None if full else _peft_config(t),
            callbacks=[*callbacks, timer],
        )
        reset_memory()
        trainer.train()
        alloc, reserved = peak()
        used = device_used()
        log_lines = (Path(tmp) / "train.log").read_text().strip() if (Path(tmp) / "train.log").is_file() else ""
    layers = trainer.model.config.num_hidden_layers
    liger = use_liger(t)
    ckpt = checkpoint_note(t, callbacks)
    del trainer, model
    reset_memory()
    accum = f", {t.gradient_accumulation_steps} micro-batches per step" if t.gradient_accumulation_steps > 1 else ""
    desc = (
        f"{label}: {t.method}, {layers} layers, attention {t.attn_implementation} -> {attention}, "
        f"checkpointing {ckpt}, liger {'on' if liger else 'off'}, optimizer {optimizer.optim}{accum}"
    )
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        how = "FSDP2" if os.environ.get("ACCELERATE_USE_FSDP", "").lower() in ("1", "true") else "DDP"
        desc += f", {how} x{world} (tokens/s over all GPUs, peak per GPU)"
    # num_input_tokens_seen is already summed over all ranks by Trainer
    row = summarise(desc, timer.times, timer.tokens, warmup, alloc, reserved, n_params, flops_factor=6 if full else 4)
    row["train_log"] = log_lines
    row["optimizer"] = optimizer.to_json()
    row["device_used_gib"] = used
    return row


def device_used() -> float:
    """GiB in use on the GPU now, by every allocator: paged optimizer states (CUDA unified memory)
    are not in torch's peak figures."""
    torch = _torch()
    if not torch.cuda.is_available():
        return float("nan")
    free, total = torch.cuda.mem_get_info()
    return (total - free) / 2**30


def checkpoint_note(t, callbacks) -> str:
    if not t.gradient_checkpointing:
        return "off"
    for cb in callbacks:
        plan = getattr(cb, "plan", None)
        if plan is not None:
            return (
                f"auto ({plan.skip_layers} of {plan.layers} layers un-checkpointed, target {plan.target_gib:.1f} GiB)"
            )
        if getattr(cb, "skipped", 0):
            return f"all but last {cb.skipped}"
    return "auto (not on a GPU)" if t.gradient_checkpointing == "auto" else "all layers"


# ----------------------------------------------------------------------------- Unsloth (child process)


def run_unsloth_child(tiny: bool, seq: int, steps: int, warmup: int, out: Path) -> None:
    """Unsloth's own path on the same packed rows and LoRA settings; writes one JSON row to ``out``."""
    started = time.perf_counter()
    import unsloth  # noqa: F401  (must come before transformers / trl / peft)
    from unsloth import FastLanguageModel

    torch = _torch()
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from presstune.models.tinybase import train_tokenizer

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        base = build_model(tiny)  # the same random Qwen3-8B, saved so that Unsloth loads it its own way
        n_params = sum(p.numel() for p in base.parameters())
        vocab = base.config.vocab_size
        base.save_pretrained(tmp)
        del base
        reset_memory()
        train_tokenizer(["presstune benchmark text"], vocab_size=300).save_pretrained(tmp)
        model, tok = FastLanguageModel.from_pretrained(
            tmp, max_seq_length=seq, dtype=torch.bfloat16, load_in_4bit=False
        )
        model = FastLanguageModel.get_peft_model(
            model,
            r=16,
            lora_alpha=32,
            lora_dropout=0.0,
            target_modules=LORA_TARGETS,
            bias="none",
            use_gradient_checkpointing="unsloth",
            random_state=0,
        )
        lengths, _ = document_lengths()
        rows = documents(lengths, vocab, repeat=2 if tiny else 1)
        timer = _StepTimer()
        args = SFTConfig(
            output_dir=str(Path(tmp) / "out"),
            max_steps=steps + warmup,
            per_device_train_batch_size=1,
            gradient_accumulation_steps=1,
            learning_rate=2e-4,
            lr_scheduler_type="cosine",
            warmup_steps=0.03,
            bf16=True,
            optim="adamw_torch_fused",
            max_length=seq,
            packing=True,
            packing_strategy="bfd_split",
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            include_num_input_tokens_seen="non_padding",
            dataset_num_proc=None,
            seed=0,
        )
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_dict({"input_ids": rows}),
            processing_class=tok,
            callbacks=[timer],
        )
        reset_memory()
        trainer.train()
        alloc, reserved = peak()
    import trl

    row = summarise(
        f"unsloth {unsloth.__version__} (trl {trl.__version__}), packed rows: FastLanguageModel, lora r16, "
        "gradient checkpointing 'unsloth'",
        timer.times,
        timer.tokens,
        warmup,
        alloc,
        reserved,
        n_params,
    )
    row["child_seconds"] = round(time.perf_counter() - started, 1)
    out.write_text(json.dumps(row))


def run_unsloth(tiny: bool, seq: int, steps: int, warmup: int, site: str) -> dict:
    """Run :func:`run_unsloth_child` in a child process with Unsloth's packages first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([site, str(ROOT / "src"), env.get("PYTHONPATH", "")])
    # Offline machine: no statistics pings or hub look-ups from Unsloth
    env.update(UNSLOTH_DISABLE_STATISTICS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "row.json"
        cmd = [sys.executable, __file__, "--unsloth-child", str(out), "--seq", str(seq)]
        cmd += ["--steps", str(steps), "--warmup", str(warmup)] + (["--tiny"] if tiny else [])
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240 if tiny else 300)
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
            raise RuntimeError(f"unsloth child failed (rc {proc.returncode}): " + " | ".join(tail))
        return json.loads(out.read_text())


# ----------------------------------------------------------------------------- attention kernels alone


def attention_bench(tiny: bool, out: Path) -> list[dict]:
    """One attention call (forward + backward), Qwen3-8B shape, on the first packed row of the corpus.

    Correct = equal (bf16 tolerance) to SDPA run on each document alone; the dense causal row is
    the speed of a row holding a single document (not correct for packed rows).
    """
    torch = _torch()
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    from presstune.train.attention import unavailable_reason

    dev = "cuda"
    heads, kv_heads, dim = (8, 2, 32) if tiny else (32, 8, 128)
    lengths, source = document_lengths()
    row, used = [], 0
    for n in sorted(lengths, reverse=True):  # one BFD-like row: longest first until 4,096 is full
        if used + n <= 4096:
            row.append(n)
            used += n
    seq = used
    cu = torch.tensor([0, *torch.tensor(row).cumsum(0).tolist()], dtype=torch.int32, device=dev)
    doc = torch.repeat_interleave(torch.arange(len(row), device=dev), torch.tensor(row, device=dev))
    g = torch.Generator(device=dev).manual_seed(0)
    q0 = torch.randn(1, heads, seq, dim, device=dev, dtype=torch.bfloat16, generator=g)
    k0 = torch.randn(1, kv_heads, seq, dim, device=dev, dtype=torch.bfloat16, generator=g)
    v0 = torch.randn(1, kv_heads, seq, dim, device=dev, dtype=torch.bfloat16, generator=g)
    grad = torch.randn(1, heads, seq, dim, device=dev, dtype=torch.bfloat16, generator=g)
    rep = heads // kv_heads
    mask = (doc[:, None] == doc[None, :]) & torch.ones(seq, seq, dtype=torch.bool, device=dev).tril()

    def per_doc(q, k, v):
        outs = []
        for a, b in zip(cu[:-1].tolist(), cu[1:].tolist()):
            outs.append(
                F.scaled_dot_product_attention(
                    q[:, :, a:b], k[:, :, a:b], v[:, :, a:b], is_causal=True, enable_gqa=True
                )
            )
        return torch.cat(outs, dim=2)

    def sdpa_mask(backend):
        def fn(q, k, v):
            with sdpa_kernel([backend]) if backend is not None else _nullcontext():
                return F.scaled_dot_product_attention(
                    q, k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1), attn_mask=mask
                )

        return fn

    def dense(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)

    candidates = {
        "SDPA, dense causal (a single-document row; not document-correct)": dense,
        "SDPA, block-diagonal boolean mask (default kernel choice)": sdpa_mask(None),
        "SDPA, block-diagonal mask, cuDNN backend": sdpa_mask(SDPBackend.CUDNN_ATTENTION),
        "SDPA, block-diagonal mask, memory-efficient backend": sdpa_mask(SDPBackend.EFFICIENT_ATTENTION),
        "SDPA, one call per document": per_doc,
    }
    if unavailable_reason("flex_attention", dev) is None:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention

        flex = torch.compile(flex_attention)

        def doc_causal(b, h, qi, ki):
            return (doc[qi] == doc[ki]) & (qi >= ki)

        block = create_block_mask(doc_causal, None, None, seq, seq, device=dev, _compile=True)
        candidates["flex_attention (compiled), document block mask"] = lambda q, k, v: flex(
            q, k, v, block_mask=block, enable_gqa=True
        )
    if unavailable_reason("varlen", dev) is None:
        from presstune.train.attention import varlen_attention_forward

        class _M:
            is_causal = True

        candidates["torch.nn.attention.varlen (presstune_varlen)"] = lambda q, k, v: varlen_attention_forward(
            _M(), q, k, v, None, cu_seq_lens_q=cu, max_length_q=max(row)
        )[0].transpose(1, 2)

    reference = per_doc(q0.float(), k0.float(), v0.float())
    results = []
    for name, fn in candidates.items():
        try:
            q, k, v = (x.clone().requires_grad_() for x in (q0, k0, v0))
            outp = fn(q, k, v)
            err = (outp.float() - reference).abs().max().item()
            times = []
            for i in range(23):
                q.grad = k.grad = v.grad = None
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn(q, k, v).backward(grad)
                end.record()
                torch.cuda.synchronize()
                if i >= 3:
                    times.append(start.elapsed_time(end))
            results.append(
                {
                    "backend": name,
                    "ms": statistics.median(times),
                    "max_abs_err_vs_per_document": err,
                    "correct": err < 2e-2,
                }
            )
        except Exception as exc:  # a backend that cannot run here is reported, not fatal
            results.append({"backend": name, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
        print(json.dumps(results[-1]), flush=True)
    meta = {"machine": machine(), "row_documents": row, "tokens": seq, "lengths_source": source, "results": results}
    (out / "bench_attention.json").write_text(json.dumps(meta, indent=2))
    lines = [
        f"Machine: {meta['machine']}",
        "",
        f"One attention call, forward + backward, bf16, {heads} q / {kv_heads} kv heads, head dim {dim}; "
        f"one packed row of {seq} tokens in {len(row)} documents ({source}); median of 20 after 3 warm-up.",
        "",
        "| backend | ms | max abs err vs per-document SDPA (fp32) | document-correct |",
        "|---|---:|---:|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['backend']} | failed: {r['error'][:160]} | | |")
        else:
            ok = "yes" if r["correct"] else "no"
            lines.append(f"| {r['backend']} | {r['ms']:.3f} | {r['max_abs_err_vs_per_document']:.4f} | {ok} |")
    (out / "bench_attention.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return results


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def model_check(out: Path) -> list[dict]:
    """Packed loss equals the documents run one by one, per backend, through a small Qwen3 on this GPU (fp32)."""
    torch = _torch()
    from transformers import Qwen3Config, Qwen3ForCausalLM

    from presstune.train.attention import AUTO_ORDER, resolve_attention, unavailable_reason

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    cfg = Qwen3Config(
        vocab_size=512,
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=8,
        num_key_value_heads=2,
        head_dim=32,
    )
    model = Qwen3ForCausalLM(cfg).to(dev).eval()
    lens = [37, 120, 5, 200, 90]
    ids = torch.randint(0, 512, (1, sum(lens)), device=dev)
    pos = torch.cat([torch.arange(n) for n in lens])[None].to(dev)
    cu = torch.tensor([0, *torch.tensor(lens).cumsum(0).tolist()], dtype=torch.int32, device=dev)
    results = []
    with torch.no_grad():  # reference: each document alone through SDPA
        model.set_attn_implementation("sdpa")
        alone = torch.cat([model(input_ids=ids[:, a:b], use_cache=False).logits[0] for a, b in zip(cu[:-1], cu[1:])])
    for dtype in (torch.float32, torch.bfloat16):
        model.to(dtype)
        with torch.no_grad():
            model.set_attn_implementation("sdpa")
            ref = torch.cat(
                [model(input_ids=ids[:, a:b], use_cache=False).logits[0] for a, b in zip(cu[:-1], cu[1:])]
            ).float()
        for name in ("sdpa", "eager", "flex_attention", "varlen"):
            reason = unavailable_reason(name, dev)
            if reason or (name == "varlen" and dtype == torch.float32):
                results.append(
                    {"backend": name, "dtype": str(dtype), "skipped": reason or "flash kernels: bf16/fp16 only"}
                )
                continue
            try:
                model.set_attn_implementation(resolve_attention(name, dev))
                with torch.no_grad():
                    packed = model(
                        input_ids=ids,
                        position_ids=pos,
                        use_cache=False,
                        cu_seq_lens_q=cu,
                        cu_seq_lens_k=cu,
                        max_length_q=max(lens),
                        max_length_k=max(lens),
                    ).logits[0]
                err = (packed.float() - ref).abs().max().item()
                tol = 1e-3 if dtype == torch.float32 else 0.1
                results.append({"backend": name, "dtype": str(dtype), "max_abs_logit_err": err, "correct": err < tol})
            except Exception as exc:
                results.append(
                    {"backend": name, "dtype": str(dtype), "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
                )
        model.set_attn_implementation("sdpa")
        with torch.no_grad():  # control: one causal sequence over all documents (what a leak looks like)
            leak = (model(input_ids=ids, use_cache=False).logits[0].float() - ref).abs().max().item()
        results.append(
            {"backend": "control: sdpa, no document boundaries", "dtype": str(dtype), "max_abs_logit_err": leak}
        )
    del alone
    results.append({"auto_order": list(AUTO_ORDER), "auto_resolves_to": resolve_attention("auto", dev)})
    (out / "bench_attention_model_check.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results), flush=True)
    return results


# ----------------------------------------------------------------------------- tables


def summarise(
    name: str,
    times: list[float],
    tokens: list[int],
    warmup: int,
    alloc: float,
    reserved: float,
    n_params: int,
    flops_factor: int = 4,
) -> dict:
    """One table row; MFU with ``flops_factor`` x N FLOPs a token (4: LoRA, 6: full fine-tuning)."""
    timed, timed_tokens = times[warmup:] or times, tokens[warmup:] or tokens
    tok_s = sum(timed_tokens) / sum(timed)
    return {
        "name": name,
        "step_s": statistics.median(timed),
        "tokens_per_step": statistics.mean(timed_tokens),
        "tokens_per_s": tok_s,
        "mfu_4n": tok_s * 4 * n_params / PEAK_FLOPS,
        "mfu": tok_s * flops_factor * n_params / PEAK_FLOPS,
        "mfu_flops_per_token": f"{flops_factor}N",
        "params": n_params,
        "peak_alloc_gib": alloc,
        "peak_reserved_gib": reserved,
        "steps_timed": len(timed),
        "step_times": times,
        "step_tokens": tokens,
    }


def measured(rows: list[dict]) -> dict[str, dict]:
    return {r["key"]: r for r in rows if "error" not in r and "skipped" not in r}


def table(rows: list[dict]) -> str:
    base = measured(rows).get("baseline")
    lines = [
        "| rows | step (s) | real tokens/step | tokens/s | vs plain loop | MFU | peak alloc GiB | peak reserved GiB "
        "| GPU in use after GiB | estimate GiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | failed: {r['error']} | | | | | | | | |")
            continue
        if "skipped" in r:
            lines.append(f"| {r['name']} | not tried: {r['skipped']} | | | | | | | | |")
            continue
        ratio = f"{r['tokens_per_s'] / base['tokens_per_s']:.2f}x" if base else "-"
        mfu = f"{100 * r.get('mfu', r['mfu_4n']):.1f}% ({r.get('mfu_flops_per_token', '4N')})"
        planned = r.get("optimizer", {}).get("estimate", {}).get("gib")
        used = r.get("device_used_gib", float("nan"))
        lines.append(
            f"| {r['name']} | {r['step_s']:.3f} | {r['tokens_per_step']:,.0f} | {r['tokens_per_s']:,.0f} | {ratio} | "
            f"{mfu} | {r['peak_alloc_gib']:.1f} | {r['peak_reserved_gib']:.1f} | {used:.1f} "
            f"| {'-' if planned is None else f'{planned:.1f}'} |"
        )
    return "\n".join(lines)


#: Issue 35's goals: speed at the plain loop's memory, Unsloth at its memory, full fine-tuning's MFU.
SPEEDUP_GOAL, LORA_MFU_GOAL, FULL_MFU_GOAL = 2.0, 0.45, 0.35


def verdict(rows: list[dict]) -> list[str]:
    """One line per goal of issue 35: met, missed, or why it was not measured in this run."""
    done = measured(rows)
    lines = []
    base = done.get("baseline")
    peaks = base is not None and math.isfinite(base["peak_alloc_gib"])
    lora = {k: r for k, r in done.items() if k not in ("baseline", "unsloth") and not k.startswith("full")}
    goal = (
        f"- >= {SPEEDUP_GOAL:.1f}x the plain loop at <= its peak memory, MFU (4N) >= {100 * LORA_MFU_GOAL:.0f} % there"
    )
    if not peaks:
        lines.append(f"{goal}: not measured (no baseline row with GPU memory figures)")
    else:
        fitting = [r for r in lora.values() if r["peak_alloc_gib"] <= base["peak_alloc_gib"]]
        if not fitting:
            lines.append(f"{goal}: missed (no presstune row within {base['peak_alloc_gib']:.1f} GiB)")
        else:
            best = max(fitting, key=lambda r: r["tokens_per_s"])
            speedup = best["tokens_per_s"] / base["tokens_per_s"]
            met = speedup >= SPEEDUP_GOAL and best["mfu_4n"] >= LORA_MFU_GOAL
            lines.append(
                f"{goal}: {'met' if met else 'missed'} ({best['key']}: {speedup:.2f}x, "
                f"MFU {100 * best['mfu_4n']:.1f} %, {best['peak_alloc_gib']:.1f} of {base['peak_alloc_gib']:.1f} GiB)"
            )
    unsloth = done.get("unsloth")
    goal = "- >= Unsloth's tokens/s at <= Unsloth's peak memory, in the same run"
    if unsloth is None or not math.isfinite(unsloth["peak_alloc_gib"]):
        lines.append(f"{goal}: not measured (no Unsloth row with GPU memory figures)")
    else:
        fitting = [r for r in lora.values() if r["peak_alloc_gib"] <= unsloth["peak_alloc_gib"]]
        best = max(fitting, key=lambda r: r["tokens_per_s"], default=None)
        if best is None:
            lines.append(f"{goal}: missed (no presstune row within {unsloth['peak_alloc_gib']:.1f} GiB)")
        else:
            ratio = best["tokens_per_s"] / unsloth["tokens_per_s"]
            lines.append(
                f"{goal}: {'met' if ratio >= 1 else 'missed'} ({best['key']}: {ratio:.2f}x Unsloth's tokens/s at "
                f"{best['peak_alloc_gib']:.1f} of {unsloth['peak_alloc_gib']:.1f} GiB)"
            )
    full = done.get("full_auto")
    goal = f"- full fine-tuning of Qwen3-8B on one 80 GB GPU at >= {100 * FULL_MFU_GOAL:.0f} % MFU (6N)"
    skipped = next((r for r in rows if r.get("key") == "full_auto" and "skipped" in r), None)
    if full is None:
        why = f"not tried: {skipped['skipped']}" if skipped else "not measured in this run"
        lines.append(f"{goal}: {why}")
    elif not math.isfinite(full["peak_alloc_gib"]) or full["params"] < 8e9:
        lines.append(f"{goal}: not measured (not Qwen3-8B on a GPU; ran at MFU {100 * full['mfu']:.1f} %)")
    else:
        optim = full.get("optimizer", {}).get("optim", "?")
        lines.append(
            f"{goal}: {'met' if full['mfu'] >= FULL_MFU_GOAL else 'missed'} (MFU {100 * full['mfu']:.1f} % with "
            f"{optim}, {full['peak_alloc_gib']:.1f} GiB peak allocated, "
            f"{full['device_used_gib']:.1f} GiB in use on the GPU after training)"
        )
    lines.append(
        "- loss curves of the fast paths equal the plain path's within bf16 noise: not measured by this benchmark "
        "(random weights, random tokens)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--tag", default="", help="suffix of the output file names (e.g. _ddp2)")
    parser.add_argument("--seq", type=int, default=None)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="comma list of row keys (see plans in main())")
    parser.add_argument("--attention", action="store_true", help="the attention kernels alone, then exit")
    parser.add_argument("--unsloth-site", default="", help="folder with Unsloth and its pinned trl/datasets")
    parser.add_argument("--unsloth-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make-lengths", type=Path, help="write the replica corpus's Qwen3 lengths here, then exit")
    parser.add_argument(
        "--full-accumulation",
        type=int,
        default=None,
        help="micro-batches per optimizer step of the full fine-tuning rows (default 16: train-base.yaml's "
        "65,536 tokens per step at 4,096 a row; 2 with --tiny)",
    )
    args = parser.parse_args()
    seq = args.seq or (256 if args.tiny else 4096)
    if args.make_lengths:
        return make_lengths(args.make_lengths)
    if args.unsloth_child:
        return run_unsloth_child(args.tiny, seq, args.steps, args.warmup, args.unsloth_child)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.attention:
        model_check(args.out)
        attention_bench(args.tiny, args.out)
        return None
    only = set(filter(None, args.only.split(",")))
    n_layers = 4 if args.tiny else 36
    lengths, source = document_lengths()
    vocab = 2048 if args.tiny else 151936
    packed = documents(lengths, vocab, repeat=2 if args.tiny else 1)
    if args.tiny:  # shrink the documents to the tiny row length
        packed = [d[: max(8, len(d) * seq // 4096)] for d in packed]
    rows: list[dict] = []
    full_accumulation = args.full_accumulation or (2 if args.tiny else 16)

    def row(label: str, data=packed, **kw):
        return lambda: run_presstune(label, args.tiny, seq, args.steps, args.warmup, data=data, **kw)

    def full_row(label: str, optim: str):
        def run():
            # enough packed rows for every micro-batch of every step, so no step ends an epoch early
            needed = (args.steps + args.warmup) * full_accumulation * seq
            docs = documents(lengths, vocab, repeat=1 + needed // sum(lengths))
            if args.tiny:
                docs = [d[: max(8, len(d) * seq // 4096)] for d in docs]
            overrides = {"optim": optim, "gradient_accumulation_steps": full_accumulation}
            return run_presstune(
                label, args.tiny, seq, args.steps, args.warmup, data=docs, full=True, overrides=overrides
            )

        return run

    def baseline_peak() -> float:
        base = next((r for r in rows if r.get("key") == "baseline" and "error" not in r), None)
        return round(base["peak_alloc_gib"], 1) if base and base["peak_alloc_gib"] == base["peak_alloc_gib"] else 24.0

    plans = [  # most important first: a run cut off by its time limit keeps the rows done so far
        ("baseline", lambda: run_baseline(args.tiny, seq, args.steps, args.warmup)),
        ("packed", row("presstune defaults, packed rows")),
        ("packed_sdpa", row("presstune, packed rows, SDPA", overrides={"attn_implementation": "sdpa"})),
        ("packed_flex", row("presstune, packed rows, flex", overrides={"attn_implementation": "flex_attention"})),
        ("packed_varlen", row("presstune, packed rows, varlen", overrides={"attn_implementation": "varlen"})),
        (
            "packed_mem",
            lambda: row(
                f"presstune defaults, packed rows, memory target = the plain loop's peak ({baseline_peak():.1f} GiB)",
                overrides={"gradient_checkpointing_memory_gib": baseline_peak()},
            )(),
        ),
        (
            "packed_mem_unsloth",
            row(
                "presstune defaults, packed rows, memory target 16.7 GiB (Unsloth's peak on 2026-12-02)",
                overrides={"gradient_checkpointing_memory_gib": 16.7},
            ),
        ),
        (
            "full_auto",
            full_row("presstune full fine-tuning on one GPU, packed rows, train.optim auto", "auto"),
        ),
        ("single", row("presstune defaults, single 4,096-token rows", data=None)),
        ("qlora", row("presstune defaults, packed rows, QLoRA NF4", qlora=True)),
        (
            "dropped",
            row(
                "presstune defaults, packed rows, dropped",
                layers_kept=[i for i in range(n_layers) if i != (1 if args.tiny else 16)],
            ),
        ),
        ("pruned", row("presstune defaults, packed rows, pruned", layers_kept=list(range(3 if args.tiny else 24)))),
        (
            "packed_skip12",
            row(
                "presstune, packed rows, checkpointing all but last 12 (the fixed default before)",
                overrides={"gradient_checkpointing": True, "gradient_checkpointing_skip_layers": min(12, n_layers)},
            ),
        ),
        (
            "full_fsdp",
            row(
                "presstune full fine-tuning, fp32 AdamW, packed rows (launch with configs/accelerate/fsdp2.yaml)",
                full=True,
                overrides={"optim": "adamw_torch_fused"},
            ),
        ),
        ("unsloth", lambda: run_unsloth(args.tiny, seq, args.steps, args.warmup, args.unsloth_site)),
    ]
    rank0 = int(os.environ.get("RANK", "0")) == 0
    header = (
        f"Machine: {machine()}\n\nLoRA r=16 (alpha 32) on all linear layers, batch 1 x <= {seq} tokens per step, "
        f"{args.steps} steps timed after {args.warmup} warm-up steps. Packed rows: {source}, "
        f"{len(packed)} documents, {sum(len(d) for d in packed):,} tokens, packed by TRL (BFD).\n\n"
    )
    text = header
    for key, fn in plans:
        if only and key not in only:
            continue
        print(f"== {key}", flush=True)
        started = time.perf_counter()
        try:
            result = fn()
        except SkipRow as skip:  # the memory plan says it cannot fit: not tried
            result = {"name": key, "skipped": str(skip), "estimate": skip.estimate}
            print(f"skipped {key}: {skip}", flush=True)
        except Exception as exc:  # one failed configuration must not hide the others
            result = {"name": key, "error": f"{type(exc).__name__}: {str(exc)[:600]}"}
            reset_memory()
        result["key"] = key
        result["row_seconds"] = round(time.perf_counter() - started, 1)
        rows.append(result)
        print(json.dumps({k: v for k, v in result.items() if k not in ("step_times", "step_tokens")}), flush=True)
        # Rewritten after every row: a run cut off by a time limit still leaves its table.
        goals = verdict(rows)
        text = (
            header
            + table(rows)
            + "\n\nIssue 35's goals (one GPU, every row in this run):\n\n"
            + "\n".join(goals)
            + "\n"
        )
        if rank0:
            (args.out / f"bench_train{args.tag}.md").write_text(text)
            record = {"machine": machine(), "rows": rows, "verdict": goals}
            (args.out / f"bench_train{args.tag}.json").write_text(json.dumps(record, indent=2))
    if rank0:
        print(text)
    return None


if __name__ == "__main__":
    sys.exit(main())
