#!/usr/bin/env bash
# On the GPU machine (repository root): the demo (tiny Qwen3, knowledge recipe) and the SmolLM2
# real-model profile, each end to end through `presstune run`, timed with /usr/bin/time.
# Wheels the machine lacks are in /tmp/site (PYTHONPATH). Semantic entropy's embedder (83 MB) does
# not travel, so both runs use evaluate.se_clustering=none. Small files of each run go to $OUT.
set -u
export PYTHONPATH=/tmp/site:$PWD/src HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$OUT"
{ date -u; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader; nproc; python3 -V; } > "$OUT/machine.txt"
run_profile() {  # name config seconds
    local name=$1 config=$2 limit=$3
    /usr/bin/time -v timeout "$limit" python3 -m presstune.cli run --config "$config" --run "/tmp/runs/$name" \
        --set evaluate.se_clustering=none > "$OUT/$name.log" 2>&1
    echo "$name rc=$?" >> "$OUT/machine.txt"
    tar czf "$OUT/$name-run.tgz" -C /tmp/runs --exclude='*.safetensors' --exclude='*.bin' --exclude='*.pt' \
        --exclude='*.pth' --exclude='*.gguf' --exclude='html' --exclude='pdfs' --exclude='events.out.*' "$name"
}
run_profile demo configs/demo.yaml "${DEMO_LIMIT:-240}"
run_profile smollm2 configs/demo-smollm2.yaml "${SMOL_LIMIT:-330}"
