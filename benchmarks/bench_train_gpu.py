"""Training-step throughput on the Qwen3-8B architecture: a plain baseline vs presstune's trainer.

    python benchmarks/bench_train_gpu.py --out $OUT            # one CUDA GPU, bf16
    python benchmarks/bench_train_gpu.py --tiny --out /tmp/b   # CPU smoke run of this script

Both sides train LoRA r=16 (alpha 32, dropout 0.05) on all linear layers of a model with random
weights built from the packaged Qwen3-8B config, on batches of 1 x 4096 random tokens:

* baseline: plain transformers + peft, SDPA, gradient checkpointing, a hand loop
  (forward with labels -> HF loss over the full [4096, 151936] logits, backward, fused AdamW);
* presstune: the real training path -- TRL's SFTTrainer built by ``presstune.train.trainer``
  (``build_sft_config`` and ``_peft_config``) from ``configs/train-base.yaml``, i.e. whatever
  presstune does by default on a GPU (Liger kernels when installed, packing, ...).

Step times are taken with CUDA synchronisation around each optimizer step; the first
``--warmup`` steps are dropped and the median of the rest is reported. Peak memory is
``torch.cuda.max_memory_allocated`` (and ``max_memory_reserved``) over the whole training call.
Every row is measured in this one run, on this one GPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    import peft
    import transformers

    gpu = (
        torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else f"CPU ({platform.processor() or platform.machine()})"
    )
    return (
        f"{gpu}; torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )


def build_model(tiny: bool, layers_kept: list[int] | None = None, dtype: str = "bfloat16"):
    from presstune.models.config import ModelConfig
    from presstune.models.loading import load_base_model
    from presstune.train.variant import training_device  # this rank's GPU under accelerate launch

    if tiny:
        from transformers import Qwen3Config, Qwen3ForCausalLM

        torch.manual_seed(0)
        cfg = Qwen3Config(
            vocab_size=2048,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            attn_implementation="sdpa",
        )
        model = Qwen3ForCausalLM(cfg)
    else:
        model = load_base_model(
            ModelConfig(
                name_or_path="Qwen/Qwen3-8B",
                random_init=True,
                dtype=dtype,
                device=training_device(),
                attn_implementation="sdpa",
            )
        )
    if layers_kept is not None:
        from presstune.models.surgery import drop_layers

        drop_layers(model, [i for i in range(model.config.num_hidden_layers) if i not in layers_kept])
    return model


def lora_config():
    from peft import LoraConfig

    return LoraConfig(
        r=16,
        lora_alpha=32,
        lora_dropout=0.05,
        bias="none",
        task_type="CAUSAL_LM",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    )


def batches(vocab: int, seq: int, n: int) -> list[list[int]]:
    g = torch.Generator().manual_seed(0)
    return [torch.randint(0, vocab, (seq,), generator=g).tolist() for _ in range(n)]


def reset_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak() -> tuple[float, float]:
    if not torch.cuda.is_available():
        return float("nan"), float("nan")
    return torch.cuda.max_memory_allocated() / 2**30, torch.cuda.max_memory_reserved() / 2**30


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def run_baseline(tiny: bool, seq: int, steps: int, warmup: int) -> dict:
    from peft import get_peft_model

    model = build_model(tiny)
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
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync()
        times.append(time.perf_counter() - t0)
    alloc, reserved = peak()
    del model, opt
    reset_memory()
    return summarise(
        "baseline: transformers + peft, SDPA, grad. checkpointing, hand loop", times, warmup, seq, alloc, reserved
    )


def quantize_4bit(model):
    """NF4-quantize every decoder Linear in place (bitsandbytes), as from_pretrained(load_in_4bit) would.

    from_pretrained cannot quantize a random-init model built from a config, so the benchmark
    swaps the layers itself; the LM head and embeddings stay bf16 exactly as with BitsAndBytesConfig.
    """
    import bitsandbytes as bnb

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


def run_presstune(
    label: str,
    tiny: bool,
    seq: int,
    steps: int,
    warmup: int,
    layers_kept: list[int] | None = None,
    overrides: dict | None = None,
    qlora: bool = False,
    peft_prepare: bool = False,
) -> dict:
    import tempfile

    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTTrainer

    from presstune.config import load_config
    from presstune.models.tinybase import train_tokenizer
    from presstune.train.trainer import (
        _peft_config,
        build_sft_config,
        prepare_4bit_for_training,
        speed_callbacks,
        use_liger,
    )

    cfg = load_config(ROOT / "configs" / "train-base.yaml")
    t = cfg.train
    t.max_seq_length, t.max_steps, t.per_device_batch_size = seq, steps + warmup, 1
    t.effective_batch_tokens, t.gradient_accumulation_steps = None, 1
    t.eval_steps = t.save_steps = 10**6
    t.report_to = []
    if tiny:
        t.precision, t.optim = "fp32", "adamw_torch"
    for key, value in (overrides or {}).items():
        setattr(t, key, value)

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.times: list[float] = []

        def on_step_begin(self, args, state, control, **kw):
            sync()
            self.t0 = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):
            sync()
            self.times.append(time.perf_counter() - self.t0)

    model = build_model(tiny, layers_kept)
    if qlora:
        t.method = "qlora"
        model = quantize_4bit(model)
        if peft_prepare:  # PEFT's own preparation (fp32 embeddings, norms and LM head), for comparison
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=t.gradient_checkpointing)
        else:
            model = prepare_4bit_for_training(model, t, "bf16")
    tokenizer = train_tokenizer(["presstune benchmark text"], vocab_size=300)
    data = Dataset.from_dict({"input_ids": batches(model.config.vocab_size, seq, steps + warmup)})
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as tmp:
        args = build_sft_config(cfg, Path(tmp), has_eval=False, is_chat=False)
        args.save_strategy = "no"
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
            peft_config=_peft_config(t),
            callbacks=[*speed_callbacks(t), timer],
        )
        reset_memory()
        trainer.train()
        alloc, reserved = peak()
    layers = trainer.model.config.num_hidden_layers
    liger = use_liger(t)
    del trainer, model
    reset_memory()
    ckpt = (
        "off"
        if not t.gradient_checkpointing
        else (
            f"all but last {t.gradient_checkpointing_skip_layers}"
            if t.gradient_checkpointing_skip_layers
            else "all layers"
        )
    )
    desc = (
        f"{label}: {t.method}, {layers} layers, liger={'on' if liger else 'off'}, "
        f"lora_dropout={t.lora_dropout:g}, LoRA inputs cast by {'autocast' if t.lora_autocast_inputs else 'PEFT'}, "
        f"checkpointing={ckpt}, optim={t.optim}" + (", torch.compile" if t.torch_compile else "")
    )
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        desc += f", DDP x{world} (tokens/s over all GPUs, peak per GPU)"
    return summarise(desc, timer.times, warmup, seq * world, alloc, reserved)


def summarise(name: str, times: list[float], warmup: int, seq: int, alloc: float, reserved: float) -> dict:
    timed = times[warmup:] or times
    step = statistics.median(timed)
    return {
        "name": name,
        "step_s": step,
        "tokens_per_s": seq / step,
        "peak_alloc_gib": alloc,
        "peak_reserved_gib": reserved,
        "steps_timed": len(timed),
    }


def table(rows: list[dict]) -> str:
    base = rows[0]
    lines = [
        "| configuration | step (s) | tokens/s | vs baseline | peak alloc GiB | peak reserved GiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | failed: {r['error']} | | | | |")
            continue
        lines.append(
            f"| {r['name']} | {r['step_s']:.3f} | {r['tokens_per_s']:,.0f} | "
            f"{r['tokens_per_s'] / base['tokens_per_s']:.2f}x | {r['peak_alloc_gib']:.1f} | {r['peak_reserved_gib']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--tag", default="", help="suffix of the output file names (e.g. -ddp2)")
    parser.add_argument("--seq", type=int, default=None)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", default="", help="comma list of row keys (see plans in main())")
    args = parser.parse_args()
    seq = args.seq or (128 if args.tiny else 4096)
    only = set(filter(None, args.only.split(",")))
    want = lambda name: not only or name in only  # noqa: E731
    rows = []
    n_layers = 4 if args.tiny else 36
    # the defaults of the previous benchmark run (2026-11-24): PEFT casts every LoRA input itself
    before = {
        "lora_dropout": 0.0,
        "gradient_checkpointing_skip_layers": 1 if args.tiny else 10,
        "lora_autocast_inputs": False,
    }

    def skip(n: int) -> dict:  # LoRA inputs left to autocast, the last n layers not checkpointed
        return {"lora_autocast_inputs": True, "gradient_checkpointing_skip_layers": min(n, n_layers)}

    def row(label: str, **kw):
        return lambda: run_presstune(label, args.tiny, seq, args.steps, args.warmup, **kw)

    plans = [  # most important first: a run cut off by its time limit keeps the rows done so far
        ("baseline", lambda: run_baseline(args.tiny, seq, args.steps, args.warmup)),
        ("presstune", row("presstune (defaults, configs/train-base.yaml)")),
        ("before", row("presstune defaults of 2026-11-24", overrides=before)),
        ("ac0", row("autocast LoRA inputs, every layer checkpointed", overrides=skip(0))),
        (
            "acnockpt",
            row(
                "autocast LoRA inputs, no checkpointing",
                overrides={"lora_autocast_inputs": True, "gradient_checkpointing": False},
            ),
        ),
        ("ac10", row("autocast LoRA inputs", overrides=skip(10))),
        ("ac14", row("autocast LoRA inputs", overrides=skip(14))),
        ("ac18", row("autocast LoRA inputs", overrides=skip(18))),
        ("ac22", row("autocast LoRA inputs", overrides=skip(22))),
        ("ac13", row("autocast LoRA inputs", overrides=skip(13))),
        (
            "dropped",
            row(
                "presstune defaults, dropped", layers_kept=[i for i in range(n_layers) if i != (1 if args.tiny else 16)]
            ),
        ),
        ("pruned", row("presstune defaults, pruned", layers_kept=list(range(3 if args.tiny else 24)))),
        ("qlora", row("presstune defaults, QLoRA NF4", qlora=True)),
        (
            "qlora_peft",
            row(
                "QLoRA NF4 with peft.prepare_model_for_kbit_training (fp32 embeddings/head)",
                qlora=True,
                peft_prepare=True,
            ),
        ),
        ("compile", row("presstune defaults + torch.compile", overrides={"torch_compile": True})),
    ]
    rank0 = int(os.environ.get("RANK", "0")) == 0
    args.out.mkdir(parents=True, exist_ok=True)
    for key, fn in plans:
        if not want(key):
            continue
        print(f"== {key}", flush=True)
        try:
            rows.append(fn())
        except Exception as exc:  # one failed configuration must not hide the others
            rows.append({"name": key, "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
            reset_memory()
        print(json.dumps(rows[-1]), flush=True)
        # Rewritten after every row: a run cut off by a time limit still leaves its table.
        text = (
            f"Machine: {machine()}\n\nLoRA r=16 (alpha 32) on all linear layers, 1 x {seq} tokens per step, "
            f"median of {args.steps} steps after {args.warmup} warm-up steps.\n\n{table(rows)}\n"
        )
        if rank0:
            (args.out / f"bench_train{args.tag}.md").write_text(text)
            (args.out / f"bench_train{args.tag}.json").write_text(json.dumps(rows, indent=2))
    if rank0:
        print(text)


if __name__ == "__main__":
    sys.exit(main())
