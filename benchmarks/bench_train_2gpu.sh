#!/usr/bin/env bash
# Issue 20 on 2 x H200 (device kind nvidia-h200-x2): DDP-LoRA scaling and FSDP2 full fine-tuning of
# Qwen3-8B on packed rows of the replica corpus, with today's defaults (configs/train-base.yaml).
# Not run yet: the 2-GPU kind was not lent on 2026-12-02. One device call, from the repository root:
#
#   bash benchmarks/bench_train_2gpu.sh WHEEL_DIR        # WHEEL_DIR: trl, datasets, liger-kernel,
#                                                        # bitsandbytes, pydantic wheels (.whl/base)
# Writes bench_train_1gpu / _ddp2 / _fsdp2 .{md,json} and the FSDP test log under $OUT.
# Scaling efficiency = tokens/s on 2 GPUs / (2 x tokens/s on 1 GPU of the same machine), same rows.
set -euo pipefail
export PYTHONUNBUFFERED=1
WHEELS=${1:-.whl/base}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$WHEELS"/*.whl
export PYTHONPATH=/tmp/site:$PWD/src
OUT=${OUT:-/tmp/bench2gpu}
mkdir -p "$OUT"
# 1) one GPU of the machine: the reference for the scaling efficiency (~1 min)
CUDA_VISIBLE_DEVICES=0 python3 benchmarks/bench_train_gpu.py --out "$OUT" --only packed,pruned --tag _1gpu \
    > "$OUT/log_1gpu.txt" 2>&1
# 2) DDP-LoRA over both GPUs, the same rows (~1 min)
python3 -m accelerate.commands.launch --config_file configs/accelerate/ddp.yaml --num_processes 2 \
    benchmarks/bench_train_gpu.py --out "$OUT" --only packed,pruned --tag _ddp2 > "$OUT/log_ddp2.txt" 2>&1
# 3) FSDP2 full fine-tuning of Qwen3-8B (fp32 master weights, AdamW), packed 4,096-token rows (~3-5 min:
#    each rank builds the random fp32 model on the CPU before sharding)
python3 -m accelerate.commands.launch --config_file configs/accelerate/fsdp2.yaml --num_processes 2 \
    benchmarks/bench_train_gpu.py --out "$OUT" --only full_fsdp --tag _fsdp2 > "$OUT/log_fsdp2.txt" 2>&1 || true
# 4) the save / resume / reload test with FSDP2 on the two GPUs (skipped on CPU)
python3 -m pytest tests/test_train_fsdp.py -q -rs > "$OUT/log_fsdp_test.txt" 2>&1 || true
cat "$OUT"/bench_train_1gpu.md "$OUT"/bench_train_ddp2.md "$OUT"/bench_train_fsdp2.md 2>/dev/null || true
tail -n 5 "$OUT/log_fsdp_test.txt"
