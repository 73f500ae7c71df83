"""Benchmark of the models stage at full size: a Qwen3-8B-shaped model with random weights.

    python benchmarks/bench_models_gpu.py --out $OUT          # GPU (H100/H200), bf16, cuda
    python benchmarks/bench_models_gpu.py --tiny --out /tmp/b # CPU smoke run with a toy model

Steps, each timed with its peak memory (GPU: torch.cuda.max_memory_allocated since the step
began; CPU: the process's peak RSS so far): parameter count on the meta device, building the
model (packaged Qwen3-8B config, ``random_init``), layer importance on random-token
calibration batches (random weights and tokens: the numbers are meaningless, the cost is
real), the dropped and the pruned (24 layers, block) variants in memory, a 32-token greedy
generation of the pruned variant with and without KV cache, and saving it to /tmp. Prints a
Markdown table with the machine and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

from presstune.config.models import ModelConfig, VariantSpec
from presstune.models.importance import compute_importance
from presstune.models.loading import load_base_model
from presstune.models.params import count_params, human, resolve_config
from presstune.models.surgery import make_variant, save_variant


class Steps:
    def __init__(self, cuda: bool):
        self.cuda = cuda
        self.rows: list[dict] = []

    def run(self, name: str, fn, note: str = ""):
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        result = fn()
        if self.cuda:
            torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        if self.cuda:
            peak = torch.cuda.max_memory_allocated() / 2**30
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
        self.rows.append({"step": name, "seconds": round(seconds, 3), "peak_gib": round(peak, 2), "note": note})
        print(f"{name}: {seconds:.2f} s, peak {peak:.2f} GiB {note}", file=sys.stderr, flush=True)
        return result

    def markdown(self, machine: str, peak_label: str) -> str:
        lines = [f"machine: {machine}", "", f"| step | time (s) | {peak_label} | note |", "|---|---:|---:|---|"]
        for r in self.rows:
            lines.append(f"| {r['step']} | {r['seconds']:.2f} | {r['peak_gib']:.2f} | {r['note']} |")
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for bench_models.md/json")
    parser.add_argument("--tiny", action="store_true", help="toy model on CPU (smoke test of this script)")
    parser.add_argument("--samples", type=int, default=16, help="calibration sequences")
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--keep", type=int, default=None, help="layers the pruned variant keeps (default 24; tiny: 4)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="presstune-bench-models-"))
    if args.tiny:
        from presstune.models.tinybase import tiny_qwen3_config

        tiny_qwen3_config(1024, num_hidden_layers=6).save_pretrained(tmp / "tiny-config")
        model_cfg = ModelConfig(name_or_path=str(tmp / "tiny-config"), random_init=True, dtype="float32", device="cpu")
        keep = args.keep or 4
        cuda = False
        machine = f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads (tiny model)"
    else:
        if not torch.cuda.is_available():
            parser.error("no CUDA device; use --tiny for the CPU smoke run")
        model_cfg = ModelConfig(name_or_path="Qwen/Qwen3-8B", random_init=True, dtype="bfloat16", device="cuda")
        keep = args.keep or 24
        cuda = True
        machine = f"{torch.cuda.get_device_name()} ({torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB)"
    import datetime as dt

    import transformers

    machine += (
        f", torch {torch.__version__}, transformers {transformers.__version__}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    steps = Steps(cuda)

    config, source = resolve_config(model_cfg.name_or_path)
    report = steps.run("params (meta device)", lambda: count_params(config, model_cfg.name_or_path, source))
    steps.rows[-1]["note"] = f"{human(report.total)} params, {report.num_layers} layers"

    model = steps.run("build model (random init)", lambda: load_base_model(model_cfg), f"{model_cfg.dtype}")
    generator = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size
    calib = [torch.randint(0, vocab, (args.seq_len,), generator=generator).tolist() for _ in range(args.samples)]
    importance = steps.run(
        "importance (BI + angular distance)",
        lambda: compute_importance(
            model,
            None,
            calib,
            max_length=args.seq_len,
            batch_size=args.batch_size,
            block_size=report.num_layers - keep,
            model_name=model_cfg.name_or_path,
        ),
        f"{args.samples} x {args.seq_len} random tokens, batch {args.batch_size}",
    )
    rec = importance["recommendation"]

    def dropped():
        variant = copy.deepcopy(model)
        return make_variant(variant, VariantSpec(name="dropped", kind="dropped"), importance)

    variant, info = steps.run("dropped variant (copy + surgery)", dropped)
    steps.rows[-1]["note"] = f"removed layer {info['removed_layers']}; includes a full copy of the base"
    del variant
    if cuda:
        torch.cuda.empty_cache()

    spec = VariantSpec(name="pruned", kind="pruned", keep_layers=keep, strategy="block")
    model, info = steps.run("pruned variant (in place)", lambda: make_variant(model, spec, importance))
    removed = info["removed_layers"]
    steps.rows[-1]["note"] = f"kept {keep}: removed {removed[0]}..{removed[-1]} (block n={rec['block']['n']})"

    prompt = torch.randint(0, vocab, (1, 16), generator=generator).to(model.device)

    def generate(use_cache: bool):
        return model.generate(
            prompt,
            attention_mask=torch.ones_like(prompt),
            max_new_tokens=32,
            min_new_tokens=32,
            do_sample=False,
            use_cache=use_cache,
            pad_token_id=0,
        )

    with_cache = steps.run("generate 32 tokens, KV cache", lambda: generate(True), "pruned variant")
    without = steps.run("generate 32 tokens, no cache", lambda: generate(False), "pruned variant")
    same = int((with_cache == without).all(dim=0).long().cumprod(0).sum()) - prompt.shape[1]
    steps.rows[-1]["note"] += f"; first {same} of 32 tokens equal to the cached run"

    target = tmp / "pruned"
    steps.run(
        "save pruned variant (safetensors)",
        lambda: save_variant(model, target, info, base_model=model_cfg.name_or_path),
    )
    size = sum(p.stat().st_size for p in target.iterdir()) / 2**30
    steps.rows[-1]["note"] = f"{size:.2f} GiB on disk ({human(info['params_after'])} params)"
    shutil.rmtree(tmp, ignore_errors=True)

    table = steps.markdown(machine, "peak GPU mem (GiB)" if cuda else "peak RSS (GiB)")
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_models.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "bench_models.json").write_text(
        json.dumps({"machine": machine, "steps": steps.rows, "importance": rec}, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
