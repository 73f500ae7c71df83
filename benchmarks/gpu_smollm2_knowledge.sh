#!/usr/bin/env bash
# On the GPU machine: the SmolLM2-135M-Instruct knowledge profile of issue 14, `presstune run`s one
# after the other on one GPU, each end to end (replica, collect, corpus, models, train, evaluate, report):
#   full      benchmarks/configs/demo-smollm2-knowledge.yaml with full fine-tuning (lr 1e-4; pruned distilled
#             from the tuned original; the seed recipe as original_seed)
#   lora      the config as it is (LoRA r16, lr 1e-3)
#   full_e16  full fine-tuning, twice the epochs, original only (does more exposure buy recall?)
# Wheels the machine lacks are in /tmp/site; the GGUF is converted once before the runs start (three
# runs converting at once would race). SE's embedder does not travel (se_clustering=none). In sequence,
# not side by side: three runs at once were each ~3.5x slower (about the same aggregate speed), so a
# call that ends early would have had no complete run. The small files of every run are packed into
# one $OUT/smollm2_knowledge.tgz (the device returns few files per call).
# Usage: SRC=<src> BENCH_CONF=<benchmarks/configs> RUNS=<dir> bash benchmarks/gpu_smollm2_knowledge.sh [--set k=v ...]
# (extra --set arguments go to every run: a CPU dry run shrinks the runs with them).
set -u
# shellcheck source=benchmarks/gpu_smollm2_common.sh
source "$(dirname "$0")/gpu_smollm2_common.sh"

smol() {  # name, --set arguments...
    local name=$1
    shift
    local started=$SECONDS
    /usr/bin/time -v timeout "${SMOL_LIMIT:-1080}" python3 -m presstune.cli run \
        --config "$BENCH_CONF/demo-smollm2-knowledge.yaml" --run "$RUNS/$name" --set evaluate.se_clustering=none \
        "$@" > "$LOGS/$name.log" 2>&1
    echo "$name rc=$? wall=$((SECONDS - started))s" >> "$LOGS/machine.txt"
}
FULL=(--set train.method=full --set train.learning_rate=0.0001)
smol full "${FULL[@]}" "$@"
smol lora "$@"
smol full_e16 "${FULL[@]}" --set train.epochs=16 --set "variants=[{name: original, kind: original}]" "$@"

summary
[ -z "${OUT:-}" ] || RUNS=$RUNS bash "$(dirname "$0")/pack_runs.sh" smollm2_knowledge
