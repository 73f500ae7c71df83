#!/usr/bin/env bash
# On the GPU machine (repository root): the knowledge measurements of issue 14, side by side on one
# GPU. (1) The SmolLM2-135M-Instruct knowledge profile, LoRA (benchmarks/configs/demo-smollm2-knowledge.yaml)
# and full fine-tuning (the same with --set overrides), each `presstune run` end to end; (2) a sweep
# of the tiny demo's recipe (benchmarks/sweep_knowledge_demo.sh, experiments in $1). Wheels the
# machine lacks are in /tmp/site; SE's embedder does not travel (se_clustering=none).
# Usage: SRC=<src> CONF=<configs dir> BENCH_CONF=<benchmarks/configs dir> bash benchmarks/gpu_knowledge.sh DEMO_EXPERIMENTS_FILE
set -u
SRC=${SRC:-$PWD/src}
CONF=${CONF:-configs}
BENCH_CONF=${BENCH_CONF:-benchmarks/configs}
export PYTHONPATH=/tmp/site:$SRC HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 OMP_NUM_THREADS=3
mkdir -p /tmp/runs /tmp/sweep/_logs
{ date -u; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader; nproc; python3 -V; } > /tmp/sweep/_logs/machine.txt
smol() {  # name, extra --set arguments...
    local name=$1; shift
    /usr/bin/time -v timeout "${SMOL_LIMIT:-500}" python3 -m presstune.cli run --config "$BENCH_CONF/demo-smollm2-knowledge.yaml" \
        --run "/tmp/runs/$name" --set evaluate.se_clustering=none "$@" > "/tmp/sweep/_logs/$name.log" 2>&1
    echo "$name rc=$?" >> /tmp/sweep/_logs/machine.txt
}
smol smollm2_lora &
smol smollm2_full --set train.method=full --set train.learning_rate=0.0001 &
CONFIG=$CONF/demo.yaml bash "$(dirname "$0")/sweep_knowledge_demo.sh" "$1"
wait
python3 - <<'PY'
import json, pathlib
for name in ("smollm2_lora", "smollm2_full"):
    run = pathlib.Path("/tmp/runs") / name
    for m in sorted((run / "metrics").glob("*.json")):
        met = json.loads(m.read_text()).get("metrics", {})
        def v(k):
            x = met.get(k)
            return f"{x['value']*100:5.1f}%" if isinstance(x, dict) and x.get("value") is not None else "  n/a"
        print(f"{name:13s} {m.stem:14s} train {v('qa_train_contains')} as-trained {v('qa_seen_contains')} probe {v('qa_probe_contains')} "
              f"held-out {v('qa_contains')} rag {v('rag_qa_train_contains')} retention {v('retention_contains')}")
PY
tar czf "$OUT/smollm2_runs.tgz" -C /tmp/runs --exclude='*.safetensors' --exclude='*.bin' --exclude='*.pt' \
    --exclude='*.gguf' --exclude=html --exclude=pdfs --exclude='events.out.*' --exclude='checkpoint-*' .
cp /tmp/sweep/_logs/machine.txt "$OUT/"
