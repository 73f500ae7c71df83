#!/usr/bin/env bash
# On the GPU machine: the SmolLM2-135M-Instruct knowledge profile of issue 14, `presstune run`s one
# after the other on one GPU, each end to end (replica, collect, corpus, models, train, evaluate, report):
#   full      configs/demo-smollm2-knowledge.yaml with full fine-tuning (lr 1e-4; pruned distilled
#             from the tuned original; the seed recipe as original_seed)
#   lora      the config as it is (LoRA r16, lr 1e-3)
#   full_e16  full fine-tuning, twice the epochs, original only (does more exposure buy recall?)
# Wheels the machine lacks are in /tmp/site; the GGUF is converted once before the runs start (three
# runs converting at once would race). SE's embedder does not travel (se_clustering=none). In sequence,
# not side by side: three runs at once were each ~3.5x slower (about the same aggregate speed), so a
# call that ends early would have had no complete run. The small files of every run are packed into
# one $OUT/smollm2_knowledge.tgz (the device returns few files per call).
# Usage: SRC=<src> CONF=<configs> RUNS=<dir> bash benchmarks/gpu_smollm2_knowledge.sh [--set k=v ...]
# (extra --set arguments go to every run: a CPU dry run shrinks the runs with them).
set -u
SRC=${SRC:-$PWD/src}
CONF=${CONF:-$PWD/configs}
RUNS=${RUNS:-/tmp/runs}
LOGS=$RUNS/_logs
export PYTHONPATH=/tmp/site:$SRC HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
mkdir -p "$LOGS"
{
    date -u
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU"
    echo "cpus $(nproc --all)"
    python3 -V
} > "$LOGS/machine.txt"
python3 -c "from presstune.models.offline import converted_model as c; print(c('smollm2-135m-instruct'))" \
    >> "$LOGS/machine.txt" 2>&1 || { echo "conversion failed" >> "$LOGS/machine.txt"; exit 1; }

smol() {  # name, --set arguments...
    local name=$1
    shift
    local started=$SECONDS
    /usr/bin/time -v timeout "${SMOL_LIMIT:-1080}" python3 -m presstune.cli run \
        --config "$CONF/demo-smollm2-knowledge.yaml" --run "$RUNS/$name" --set evaluate.se_clustering=none \
        "$@" > "$LOGS/$name.log" 2>&1
    echo "$name rc=$? wall=$((SECONDS - started))s" >> "$LOGS/machine.txt"
}
FULL=(--set train.method=full --set train.learning_rate=0.0001)
smol full "${FULL[@]}" "$@"
smol lora "$@"
smol full_e16 "${FULL[@]}" --set train.epochs=16 --set "variants=[{name: original, kind: original}]" "$@"

python3 - "$RUNS" <<'PY' | tee "$LOGS/summary.txt"
import json, pathlib, sys
runs = pathlib.Path(sys.argv[1])
keys = [("qa_train_contains", "knowledge"), ("qa_probe_contains", "probe"), ("qa_contains", "held-out"),
        ("rag_qa_train_contains", "+RAG"), ("retention_contains", "retention")]
for run in sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith("_")):
    for path in sorted((run / "metrics").glob("*.json")):
        metrics = json.loads(path.read_text()).get("metrics", {})
        cells = []
        for key, label in keys:
            m = metrics.get(key)
            value = m.get("value") if isinstance(m, dict) else None
            cells.append(f"{label} {value * 100:5.1f}%" if value is not None else f"{label}   n/a")
        print(f"{run.name:9s} {path.stem:14s} " + "  ".join(cells))
PY
if [ -n "${OUT:-}" ]; then
    (cd "$RUNS" && tar czf "$OUT/smollm2_knowledge.tgz" _logs */run.json */metrics */report/README.md \
        */checkpoints/*/train_result.json */checkpoints/*/loss_curve.csv */checkpoints/*/README.md */dataset/README.md)
fi
