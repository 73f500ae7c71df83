"""Where the CPU demo's training time goes: presstune's trainer against a plain loop, side by side.

Both train the same demo model (full fine-tuning, fp32) on the same packed micro-batches of a run's
``dataset/train.jsonl`` (the path ``presstune demo`` runs: TRL's SFTTrainer with padding-free
packing, its fused LM head computing loss, entropy and top-1 metrics, gradient accumulation,
logging) vs ``model(**batch).loss.backward(); AdamW.step()``. A ratio near 1 says the time is the
model's own arithmetic, not the trainer's.

    python benchmarks/bench_train_step_cpu.py --run runs/demo --model ~/.cache/presstune/demo-base/<key>

``--precisions fp32,bf16`` also times the trainer under each further precision (bf16: autocast
over fp32 master weights; CPUs with AVX-512 BF16 or AMX run its matrix products natively), each
over the same batches in the same process, as a ratio to the first. ``--attention sdpa,sdpa_documents``
does the same for ``train.attn_implementation`` (every precision x attention pair is timed; the
plain loop runs the first pair).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import platform
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, help="a demo run directory (its dataset/ is used)")
    ap.add_argument("--model", required=True, help="the demo base folder the run fine-tunes")
    ap.add_argument("--config", default="configs/demo.yaml")
    ap.add_argument("--steps", type=int, default=30, help="optimizer steps per side (the first 5 are warm-up)")
    ap.add_argument("--precisions", default="fp32", help="train.precision values, comma-separated; first = reference")
    ap.add_argument("--attention", default="sdpa", help="train.attn_implementation values, comma-separated")
    args = ap.parse_args()

    import torch
    from transformers import TrainerCallback

    from presstune.config import load_config
    from presstune.train.trainer import _build_trainer, _load_splits
    from presstune.train.variant import VariantSpec

    run = Path(args.run)
    settings = [(p, a) for p in args.precisions.split(",") for a in args.attention.split(",")]
    step_times: list[float] = []

    class StepTimer(TrainerCallback):
        def on_step_begin(self, a, state, control, **kw):
            self.t0 = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):
            step_times.append(time.perf_counter() - self.t0)

    out = Path(os.environ.get("TMPDIR", "/tmp")) / "presstune-bench-train-step"
    spec = VariantSpec(name="original", kind="original")
    trainer_s: dict[str, float] = {}
    for precision, attention in settings:
        cfg = load_config(
            args.config,
            overrides=[
                f"model.name_or_path={args.model}",
                f"train.max_steps={args.steps}",
                f"train.precision={precision}",
                f"train.attn_implementation={attention}",
                "train.report_to=[]",
                "train.save_steps=100000",
                "train.eval_steps=100000",
            ],
        )
        splits = _load_splits(run / "dataset", cfg.train)
        trainer, _, _, _ = _build_trainer(cfg, spec, run, (out, out), splits, (None, None, None), False, [StepTimer()])
        if (precision, attention) == settings[0]:
            plain_model = copy.deepcopy(trainer.model)
            ga = cfg.train.gradient_accumulation_steps
            batches = [b for _, b in zip(range(args.steps * ga), trainer.get_train_dataloader())]
            tokens_per_step = sum(int(b["input_ids"].numel()) for b in batches) / len(batches) * ga
        step_times.clear()
        trainer.train()
        trainer_s[f"{precision}, {attention}"] = sum(step_times[5:]) / len(step_times[5:])

    keys = [k for k in batches[0] if k in ("input_ids", "labels", "position_ids", "attention_mask")]
    plain_model.train()
    opt = torch.optim.AdamW(plain_model.parameters(), lr=cfg.train.learning_rate)
    plain_times = []
    for i in range(0, len(batches) - ga + 1, ga):
        t0 = time.perf_counter()
        for batch in batches[i : i + ga]:
            (plain_model(**{k: batch[k] for k in keys}).loss / ga).backward()
        opt.step()
        opt.zero_grad()
        plain_times.append(time.perf_counter() - t0)
    plain_s = sum(plain_times[5:]) / len(plain_times[5:])

    print(f"# {dt.date.today()} · {platform.processor() or platform.machine()} · {torch.get_num_threads()} threads")
    print(f"tokens per optimizer step (mean): {tokens_per_step:,.0f}")
    reference = next(iter(trainer_s))
    for setting, seconds in trainer_s.items():
        print(
            f"presstune trainer, {setting}: {seconds * 1000:,.0f} ms/step, {tokens_per_step / seconds:,.0f} tokens/s"
            + (f" ({trainer_s[reference] / seconds:.2f}x {reference})" if setting != reference else "")
        )
    print(f"plain loop, {reference}:  {plain_s * 1000:,.0f} ms/step, {tokens_per_step / plain_s:,.0f} tokens/s")
    print(f"trainer / plain ({reference}): {trainer_s[reference] / plain_s:.2f}")


if __name__ == "__main__":
    main()
