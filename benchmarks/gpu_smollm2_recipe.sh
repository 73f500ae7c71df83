#!/usr/bin/env bash
# On the GPU machine: issue 14's real-model measurement. One `presstune run` of
# configs/demo-smollm2-recipe.yaml (full fine-tuning, lr 1e-4, bf16 autocast over fp32 weights, five
# wordings per fact, four restatements, four fact lists, reading rows, 10 % self-rehearsal, 16 epochs)
# with its variants side by side: `original`, `pruned` (20 of 30 layers, distilled from the tuned
# original) and `original_seed` (the seed recipe, the releases only, same settings); then (RUN2=1) a
# second run with the same corpus at lr 3e-4, `original` only.
# Results: benchmarks/RESULTS.md. With `pruned` a run takes ~19-20 min on one H100/H200; self-rehearsal
# ~90 s, corpus ~2 min, evaluation ~3-3.5 min of that.
# Larger evaluation sets than the earlier runs (80 knowledge, 60 probe, 60 held-out, 30 retention
# questions). Wheels the machine lacks are in /tmp/site; SE's embedder does not travel.
# Start it detached (setsid nohup) and poll with back-to-back calls that each end with
# `bash benchmarks/pack_runs.sh smollm2_recipe`: a machine idle for 30 s goes back with every run
# on it, finished or not.
# Usage: SRC=<src> CONF=<configs> RUNS=<dir> bash benchmarks/gpu_smollm2_recipe.sh [--set k=v ...]
# (extra --set arguments go to every run: a CPU dry run shrinks the runs with them).
set -u
# shellcheck source=benchmarks/gpu_smollm2_common.sh
source "$(dirname "$0")/gpu_smollm2_common.sh"

smol() {  # name, --set arguments...
    local name=$1
    shift
    local started=$SECONDS
    /usr/bin/time -v timeout "${SMOL_LIMIT:-1500}" python3 -m presstune.cli run \
        --config "$CONF/demo-smollm2-recipe.yaml" --run "$RUNS/$name" "$@" > "$LOGS/$name.log" 2>&1
    echo "$name rc=$? wall=$((SECONDS - started))s $(date -u +%T)" >> "$LOGS/machine.txt"
}

smol r1 "$@"
summary
if [ "${RUN2:-0}" = 1 ]; then
    # The same corpus is rebuilt (seconds) rather than copied: a run directory is keyed to its run.
    smol r2 --set train.learning_rate=0.0003 --set "variants=[{name: original, kind: original}]" "$@"
    summary
fi
echo "all done $(date -u +%T)" >> "$LOGS/machine.txt"
